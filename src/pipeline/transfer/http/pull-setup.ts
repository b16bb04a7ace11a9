import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../../../config/environment';
import { OperationType } from '../../../engine/queues/operation-type';
import { QueueDescriptor } from '../../../engine/queues/queue-descriptor';
import { QueueSetupCheck } from '../../../engine/workers/queue-setup-check';
import { insecureUrl } from './http-pull';

/** What a worker's pulls depend on among its own settings. */
export interface PullSettings {
  token?: string;
  allowInsecure: boolean;
}

/**
 * Why this worker may not send its token to `dataUrl` (to do `purpose`, e.g. "pull from ccat/buffer"), or
 * null if it may. No token; or plain http without TRANSFER_ALLOW_INSECURE, since a token on the wire in
 * clear reads every copy its site may read. Both are this worker's set-up, not the work's fault: the work
 * waits for them (WaitingForSetupError), and the message names the URL, the setting and the fix.
 */
export function pullSetupProblem(dataUrl: string, settings: PullSettings, purpose: string): string | null {
  if (!settings.token)
    return (
      `TRANSFER_TOKEN is not set: this worker cannot ${purpose} over its data port ${dataUrl}; ` +
      'start it with a transfer token bound to its site (ccat-dt token create --scopes transfer --site <site>)'
    );
  if (insecureUrl(dataUrl) && !settings.allowInsecure)
    return (
      `refusing to send TRANSFER_TOKEN over plain http to ${dataUrl} (to ${purpose}): ` +
      'give that worker TLS (WORKER_TLS_CERT/KEY) and an https dataUrl, or set TRANSFER_ALLOW_INSECURE=true where nothing crosses a network'
    );
  return null;
}

export function pullSettingsOf(config: ConfigService<Environment, true>): PullSettings {
  return {
    token: config.get('TRANSFER_TOKEN', { infer: true }),
    allowInsecure: config.get('TRANSFER_ALLOW_INSECURE', { infer: true }),
  };
}

/**
 * The jobs that may read another site's copy over its data port: a transfer's pull, an unpack's re-fetch
 * of a member (and the origin's check of its copy), an archive upload on a DIRECT route or replicating
 * from another site's archive.
 */
const PULLING_OPERATIONS: readonly OperationType[] = [
  OperationType.DATA_TRANSFER,
  OperationType.DATA_TRANSFER_UNPACKING,
  OperationType.LONG_TERM_ARCHIVE_TRANSFER,
];

/**
 * Said by a worker when it starts and at each discovery: which other sites' data ports it would refuse
 * to pull from with its settings, one error per location naming its URL and the setting, so the operator
 * reads it in the worker's first lines rather than in a transfer found waiting later. Any location of
 * another site with a dataUrl may be pulled from (transfer-method.ts), so each is checked; what is said is
 * said again only when it changes (an origin fixed, another added).
 */
@Injectable()
export class PullSetupCheck implements QueueSetupCheck {
  private readonly logger = new Logger('PullSetup');
  /** The problem last said, by origin location. */
  private said = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  async check(served: QueueDescriptor[]): Promise<void> {
    const ownSites = [
      ...new Set(served.filter((q) => PULLING_OPERATIONS.includes(q.operation)).map((q) => q.site)),
    ];
    const origins: { origin: string; dataUrl: string }[] = ownSites.length
      ? await this.dataSource.query(
          `SELECT s.short_name || '/' || l.name AS origin, l.data_url AS "dataUrl"
             FROM data_location l JOIN site s ON s.id = l.site_id
            WHERE l.active AND l.data_url IS NOT NULL AND l.data_url <> ''
              AND s.short_name <> ALL($1::text[])
            ORDER BY 1`,
          [ownSites],
        )
      : [];
    const settings = pullSettingsOf(this.config);
    const retry = this.config.get('WORKER_DISCOVERY_INTERVAL', { infer: true }) / 1000;
    const now = new Map<string, string>();
    for (const { origin, dataUrl } of origins) {
      const problem = pullSetupProblem(dataUrl, settings, `pull from ${origin}`);
      if (problem) now.set(origin, problem);
    }
    for (const [origin, problem] of now)
      if (this.said.get(origin) !== problem)
        this.logger.error(
          `${problem}. Work that reads from ${origin} waits (not failed, tried again every ${retry} s) until then.`,
        );
    for (const origin of this.said.keys())
      if (!now.has(origin))
        this.logger.log(`${origin}: no longer refused (its dataUrl changed, or it is no longer active)`);
    this.said = now;
  }
}
