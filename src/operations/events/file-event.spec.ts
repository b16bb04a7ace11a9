import { FileEvent, fileEventId, parseStreamFields, toStreamFields } from './file-event';

const event: FileEvent = {
  eventId: fileEventId('7f0c1d2e-0000-4000-8000-000000000001', '7f0c1d2e-0000-4000-8000-00000000000f'),
  type: 'file.archived',
  v: 1,
  data: {
    fileId: '7f0c1d2e-0000-4000-8000-00000000000f',
    path: 'primecam/u1/pcam_280/scan_0.fits',
    size: 5_000_000_000,
    sha256: 'a'.repeat(64),
    obsUnitId: '7f0c1d2e-0000-4000-8000-0000000000aa',
    obsUnit: 'field_0',
    instrument: 'primecam',
    module: 'pcam_280',
    packageId: '7f0c1d2e-0000-4000-8000-0000000000bb',
    packageName: 'primecam_field_0_pcam_280_0001',
    site: 'cologne',
    location: 'lta',
    at: '2026-11-24T23:00:00.000Z',
    ltaTransferId: '7f0c1d2e-0000-4000-8000-0000000000cc',
  },
};

describe('the file event on the stream', () => {
  it('is four fields: eventId, type, v and the data as JSON, and reads back as it was written', () => {
    const fields = toStreamFields(event);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(['eventId', 'type', 'v', 'data']);
    expect(fields[5]).toBe('1');
    expect(parseStreamFields(fields)).toEqual(event);
  });

  it('has an id made of its outbox row and its file, so a relayed row repeats the same ids', () => {
    expect(fileEventId('o', 'f')).toBe(fileEventId('o', 'f'));
    expect(fileEventId('o', 'f')).not.toBe(fileEventId('o', 'g'));
    expect(fileEventId('o', 'f')).not.toBe(fileEventId('p', 'f'));
  });

  it('refuses entries of another type or version rather than misreading them', () => {
    const fields = toStreamFields(event);
    const withType = [...fields];
    withType[3] = 'file.vanished';
    expect(() => parseStreamFields(withType)).toThrow('not a file event: type file.vanished');
    const withVersion = [...fields];
    withVersion[5] = '2';
    expect(() => parseStreamFields(withVersion)).toThrow('file event version 2 is not 1');
  });
});
