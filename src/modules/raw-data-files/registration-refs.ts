import { EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { LocationType } from '../locations/location-type';
import { RegisterRawDataFileDto } from './dto/register-raw-data-file.dto';

/** The database ids behind the names a registration uses, each resolved once per request. */
export interface ResolvedRefs {
  locationId: number[];
  obsUnitId: string[];
  moduleId: number[];
}

interface LocationRow {
  id: number;
  location_type: LocationType;
  short_name: string;
  name: string;
}

const MAX_REPORTED = 20;

/**
 * Resolves site/location, obs unit and module names of a batch with three queries, whatever its size.
 * Every unknown name becomes a 400 naming the field (`files[3].instrumentModule: ...`).
 */
export async function resolveRegistrationRefs(
  m: EntityManager,
  files: RegisterRawDataFileDto[],
  field: (index: number, name: string) => string,
): Promise<ResolvedRefs> {
  const locationKeys = unique(files.map((f) => `${f.site}/${f.location}`));
  const locations: LocationRow[] = await m.query(
    `SELECT l.id, l.location_type, s.short_name, l.name
       FROM data_location l JOIN site s ON s.id = l.site_id
      WHERE (s.short_name || '/' || l.name) = ANY($1::text[])`,
    [locationKeys],
  );
  const locationByKey = new Map(locations.map((l) => [`${l.short_name}/${l.name}`, l]));

  const obsUnits: { id: string; instrument_id: number; instrument: string }[] = await m.query(
    `SELECT u.id, u.instrument_id, i.name AS instrument
       FROM executed_obs_unit u JOIN instrument i ON i.id = u.instrument_id
      WHERE u.id = ANY($1::uuid[])`,
    [unique(files.map((f) => f.executedObsUnitId.toLowerCase()))],
  );
  const obsUnitById = new Map(obsUnits.map((u) => [u.id, u]));

  const modules: { id: number; instrument_id: number; name: string }[] = await m.query(
    `SELECT id, instrument_id, name FROM instrument_module WHERE instrument_id = ANY($1::int[])`,
    [unique(obsUnits.map((u) => u.instrument_id))],
  );
  const moduleByKey = new Map(modules.map((x) => [`${x.instrument_id}/${x.name}`, x.id]));

  const errors: string[] = [];
  const refs: ResolvedRefs = { locationId: [], obsUnitId: [], moduleId: [] };
  files.forEach((f, i) => {
    if (errors.length >= MAX_REPORTED) return;
    const location = locationByKey.get(`${f.site}/${f.location}`);
    if (!location) {
      errors.push(`${field(i, 'location')}: unknown location ${f.location} at site ${f.site}`);
    } else if (location.location_type !== LocationType.SOURCE) {
      errors.push(
        `${field(i, 'location')}: ${f.site}/${f.location} is a ${location.location_type} location; files are registered at source locations`,
      );
    }
    const unit = obsUnitById.get(f.executedObsUnitId.toLowerCase());
    if (!unit) {
      errors.push(
        `${field(i, 'executedObsUnitId')}: unknown executed obs unit ${f.executedObsUnitId} (start it first)`,
      );
    }
    const moduleId = unit && moduleByKey.get(`${unit.instrument_id}/${f.instrumentModule}`);
    if (unit && !moduleId) {
      errors.push(
        `${field(i, 'instrumentModule')}: unknown module ${f.instrumentModule} of instrument ${unit.instrument}`,
      );
    }
    refs.locationId.push(location?.id ?? 0);
    refs.obsUnitId.push(unit?.id ?? '');
    refs.moduleId.push(moduleId ?? 0);
  });
  if (errors.length > 0) throw new DomainError('VALIDATION', errors.join('; '), { errors });
  return refs;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
