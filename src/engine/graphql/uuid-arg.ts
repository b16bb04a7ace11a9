import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

/** For `@Args('id', uuidArg('id'))`: a malformed id is a field error naming the argument, not a 500. */
export const uuidArg = (field: string) =>
  new ParseUUIDPipe({
    exceptionFactory: () => new DomainError('VALIDATION', `${field}: must be a UUID`, { field }),
  });
