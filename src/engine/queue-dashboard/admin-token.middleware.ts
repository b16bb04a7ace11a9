import type { RequestHandler } from 'express';
import { expressGate } from '../http/express-gate';
import { AdminSessionService } from '../auth/admin-session.service';
import { TokenScope } from '../auth/api-token.entity';
import { ApiTokenService } from '../auth/api-token.service';
import { principalOfRequest } from '../auth/request-principal';

/**
 * The admin check for raw express routes (the global BearerTokenGuard only sees Nest controllers): the
 * admin scope, from the Authorization header or the /admin session cookie. Answers 401/403 in the same
 * JSON shape as the REST error filter.
 */
export function requireAdminToken(tokens: ApiTokenService, sessions: AdminSessionService): RequestHandler {
  return expressGate(async (req) => {
    await principalOfRequest(tokens, sessions, req, [TokenScope.ADMIN]);
  });
}
