import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { Environment } from '../../config/environment';
import { isSafeNowSql } from '../../catalog/physical-copies/package-safety';
import { fileCopiesOfPackage, packageOfFile } from '../ingest/raw-data-file.queries';
import { bundleOfPackage, PACKAGES_HELD_AT_SOURCE } from '../packaging/raw-data-package.queries';
import { bundleDistributed } from '../bundling/data-transfer-package.queries';
import { bundleStillRead } from '../transfer/data-transfer.queries';
import { archiveUploadOpen } from '../archive/long-term-archive.queries';
import { stagingStillNeeds } from '../staging/staging-job.queries';
import { CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { beingEmptied, mayLeaveRetiringArchive } from '../archive/retirement/retirement.queries';

/**
 * The rules that let a copy go, written once: the manager finds copies by them, `ccat-dt deletion plan`
 * shows them, and the worker asks again in the transaction that claims the deletion, so a copy is never
 * deleted on a decision that no longer holds. A copy that no rule names stays. Only one rule names a copy
 * in a long-term archive: emptying an archive that an operator retired. Staged data at a PROCESSING
 * location goes with the last staging job that needs it. Rules that let a copy go because its package is
 * safe ask package-safety.ts, and (`witnessed`) want each archive copy they count recently shown by its
 * storage. What another stage knows (a bundle distributed, a transfer or upload still reading, a staging
 * job still needing) is asked through that stage's fragments, composed into one statement per rule.
 */
export interface DeletionPolicy {
  /** Distinct archive sites a package must be safe at before anything of it leaves SOURCE or a buffer. */
  minLtaSites: number;
  /** How recently the storage must have shown each counted archive copy (DELETION_WITNESS_MAX_AGE). */
  witnessMaxAgeMs: number;
  /** Per location type, how long a copy stays after it was made though a rule lets it go. */
  retentionMs: { source: number; buffer: number; processing: number };
}

export interface DeletionCandidate {
  copyId: string;
  locationId: number;
  site: string;
  location: string;
  relativePath: string;
  size: number;
  createdAt: Date;
  rule: string;
  /** The package whose safety the rule relies on; null for rules that do not (bundles, staged files). */
  packageId: string | null;
  /** The location whose copy that safety is counted without (the archive being emptied), or null. */
  safeWithout: number | null;
}

/** Whether a rule's safety condition also wants recent storage witnesses of the archive copies it counts. */
export type Witnessing = 'witnessed' | 'unwitnessed';

interface Rule {
  name: string;
  /** A condition on the copy `c` at location `l`. */
  sql: (policy: DeletionPolicy, witnessing: Witnessing) => string;
  /** SQL for the id of the package whose safety lets `c` go, if the rule relies on one. */
  safePackage?: string;
  /** SQL for the location left out of that safety's count, if any. */
  safeWithout?: string;
  /**
   * Where findDeletable looks for such copies (a FROM that yields `c`), when reading every live copy would
   * cost the backlog or the history: it only narrows the search, `sql` still decides.
   */
  candidates?: string;
}

/**
 * The copies of one kind at the locations of one type, read location by location through the index on
 * (location, status): the planner otherwise reads every live copy of that kind everywhere (the SOURCE
 * backlog included) before it looks at the location's type.
 */
const copiesAt = (locationType: string, kind: string) => `
  data_location cl CROSS JOIN LATERAL (
    SELECT * FROM physical_copy lc
     WHERE lc.location_id = cl.id AND lc.kind = '${kind}' AND lc.status IN ('${CopyStatus.PRESENT}', '${CopyStatus.STAGED}', '${CopyStatus.DELETION_POSSIBLE}')
    OFFSET 0) c
 WHERE cl.location_type = '${locationType}'`;

/**
 * The SOURCE copies of the files of archived packages not yet marked released (releaseSourcePackages):
 * the packages being cleaned up, not every file still waiting at SOURCE nor every archived package.
 * `OFFSET 0` keeps the planner from flattening the per-package lookup into a join that starts from every
 * live copy: right after many packages were released, and before ANALYZE sees it, it guesses that
 * hundreds are still held and would read the whole SOURCE backlog (130 ms instead of 3 on a million files).
 */
const EMPTYING_ARCHIVE_COPIES = `
  data_location cl CROSS JOIN LATERAL (
    SELECT * FROM physical_copy lc
     WHERE lc.location_id = cl.id AND lc.kind = 'raw_data_package' AND lc.status = '${CopyStatus.PRESENT}'
    OFFSET 0) c
 WHERE ${beingEmptied('cl')}`;

const HELD_SOURCE_COPIES = `
  ${PACKAGES_HELD_AT_SOURCE} held CROSS JOIN LATERAL (${fileCopiesOfPackage('held.id')} OFFSET 0) c`;

/** The package is safe (package-safety.ts), its counted archive copies recently witnessed if asked. */
const safe = (pkg: string, p: DeletionPolicy, witnessing: Witnessing) =>
  isSafeNowSql(pkg, p.minLtaSites, witnessing === 'witnessed' ? witnessSeconds(p) : undefined);

/** DELETION_WITNESS_MAX_AGE in seconds, inlined into SQL: a finite, non-negative number. */
export function witnessSeconds(p: DeletionPolicy): string {
  const seconds = p.witnessMaxAgeMs / 1000;
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new Error(`DELETION_WITNESS_MAX_AGE must be a duration, not ${p.witnessMaxAgeMs} ms`);
  return String(seconds);
}

const FILE_PACKAGE = packageOfFile('c.raw_data_file_id');

export const RULES: Rule[] = [
  {
    // Nothing reads a bundle once every archive site holds it unpacked and verified and no transfer of it
    // is open (DataTransferManager.markDistributed).
    name: 'transfer package distributed to every archive site',
    candidates: copiesAt('buffer', 'data_transfer_package'),
    sql: () => `
      c.kind = 'data_transfer_package' AND l.location_type = 'buffer'
      AND ${bundleDistributed('c.data_transfer_package_id')}
      AND NOT ${bundleStillRead('c.data_transfer_package_id')}`,
  },
  {
    name: 'source file whose package is safe at enough archive sites',
    candidates: HELD_SOURCE_COPIES,
    safePackage: FILE_PACKAGE,
    sql: (p, w) => `
      c.kind = 'raw_data_file' AND l.location_type = 'source' AND ${safe(FILE_PACKAGE, p, w)}`,
  },
  {
    // A package tar at a buffer is read by bundling (done once its bundle is distributed) and by the
    // archive uploads of its site (done once none is open).
    name: 'buffer package safe at enough archive sites, no transfer or upload reads it',
    candidates: copiesAt('buffer', 'raw_data_package'),
    safePackage: 'c.raw_data_package_id',
    sql: (p, w) => `
      c.kind = 'raw_data_package' AND l.location_type = 'buffer'
      AND ${safe('c.raw_data_package_id', p, w)}
      AND ${bundleDistributed(bundleOfPackage('c.raw_data_package_id'))}
      AND NOT ${archiveUploadOpen('c.raw_data_package_id')}`,
  },
  {
    // A file copy at a buffer whose package tar there was deleted (it was marked DELETION_POSSIBLE then):
    // the package is safe in the archives, and the file is not needed here on its own.
    name: 'buffer file whose package copy here was deleted',
    candidates: copiesAt('buffer', 'raw_data_file'),
    safePackage: FILE_PACKAGE,
    sql: (p, w) => `
      c.kind = 'raw_data_file' AND l.location_type = 'buffer' AND ${safe(FILE_PACKAGE, p, w)}
      AND NOT EXISTS (SELECT 1 FROM physical_copy pc WHERE pc.raw_data_package_id = ${FILE_PACKAGE}
                        AND pc.location_id = c.location_id AND pc.status <> '${CopyStatus.DELETED}')
      AND EXISTS (SELECT 1 FROM physical_copy pc WHERE pc.raw_data_package_id = ${FILE_PACKAGE}
                    AND pc.location_id = c.location_id AND pc.status = '${CopyStatus.DELETED}')`,
  },
  {
    // The one way bytes ever leave a long-term archive: an operator retired it and asked for it to be
    // emptied (`ccat-dt location empty`). Each copy goes only once its package is safe without it,
    // re-homed at its site, and read by no transfer (retirement.queries.ts).
    name: 'copy at a retiring archive being emptied, safe and re-homed without it',
    candidates: EMPTYING_ARCHIVE_COPIES,
    safePackage: 'c.raw_data_package_id',
    safeWithout: 'c.location_id',
    sql: (p, w) => `
      c.kind = 'raw_data_package' AND ${beingEmptied('l')}
      AND ${mayLeaveRetiringArchive('c', 'l', p.minLtaSites, w === 'witnessed' ? witnessSeconds(p) : undefined)}`,
  },
  {
    // Staged files stay while a staging job at that location needs them: not released, within its
    // retention, not failed.
    name: 'staged file no staging job needs any more',
    sql: () => `
      c.kind = 'raw_data_file' AND l.location_type = 'processing'
      AND NOT ${stagingStillNeeds(FILE_PACKAGE, 'c.location_id')}`,
  },
];

/** The copy is older than its location type's retention ($4, $5, $6: seconds for source, buffer, processing). */
const RETAINED = `
  c.created_at <= now() - make_interval(secs => CASE l.location_type
    WHEN 'source' THEN $4::float8 WHEN 'buffer' THEN $5::float8 WHEN 'processing' THEN $6::float8 ELSE 0 END)`;

/**
 * Copies a rule lets go now, oldest first, those at locations over their disk threshold (`pressured`)
 * before all others and regardless of retention. `unwitnessed` finds the copies that wait only for
 * recent witnesses of their package's archive copies too (the manager asks for those witnesses).
 */
export async function findDeletable(
  m: EntityManager,
  policy: DeletionPolicy,
  options: { limit: number; pressured?: number[]; locationId?: number; witnessing?: Witnessing },
): Promise<DeletionCandidate[]> {
  const witnessing = options.witnessing ?? 'witnessed';
  const found: DeletionCandidate[] = [];
  const pressured = options.pressured ?? [];
  // The rules are independent reads: on the pool they run side by side; a transaction's single connection
  // takes them one by one (pg refuses overlapping queries on one client from pg@9).
  const inTransaction = Boolean(m.queryRunner?.isTransactionActive);
  const perRule = await mapRules(inTransaction, async (rule) => {
    const rows: Omit<DeletionCandidate, 'rule'>[] = await m.query(
      `SELECT c.id AS "copyId", l.id AS "locationId", s.short_name AS site, l.name AS location,
              c.relative_path AS "relativePath", c.size::float8 AS size, c.created_at AS "createdAt",
              ${rule.safePackage ?? 'NULL::uuid'} AS "packageId", ${rule.safeWithout ?? 'NULL::int'} AS "safeWithout"
         FROM (SELECT c.* FROM ${rule.candidates ?? 'physical_copy c'}) c
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.status IN ('${CopyStatus.PRESENT}', '${CopyStatus.STAGED}', '${CopyStatus.DELETION_POSSIBLE}') AND (${rule.sql(policy, witnessing)})
          AND (l.id = ANY($2::int[]) OR ${RETAINED})
          AND ($3::int IS NULL OR l.id = $3)
        ORDER BY (l.id = ANY($2::int[])) DESC, c.created_at LIMIT $1`,
      [
        options.limit,
        pressured,
        options.locationId ?? null,
        policy.retentionMs.source / 1000,
        policy.retentionMs.buffer / 1000,
        policy.retentionMs.processing / 1000,
      ],
    );
    return rows.map((r) => ({ ...r, rule: rule.name }));
  });
  for (const rows of perRule) found.push(...rows);
  found.sort(
    (a, b) =>
      Number(pressured.includes(b.locationId)) - Number(pressured.includes(a.locationId)) ||
      a.createdAt.getTime() - b.createdAt.getTime(),
  );
  return found.slice(0, options.limit);
}

async function mapRules<T>(sequential: boolean, read: (rule: Rule) => Promise<T>): Promise<T[]> {
  if (!sequential) return Promise.all(RULES.map(read));
  const out: T[] = [];
  for (const rule of RULES) out.push(await read(rule));
  return out;
}

/**
 * The rule under which this copy may go now, witnessed, or null: asked again by the worker that deletes
 * it, in the transaction of its claim, after lockCountedArchiveCopies of the copy's package (packageOf).
 */
export async function deletableUnder(
  m: EntityManager,
  policy: DeletionPolicy,
  copyId: string,
): Promise<string | null> {
  for (const rule of RULES) {
    const [hit] = await m.query(
      `SELECT 1 FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE c.id = $1 AND (${rule.sql(policy, 'witnessed')})`,
      [copyId],
    );
    if (hit) return rule.name;
  }
  return null;
}

/** The package a copy belongs to (its own, or its file's), or null for a bundle copy. */
export async function packageOf(m: EntityManager, copyId: string): Promise<string | null> {
  const [row] = await m.query(
    `SELECT coalesce(c.raw_data_package_id, ${packageOfFile('c.raw_data_file_id')}) AS id
       FROM physical_copy c WHERE c.id = $1`,
    [copyId],
  );
  return (row?.id as string | null) ?? null;
}

type PolicySetting =
  | 'DELETION_MIN_LTA_SITES'
  | 'DELETION_WITNESS_MAX_AGE'
  | `DELETION_RETENTION_${'SOURCE' | 'BUFFER' | 'PROCESSING'}`;

/** The policy as configured (DELETION_MIN_LTA_SITES, DELETION_WITNESS_MAX_AGE, DELETION_RETENTION_*). */
export function deletionPolicyFrom(config: ConfigService<Environment, true>): DeletionPolicy {
  const defaults = new Environment();
  const get = (key: PolicySetting): number => config.get(key, { infer: true }) ?? defaults[key];
  return {
    minLtaSites: get('DELETION_MIN_LTA_SITES'),
    witnessMaxAgeMs: get('DELETION_WITNESS_MAX_AGE'),
    retentionMs: {
      source: get('DELETION_RETENTION_SOURCE'),
      buffer: get('DELETION_RETENTION_BUFFER'),
      processing: get('DELETION_RETENTION_PROCESSING'),
    },
  };
}
