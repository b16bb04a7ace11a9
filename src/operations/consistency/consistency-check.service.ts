import { Injectable } from '@nestjs/common';
import { COMPLETED_ARCHIVE_UPLOADS } from '../../pipeline/archive/long-term-archive.queries';
import { InjectDataSource } from '@nestjs/typeorm';
import { posix } from 'node:path';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../../catalog/locations/location-type';
import { sidecarPath } from '../../pipeline/archive/package-sidecar';
import { LIVE_COPY_STATUSES, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { ListedObject, StorageBackend } from '../../engine/storage/storage-backend';
import { StorageService } from '../../engine/storage/storage.service';
import { DarkObject, LocationReport } from './check-report';
import { inspectCopy } from './copy-inspection';

export interface CheckOptions {
  /** Objects modified less than this before the check started are not judged dark. */
  minAgeMs: number;
  /** Copies hashed at once per location. */
  parallel: number;
}

interface CopyRow {
  id: string;
  kind: string;
  objectId: string;
  relativePath: string;
  size: number;
  sha256: string;
  sidecarSize: number | null;
  sidecarSha256: string | null;
}

const PAGE = 500;
const LIST_BATCH = 1000;

/**
 * Compares a location's storage with the database, in two passes of constant memory: every live copy row
 * (keyset pages) is stat'ed and hashed through the storage layer (lost data), and every stored object
 * (listed page by page) is looked up among the copy rows (dark data). It changes nothing: marking and
 * repairing are the caller's choice, and dark data is only ever reported.
 *
 * It stays right while the pipeline runs: copies made after the check started are not checked, a copy
 * that looks lost is reported only if its row is still live when read again (a deletion moves it out of
 * the live statuses before its bytes go), and objects younger than `minAgeMs` are not called dark.
 */
@Injectable()
export class ConsistencyCheckService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
  ) {}

  /** Every location with storage we can read (tape is modelled only), or the one named `site/location`. */
  async locations(filter?: string): Promise<DataLocation[]> {
    const all = await this.dataSource.getRepository(DataLocation).find({
      relations: { site: true },
      order: { siteId: 'ASC', name: 'ASC' },
    });
    const readable = all.filter((l) => l.storageType !== StorageType.TAPE);
    if (!filter) return readable;
    const found = readable.filter((l) => `${l.site!.shortName}/${l.name}` === filter);
    if (found.length === 0) {
      throw new DomainError(
        'NOT_FOUND',
        `no location "${filter}"; one of: ${readable.map((l) => `${l.site!.shortName}/${l.name}`).join(', ')}`,
      );
    }
    return found;
  }

  async checkLocation(location: DataLocation, options: CheckOptions): Promise<LocationReport> {
    const [{ now }] = await this.dataSource.query(`SELECT now() AS now`);
    const startedAt = new Date(now);
    const backend = this.storage.backendFor(location);
    const report: LocationReport = {
      location: `${location.site!.shortName}/${location.name}`,
      copiesChecked: 0,
      bytesChecked: 0,
      lost: [],
      dark: [],
      repaired: [],
      notDark: { temporary: 0, sidecars: 0, unregistered: 0, young: 0 },
    };
    await this.findLost(location, backend, startedAt, options, report);
    await this.findDark(location, backend, startedAt, options, report);
    return report;
  }

  private async findLost(
    location: DataLocation,
    backend: StorageBackend,
    startedAt: Date,
    options: CheckOptions,
    report: LocationReport,
  ): Promise<void> {
    let after = { path: '', id: '00000000-0000-0000-0000-000000000000' };
    for (;;) {
      // A package's archive copy also answers for its sidecar, recorded with the upload that wrote both.
      const page: CopyRow[] = await this.dataSource.query(
        `SELECT c.id, c.kind,
                coalesce(c.raw_data_file_id, c.raw_data_package_id, c.data_transfer_package_id) AS "objectId",
                c.relative_path AS "relativePath", c.size::float8 AS size, c.sha256,
                t.sidecar_size AS "sidecarSize", t.sidecar_sha256 AS "sidecarSha256"
           FROM physical_copy c
           LEFT JOIN ${COMPLETED_ARCHIVE_UPLOADS} t
                  ON c.kind = 'raw_data_package' AND t.raw_data_package_id = c.raw_data_package_id
                 AND t.destination_location_id = c.location_id
          WHERE c.location_id = $1 AND c.status = ANY($2::copy_status[]) AND c.created_at < $3
            AND (c.relative_path, c.id) > ($4, $5::uuid)
          ORDER BY c.relative_path, c.id
          LIMIT $6`,
        [location.id, LIVE_COPY_STATUSES, startedAt, after.path, after.id, PAGE],
      );
      if (page.length === 0) return;
      await inPool(page, options.parallel, async (copy) => {
        const inspection = await inspectCopy(backend, copy);
        report.copiesChecked++;
        report.bytesChecked += inspection.bytesRead;
        const sidecar =
          copy.sidecarSha256 && copy.sidecarSize !== null
            ? await inspectCopy(backend, {
                relativePath: sidecarPath(copy.relativePath),
                size: copy.sidecarSize,
                sha256: copy.sidecarSha256,
              })
            : null;
        report.bytesChecked += sidecar?.bytesRead ?? 0;
        if (!inspection.loss && !sidecar?.loss) return;
        if (!(await this.stillLive(copy.id))) return;
        const lost = { copyId: copy.id, kind: copy.kind, objectId: copy.objectId, key: copy.relativePath };
        if (inspection.loss) report.lost.push({ ...lost, reason: inspection.loss });
        if (sidecar?.loss)
          report.lost.push({
            ...lost,
            kind: 'sidecar',
            key: sidecarPath(copy.relativePath),
            reason: sidecar.loss,
          });
      });
      const last = page[page.length - 1];
      after = { path: last.relativePath, id: last.id };
    }
  }

  private async stillLive(copyId: string): Promise<boolean> {
    const [row] = await this.dataSource.query(`SELECT status FROM physical_copy WHERE id = $1`, [copyId]);
    return Boolean(row) && LIVE_COPY_STATUSES.includes(row.status);
  }

  private async findDark(
    location: DataLocation,
    backend: StorageBackend,
    startedAt: Date,
    options: CheckOptions,
    report: LocationReport,
  ): Promise<void> {
    let batch: ListedObject[] = [];
    const flush = async () => {
      report.dark.push(...(await this.unaccounted(location, backend, batch, report)));
      batch = [];
    };
    for await (const object of backend.list()) {
      if (posix.basename(object.path).startsWith('.')) {
        // Our writes go to dot names beside their target (`.name.xxxx.part`, `.name.resume[.json]`) and are
        // renamed into place when verified; an interrupted one is cleaned by the next write of that target.
        report.notDark.temporary++;
      } else if (object.modifiedAt.getTime() > startedAt.getTime() - options.minAgeMs) {
        report.notDark.young++;
      } else {
        batch.push(object);
        if (batch.length >= LIST_BATCH) await flush();
      }
    }
    await flush();
  }

  /**
   * The objects of a batch that no copy row accounts for. A row in any status but deleted accounts for its
   * bytes (a deletion in progress, a lost copy's wrong bytes awaiting repair); a sidecar is accounted for
   * by its package's copy; a file at a SOURCE location with no row at all is an instrument's, not ours.
   */
  private async unaccounted(
    location: DataLocation,
    backend: StorageBackend,
    batch: ListedObject[],
    report: LocationReport,
  ): Promise<DarkObject[]> {
    if (batch.length === 0) return [];
    const known = await this.knownPaths(
      location.id,
      batch.flatMap((o) =>
        o.path.endsWith('.json') ? [o.path, o.path.slice(0, -'.json'.length)] : [o.path],
      ),
    );
    const dark: DarkObject[] = [];
    for (const o of batch) {
      const row = known.get(o.path);
      if (row?.live) continue;
      if (o.path.endsWith('.json') && known.get(o.path.slice(0, -5))?.kind === 'raw_data_package') {
        report.notDark.sidecars++;
      } else if (location.locationType === LocationType.SOURCE && !row) {
        // Never registered: an instrument's file on its way (a registered one whose copy was deleted and
        // that is still there is dark, like anywhere else).
        report.notDark.unregistered++;
      } else {
        dark.push({ key: o.path, size: o.size });
      }
    }
    if (dark.length === 0) return [];
    // Looked up again at the end of the batch: a row committed meanwhile accounts for its bytes after all,
    // and bytes a deletion removed meanwhile (its row now deleted) are no longer there to be dark.
    const late = await this.knownPaths(
      location.id,
      dark.map((d) => d.key),
    );
    const confirmed: DarkObject[] = [];
    for (const d of dark) if (!late.get(d.key)?.live && (await backend.stat(d.key))) confirmed.push(d);
    return confirmed;
  }

  /** The copy rows at these paths: their kind, and whether one of them is not deleted (accounts for bytes). */
  private async knownPaths(
    locationId: number,
    paths: string[],
  ): Promise<Map<string, { kind: string; live: boolean }>> {
    const rows: { path: string; kind: string; live: boolean }[] = await this.dataSource.query(
      `SELECT relative_path AS path, min(kind::text) AS kind, bool_or(status <> '${CopyStatus.DELETED}') AS live
         FROM physical_copy WHERE location_id = $1 AND relative_path = ANY($2::text[])
        GROUP BY relative_path`,
      [locationId, paths],
    );
    return new Map(rows.map((r) => [r.path, { kind: r.kind, live: r.live }]));
  }
}

/** Runs `work` on every item, at most `parallel` at once. */
async function inPool<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}
