import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error';
import { Environment } from '../../config/environment';
import { bearerTokenOf } from '../auth/authorize';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * /metrics is open unless METRICS_TOKEN is set; then the scraper must send it as a bearer token. A shared
 * secret rather than an API token: Prometheus scrapes workers that may not reach the database to check one.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(private readonly config: ConfigService<Environment, true>) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.get('METRICS_TOKEN', { infer: true });
    if (!expected) return true;
    const token = bearerTokenOf(context.switchToHttp().getRequest<Request>().headers.authorization);
    // Compared as digests: equal length, so the comparison takes the same time whatever was sent.
    if (!token || !timingSafeEqual(digest(token), digest(expected))) {
      throw new DomainError('UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    return true;
  }
}
