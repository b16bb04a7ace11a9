import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error';
import { requestOf } from '../graphql/graphql-context';
import { TokenScope } from './api-token.entity';
import { ApiTokenService, Principal } from './api-token.service';
import { AdminSessionService } from './admin-session.service';
import { principalOfRequest } from './request-principal';
import { PUBLIC_KEY, SCOPES_KEY } from './scopes.decorator';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Who made a change through the API, as audit events and resets record it: `token:<name>`. */
export const actorOf = (req: AuthenticatedRequest): string => `token:${req.principal?.name ?? 'unknown'}`;

/**
 * Global guard: every route needs a valid bearer token (or an /admin session cookie) unless marked
 * @Public(), and the scope named by @RequireScope() (GraphQL resolvers included). A route with neither marker is refused, so forgetting to declare a scope fails closed.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenService,
    @Optional() private readonly sessions?: AdminSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = requestOf<AuthenticatedRequest>(context);
    const accepted = this.reflector.getAllAndOverride<TokenScope[]>(SCOPES_KEY, targets);
    if (!accepted?.length) throw new DomainError('FORBIDDEN', 'this route declares no scope and is closed');
    request.principal = await principalOfRequest(this.tokens, this.sessions, request, accepted);
    return true;
  }
}
