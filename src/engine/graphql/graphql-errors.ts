import { BadRequestException, HttpException, Logger } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError, DomainErrorCode } from '../errors/domain-error';
import { httpStatusOf } from '../http/domain-exception.filter';

/** The GraphQL transport's one mapping of domain error codes, as the REST filter has its own. */
export function graphqlCodeOf(code: DomainErrorCode): string {
  switch (code) {
    case 'VALIDATION':
      return 'BAD_USER_INPUT';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'CONFLICT':
    case 'ILLEGAL_TRANSITION':
    case 'UNSAFE_TOPOLOGY_CHANGE':
      return 'CONFLICT';
    case 'UNAUTHENTICATED':
      return 'UNAUTHENTICATED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
    case 'TOO_MANY_REQUESTS':
      return 'TOO_MANY_REQUESTS';
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** `input.shortName: must match …` (what the validation pipe writes) → { field, message }. */
export function fieldErrorsOf(messages: string[]): FieldError[] {
  return messages.map((m) => {
    const at = m.indexOf(': ');
    return at > 0 ? { field: m.slice(0, at), message: m.slice(at + 2) } : { field: '', message: m };
  });
}

const logger = new Logger('GraphQLErrors');

/**
 * What a client sees of an error: the code and message of errors we raise on purpose, the field-level list
 * of validation failures, GraphQL's own parse and validation errors as they are, and for anything else
 * (a bug) "Internal server error" and nothing of the internals, which go to the log instead.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    const fields = original.details?.field
      ? [{ field: String(original.details.field), message: original.message }]
      : undefined;
    return {
      ...base,
      message: original.message,
      extensions: {
        code: graphqlCodeOf(original.code),
        status: httpStatusOf(original.code),
        ...(fields ? { fields } : {}),
        ...(original.details ? { details: original.details } : {}),
      },
    };
  }
  if (original instanceof BadRequestException) {
    const response = original.getResponse() as { message?: string | string[] };
    const messages = Array.isArray(response.message) ? response.message : [String(response.message)];
    return {
      ...base,
      message: messages.join('; '),
      extensions: { code: 'BAD_USER_INPUT', status: 400, fields: fieldErrorsOf(messages) },
    };
  }
  if (original instanceof HttpException) {
    return {
      ...base,
      message: original.message,
      extensions: { code: 'BAD_REQUEST', status: original.getStatus() },
    };
  }
  if (!original || original instanceof GraphQLError) {
    // GraphQL's own errors (syntax, unknown field, wrong argument type) carry their code already.
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    // One that wraps nothing and came without a code (Apollo then says INTERNAL_SERVER_ERROR) was raised
    // by GraphQL about the request itself, e.g. a subscription, which this schema does not serve.
    if (error instanceof GraphQLError && !error.originalError && !error.extensions?.code)
      return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_REQUEST' } };
  }
  logger.error({ err: original, path: formatted.path }, `GraphQL ${formatted.path?.join('.')} failed`);
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
