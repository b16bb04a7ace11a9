import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { assertWithinBinding, BoundToken } from '../../engine/auth/ingest-binding';
import { LocationType } from '../../catalog/locations/location-type';
import { ChangeAuthor, declareCopyAuthor } from '../../catalog/physical-copies/physical-copy.service';
import { CopyKind, CopyStatus, copyStatusMachine } from '../../catalog/physical-copies/physical-copy.states';
import { RegisterRawDataFileDto } from './dto/register-raw-data-file.dto';
import { RawDataFileView } from './raw-data-file.view';
import { findRawDataFileView } from './raw-data-file.queries';
import { RegistrationRefResolver, ResolvedRefs } from './registration-refs';

interface CreatedRow {
  id: string;
  /** The transaction's time, which is both the file's registration and its source copy's verification. */
  at: string;
}

export interface RegistrationOutcome {
  created: CreatedRow[];
  alreadyRegistered: string[];
}

type FieldName = (index: number, name: string) => string;

interface ExistingRow {
  id: string;
  relative_path: string;
  size: string;
  sha256: string;
  executed_obs_unit_id: string;
  instrument_module_id: number;
  source_location_id: number;
}

@Injectable()
export class RawDataFileService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refs: RegistrationRefResolver,
  ) {}

  /**
   * Registers files in one transaction: all are recorded (with a PRESENT copy at their source location and
   * its audit event) or none. Idempotent on the client's id; a known id with other content, or a known path
   * under another id, is a 409 and writes nothing.
   */
  async register(
    files: RegisterRawDataFileDto[],
    author: ChangeAuthor,
    requestField: FieldName,
    /** The token that sends them: a bound ingest token registers only within its binding (403). */
    token?: BoundToken,
  ): Promise<RegistrationOutcome> {
    const { batch, requestIndex } = dedupeWithinRequest(files, requestField);
    // Errors name the item as the client sent it, not its place in the de-duplicated batch.
    const field: FieldName = (i, name) => requestField(requestIndex[i], name);
    return this.dataSource.transaction(async (m) => {
      const refs = await this.refs.resolve(m, batch, field);
      // Only a bound token pays for the per-file targets: an instrument's bulk of 5,000 files usually is not.
      if (token?.binding)
        assertWithinBinding(
          token,
          batch.map((f, i) => ({
            instrument: this.refs.instrumentOf(f.executedObsUnitId)!,
            source: `${f.site}/${f.location}`,
            instrumentField: field(i, 'executedObsUnitId'),
            sourceField: field(i, 'location'),
          })),
        );
      await declareCopyAuthor(m, { ...author, reason: author.reason ?? 'registered by instrument' });
      const created = await insertFilesWithSourceCopies(m, batch, refs);
      const createdIds = new Set(created.map((r) => r.id));
      const rest = batch.map((f, i) => ({ f, i })).filter(({ f }) => !createdIds.has(f.id));
      const alreadyRegistered = await this.checkAlreadyRegistered(m, rest, refs, field);
      return { created, alreadyRegistered };
    });
  }

  /** One file; a new one is answered from what was just written, without reading it back. */
  async registerOne(
    dto: RegisterRawDataFileDto,
    author: ChangeAuthor,
    token?: BoundToken,
  ): Promise<{ created: boolean; view: RawDataFileView }> {
    const { created } = await this.register([dto], author, (_i, name) => name, token);
    if (created.length === 0) return { created: false, view: await this.get(dto.id) };
    const [row] = created;
    const view: RawDataFileView = {
      id: dto.id,
      site: dto.site,
      location: dto.location,
      path: dto.path,
      size: dto.size,
      sha256: dto.sha256,
      executedObsUnitId: dto.executedObsUnitId,
      instrument: this.refs.instrumentOf(dto.executedObsUnitId) ?? '',
      instrumentModule: dto.instrumentModule,
      fileCreatedAt: dto.fileCreatedAt ? new Date(dto.fileCreatedAt).toISOString() : null,
      fileType: dto.fileType ?? null,
      metadata: dto.metadata ?? null,
      registeredAt: new Date(row.at).toISOString(),
      rawDataPackageId: null,
      copies: [
        {
          site: dto.site,
          location: dto.location,
          locationType: LocationType.SOURCE,
          status: CopyStatus.PRESENT,
          path: dto.path,
          verifiedAt: new Date(row.at).toISOString(),
        },
      ],
    };
    return { created: true, view };
  }

  async get(id: string): Promise<RawDataFileView> {
    const view = await findRawDataFileView(this.dataSource.manager, id);
    if (!view) throw new DomainError('NOT_FOUND', `raw data file ${id} does not exist`);
    return view;
  }

  /** Rows the insert skipped: identical re-sends are fine, anything else is a conflict. */
  private async checkAlreadyRegistered(
    m: EntityManager,
    rest: { f: RegisterRawDataFileDto; i: number }[],
    refs: ResolvedRefs,
    field: FieldName,
  ): Promise<string[]> {
    if (rest.length === 0) return [];
    const rows: ExistingRow[] = await m.query(
      `SELECT id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id, source_location_id
         FROM raw_data_file WHERE id = ANY($1::uuid[])`,
      [rest.map(({ f }) => f.id)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const conflicts: string[] = [];
    for (const { f, i } of rest) {
      const row = byId.get(f.id);
      if (!row) {
        conflicts.push(
          `${field(i, 'path')}: ${f.site}/${f.location}/${f.path} is already registered under another id`,
        );
        continue;
      }
      const differences = [
        row.relative_path !== f.path && 'path',
        Number(row.size) !== f.size && 'size',
        row.sha256 !== f.sha256 && 'sha256',
        row.executed_obs_unit_id !== refs.obsUnitId[i] && 'executedObsUnitId',
        row.instrument_module_id !== refs.moduleId[i] && 'instrumentModule',
        row.source_location_id !== refs.locationId[i] && 'location',
      ].filter(Boolean);
      if (differences.length > 0) {
        conflicts.push(
          `${field(i, 'id')}: file ${f.id} is already registered with a different ${differences.join(', ')}`,
        );
      }
    }
    if (conflicts.length > 0)
      throw new DomainError('CONFLICT', conflicts.slice(0, 20).join('; '), { conflicts });
    return rest.map(({ f }) => f.id);
  }
}

/**
 * One statement for the whole batch: the files, and a PRESENT copy of each at its source location (the
 * instrument wrote the bytes there before registering them); the database's audit trigger appends the
 * copies' creation events. Rows that collide with a known id or path are skipped here and judged after.
 * The batch travels as one JSON parameter, which costs the client far less than ten arrays.
 */
async function insertFilesWithSourceCopies(
  m: EntityManager,
  batch: RegisterRawDataFileDto[],
  refs: ResolvedRefs,
): Promise<CreatedRow[]> {
  copyStatusMachine.assertInitial(CopyStatus.PRESENT);
  return m.query(
    `WITH input AS (
       SELECT * FROM json_to_recordset($1::json) AS x(id uuid, path text, size bigint, sha256 text, unit uuid,
                                                       module int, location int, created timestamptz, type text,
                                                       metadata jsonb)
     ), files AS (
       INSERT INTO raw_data_file (id, relative_path, size, sha256, executed_obs_unit_id, instrument_module_id,
                                  source_location_id, file_created_at, file_type, metadata)
       SELECT id, path, size, sha256, unit, module, location, created, type, metadata FROM input
       ON CONFLICT DO NOTHING
       RETURNING id, relative_path, size, sha256, source_location_id
     ), copies AS (
       INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT $2::copy_kind, id, source_location_id, relative_path, $3::copy_status, size, sha256, now() FROM files
       RETURNING raw_data_file_id
     )
     -- created_at and verified_at are now(): one text value instead of thousands of dates to parse.
     SELECT raw_data_file_id AS id, to_json(now()) #>> '{}' AS at FROM copies`,
    [
      JSON.stringify(
        batch.map((f, i) => ({
          id: f.id,
          path: f.path,
          size: f.size,
          sha256: f.sha256,
          unit: refs.obsUnitId[i],
          module: refs.moduleId[i],
          location: refs.locationId[i],
          created: f.fileCreatedAt ?? null,
          type: f.fileType ?? null,
          metadata: f.metadata ?? null,
        })),
      ),
      CopyKind.RAW_DATA_FILE,
      CopyStatus.PRESENT,
    ],
  );
}

/**
 * UUIDs are compared lowercase (PostgreSQL returns them so). The same file twice in one request counts
 * once; the same id or path with different content within one request is a conflict.
 */
function dedupeWithinRequest(
  files: RegisterRawDataFileDto[],
  field: FieldName,
): { batch: RegisterRawDataFileDto[]; requestIndex: number[] } {
  const byId = new Map<string, { f: RegisterRawDataFileDto; i: number }>();
  const byPath = new Map<string, number>();
  const conflicts: string[] = [];
  files.forEach((f, i) => {
    f.id = f.id.toLowerCase();
    f.executedObsUnitId = f.executedObsUnitId.toLowerCase();
    const seen = byId.get(f.id);
    if (seen) {
      if (JSON.stringify(seen.f) !== JSON.stringify(f)) {
        conflicts.push(
          `${field(i, 'id')}: repeats the id of ${field(seen.i, 'id').replace(/\.id$/, '')} with different values`,
        );
      }
      return;
    }
    const pathKey = `${f.site}/${f.location}/${f.path}`;
    const samePath = byPath.get(pathKey);
    if (samePath !== undefined) {
      conflicts.push(`${field(i, 'path')}: ${pathKey} appears twice in this request under different ids`);
      return;
    }
    byId.set(f.id, { f, i });
    byPath.set(pathKey, i);
  });
  if (conflicts.length > 0)
    throw new DomainError('CONFLICT', conflicts.slice(0, 20).join('; '), { conflicts });
  const kept = [...byId.values()];
  return { batch: kept.map(({ f }) => f), requestIndex: kept.map(({ i }) => i) };
}
