import type { ApolloServerPlugin } from '@apollo/server';
import type { Request } from 'express';
import { BREAK, GraphQLError, visit } from 'graphql';
import type { DocumentNode } from 'graphql';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { ApiTokenService } from '../../engine/auth/api-token.service';
import { authorize, bearerTokenOf } from '../../engine/auth/authorize';
import { clientOf } from '../../engine/auth/client-address';
import { DomainError } from '../../engine/errors/domain-error';

/** Whether a document asks for the schema itself (`__schema`, `__type`); `__typename` is an ordinary field. */
export function asksForSchema(document: DocumentNode): boolean {
  let asks = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        asks = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return asks;
}

/**
 * GraphQL introspection (the schema, every type and field) only for a caller with a `read` token, unless
 * API_SCHEMA_PUBLIC opens it: a stranger learns nothing of the API's shape. Checked once the operation is
 * parsed, before anything is resolved.
 */
export function introspectionGate(
  tokens: ApiTokenService,
  open: boolean,
): ApolloServerPlugin<{ req: Request }> {
  return {
    async requestDidStart() {
      if (open) return {};
      return {
        async didResolveOperation({ document, contextValue }) {
          if (!asksForSchema(document)) return;
          const req = contextValue.req;
          try {
            const token = bearerTokenOf(req.headers.authorization);
            if (!token) throw new DomainError('UNAUTHENTICATED', 'introspection needs a read token');
            await authorize(tokens, token, [TokenScope.READ], clientOf(req));
          } catch (err) {
            const code = err instanceof DomainError ? err.code : 'UNAUTHENTICATED';
            throw new GraphQLError(
              `introspection needs a read token (or API_SCHEMA_PUBLIC=true): ${(err as Error).message}`,
              {
                extensions: {
                  code,
                  http: { status: code === 'FORBIDDEN' ? 403 : code === 'TOO_MANY_REQUESTS' ? 429 : 401 },
                },
              },
            );
          }
        },
      };
    },
  };
}
