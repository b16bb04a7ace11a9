import type { Request } from 'express';
import { cookieValue } from '../http/cookies';
import { DomainError } from '../errors/domain-error';
import { ADMIN_SESSION_COOKIE, AdminSessionService } from './admin-session.service';
import { TokenScope } from './api-token.entity';
import { ApiTokenService, Principal } from './api-token.service';
import { assertScopes, authorize, bearerTokenOf } from './authorize';
import { clientOf } from './client-address';

/**
 * Who makes a request, holding one of the `accepted` scopes: the bearer token of its Authorization header
 * (scripts, curl, instruments), else the /admin session of its cookie (the page, Bull Board). The one
 * check behind the global guard and the raw express routes alike. A malformed Authorization header is an
 * error rather than a fall-back to the cookie, so a script with a typo is told what is wrong.
 */
export async function principalOfRequest(
  tokens: ApiTokenService,
  sessions: AdminSessionService | undefined,
  req: Request,
  accepted: readonly TokenScope[],
): Promise<Principal> {
  const token = bearerTokenOf(req.headers.authorization);
  if (token) return authorize(tokens, token, accepted, clientOf(req));
  const secret = sessions ? cookieValue(req.headers.cookie, ADMIN_SESSION_COOKIE) : null;
  if (!secret)
    throw new DomainError(
      'UNAUTHENTICATED',
      'Authorization: Bearer <token> header required (or, in a browser, sign in on /admin first)',
    );
  const principal = await sessions!.principalOf(secret);
  if (!principal)
    throw new DomainError(
      'UNAUTHENTICATED',
      'the /admin session has ended (signed out, expired or its token revoked): sign in again',
    );
  assertScopes(principal, accepted);
  return principal;
}
