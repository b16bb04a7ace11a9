import { setting } from '../../config/setting';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { StalledWork, stalledWork } from '../../operations/alerts/stalled-work';
import { minSafeSites } from '../../catalog/physical-copies/package-safety';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { QueueDescriptor } from '../queues/queue-descriptor';
import { QueueDiscoveryService } from '../queues/queue-discovery.service';
import { QueueCounts, TaskQueueService } from '../queues/task-queue.service';
import { OldestNotSafe, oldestNotSafe } from '../../operations/status/oldest-not-safe.query';
import { metricsRegistry } from './metrics-registry';
import { boundedRead, SharedRead } from './shared-read';
import { percentUsed } from '../../catalog/locations/disk-usage';

interface LocationUsageRow {
  site: string;
  location: string;
  type: string;
  total: number | null;
  free: number | null;
  copies: number;
  threshold: number | null;
  age: number;
}

/** The `collector` label of ccat_metrics_collector_up is the key of each read. */
interface PipelineReads {
  queues: SharedRead<{ queue: QueueDescriptor; counts: QueueCounts }[]>;
  disk_usage: SharedRead<LocationUsageRow[]>;
  oldest_unsafe: SharedRead<OldestNotSafe | null>;
  stalled: SharedRead<StalledWork[]>;
}

const LOCATION_LABELS = ['site', 'location', 'type'] as const;

/**
 * The pipeline as a whole, read on each scrape: queue depths (BullMQ), disk usage per location (the latest
 * MONITORING measurements) and the age of the oldest file not yet safe. Served by the api only: every
 * process would report the same numbers, and the api is the one process there is exactly one of (workers
 * are per site, managers may be several), so these series are never duplicated.
 */
@Injectable()
export class PipelineGaugesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PipelineGaugesService.name);
  private readonly names: string[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly discovery: QueueDiscoveryService,
    private readonly taskQueues: TaskQueueService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  onModuleInit(): void {
    const reads = this.pipelineReads();
    this.queueGauge(reads.queues);
    this.diskUsageGauges(reads.disk_usage);
    this.gauge(
      'ccat_oldest_unsafe_file_age_seconds',
      'Age of the oldest registered file not yet archived at enough sites; 0 when every file is safe',
      [],
      async function () {
        const oldest = await reads.oldest_unsafe.get();
        this.reset();
        if (oldest.ok) this.set(oldest.value?.ageSeconds ?? 0);
      },
    );
    this.gauge(
      'ccat_stalled_work',
      'Open work rows of a stage at a site where none moved and none of that kind completed for STALL_ALERT_AFTER (the pipeline_stalled alert); absent when nothing is stalled',
      ['stage', 'site'],
      async function () {
        const stalled = await reads.stalled.get();
        this.reset();
        for (const w of stalled.ok ? stalled.value : []) this.set({ stage: w.stage, site: w.site }, w.open);
      },
    );
    this.collectorUpGauge(reads);
  }

  /** The reads behind the gauges, each shared by the gauges of one scrape and bounded in time. */
  private pipelineReads(): PipelineReads {
    const timeout = this.config.get('METRICS_COLLECT_TIMEOUT', { infer: true });
    const fresh = this.config.get('METRICS_CACHE', { infer: true });
    const minSites = minSafeSites(this.config);
    const stallAfter = setting(this.config, 'STALL_ALERT_AFTER') / 1000;
    const read = <T>(what: string, from: () => Promise<T>) =>
      new SharedRead(what, from, timeout, this.logger, fresh);
    const fromDatabase = <T>(what: string, query: (m: EntityManager) => Promise<T>) =>
      read(what, () => boundedRead(this.dataSource, timeout, query));
    return {
      queues: read('queue depths', () => this.queueDepths()),
      disk_usage: fromDatabase('disk usage', (m) => this.locationUsage(m)),
      oldest_unsafe: fromDatabase('oldest unsafe file', (m) => oldestNotSafe(m, minSites)),
      stalled: fromDatabase('stalled work', (m) => stalledWork(m, stallAfter)),
    };
  }

  private queueGauge(queues: PipelineReads['queues']): void {
    this.gauge(
      'ccat_queue_jobs',
      'Jobs in each location queue by state (BullMQ counts)',
      ['queue', 'site', 'location', 'operation', 'state'],
      async function () {
        const depths = await queues.get();
        this.reset();
        for (const { queue: q, counts } of depths.ok ? depths.value : []) {
          const labels = { queue: q.name, site: q.site, location: q.location, operation: q.operation };
          for (const [state, n] of Object.entries(counts)) this.set({ ...labels, state }, n);
        }
      },
    );
  }

  private diskUsageGauges(diskUsage: PipelineReads['disk_usage']): void {
    const usage = (name: string, help: string, value: (r: LocationUsageRow) => number | null) =>
      this.gauge(name, help, LOCATION_LABELS, async function () {
        const rows = await diskUsage.get();
        this.reset();
        for (const r of rows.ok ? rows.value : []) {
          const v = value(r);
          if (v !== null) this.set({ site: r.site, location: r.location, type: r.type }, v);
        }
      });
    usage('ccat_location_disk_total_bytes', 'Size of the disk of a location, last measured', (r) => r.total);
    usage(
      'ccat_location_disk_free_bytes',
      'Free bytes on the disk of a location, last measured',
      (r) => r.free,
    );
    usage('ccat_location_disk_used_percent', 'How full the disk of a location is, in percent', (r) =>
      percentUsed(r.total, r.free),
    );
    usage(
      'ccat_location_disk_threshold_percent',
      'Usage above which a location takes no new data and deletion frees it first',
      (r) => r.threshold,
    );
    usage(
      'ccat_location_copies_bytes',
      'Bytes of our live copies at a location (disk or S3)',
      (r) => r.copies,
    );
    usage(
      'ccat_location_usage_age_seconds',
      'Age of the last MONITORING measurement of a location',
      (r) => r.age,
    );
  }

  private collectorUpGauge(reads: PipelineReads): void {
    this.gauge(
      'ccat_metrics_collector_up',
      '1 if this scrape could read this part of the pipeline (database, Redis) in time, else 0',
      ['collector'],
      async function () {
        // All asked at once, so they join the reads the other gauges of this scrape started.
        const results = Object.entries(reads).map(([collector, read]) => ({ collector, result: read.get() }));
        for (const { collector, result } of results) this.set({ collector }, (await result).ok ? 1 : 0);
      },
    );
  }

  /** A closed app (tests boot several in one process) must not leave gauges that read its closed pool. */
  onModuleDestroy(): void {
    for (const name of this.names) metricsRegistry.removeSingleMetric(name);
  }

  /** A gauge whose value is read on each scrape; it replaces one of the same name from an app closed before. */
  private gauge(
    name: string,
    help: string,
    labelNames: readonly string[],
    collect: (this: Gauge) => Promise<void>,
  ): void {
    metricsRegistry.removeSingleMetric(name);
    new Gauge({ name, help, labelNames, collect, registers: [metricsRegistry] });
    this.names.push(name);
  }

  private async queueDepths(): Promise<{ queue: QueueDescriptor; counts: QueueCounts }[]> {
    const queues = await this.discovery.discoverAll();
    return Promise.all(
      queues.map(async (queue) => ({ queue, counts: await this.taskQueues.counts(queue.name) })),
    );
  }

  private locationUsage(m: EntityManager): Promise<LocationUsageRow[]> {
    return m.query(
      `SELECT s.short_name AS site, l.name AS location, l.location_type::text AS type,
              u.total_bytes::float8 AS total, u.free_bytes::float8 AS free, u.copies_bytes::float8 AS copies,
              l.disk_usage_threshold_percent::float8 AS threshold,
              extract(epoch FROM now() - u.measured_at)::float8 AS age
         FROM location_usage u JOIN data_location l ON l.id = u.location_id JOIN site s ON s.id = l.site_id
        WHERE l.active`,
    );
  }
}
