import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError } from '../errors/domain-error';
import { httpStatusOf } from './domain-exception.filter';

/**
 * A check for raw express routes and middleware (what Nest's guards do not see: Bull Board, the bulk body
 * before it is parsed): a DomainError from `check` is answered in the REST error shape, with its status.
 */
export function expressGate(check: (req: Request) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    check(req).then(
      () => next(),
      (err: unknown) => {
        if (!(err instanceof DomainError)) return next(err);
        const statusCode = httpStatusOf(err.code);
        res
          .status(statusCode)
          .json({ statusCode, error: HttpStatus[statusCode], message: err.message, code: err.code });
      },
    );
  };
}
