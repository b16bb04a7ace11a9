import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { DomainError } from '../errors/domain-error';
import { Environment } from '../../config/environment';
import { bearerTokenOf } from '../auth/authorize';
import { isSameSecret } from '../auth/shared-secret';

/**
 * /metrics is open unless METRICS_TOKEN is set; then the scraper must send it as a bearer token. A shared
 * secret rather than an API token: Prometheus scrapes workers that may not reach the database to check one.
 * In production (NODE_ENV=production) an open /metrics must be asked for (METRICS_PUBLIC=true): without
 * either, the process serving it does not start.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(private readonly config: ConfigService<Environment, true>) {
    if (
      config.get('NODE_ENV', { infer: true }) === 'production' &&
      !config.get('METRICS_TOKEN', { infer: true }) &&
      !config.get('METRICS_PUBLIC', { infer: true })
    )
      throw new Error(
        'Invalid configuration:\n  METRICS_TOKEN (not set): in production /metrics needs METRICS_TOKEN, or METRICS_PUBLIC=true to serve it to anyone',
      );
  }

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.get('METRICS_TOKEN', { infer: true });
    if (!expected) return true;
    const token = bearerTokenOf(context.switchToHttp().getRequest<Request>().headers.authorization);
    if (!isSameSecret(token, expected)) {
      throw new DomainError('UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    return true;
  }
}
