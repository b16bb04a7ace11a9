import type { Request, RequestHandler } from 'express';
import { DomainError } from '../../common/errors/domain-error';
import { expressGate } from '../../common/http/express-gate';
import { TokenScope } from '../auth/api-token.entity';
import { ApiTokenService } from '../auth/api-token.service';
import { authorize } from '../auth/authorize';
import { clientOf } from '../auth/bearer-token.guard';
import { presentedToken } from './admin-credentials';

/**
 * The admin check for raw express routes (the global BearerTokenGuard only sees Nest controllers): a
 * valid token with the admin scope, from the Authorization header or the /admin sign-in cookie. Answers
 * 401/403 in the same JSON shape as the REST error filter.
 */
export function requireAdminToken(tokens: ApiTokenService): RequestHandler {
  return expressGate((req) => checkAdmin(tokens, req));
}

async function checkAdmin(tokens: ApiTokenService, req: Request): Promise<void> {
  const token = presentedToken(req.headers);
  if (!token) {
    throw new DomainError(
      'UNAUTHENTICATED',
      'an admin token is required: send Authorization: Bearer <token>, or sign in on /admin first',
    );
  }
  await authorize(tokens, token, [TokenScope.ADMIN], clientOf(req));
}
