import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error';
import { requestOf } from '../../common/graphql/graphql-context';
import { TokenScope } from './api-token.entity';
import { ApiTokenService, Principal } from './api-token.service';
import { authorize, bearerTokenOf } from './authorize';
import { PUBLIC_KEY, SCOPES_KEY } from './scopes.decorator';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Who made a change through the API, as audit events and resets record it: `token:<name>`. */
export const actorOf = (req: AuthenticatedRequest): string => `token:${req.principal?.name ?? 'unknown'}`;

/** The caller's address as express sees it (through the proxies TRUST_PROXY trusts): what failures count by. */
export const clientOf = (req: Request): string => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(), and the scope named by
 * @RequireScope() (GraphQL resolvers included). A route with neither marker is refused, so forgetting to declare a scope fails closed.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = requestOf<AuthenticatedRequest>(context);
    const token = bearerTokenOf(request.headers.authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Authorization: Bearer <token> header required');
    const accepted = this.reflector.getAllAndOverride<TokenScope[]>(SCOPES_KEY, targets);
    if (!accepted?.length) throw new DomainError('FORBIDDEN', 'this route declares no scope and is closed');
    request.principal = await authorize(this.tokens, token, accepted, clientOf(request));
    return true;
  }
}
