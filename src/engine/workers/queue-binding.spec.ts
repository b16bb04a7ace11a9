import { isDatabaseUnavailable } from './queue-binding.service';

describe('a job failure that is the database’s unavailability, not the job’s', () => {
  it.each(['08006', '08001', '53300', '57P01', '57P03'])('is SQLSTATE %s', (code) => {
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(true);
  });

  it.each(['23505', '40P01', 'ECONNREFUSED', undefined])(
    'is not %s (a conflict, a deadlock, an http pull)',
    (code) => {
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(false);
    },
  );
});
