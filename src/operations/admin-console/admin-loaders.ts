import DataLoader from 'dataloader';
import type { AuthenticatedRequest } from '../../engine/auth/bearer-token.guard';
import { DataSource, In } from 'typeorm';
import { DataLocation } from '../../catalog/locations/data-location.entity';
import { percentUsed } from '../../catalog/locations/disk-usage';
import { LocationUsageModel } from '../../catalog/locations/location.model';
import { LocationUsage } from '../monitoring/location-usage.entity';
import { RawDataPackage } from '../../pipeline/packaging/raw-data-package.entity';
import { PhysicalCopyEvent } from '../../catalog/physical-copies/physical-copy-event.entity';
import { PhysicalCopy } from '../../catalog/physical-copies/physical-copy.entity';
import { RawDataFile } from '../../pipeline/ingest/raw-data-file.entity';
import { Site } from '../../catalog/sites/site.entity';

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K | null): V[][] {
  const map = new Map<K, V[]>(keys.map((k) => [k, []]));
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null) map.get(key)?.push(row);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/**
 * One set per GraphQL request: every field that reads rows of another table goes through one of these, so
 * a page of 1,000 files with their copies, locations and sites is one query per table, not one per row.
 */
export class AdminLoaders {
  constructor(private readonly dataSource: DataSource) {}

  readonly site = new DataLoader<number, Site | null>(async (ids) =>
    byKey(ids, await this.dataSource.getRepository(Site).findBy({ id: In([...ids]) }), (s) => s.id),
  );

  readonly location = new DataLoader<number, DataLocation | null>(async (ids) =>
    byKey(ids, await this.dataSource.getRepository(DataLocation).findBy({ id: In([...ids]) }), (l) => l.id),
  );

  readonly locationsOfSite = new DataLoader<number, DataLocation[]>(async (siteIds) =>
    groupBy(
      siteIds,
      await this.dataSource
        .getRepository(DataLocation)
        .find({ where: { siteId: In([...siteIds]) }, order: { id: 'ASC' } }),
      (l) => l.siteId,
    ),
  );

  readonly usage = new DataLoader<number, LocationUsageModel | null>(async (locationIds) => {
    const rows = await this.dataSource
      .getRepository(LocationUsage)
      .findBy({ locationId: In([...locationIds]) });
    return byKey(
      locationIds,
      rows.map((u) => ({
        ...u,
        usedPercent: percentUsed(u.totalBytes, u.freeBytes),
      })),
      (u) => u.locationId,
    );
  });

  readonly rawDataPackage = new DataLoader<string, RawDataPackage | null>(async (ids) =>
    byKey(ids, await this.dataSource.getRepository(RawDataPackage).findBy({ id: In([...ids]) }), (p) => p.id),
  );

  /** A file's own copies (source, staged) and its package's (buffers, archives), in one query per page. */
  readonly fileCopies = new DataLoader<RawDataFile, PhysicalCopy[], string>(
    async (files) => {
      const fileIds = files.map((f) => f.id);
      const packageIds = [...new Set(files.map((f) => f.rawDataPackageId).filter((p): p is string => !!p))];
      const query = this.dataSource
        .getRepository(PhysicalCopy)
        .createQueryBuilder('c')
        .where('c.rawDataFileId IN (:...fileIds)', { fileIds });
      if (packageIds.length > 0) query.orWhere('c.rawDataPackageId IN (:...packageIds)', { packageIds });
      const copies = await query.orderBy('c.createdAt', 'ASC').getMany();
      const own = groupBy(fileIds, copies, (c) => c.rawDataFileId);
      const ofPackage = groupBy(packageIds, copies, (c) => c.rawDataPackageId);
      const packageIndex = new Map(packageIds.map((p, i) => [p, i]));
      return files.map((f, i) => {
        const p = f.rawDataPackageId ? packageIndex.get(f.rawDataPackageId) : undefined;
        return p === undefined ? own[i] : [...own[i], ...ofPackage[p]];
      });
    },
    { cacheKeyFn: (f) => f.id },
  );

  readonly packageCopies = new DataLoader<string, PhysicalCopy[]>(async (packageIds) =>
    groupBy(
      packageIds,
      await this.dataSource
        .getRepository(PhysicalCopy)
        .find({ where: { rawDataPackageId: In([...packageIds]) }, order: { createdAt: 'ASC' } }),
      (c) => c.rawDataPackageId,
    ),
  );

  readonly copyEvents = new DataLoader<string, PhysicalCopyEvent[]>(async (copyIds) =>
    groupBy(
      copyIds,
      await this.dataSource
        .getRepository(PhysicalCopyEvent)
        .find({ where: { physicalCopyId: In([...copyIds]) }, order: { id: 'ASC' } }),
      (e) => e.physicalCopyId,
    ),
  );
}

/** What every resolver finds in its GraphQL context. */
export interface AdminContext {
  req: AuthenticatedRequest;
  loaders: AdminLoaders;
}
