import { cookieValue } from './cookies';

describe('cookieValue', () => {
  it('finds one cookie among others, percent-decoded and unquoted', () => {
    expect(cookieValue('theme=dark; ccat_admin_session=a%2Fb; other=1', 'ccat_admin_session')).toBe('a/b');
    expect(cookieValue('ccat_admin_session="quoted"', 'ccat_admin_session')).toBe('quoted');
  });

  it('is null when the header or the cookie is missing or empty', () => {
    expect(cookieValue(undefined, 'ccat_admin_session')).toBeNull();
    expect(cookieValue('theme=dark', 'ccat_admin_session')).toBeNull();
    expect(cookieValue('ccat_admin_session=', 'ccat_admin_session')).toBeNull();
  });
});
