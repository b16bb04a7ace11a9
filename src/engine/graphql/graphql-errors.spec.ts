import { GraphQLError } from 'graphql';
import { DomainError } from '../errors/domain-error';
import { formatGraphqlError } from './graphql-errors';

/** As Apollo hands errors over: a codeless one already coded INTERNAL_SERVER_ERROR in the formatted copy. */
const format = (error: unknown) =>
  formatGraphqlError(
    { message: (error as Error).message, path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    error,
  );

describe('formatGraphqlError', () => {
  // Found by the fuzz test: `subscription { … }` was answered as an internal server error.
  it('codes GraphQL’s own codeless errors about the request as BAD_REQUEST', () => {
    const error = new GraphQLError('Schema is not configured to execute subscription operation.');
    expect(format(error).extensions?.code).toBe('BAD_REQUEST');
    expect(format(error).message).toMatch(/subscription/);
  });

  it('still hides what a resolver threw by mistake', () => {
    const wrapped = new GraphQLError('boom', { originalError: new TypeError('x is undefined') });
    expect(format(wrapped)).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('maps a domain error to its code and status', () => {
    const wrapped = new GraphQLError('x', { originalError: new DomainError('NOT_FOUND', 'no such site') });
    expect(format(wrapped)).toMatchObject({
      message: 'no such site',
      extensions: { code: 'NOT_FOUND', status: 404 },
    });
  });
});
