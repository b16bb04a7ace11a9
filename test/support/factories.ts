import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TokenScope } from '../../src/engine/auth/api-token.entity';
import { ApiTokenService, TokenOptions } from '../../src/engine/auth/api-token.service';
import { DataLocation } from '../../src/catalog/locations/data-location.entity';
import { LocationType, StorageType } from '../../src/catalog/locations/location-type';
import { Instrument } from '../../src/catalog/observatory/instrument.entity';
import { InstrumentModuleEntity } from '../../src/catalog/observatory/instrument-module.entity';
import { Observatory } from '../../src/catalog/observatory/observatory.entity';
import { Telescope } from '../../src/catalog/observatory/telescope.entity';
import { Site } from '../../src/catalog/sites/site.entity';

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
