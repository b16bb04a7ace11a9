import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { buffer } from 'node:stream/consumers';
import { DataSource } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { LocationType } from '../../catalog/locations/location-type';
import { PackageSidecar, parseSidecar, sidecarPath } from '../../pipeline/archive/package-sidecar';
import { PhysicalCopyService } from '../../catalog/physical-copies/physical-copy.service';
import { StorageBackend } from '../../engine/storage/storage-backend';
import { StorageService } from '../../engine/storage/storage.service';
import {
  loadTopologyRefs,
  RebuildConflict,
  TopologyRefs,
  WriteOutcome,
  writeMergedPackage,
} from './catalogue-writer';
import { forEachConcurrently } from '../../engine/work/for-each-concurrently';
import { RebuildReport } from './rebuild-report';
import { ArchiveEvidence, mergeSidecars } from './sidecar-merge';

export interface RebuildOptions {
  /** `site/location` of the archives to read; all long-term-archive locations when empty. */
  locations: string[];
  dryRun: boolean;
  /** Hash every package object, not only compare its size with the sidecar. */
  verify: boolean;
  /** Into a catalogue that already holds files: add only what is missing. */
  merge: boolean;
  /** Packages read and written at a time. */
  concurrency: number;
  /** Called now and then with the report so far (progress of a long run). */
  progress?: (report: RebuildReport) => void;
}

/** The rebuild will not start: the database or the request is not what it needs (exit code 2). */
export class RebuildRefused extends Error {}

interface Archive {
  key: string;
  location: DataLocation;
  backend: StorageBackend;
}

/** A sidecar found by listing an archive, and the size of the package object beside it (null: none). */
interface Found {
  archive: Archive;
  sidecarPath: string;
  sidecarSize: number;
  objectSize: number | null;
}

/** A sidecar larger than this is not one of ours (one for 100,000 files is about 40 MB). */
const MAX_SIDECAR_BYTES = 256 * 1024 * 1024;
const PACKAGE_OBJECT = /\.tar$/;

class DryRunRollback extends Error {
  constructor(readonly outcome: WriteOutcome) {
    super('dry run');
  }
}

/**
 * `ccat-dt catalogue rebuild --from-lta`: the catalogue of archived data (obs units, files, packages and
 * their archive copies) rebuilt from the sidecars beside every package in the long-term archives, should
 * the database be lost. Archives are listed, not trusted: a copy is recorded only where the package object
 * exists with the size (with --verify, the SHA-256) its sidecar names. Each package is written in its own
 * transaction, so a crash leaves whole packages and a re-run (with --merge) adds only what is missing.
 */
@Injectable()
export class CatalogueRebuildService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly copies: PhysicalCopyService,
  ) {}

  async rebuild(options: RebuildOptions): Promise<RebuildReport> {
    const report = new RebuildReport();
    await this.preflight(options.merge);
    const archives = await this.archives(options.locations);
    const refs = await loadTopologyRefs(this.dataSource.manager);
    const found = new Map<string, Found[]>();
    for (const archive of archives) await this.inventory(archive, found, report);

    const pathOfPackage = new Map<string, string>();
    const obsUnitsCreated = new Set<string>();
    const groups = [...found.entries()].sort(([a], [b]) => a.localeCompare(b));
    await forEachConcurrently(groups, options.concurrency, async ([path, items]) => {
      const evidence = await this.readEvidence(path, items, options.verify, report);
      if (evidence.length === 0) return;
      const result = mergeSidecars(evidence);
      if ('conflicts' in result) {
        for (const c of result.conflicts) report.problem('conflict', path, c);
        return;
      }
      const { merged } = result;
      // One package id, one path: two packages claiming one id are for an operator to sort out.
      const claimed = pathOfPackage.get(merged.package.id);
      if (claimed && claimed !== path) {
        report.problem('conflict', path, `package id ${merged.package.id} is also the package at ${claimed}`);
        return;
      }
      pathOfPackage.set(merged.package.id, path);
      const outcome = await this.write(merged, refs, options, path, report);
      if (!outcome) return;
      report.sidecarsUsed += evidence.length;
      if (outcome.obsUnitCreated) obsUnitsCreated.add(merged.obsUnit.id);
      report.obsUnitsCreated = obsUnitsCreated.size;
      report[outcome.packageCreated ? 'packagesCreated' : 'packagesAlreadyThere']++;
      report.filesCreated += outcome.filesCreated;
      report.copiesCreated += outcome.copiesCreated;
      report.copiesAlreadyThere += outcome.copiesAlreadyThere;
      report.bytesCreated += outcome.bytesCreated;
      options.progress?.(report);
    });
    return report.finish();
  }

  private async preflight(merge: boolean): Promise<void> {
    const [row] = await this.dataSource
      .query(`SELECT EXISTS (SELECT 1 FROM raw_data_file) AS files`)
      .catch((err: { code?: string }) => {
        if (err.code === '42P01')
          throw new RebuildRefused('the database is not migrated: run `ccat-dt migrate` first');
        throw err;
      });
    if (row.files && !merge) {
      throw new RebuildRefused(
        'the database already holds raw data files: a rebuild goes into an empty catalogue (migrated, topology ' +
          'applied); give --merge to add only what is missing from it',
      );
    }
  }

  private async archives(wanted: string[]): Promise<Archive[]> {
    const rows: (DataLocation & { key: string })[] = await this.dataSource
      .getRepository(DataLocation)
      .createQueryBuilder('l')
      .innerJoin('l.site', 's')
      .addSelect(`s.short_name || '/' || l.name`, 'key')
      .where('l.location_type = :type', { type: LocationType.LONG_TERM_ARCHIVE })
      .orderBy('s.short_name')
      .addOrderBy('l.name')
      .getRawAndEntities()
      .then(({ raw, entities }) => entities.map((e, i) => Object.assign(e, { key: raw[i].key as string })));
    if (rows.length === 0) {
      throw new RebuildRefused(
        'the database has no long-term-archive location: apply the topology first (`ccat-dt topology apply <file>`)',
      );
    }
    const unknown = wanted.filter((w) => !rows.some((r) => r.key === w));
    if (unknown.length) {
      throw new RebuildRefused(
        `--location ${unknown.join(', ')}: not a long-term-archive location of the topology (${rows.map((r) => r.key).join(', ')})`,
      );
    }
    return rows
      .filter((r) => wanted.length === 0 || wanted.includes(r.key))
      .map((r) => ({ key: r.key, location: r, backend: this.storage.backendFor(r) }));
  }

  /** Lists one archive: every sidecar, keyed by the package path it sits beside, with that object's size. */
  private async inventory(
    archive: Archive,
    found: Map<string, Found[]>,
    report: RebuildReport,
  ): Promise<void> {
    const sizes = new Map<string, number>();
    for await (const o of archive.backend.list()) sizes.set(o.path, o.size);
    for (const [path, size] of sizes) {
      if (path.endsWith('.json')) {
        const packagePath = path.slice(0, -'.json'.length);
        const item = {
          archive,
          sidecarPath: path,
          sidecarSize: size,
          objectSize: sizes.get(packagePath) ?? null,
        };
        found.set(packagePath, [...(found.get(packagePath) ?? []), item]);
      } else if (PACKAGE_OBJECT.test(path) && !sizes.has(sidecarPath(path))) {
        report.problem(
          'missing-sidecar',
          `${archive.key}:${path}`,
          'package object without a sidecar: not rebuilt from this archive',
        );
      }
    }
  }

  /** The sidecars of one package path that are valid, name this archive and sit beside the object they describe. */
  private async readEvidence(
    path: string,
    items: Found[],
    verify: boolean,
    report: RebuildReport,
  ): Promise<ArchiveEvidence[]> {
    const evidence: ArchiveEvidence[] = [];
    for (const item of items) {
      const where = `${item.archive.key}:${item.sidecarPath}`;
      report.sidecarsRead++;
      let sidecar: PackageSidecar;
      try {
        if (item.sidecarSize > MAX_SIDECAR_BYTES)
          throw new Error(`${item.sidecarSize} bytes is too large for a sidecar`);
        sidecar = parseSidecar(await buffer(await item.archive.backend.read(item.sidecarPath)));
      } catch (err) {
        report.problem('invalid-sidecar', where, (err as Error).message);
        continue;
      }
      const names = `${sidecar.archive.site}/${sidecar.archive.location}`;
      if (names !== item.archive.key || sidecar.package.relativePath !== path) {
        report.problem(
          'foreign-sidecar',
          where,
          `it describes ${names}:${sidecar.package.relativePath}, not this archive's ${path}; not taken`,
        );
        continue;
      }
      if (item.objectSize === null) {
        report.problem(
          'missing-package-object',
          where,
          `the package object ${path} it describes is not in ${item.archive.key}`,
        );
        continue;
      }
      const expected = { size: sidecar.package.size, sha256: sidecar.package.sha256 };
      let actual = { size: item.objectSize, sha256: expected.sha256 };
      try {
        if (verify) actual = await this.digest(item, path, report);
      } catch (err) {
        report.problem(
          'package-object-differs',
          where,
          `${path} could not be read back: ${(err as Error).message}`,
        );
        continue;
      }
      if (actual.size !== expected.size || actual.sha256 !== expected.sha256) {
        report.problem(
          'package-object-differs',
          where,
          `${path} is ${actual.size} bytes, sha256 ${actual.sha256}; the sidecar says ${expected.size} bytes, sha256 ${expected.sha256}`,
        );
        continue;
      }
      evidence.push({
        location: item.archive.key,
        locationId: item.archive.location.id,
        sidecarPath: item.sidecarPath,
        sidecar,
      });
    }
    return evidence;
  }

  private async digest(item: Found, path: string, report: RebuildReport) {
    const d = await item.archive.backend.digest(path);
    report.bytesVerified += d.size;
    return d;
  }

  private async write(
    merged: Parameters<typeof writeMergedPackage>[3],
    refs: TopologyRefs,
    options: RebuildOptions,
    path: string,
    report: RebuildReport,
  ): Promise<WriteOutcome | null> {
    const verifiedAt = (archivedAt: string) => (options.verify ? new Date() : new Date(archivedAt));
    try {
      return await this.dataSource.transaction(async (tx) => {
        const outcome = await writeMergedPackage(tx, this.copies, refs, merged, verifiedAt);
        if (options.dryRun) throw new DryRunRollback(outcome);
        return outcome;
      });
    } catch (err) {
      if (err instanceof DryRunRollback) return err.outcome;
      report.problem(
        err instanceof RebuildConflict ? 'conflict' : 'write-failed',
        path,
        (err as Error).message,
      );
      return null;
    }
  }
}
