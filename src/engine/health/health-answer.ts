import { ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Request } from 'express';
import { TokenScope } from '../auth/api-token.entity';
import { ApiTokenService } from '../auth/api-token.service';
import { authorize, bearerTokenOf } from '../auth/authorize';
import { clientOf } from '../auth/client-address';

/** `/health/live`: the process answers. Nothing it depends on is asked. */
export const LIVE = { status: 'ok' } as const;

/**
 * Whether a /health caller sees the details (disk paths, queues, latencies, error messages): only with a
 * valid `read` (or `admin`) token. Anyone else, a load balancer or a stranger, sees the statuses only.
 */
export async function seesHealthDetails(tokens: ApiTokenService, req: Request): Promise<boolean> {
  try {
    const token = bearerTokenOf(req.headers.authorization);
    if (!token) return false;
    await authorize(tokens, token, [TokenScope.READ], clientOf(req));
    return true;
  } catch {
    return false;
  }
}

/**
 * `/health/ready` (and `/health`): every dependency up, else 503 naming the one that is down; the details
 * of each only for `detailed` callers.
 */
export async function readiness(
  health: HealthCheckService,
  checks: HealthIndicatorFunction[],
  detailed: boolean,
): Promise<HealthCheckResult> {
  try {
    const result = await health.check(checks);
    return detailed ? result : statusesOnly(result);
  } catch (err) {
    if (!(err instanceof ServiceUnavailableException) || detailed) throw err;
    throw new ServiceUnavailableException(statusesOnly(err.getResponse() as HealthCheckResult));
  }
}

function statusesOnly(result: HealthCheckResult): HealthCheckResult {
  const only = (part?: Partial<HealthIndicatorResult>) => {
    const out: HealthIndicatorResult = {};
    for (const [name, value] of Object.entries(part ?? {})) if (value) out[name] = { status: value.status };
    return out;
  };
  return {
    status: result.status,
    info: only(result.info),
    error: only(result.error),
    details: only(result.details),
  };
}
