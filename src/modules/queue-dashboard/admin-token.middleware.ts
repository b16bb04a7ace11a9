import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError } from '../../common/errors/domain-error';
import { httpStatusOf } from '../../common/http/domain-exception.filter';
import { TokenScope } from '../auth/api-token.entity';
import { ApiTokenService } from '../auth/api-token.service';
import { authorize } from '../auth/authorize';
import { presentedToken } from './admin-credentials';

/**
 * The admin check for raw express routes (the global BearerTokenGuard only sees Nest controllers): a
 * valid token with the admin scope, from the Authorization header or the /admin sign-in cookie. Answers
 * 401/403 in the same JSON shape as the REST error filter.
 */
export function requireAdminToken(tokens: ApiTokenService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    checkAdmin(tokens, req).then(next, (err: unknown) => {
      if (!(err instanceof DomainError)) return next(err);
      const statusCode = httpStatusOf(err.code);
      res.status(statusCode).json({
        statusCode,
        error: HttpStatus[statusCode],
        message: err.message,
        code: err.code,
      });
    });
  };
}

async function checkAdmin(tokens: ApiTokenService, req: Request): Promise<void> {
  const token = presentedToken(req.headers);
  if (!token) {
    throw new DomainError(
      'UNAUTHENTICATED',
      'an admin token is required: send Authorization: Bearer <token>, or sign in on /admin first',
    );
  }
  await authorize(tokens, token, [TokenScope.ADMIN]);
}
