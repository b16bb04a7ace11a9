import { requestOf, verdictOf } from './relay-forwarder.service';

describe('what the central API answer means for a journal entry', () => {
  it('accepts any 2xx (201 new, 200 already registered identically)', () => {
    expect(verdictOf(201, undefined)).toEqual({ kind: 'accepted' });
    expect(verdictOf(200, { message: 'x' })).toEqual({ kind: 'accepted' });
  });

  it.each([
    [400, { message: 'instrument: unknown instrument x', code: 'VALIDATION' }],
    [409, { message: 'already started with different values', code: 'CONFLICT' }],
    [404, { message: 'executed obs unit u does not exist', code: 'NOT_FOUND' }],
    [413, { message: 'request entity too large' }],
    [
      403,
      {
        message: 'token site-relay is bound to instrument primecam; it may not register for instrument chai',
        code: 'FORBIDDEN',
        details: { binding: { token: 'site-relay', instruments: ['primecam'], sources: null } },
      },
    ],
  ])('dead-letters a %i about the entry itself', (status, body) => {
    expect(verdictOf(status, body)).toEqual({ kind: 'refused', status, message: body.message });
  });

  it.each([
    [401, { message: 'invalid, revoked or expired token', code: 'UNAUTHENTICATED' }],
    [403, { message: 'token lacks the ingest scope', code: 'FORBIDDEN' }],
    [404, { message: 'Cannot POST /wrong/raw-data-files' }],
    [404, undefined],
    [408, undefined],
    [429, undefined],
    [500, { message: 'Internal server error' }],
    [502, undefined],
    [503, undefined],
  ])('retries a %i, which is not the entry’s fault (no entry is ever dropped for it)', (status, body) => {
    expect(verdictOf(status, body).kind).toBe('retry');
  });

  it('sends each operation where the central API takes it', () => {
    const at = '2026-11-25T00:00:00.000Z';
    expect(requestOf({ seq: 1, at, op: 'obs-unit.start', body: {} })).toEqual({
      method: 'POST',
      path: '/executed-obs-units/start',
    });
    expect(requestOf({ seq: 2, at, op: 'obs-unit.finish', target: 'u1', body: {} })).toEqual({
      method: 'PUT',
      path: '/executed-obs-units/u1/finish',
    });
    expect(requestOf({ seq: 3, at, op: 'raw-data-file', body: {} }).path).toBe('/raw-data-files');
    expect(requestOf({ seq: 4, at, op: 'raw-data-files.bulk', body: {} }).path).toBe('/raw-data-files/bulk');
  });
});
