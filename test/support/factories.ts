import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { TokenScope } from '../../src/engine/auth/api-token.entity';
import { ApiTokenService, TokenOptions } from '../../src/engine/auth/api-token.service';
import { DataLocation } from '../../src/catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../../src/catalog/locations/location-type';
import { Instrument } from '../../src/catalog/observatory/instrument.entity';
import { InstrumentModuleEntity } from '../../src/catalog/observatory/instrument-module.entity';
import { Observatory } from '../../src/catalog/observatory/observatory.entity';
import { Telescope } from '../../src/catalog/observatory/telescope.entity';
import { Site } from '../../src/catalog/sites/site.entity';
import { OperationStatus } from '../../src/engine/work/operation-status';
import { ExecutedObsUnit } from '../../src/pipeline/ingest/executed-obs-unit.entity';
import { RawDataFile } from '../../src/pipeline/ingest/raw-data-file.entity';
import { RawDataPackage } from '../../src/pipeline/packaging/raw-data-package.entity';
import { PackageState } from '../../src/pipeline/packaging/raw-data-package.states';

export interface SmallTopology {
  source: DataLocation;
  buffer: DataLocation;
  instrument: Instrument;
  modules: InstrumentModuleEntity[];
}

/** One site with a source and a buffer, one instrument with two modules: the least a test of ingest needs. */
export async function seedSmallTopology(ds: DataSource): Promise<SmallTopology> {
  const observatory = await ds.getRepository(Observatory).save({ name: 'CCAT', description: null });
  const telescope = await ds.getRepository(Telescope).save({ name: 'FYST', observatoryId: observatory.id });
  const instrument = await ds.getRepository(Instrument).save({
    name: 'primecam',
    description: null,
    telescopeId: telescope.id,
  });
  const modules = await ds.getRepository(InstrumentModuleEntity).save([
    { name: 'pcam_280', instrumentId: instrument.id },
    { name: 'pcam_350', instrumentId: instrument.id },
  ]);
  const site = await ds
    .getRepository(Site)
    .save({ name: 'CCAT Observatory', shortName: 'ccat', location: null });
  const locations = ds.getRepository(DataLocation);
  const source = await locations.save({
    siteId: site.id,
    name: 'telescope_computer',
    locationType: LocationType.SOURCE,
    storageType: StorageType.DISK,
    rootPath: '/tmp/ccat-test/ccat/telescope_computer',
  });
  const buffer = await locations.save({
    siteId: site.id,
    name: 'buffer',
    locationType: LocationType.BUFFER,
    storageType: StorageType.DISK,
    rootPath: '/tmp/ccat-test/ccat/buffer',
  });
  return { source, buffer, instrument, modules };
}

export async function createToken(
  ds: DataSource,
  scopes: TokenScope[],
  name = `t-${randomUUID()}`,
  options: TokenOptions = {},
): Promise<string> {
  return (await new ApiTokenService(ds.getRepository('ApiToken')).create(name, scopes, options)).token;
}

/** A second instrument beside seedSmallTopology's primecam, with one module. */
export async function seedInstrument(ds: DataSource, name: string, moduleName: string): Promise<Instrument> {
  const [{ id: telescopeId }] = await ds.query(`SELECT id FROM telescope ORDER BY id LIMIT 1`);
  const instrument = await ds.getRepository(Instrument).save({ name, description: null, telescopeId });
  await ds.getRepository(InstrumentModuleEntity).save({ name: moduleName, instrumentId: instrument.id });
  return instrument;
}

export function obsUnitStart(overrides: Partial<Record<string, unknown>> = {}) {
  return {
    id: randomUUID(),
    obsUnit: 'deep_field_3',
    instrument: 'primecam',
    startedAt: '2026-11-24T01:00:00.000Z',
    ...overrides,
  };
}

/** A registration as an instrument sends it; the checksum is of random bytes that were never written. */
export function fileRegistration(
  executedObsUnitId: string,
  overrides: Partial<Record<string, unknown>> = {},
) {
  const id = randomUUID();
  return {
    id,
    site: 'ccat',
    location: 'telescope_computer',
    path: `primecam/2026-11-24/${id}.fits`,
    size: 1024 + Math.floor(Math.random() * 1e6),
    sha256: createHash('sha256').update(randomBytes(16)).digest('hex'),
    executedObsUnitId,
    instrumentModule: 'pcam_280',
    ...overrides,
  };
}

/** Where a catalogue row belongs, by the names the demo topology and seedSmallTopology use, or by id. */
export interface CatalogueNames {
  instrument?: string;
  module?: string | number;
  /** The source data location's name (one per topology in the tests) or id. */
  source?: string | number;
}

type Db = DataSource | EntityManager;

async function idOf(db: Db, sql: string, name: string): Promise<number> {
  const [row] = (await db.query(sql, [name])) as { id: number }[];
  if (!row) throw new Error(`factories: nothing named ${name} (${sql})`);
  return row.id;
}
const moduleId = async (db: Db, module: string | number) =>
  typeof module === 'number' ? module : idOf(db, `SELECT id FROM instrument_module WHERE name = $1`, module);
const sourceId = async (db: Db, source: string | number) =>
  typeof source === 'number' ? source : idOf(db, `SELECT id FROM data_location WHERE name = $1`, source);

/** An obs unit of an instrument, started now and (unless `finished: false`) finished now; its id. */
export async function insertObsUnit(
  db: Db,
  options: {
    id?: string;
    instrument?: string;
    obsUnit?: string;
    finished?: boolean;
    startedAt?: Date;
    outcome?: string | null;
  } = {},
): Promise<string> {
  const instrumentId = await idOf(
    db,
    `SELECT id FROM instrument WHERE name = $1`,
    options.instrument ?? 'primecam',
  );
  const now = new Date();
  const id = options.id ?? randomUUID();
  await db.getRepository(ExecutedObsUnit).insert({
    id,
    obsUnit: options.obsUnit ?? 'field',
    instrumentId,
    startedAt: options.startedAt ?? now,
    finishedAt: options.finished === false ? null : now,
    outcome: options.outcome ?? null,
  });
  return id;
}

/** A raw data package of an obs unit, as the stage 1 manager makes it: SCHEDULED, nothing packed yet. */
export async function insertRawDataPackage(
  db: Db,
  unit: string,
  options: CatalogueNames & {
    name?: string;
    relativePath?: string;
    sequence?: number;
    status?: OperationStatus;
    /** A package further on: its state, and the tar's size and checksum as packaging recorded them. */
    state?: PackageState;
    size?: number;
    sha256?: string;
    fileCount?: number;
    dataTransferPackageId?: string;
  } = {},
): Promise<{ id: string; name: string; relativePath: string; sourceLocationId: number }> {
  const module = options.module ?? 'pcam_280';
  // Named as the stage 1 manager names them (a module given by id: by its id).
  const name = options.name ?? `${unit}_${module}_001`;
  const relativePath =
    options.relativePath ?? `${options.instrument ?? 'primecam'}/${unit}/${module}_001.tar`;
  const sourceLocationId = await sourceId(db, options.source ?? 'telescope_computer');
  const inserted = await db.getRepository(RawDataPackage).insert({
    name,
    relativePath,
    executedObsUnitId: unit,
    instrumentModuleId: await moduleId(db, module),
    sourceLocationId,
    sequence: options.sequence ?? 1,
    status: options.status ?? OperationStatus.SCHEDULED,
    ...(options.state !== undefined && { state: options.state }),
    ...(options.size !== undefined && { size: options.size }),
    ...(options.sha256 !== undefined && { sha256: options.sha256 }),
    ...(options.fileCount !== undefined && { fileCount: options.fileCount }),
    ...(options.dataTransferPackageId !== undefined && {
      dataTransferPackageId: options.dataTransferPackageId,
    }),
  });
  return { id: (inserted.identifiers[0] as { id: string }).id, name, relativePath, sourceLocationId };
}

/**
 * A file's row as its registration catalogues it (no copy: the caller records the copies its test needs),
 * of the given bytes or of a given size and checksum; its id.
 */
export async function insertRawDataFile(
  db: Db,
  file: CatalogueNames & {
    unit: string;
    path: string;
    packageId?: string | null;
    id?: string;
    /** When it was registered (now unless given: a test of age backdates it). */
    createdAt?: Date;
  } & ({ bytes: Buffer } | { size: number; sha256: string }),
): Promise<string> {
  const id = file.id ?? randomUUID();
  await db.getRepository(RawDataFile).insert({
    id,
    relativePath: file.path,
    size: 'bytes' in file ? file.bytes.length : file.size,
    sha256: 'bytes' in file ? createHash('sha256').update(file.bytes).digest('hex') : file.sha256,
    executedObsUnitId: file.unit,
    instrumentModuleId: await moduleId(db, file.module ?? 'pcam_280'),
    sourceLocationId: await sourceId(db, file.source ?? 'telescope_computer'),
    rawDataPackageId: file.packageId ?? null,
    ...(file.createdAt && { createdAt: file.createdAt }),
  });
  return id;
}

/** Each file of a package has its copy at its source location, PRESENT and verified, as registration records it. */
export async function insertSourceCopies(ds: DataSource, packageId: string): Promise<void> {
  await ds.transaction(async (m) => {
    await m.query(`SELECT set_config('ccat.actor', 'test-registration', true)`);
    await m.query(
      `INSERT INTO physical_copy (kind, raw_data_file_id, location_id, relative_path, status, size, sha256, verified_at)
       SELECT 'raw_data_file', id, source_location_id, relative_path, 'present', size, sha256, now()
         FROM raw_data_file WHERE raw_data_package_id = $1`,
      [packageId],
    );
  });
}
