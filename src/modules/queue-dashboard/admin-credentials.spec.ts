import { DomainError } from '../../common/errors/domain-error';
import { ADMIN_TOKEN_COOKIE, cookieValue, presentedToken } from './admin-credentials';

describe('presentedToken', () => {
  it('takes the bearer token from the Authorization header, whatever the case of the scheme', () => {
    expect(presentedToken({ authorization: 'Bearer ccat_abc' })).toBe('ccat_abc');
    expect(presentedToken({ authorization: 'bearer  ccat_abc ' })).toBe('ccat_abc');
  });

  it('prefers the header to the cookie', () => {
    const headers = { authorization: 'Bearer from-header', cookie: `${ADMIN_TOKEN_COOKIE}=from-cookie` };
    expect(presentedToken(headers)).toBe('from-header');
  });

  it('falls back to the admin cookie among others', () => {
    expect(presentedToken({ cookie: `theme=dark; ${ADMIN_TOKEN_COOKIE}=ccat_x_y; other=1` })).toBe(
      'ccat_x_y',
    );
  });

  it('refuses a malformed Authorization header instead of ignoring it', () => {
    expect(() => presentedToken({ authorization: 'Basic dXNlcjpwYXNz' })).toThrow(DomainError);
    expect(() => presentedToken({ authorization: 'Bearer' })).toThrow(/Bearer <token>/);
  });

  it('is null when the request presents nothing', () => {
    expect(presentedToken({})).toBeNull();
    expect(presentedToken({ cookie: 'theme=dark' })).toBeNull();
  });
});

describe('cookieValue', () => {
  it('decodes percent-encoding and quotes, and does not match a cookie whose name merely ends alike', () => {
    expect(cookieValue('a=%41b', 'a')).toBe('Ab');
    expect(cookieValue('a="q"', 'a')).toBe('q');
    expect(cookieValue(`x${ADMIN_TOKEN_COOKIE}=no`, ADMIN_TOKEN_COOKIE)).toBeNull();
    expect(cookieValue(`${ADMIN_TOKEN_COOKIE}=`, ADMIN_TOKEN_COOKIE)).toBeNull();
  });
});
