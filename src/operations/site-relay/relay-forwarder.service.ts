import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment';
import { JournalEntry } from './relay-journal';
import { relayMetrics } from './site-relay.metrics';
import { SiteRelayService } from './site-relay.service';

/** What the central API's answer means for the entry that was sent. */
export type Verdict = { kind: 'accepted' } | { kind: 'refused' | 'retry'; status: number; message: string };

/** Where each journaled operation goes on the central ingest API. */
export function requestOf(entry: JournalEntry): { method: string; path: string } {
  switch (entry.op) {
    case 'obs-unit.start':
      return { method: 'POST', path: '/executed-obs-units/start' };
    case 'obs-unit.finish':
      return { method: 'PUT', path: `/executed-obs-units/${entry.target}/finish` };
    case 'raw-data-file':
      return { method: 'POST', path: '/raw-data-files' };
    case 'raw-data-files.bulk':
      return { method: 'POST', path: '/raw-data-files/bulk' };
  }
}

/**
 * A 4xx is the entry's fault (refused for good, dead-lettered) only when the central API says so about the
 * entry: a validation error, a conflict, a domain "not found" (an obs unit it does not know), a body too
 * large, or a 403 that names the token's binding (an instrument the relay's token is not bound to: no
 * retry will change that, and the entries behind it must not wait). Any other 401/403 (the relay's token
 * revoked or lacking a scope), a 404 without a domain code (a wrong URL or a proxy's page), 408 and 429
 * are the relay's or the link's problem: delivery waits and retries, so no entry is dropped for them.
 */
export function verdictOf(
  status: number,
  body: { code?: unknown; message?: unknown; details?: { binding?: unknown } } | undefined,
): Verdict {
  if (status >= 200 && status < 300) return { kind: 'accepted' };
  const message = typeof body?.message === 'string' ? body.message : `HTTP ${status}`;
  const entryFault =
    status === 400 ||
    status === 409 ||
    status === 413 ||
    status === 422 ||
    (status === 404 && !!body?.code) ||
    (status === 403 && !!body?.details?.binding);
  return { kind: entryFault ? 'refused' : 'retry', status, message };
}

/**
 * Delivers the journal to the central API strictly in order, one entry at a time: the next is sent only
 * once the one before was accepted (or refused for good and dead-lettered). Registrations are idempotent
 * on the ids the instruments made, so an entry re-sent after a crash (delivered, mark not yet written) is
 * harmless. While the link is down it backs off exponentially with jitter, up to SITE_RELAY_MAX_BACKOFF.
 */
@Injectable()
export class RelayForwarder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RelayForwarder.name);
  private stopped = false;
  private loop?: Promise<void>;
  private readonly abort = new AbortController();

  constructor(
    private readonly relay: SiteRelayService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const maxBackoff = this.config.get('SITE_RELAY_MAX_BACKOFF', { infer: true });
    let backoff = 250;
    while (!this.stopped) {
      const entry = await this.relay.next(1000);
      if (!entry || this.stopped) continue;
      let failure: string | undefined;
      try {
        const verdict = await this.send(entry);
        if (verdict.kind === 'accepted') {
          await this.relay.delivered(entry);
          relayMetrics.delivered.inc();
          backoff = 250;
        } else if (verdict.kind === 'refused') {
          await this.relay.refused(entry, verdict.status, verdict.message);
          relayMetrics.deadLettered.inc();
        } else {
          failure = `entry ${entry.seq}: ${verdict.message}`;
        }
      } catch (err) {
        // The mark or a dead letter could not be written (a full disk?): the entry is sent again later.
        failure = `entry ${entry.seq}: local disk: ${(err as Error).message}`;
      }
      if (failure && !this.stopped) {
        this.relay.failed(failure);
        relayMetrics.failedAttempts.inc();
        await this.sleep(backoff / 2 + Math.random() * backoff);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private async send(entry: JournalEntry): Promise<Verdict> {
    const { method, path } = requestOf(entry);
    const base = this.config.get('SITE_RELAY_CENTRAL_URL', { infer: true })!.replace(/\/+$/, '');
    const timeout = this.config.get('SITE_RELAY_REQUEST_TIMEOUT', { infer: true });
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.config.get('SITE_RELAY_TOKEN', { infer: true })}`,
          'content-type': 'application/json',
          // The central API's logs name the journal entry, so a delivery can be traced to its acceptance.
          'x-request-id': `site-relay-${entry.seq}`,
        },
        body: JSON.stringify(entry.body),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeout)]),
      });
      const text = await res.text();
      let body: { code?: unknown; message?: unknown } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      return verdictOf(res.status, body);
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      return { kind: 'retry', status: 0, message: cause?.message ?? (err as Error).message };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
