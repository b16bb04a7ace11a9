import { setting } from '../../config/setting';
import { Injectable } from '@nestjs/common';
import { minSafeSites, safeSitesOf } from '../../catalog/physical-copies/package-safety';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { Environment } from '../../config/environment';
import { DeletionSwitchService } from '../../pipeline/deletion/deletion-switch.service';
import { chooseBuffer } from '../../catalog/locations/buffer-selection';
import { OPERATION_SETTINGS } from '../../engine/queues/operation-settings';
import { OperationType } from '../../engine/queues/operation-type';
import { StorageService } from '../../engine/storage/storage.service';
import { ExplainedCopy, ExplainFacts, Explanation } from './explain-facts';
import { verdictOf } from './explain-verdict';
import { OperationStatus } from '../../engine/work/operation-status';
import { siteTakesNewArchiveCopies } from '../../catalog/locations/location.queries';
import { priorityChanges } from '../../pipeline/ingest/obs-unit-priority.queries';

/**
 * "Why is this file not safe yet?": the facts about one file (its package, bundle, transfers, archive
 * uploads, every copy of it and of its package with their history) and the verdict drawn from them.
 */
/** The longest reference `explain` takes: a path or a name, not a document. */
const MAX_REF_LENGTH = 512;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ExplainService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<Environment, true>,
    private readonly storage: StorageService,
    private readonly deletionSwitch: DeletionSwitchService,
  ) {}

  /** The ids of the files a reference names: a file id, a file path, or an obs unit (its name or id). */
  async resolve(ref: string): Promise<string[]> {
    if (ref.length > MAX_REF_LENGTH)
      throw new DomainError(
        'VALIDATION',
        `a file id, path or obs unit is at most ${MAX_REF_LENGTH} characters`,
      );
    // Each kind of reference by its own index (a cast of the id to text, or an OR across the kinds, would
    // read every file): the file or unit id, the path under each source location, the unit's name.
    const id = UUID.test(ref) ? ref : null;
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM (
         SELECT f.id, f.relative_path FROM raw_data_file f WHERE f.id = $2::uuid
         UNION SELECT f.id, f.relative_path FROM raw_data_file f WHERE f.executed_obs_unit_id = $2::uuid
         UNION SELECT f.id, f.relative_path FROM data_location l
                 JOIN raw_data_file f ON f.source_location_id = l.id AND f.relative_path = $1
         UNION SELECT f.id, f.relative_path FROM executed_obs_unit u
                 JOIN raw_data_file f ON f.executed_obs_unit_id = u.id WHERE u.obs_unit = $1) hit
        ORDER BY relative_path LIMIT 10001`,
      [ref, id],
    );
    if (rows.length === 0) throw new DomainError('NOT_FOUND', `no file, path or obs unit "${ref}"`);
    return rows.map((r) => r.id);
  }

  async explain(fileId: string): Promise<Explanation> {
    const { facts, unit } = await this.facts(fileId);
    const { stage, safe, verdict } = verdictOf(facts);
    const work = [
      ...(facts.package ? [{ what: `package ${facts.package.name}`, ...pick(facts.package) }] : []),
      ...(facts.bundle ? [{ what: `bundle ${facts.bundle.name}`, ...pick(facts.bundle) }] : []),
      ...facts.transfers.map((t) => ({
        what: `transfer ${t.from} -> ${t.to} (${t.method}), unpack ${t.unpackStatus}`,
        status: t.status,
        retries: t.retries + t.unpackRetries,
        failureReason: t.failureReason,
      })),
      ...facts.archives.map((a) => ({ what: `archive upload at ${a.site}`, ...pick(a) })),
    ];
    const priority = {
      priority: unit.priority,
      changes: await priorityChanges(this.dataSource.manager, unit.id),
    };
    return { file: facts.file, priority, stage, safe, verdict, copies: facts.copies, work };
  }

  private async facts(
    fileId: string,
  ): Promise<{ facts: ExplainFacts; unit: { id: string; priority: string } }> {
    const file = await this.fileRow(fileId);
    const [{ lastFileAt }] = await this.q<{ lastFileAt: Date }>(
      `SELECT max(created_at) AS "lastFileAt" FROM raw_data_file WHERE executed_obs_unit_id = $1`,
      [file.unitId],
    );
    const [withdrawn] = await this.q<NonNullable<ExplainFacts['withdrawn']>>(
      `SELECT e.at, e.actor, e.reason FROM raw_data_file_event e
        WHERE e.raw_data_file_id = $1 AND e.action = 'withdrawn' ORDER BY e.id DESC LIMIT 1`,
      [file.id],
    );
    const { pkg, bundle, transfers } = await this.packagingWork(file.packageId);
    const { archiveSites, archives, heal } = await this.archiveWork(pkg, bundle);
    const copies = await this.copies(file.id, pkg?.id ?? null, bundle?.id ?? null);
    const minSites = minSafeSites(this.config);
    const safety = pkg
      ? await safeSitesOf(this.dataSource.manager, pkg.id, minSites)
      : { sites: [], safe: false };
    const sw = await this.deletionSwitch.state();
    const settings = {
      obsUnitGraceMs: setting(this.config, 'OBS_UNIT_GRACE'),
      bundleMaxWaitMs: setting(this.config, 'TRANSFER_PACKAGE_MAX_WAIT'),
      maxRetries: OPERATION_SETTINGS[OperationType.DATA_TRANSFER].attempts - 1,
    };
    const blockedSites =
      bundle?.status === OperationStatus.COMPLETED
        ? await this.blockedSites(
            archiveSites,
            transfers.map((t) => t.toSite),
          )
        : [];
    const facts: ExplainFacts = {
      now: new Date(),
      file: fileFacts(file),
      unit: { finishedAt: file.finishedAt, lastFileAt },
      withdrawn: withdrawn ?? null,
      heal: heal ?? null,
      settings,
      package: pkg ?? null,
      bundle: bundle ?? null,
      transfers,
      blockedSites,
      archiveSites: archiveSites.map((s) => s.site),
      archives,
      archivedAt: safety.sites,
      safety: { safe: safety.safe, minSites },
      copies,
      deletion: { paused: sw.paused, since: sw.changedAt, by: sw.changedBy, reason: sw.reason },
    };
    return { facts, unit: { id: file.unitId, priority: file.priority } };
  }

  private q<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.query(sql, params);
  }

  private async fileRow(fileId: string): Promise<FileRow> {
    const [file] = await this.q<FileRow>(
      `SELECT f.id, f.relative_path AS path, f.size::float8 AS size, f.sha256, f.created_at AS "registeredAt",
              u.obs_unit AS "obsUnit", i.name AS instrument, m.name AS module, f.raw_data_package_id AS "packageId",
              u.id AS "unitId", u.finished_at AS "finishedAt", u.priority
         FROM raw_data_file f JOIN executed_obs_unit u ON u.id = f.executed_obs_unit_id
         JOIN instrument_module m ON m.id = f.instrument_module_id JOIN instrument i ON i.id = m.instrument_id
        WHERE f.id = $1`,
      [fileId],
    );
    if (!file) throw new DomainError('NOT_FOUND', `no file ${fileId}`);
    return file;
  }

  /** The file's package, the bundle carrying it, its transfers: each only if the one before exists. */
  private async packagingWork(packageId: string | null) {
    const [pkg] = packageId
      ? await this.q<PackageRow>(
          `SELECT id, name, status, state, retry_count AS retries, failure_reason AS "failureReason",
                  updated_at AS "completedAt", data_transfer_package_id AS "bundleId"
             FROM raw_data_package WHERE id = $1`,
          [packageId],
        )
      : [];
    const [bundle] = pkg?.bundleId
      ? await this.q<BundleRow>(
          `SELECT d.id, d.name, d.status, d.size::float8 AS size, d.retry_count AS retries,
                  d.failure_reason AS "failureReason", d.distributed_at AS "distributedAt", l.site_id AS "originSiteId"
             FROM data_transfer_package d JOIN data_location l ON l.id = d.origin_location_id WHERE d.id = $1`,
          [pkg.bundleId],
        )
      : [];
    const transfers = bundle
      ? await this.q<ExplainFacts['transfers'][number]>(
          `SELECT os.short_name || '/' || o.name AS "from", ds.short_name || '/' || d.name AS "to", ds.short_name AS "toSite",
                  t.method, t.status, t.unpack_status AS "unpackStatus", t.bytes_transferred::float8 AS bytes,
                  t.retry_count AS retries, t.unpack_retry_count AS "unpackRetries", t.failure_reason AS "failureReason"
             FROM data_transfer t
             JOIN data_location o ON o.id = t.origin_location_id JOIN site os ON os.id = o.site_id
             JOIN data_location d ON d.id = t.destination_location_id JOIN site ds ON ds.id = d.site_id
            WHERE t.data_transfer_package_id = $1 ORDER BY t.created_at`,
          [bundle.id],
        )
      : [];
    return { pkg, bundle, transfers };
  }

  /** The archive sites the package should reach, its uploads to them, and its open heal if a copy was lost. */
  private async archiveWork(pkg: PackageRow | undefined, bundle: BundleRow | undefined) {
    const archiveSites = await this.q<{ site: string; id: number }>(
      `SELECT s.short_name AS site, s.id FROM site s
        WHERE ${siteTakesNewArchiveCopies('s.id')} AND s.id <> $1 ORDER BY 1`,
      [bundle?.originSiteId ?? -1],
    );
    const archives = pkg
      ? await this.q<ExplainFacts['archives'][number]>(
          `SELECT s.short_name AS site, t.status, t.retry_count AS retries, t.failure_reason AS "failureReason"
             FROM long_term_archive_transfer t JOIN data_location l ON l.id = t.destination_location_id
             JOIN site s ON s.id = l.site_id WHERE t.raw_data_package_id = $1 ORDER BY 1`,
          [pkg.id],
        )
      : [];
    const [heal] = pkg
      ? await this.q<NonNullable<ExplainFacts['heal']>>(
          `SELECT r.status, r.detected_by AS "detectedBy", s.short_name || '/' || l.name AS location,
                  r.failure_reason AS "failureReason"
             FROM copy_repair r JOIN physical_copy c ON c.id = r.lost_copy_id
             JOIN data_location l ON l.id = r.location_id JOIN site s ON s.id = l.site_id
            WHERE c.raw_data_package_id = $1 AND r.status <> '${OperationStatus.COMPLETED}' ORDER BY r.created_at DESC LIMIT 1`,
          [pkg.id],
        )
      : [];
    return { archiveSites, archives, heal };
  }

  /** Archive sites the bundle has not reached whose buffers all refuse new data (inactive or full). */
  private async blockedSites(sites: { site: string; id: number }[], reached: string[]) {
    const blocked: { site: string; why: string }[] = [];
    for (const s of sites.filter((x) => !reached.includes(x.site))) {
      const { buffer, skipped } = await chooseBuffer(this.dataSource.manager, s.id, (l) =>
        this.storage.backendFor(l),
      );
      if (!buffer)
        blocked.push({ site: s.site, why: skipped.length ? skipped.join('; ') : 'no active buffer' });
    }
    return blocked;
  }

  private async copies(
    fileId: string,
    packageId: string | null,
    bundleId: string | null,
  ): Promise<ExplainedCopy[]> {
    const rows: (Omit<ExplainedCopy, 'history'> & { id: string })[] = await this.dataSource.query(
      `SELECT c.id, c.kind, s.short_name AS site, l.name AS location, l.location_type AS "locationType",
              c.relative_path AS path, c.status
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.raw_data_file_id = $1 OR c.raw_data_package_id = $2 OR c.data_transfer_package_id = $3
        ORDER BY c.created_at`,
      [fileId, packageId, bundleId],
    );
    const events: {
      copyId: string;
      at: Date;
      from: string | null;
      to: string;
      actor: string;
      reason: string | null;
    }[] = rows.length
      ? await this.dataSource.query(
          `SELECT physical_copy_id AS "copyId", at, from_status AS "from", to_status AS "to", actor, reason
               FROM physical_copy_event WHERE physical_copy_id = ANY($1::uuid[]) ORDER BY at, id`,
          [rows.map((r) => r.id)],
        )
      : [];
    return rows.map(({ id, ...c }) => ({
      ...c,
      history: events.filter((e) => e.copyId === id).map(({ copyId: _, ...e }) => e),
    }));
  }
}

type FileRow = ExplainFacts['file'] & {
  packageId: string | null;
  unitId: string;
  finishedAt: Date | null;
  priority: string;
};
type PackageRow = NonNullable<ExplainFacts['package']> & { bundleId: string | null };
type BundleRow = NonNullable<ExplainFacts['bundle']> & { originSiteId: number };

/** The file as explain shows it: the registration, without the ids used to look up the rest. */
const fileFacts = (file: FileRow): ExplainFacts['file'] => ({
  id: file.id,
  path: file.path,
  size: file.size,
  sha256: file.sha256,
  registeredAt: file.registeredAt,
  obsUnit: file.obsUnit,
  instrument: file.instrument,
  module: file.module,
});

const pick = (w: { status: string; retries: number; failureReason: string | null }) => ({
  status: w.status,
  retries: w.retries,
  failureReason: w.failureReason,
});
