import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../../engine/errors/domain-error';
import { Environment } from '../../config/environment';
import { bearerTokenOf } from '../../engine/auth/authorize';
import { isSameSecret } from '../../engine/auth/shared-secret';
import { PUBLIC_KEY } from '../../engine/auth/scopes.decorator';

/**
 * The relay cannot look tokens up (no database at the site while the link is down): it accepts the one
 * token it also delivers with, SITE_RELAY_TOKEN. Routes marked @Public() (/health, /metrics) stay open.
 */
@Injectable()
export class SiteRelayTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) {
      return true;
    }
    this.check(context.switchToHttp().getRequest<Request>().headers.authorization);
    return true;
  }

  /** Throws UNAUTHENTICATED unless `authorization` carries SITE_RELAY_TOKEN (also the bulk body's gate). */
  check(authorization: string | undefined): void {
    const token = bearerTokenOf(authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Authorization: Bearer <token> header required');
    const expected = this.config.get('SITE_RELAY_TOKEN', { infer: true })!;
    if (!isSameSecret(token, expected)) {
      throw new DomainError('UNAUTHENTICATED', 'invalid token for this site relay');
    }
  }
}
