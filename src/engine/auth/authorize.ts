import { DomainError } from '../errors/domain-error';
import { TokenScope } from './api-token.entity';
import { ApiTokenService, Principal } from './api-token.service';

/**
 * The token in an `Authorization: Bearer <token>` header; null without the header. A malformed header is
 * an error rather than "no token", so a script with a typo is told what is wrong.
 */
export function bearerTokenOf(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, token] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw new DomainError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
  }
  return token;
}

/**
 * The principal behind a presented token, if the token is valid and holds one of the accepted scopes
 * (`admin` holds them all): the one check behind the global guard and the raw express routes alike.
 */
export async function authorize(
  tokens: ApiTokenService,
  presented: string,
  accepted: readonly TokenScope[],
  /** The caller's address (`req.ip`): its failed attempts are counted and limited. */
  client?: string,
): Promise<Principal> {
  const principal = await tokens.verify(presented, client);
  if (!principal) throw new DomainError('UNAUTHENTICATED', 'invalid, revoked or expired token');
  assertScopes(principal, accepted);
  return principal;
}

/** FORBIDDEN unless `principal` holds one of `accepted` (`admin` holds them all). */
export function assertScopes(principal: Principal, accepted: readonly TokenScope[]): void {
  const held = new Set(principal.scopes);
  if (!held.has(TokenScope.ADMIN) && !accepted.some((s) => held.has(s))) {
    throw new DomainError('FORBIDDEN', `token ${principal.name} lacks the ${accepted.join(' or ')} scope`);
  }
}
