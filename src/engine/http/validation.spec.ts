import { BadRequestException } from '@nestjs/common';
import { IsString } from 'class-validator';
import { StrictValidationPipe } from './validation';

class NameDto {
  @IsString()
  name!: string;
}

const body = (value: unknown) =>
  new StrictValidationPipe().transform(value, { type: 'body', metatype: NameDto });
const messageOf = async (p: Promise<unknown>) => {
  const e = await p.catch((err: unknown) => err);
  expect(e).toBeInstanceOf(BadRequestException);
  return String(((e as BadRequestException).getResponse() as { message: unknown }).message);
};

/** Found by the fuzz tests (test/fuzz-rest.e2e-spec.ts): each of these used to get through. */
describe('StrictValidationPipe', () => {
  it('refuses a __proto__ key, which class-transformer drops before the whitelist sees it', async () => {
    // It used to register the file: the unknown key was silently ignored.
    expect(await messageOf(body(JSON.parse('{"__proto__": {"x": 1}, "name": "a"}')))).toBe(
      '__proto__: the key __proto__ is not allowed',
    );
  });

  it('refuses NUL characters, which PostgreSQL cannot store (a 500 from the query before)', async () => {
    expect(await messageOf(body({ name: 'a\u0000b' }))).toBe('name: must not contain NUL characters');
  });

  it('leaves custom parameters (GraphQL context, parent objects) alone', async () => {
    const context = { req: { weird: 'a\u0000' } };
    await expect(
      new StrictValidationPipe().transform(context, { type: 'custom', metatype: Object }),
    ).resolves.toBe(context);
  });

  it('still refuses an unknown field', async () => {
    expect(await messageOf(body({ name: 'a', extra: 1 }))).toMatch(/extra: property extra should not exist/);
  });
});
