import { BadRequestException } from '@nestjs/common';
import { StrictValidationPipe } from '../../../engine/http/validation';
import { RegisterRawDataFilesBulkDto } from './register-raw-data-files-bulk.dto';

const file = {
  id: 'b7672848-6ffd-406c-9c4a-036a479c614e',
  site: 'ccat',
  location: 'telescope_computer',
  path: 'primecam/a.fits',
  size: 1,
  sha256: 'a'.repeat(64),
  executedObsUnitId: '205918ca-a2fe-4cff-8bce-27f855dd17dd',
  instrumentModule: 'pcam_280',
};

const validate = (body: unknown) =>
  new StrictValidationPipe().transform(body, { type: 'body', metatype: RegisterRawDataFilesBulkDto });

describe('RegisterRawDataFilesBulkDto', () => {
  it('accepts a list of files', async () => {
    await expect(validate({ files: [file] })).resolves.toBeInstanceOf(RegisterRawDataFilesBulkDto);
  });

  // Found by the fuzz test: a list nested in the list passed validation and crashed the service (a 500).
  it.each([[[[file]]], [[file, [file]]], [[null]], [['a']]])(
    'refuses files: %j with a 400 naming files',
    async (files) => {
      const refusal = await validate({ files }).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(BadRequestException);
      expect(String((refusal as BadRequestException).getResponse()['message' as never])).toMatch(/files/);
    },
  );
});
