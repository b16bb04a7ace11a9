import { validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('fills in defaults for everything that is not set', () => {
    const env = validateEnvironment({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/ccat');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.API_PORT).toBe(3000);
  });

  it('parses numbers given as strings', () => {
    expect(validateEnvironment({ API_PORT: '4123' }).API_PORT).toBe(4123);
  });

  it('refuses a bad setting with a message naming it', () => {
    expect(() => validateEnvironment({ API_PORT: 'eighty' })).toThrow(
      /API_PORT="eighty": API_PORT must be an integer/,
    );
    expect(() => validateEnvironment({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});
