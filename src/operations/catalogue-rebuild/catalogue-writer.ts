import { EntityManager } from 'typeorm';
import { markPackageArchived } from '../../pipeline/packaging/package-bundle.queries';
import { refreshSafeSiteCount } from '../../catalog/physical-copies/package-safety';
import { PackageState } from '../../pipeline/packaging/raw-data-package.states';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { MergedPackage } from './sidecar-merge';
import { OperationStatus } from '../../engine/work/operation-status';

/** The actor of every copy a rebuild records, in the audit trail. */
export const REBUILD_ACTOR = 'catalogue-rebuild';

/** The catalogue already says otherwise, or the archive names what the topology does not know. */
export class RebuildConflict extends Error {}

/** Names to ids of what the topology declared: a rebuild never creates sites, locations or instruments. */
export interface TopologyRefs {
  instruments: Map<string, number>;
  /** By `instrument/module`. */
  modules: Map<string, number>;
  /** By `site/location`. */
  locations: Map<string, number>;
}

export async function loadTopologyRefs(m: EntityManager): Promise<TopologyRefs> {
  const rows = async (sql: string) =>
    new Map<string, number>((await m.query(sql)).map((r: { k: string; id: number }) => [r.k, r.id]));
  return {
    instruments: await rows(`SELECT name AS k, id FROM instrument`),
    modules: await rows(
      `SELECT i.name || '/' || im.name AS k, im.id FROM instrument_module im JOIN instrument i ON i.id = im.instrument_id`,
    ),
    locations: await rows(
      `SELECT s.short_name || '/' || l.name AS k, l.id FROM data_location l JOIN site s ON s.id = l.site_id`,
    ),
  };
}

export interface WriteOutcome {
  obsUnitCreated: boolean;
  packageCreated: boolean;
  filesCreated: number;
  copiesCreated: number;
  copiesAlreadyThere: number;
  bytesCreated: number;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function resolve(refs: TopologyRefs, p: MergedPackage) {
  const need = (map: Map<string, number>, key: string, what: string) => {
    const id = map.get(key);
    if (id === undefined)
      throw new RebuildConflict(`${what} ${key} is not in the topology; apply the topology that declares it`);
    return id;
  };
  return {
    instrumentId: need(refs.instruments, p.instrument, 'instrument'),
    moduleId: need(refs.modules, `${p.instrument}/${p.instrumentModule}`, 'instrument module'),
    sourceId: need(refs.locations, `${p.source.site}/${p.source.location}`, 'source location'),
  };
}

/**
 * Writes one merged package in the caller's transaction: its obs unit if missing, the package (ARCHIVED,
 * through its state machine), its files, and one PRESENT copy per archive that holds it, audited as the
 * rebuild's. What is already there must agree with the archives, or the whole package is refused.
 */
export async function writeMergedPackage(
  tx: EntityManager,
  copyService: PhysicalCopyService,
  refs: TopologyRefs,
  p: MergedPackage,
  verifiedAt: (archivedAt: string) => Date,
): Promise<WriteOutcome> {
  const { instrumentId, moduleId, sourceId } = resolve(refs, p);
  const obsUnitCreated = await writeObsUnit(tx, p, instrumentId);
  const packageCreated = await writePackage(tx, p, moduleId, sourceId);
  const filesCreated = await writeFiles(tx, p, moduleId, sourceId);

  const existing: { location_id: number; sha256: string; size: number }[] = await tx.query(
    `SELECT location_id, sha256, size::float8 AS size FROM physical_copy
      WHERE raw_data_package_id = $1 AND status <> '${CopyStatus.DELETED}'`,
    [p.package.id],
  );
  const outcome = {
    obsUnitCreated,
    packageCreated,
    filesCreated,
    copiesCreated: 0,
    copiesAlreadyThere: 0,
    bytesCreated: 0,
  };
  for (const c of p.copies) {
    const there = existing.find((e) => e.location_id === c.locationId);
    if (there) {
      if (there.sha256 !== p.package.sha256 || there.size !== p.package.size) {
        throw new RebuildConflict(
          `the catalogue's copy in ${c.location} has sha256 ${there.sha256}, the archive's sidecar ${p.package.sha256}`,
        );
      }
      outcome.copiesAlreadyThere++;
      continue;
    }
    await copyService.createCopies(
      tx,
      [
        {
          kind: CopyKind.RAW_DATA_PACKAGE,
          rawDataPackageId: p.package.id,
          locationId: c.locationId,
          relativePath: p.package.relativePath,
          size: p.package.size,
          sha256: p.package.sha256,
          verifiedAt: verifiedAt(c.archivedAt),
        },
      ],
      { actor: REBUILD_ACTOR, reason: `rebuilt from ${c.location}:${c.sidecarPath}` },
    );
    outcome.copiesCreated++;
    outcome.bytesCreated += p.package.size;
  }
  await refreshSafeSiteCount(tx, p.package.id);
  return outcome;
}

async function writeObsUnit(tx: EntityManager, p: MergedPackage, instrumentId: number): Promise<boolean> {
  const u = p.obsUnit;
  const created = await tx.query(
    `INSERT INTO executed_obs_unit (id, obs_unit, instrument_id, started_at, finished_at, outcome, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [u.id, u.name, instrumentId, u.startedAt, u.finishedAt, u.outcome, json(u.metadata)],
  );
  if (created.length) return true;
  const [row] = await tx.query(
    `SELECT obs_unit, instrument_id, started_at, finished_at FROM executed_obs_unit WHERE id = $1 FOR UPDATE`,
    [u.id],
  );
  if (
    row.obs_unit !== u.name ||
    row.instrument_id !== instrumentId ||
    iso(row.started_at) !== iso(u.startedAt)
  ) {
    throw new RebuildConflict(
      `obs unit ${u.id} in the catalogue is ${row.obs_unit} started ${iso(row.started_at)}, the archive says ${u.name} started ${u.startedAt}`,
    );
  }
  // A package archived while its obs unit was still running says it was unfinished; a later one knows the end.
  if (row.finished_at === null && u.finishedAt !== null) {
    await tx.query(
      `UPDATE executed_obs_unit SET finished_at = $2, outcome = $3, metadata = $4, updated_at = now() WHERE id = $1`,
      [u.id, u.finishedAt, u.outcome, json(u.metadata)],
    );
  }
  return false;
}

async function writePackage(
  tx: EntityManager,
  p: MergedPackage,
  moduleId: number,
  sourceId: number,
): Promise<boolean> {
  const k = p.package;
  // Born WAITING like every package, then ARCHIVED through the state machine; its packaging (status) was
  // completed where the tar was made, which its checksum in the archive proves.
  const created = await tx.query(
    `INSERT INTO raw_data_package (id, name, relative_path, executed_obs_unit_id, instrument_module_id, source_location_id,
                                   sequence, status, state, size, sha256, file_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, '${OperationStatus.COMPLETED}', '${PackageState.WAITING}', $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      k.id,
      k.name,
      k.relativePath,
      p.obsUnit.id,
      moduleId,
      sourceId,
      k.sequence,
      k.size,
      k.sha256,
      p.files.length,
    ],
  );
  if (!created.length) {
    const [row] = await tx.query(
      `SELECT name, relative_path, size::float8 AS size, sha256, executed_obs_unit_id FROM raw_data_package WHERE id = $1`,
      [k.id],
    );
    const differs = ['name', 'relative_path', 'size', 'sha256', 'executed_obs_unit_id'].filter(
      (f) =>
        row[f] !==
        {
          name: k.name,
          relative_path: k.relativePath,
          size: k.size,
          sha256: k.sha256,
          executed_obs_unit_id: p.obsUnit.id,
        }[f],
    );
    if (differs.length)
      throw new RebuildConflict(
        `package ${k.id} in the catalogue differs from the archive in ${differs.join(', ')}`,
      );
  }
  const [{ state }] = await tx.query(`SELECT state FROM raw_data_package WHERE id = $1`, [k.id]);
  if (state !== PackageState.ARCHIVED) {
    await markPackageArchived(tx, k.id);
  }
  return created.length > 0;
}

async function writeFiles(
  tx: EntityManager,
  p: MergedPackage,
  moduleId: number,
  sourceId: number,
): Promise<number> {
  const f = p.files;
  const created: { id: string }[] = await tx.query(
    `INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id,
                                source_location_id, raw_data_package_id, created_at, file_created_at, file_type, metadata)
     SELECT id, path, size, sha256, $5::uuid, $6::int, $7::int, $8::uuid, registered, file_created, file_type, metadata
       FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::char(64)[], $9::timestamptz[], $10::timestamptz[],
                   $11::text[], $12::jsonb[]) AS t(id, path, size, sha256, registered, file_created, file_type, metadata)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      f.map((x) => x.id),
      f.map((x) => x.path),
      f.map((x) => x.size),
      f.map((x) => x.sha256),
      p.obsUnit.id,
      moduleId,
      sourceId,
      p.package.id,
      f.map((x) => x.registeredAt),
      f.map((x) => x.fileCreatedAt),
      f.map((x) => x.fileType),
      f.map((x) => json(x.metadata)),
    ],
  );
  if (created.length === f.length) return created.length;
  const fresh = new Set(created.map((r) => r.id));
  const known: {
    id: string;
    relative_path: string;
    size: number;
    sha256: string;
    raw_data_package_id: string | null;
  }[] = await tx.query(
    `SELECT id, relative_path, size::float8 AS size, sha256, raw_data_package_id FROM raw_data_file WHERE id = ANY($1::uuid[]) FOR UPDATE`,
    [f.filter((x) => !fresh.has(x.id)).map((x) => x.id)],
  );
  for (const row of known) {
    const mine = f.find((x) => x.id === row.id)!;
    if (row.relative_path !== mine.path || row.size !== mine.size || row.sha256 !== mine.sha256) {
      throw new RebuildConflict(
        `file ${row.id} in the catalogue is ${row.relative_path} (${row.size} bytes, sha256 ${row.sha256}), the archive says ${mine.path} (${mine.size} bytes, sha256 ${mine.sha256})`,
      );
    }
    if (row.raw_data_package_id !== null && row.raw_data_package_id !== p.package.id) {
      throw new RebuildConflict(
        `file ${row.relative_path} (${row.id}) is in package ${row.raw_data_package_id} in the catalogue, in ${p.package.id} in the archive`,
      );
    }
  }
  // Registered but not yet packaged in the catalogue (an older backup): the archive knows its package.
  await tx.query(
    `UPDATE raw_data_file SET raw_data_package_id = $2 WHERE id = ANY($1::uuid[]) AND raw_data_package_id IS NULL`,
    [known.map((r) => r.id), p.package.id],
  );
  return created.length;
}
