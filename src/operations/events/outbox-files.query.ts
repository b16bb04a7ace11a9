import { EntityManager } from 'typeorm';
import { FileEventData, FileEventFacts, FileEventType } from './file-event';
import { filesOfPackages, obsUnitName } from '../../pipeline/ingest/raw-data-file.queries';
import { nameOfPackage } from '../../pipeline/packaging/raw-data-package.queries';

export interface OutboxFile {
  outboxId: string;
  type: FileEventType;
  data: FileEventData;
}

/**
 * The files of outbox rows with what their events say about them, in the order the rows were written.
 * Files are immutable once registered, so reading them at relay time says what it said at commit time.
 */
export async function loadOutboxFiles(m: EntityManager, outboxIds: string[]): Promise<OutboxFile[]> {
  const rows: (Omit<FileEventFacts, 'at'> & {
    outboxId: string;
    type: FileEventType;
    details: Record<string, unknown>;
    at: Date;
  })[] = await m.query(
    `SELECT o.id AS "outboxId", o.type, o.details, o.created_at AS at,
            f.id AS "fileId", f.relative_path AS path, f.size::float8 AS size, f.sha256,
            f.executed_obs_unit_id AS "obsUnitId", ${obsUnitName('f.executed_obs_unit_id')} AS "obsUnit",
            i.name AS instrument, im.name AS module, f.raw_data_package_id AS "packageId",
            ${nameOfPackage('f.raw_data_package_id')} AS "packageName", s.short_name AS site, l.name AS location
       FROM event_outbox o
       CROSS JOIN LATERAL ${filesOfPackages('o.package_ids')} f
       JOIN instrument_module im ON im.id = f.instrument_module_id
       JOIN instrument i ON i.id = im.instrument_id
       JOIN data_location l ON l.id = o.location_id
       JOIN site s ON s.id = l.site_id
      WHERE o.id = ANY($1::uuid[])
      ORDER BY o.created_at, o.id, "packageName", f.relative_path`,
    [outboxIds],
  );
  return rows.map(({ outboxId, type, details, at, ...file }) => ({
    outboxId,
    type,
    // The type's details first, so that none can hide a field every event has.
    data: { ...details, ...file, at: at.toISOString() },
  }));
}
