import { UnrecoverableError } from 'bullmq';
import { QueryFailedError } from 'typeorm';
import { ChecksumMismatchError } from '../storage/storage-errors';
import { reasonOf } from './error-reason';

describe('reasonOf (the reason label of task failures)', () => {
  it('names a task error by its code, never by its message with paths in it', () => {
    const err = new ChecksumMismatchError('ccat/buffer/a.tar', { size: 1 }, { size: 2, sha256: 'ab' });
    expect(reasonOf(err)).toBe('CHECKSUM_MISMATCH');
  });

  it('names a permanent failure by the error BullMQ was given as its cause', () => {
    const cause = new ChecksumMismatchError('x', {}, { size: 0, sha256: '' });
    expect(reasonOf(Object.assign(new UnrecoverableError('x: bytes differ'), { cause }))).toBe(
      'CHECKSUM_MISMATCH',
    );
    expect(reasonOf(new UnrecoverableError('no cause'))).toBe('UnrecoverableError');
  });

  it('prefers a system or SQLSTATE code to the class', () => {
    expect(
      reasonOf(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8081'), { code: 'ECONNREFUSED' })),
    ).toBe('ECONNREFUSED');
    const pg = new QueryFailedError('SELECT 1', [], Object.assign(new Error('deadlock'), { code: '40P01' }));
    expect(reasonOf(pg)).toBe('40P01');
  });

  it('ignores codes that are not short constants, and things that are not errors', () => {
    expect(reasonOf(Object.assign(new TypeError('bad'), { code: 'some free text, with spaces' }))).toBe(
      'TypeError',
    );
    expect(reasonOf('a string was thrown')).toBe('unknown');
  });
});
