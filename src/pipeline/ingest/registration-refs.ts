import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { LocationType } from '../../catalog/locations/location-type';
import { RegisterRawDataFileDto } from './dto/register-raw-data-file.dto';

/** The database ids behind the names a registration uses, one entry per file of the batch. */
export interface ResolvedRefs {
  locationId: number[];
  obsUnitId: string[];
  moduleId: number[];
}

interface LocationRef {
  id: number;
  type: LocationType;
}
interface ObsUnitRef {
  id: string;
  instrumentId: number;
  instrument: string;
}

const MAX_REPORTED = 20;

/**
 * Resolves the site/location, obs unit and module names of a batch to ids with at most three queries,
 * and none for names seen recently: an instrument registers thousands of files against the same few.
 * Only names that exist are cached, so a module or location added a second ago is found at once. An obs
 * unit's instrument and a module's id never change; a location's type is re-read after a minute.
 */
@Injectable()
export class RegistrationRefResolver {
  private readonly locations = new LRUCache<string, LocationRef>({ max: 1000, ttl: 60_000 });
  private readonly obsUnits = new LRUCache<string, ObsUnitRef>({ max: 100_000 });
  private readonly modules = new LRUCache<string, number>({ max: 10_000 });

  /** The instrument of an obs unit this process has resolved. */
  instrumentOf(obsUnitId: string): string | undefined {
    return this.obsUnits.get(obsUnitId)?.instrument;
  }

  async resolve(
    m: EntityManager,
    files: RegisterRawDataFileDto[],
    field: (index: number, name: string) => string,
  ): Promise<ResolvedRefs> {
    await this.load(m, files);
    const errors: string[] = [];
    const refs: ResolvedRefs = { locationId: [], obsUnitId: [], moduleId: [] };
    files.forEach((f, i) => {
      const location = this.locations.get(`${f.site}/${f.location}`);
      const unit = this.obsUnits.get(f.executedObsUnitId);
      const moduleId = unit && this.modules.get(`${unit.instrumentId}/${f.instrumentModule}`);
      if (errors.length < MAX_REPORTED) errors.push(...problems(f, i, field, location, unit, moduleId));
      refs.locationId.push(location?.id ?? 0);
      refs.obsUnitId.push(unit?.id ?? '');
      refs.moduleId.push(moduleId ?? 0);
    });
    if (errors.length > 0) throw new DomainError('VALIDATION', errors.join('; '), { errors });
    return refs;
  }

  private async load(m: EntityManager, files: RegisterRawDataFileDto[]): Promise<void> {
    const missingLocations = unique(files.map((f) => `${f.site}/${f.location}`)).filter(
      (k) => !this.locations.has(k),
    );
    if (missingLocations.length > 0) {
      const rows: { id: number; location_type: LocationType; key: string }[] = await m.query(
        `SELECT l.id, l.location_type, s.short_name || '/' || l.name AS key
           FROM data_location l JOIN site s ON s.id = l.site_id
          WHERE (s.short_name || '/' || l.name) = ANY($1::text[])`,
        [missingLocations],
      );
      for (const r of rows) this.locations.set(r.key, { id: r.id, type: r.location_type });
    }
    const missingUnits = unique(files.map((f) => f.executedObsUnitId)).filter((id) => !this.obsUnits.has(id));
    if (missingUnits.length > 0) {
      const rows: { id: string; instrument_id: number; instrument: string }[] = await m.query(
        `SELECT u.id, u.instrument_id, i.name AS instrument
           FROM executed_obs_unit u JOIN instrument i ON i.id = u.instrument_id
          WHERE u.id = ANY($1::uuid[])`,
        [missingUnits],
      );
      for (const r of rows)
        this.obsUnits.set(r.id, { id: r.id, instrumentId: r.instrument_id, instrument: r.instrument });
    }
    const missingModules = unique(
      files.flatMap((f) => {
        const unit = this.obsUnits.get(f.executedObsUnitId);
        return unit ? [`${unit.instrumentId}/${f.instrumentModule}`] : [];
      }),
    ).filter((k) => !this.modules.has(k));
    if (missingModules.length > 0) {
      const rows: { id: number; key: string }[] = await m.query(
        `SELECT id, instrument_id || '/' || name AS key FROM instrument_module WHERE (instrument_id || '/' || name) = ANY($1::text[])`,
        [missingModules],
      );
      for (const r of rows) this.modules.set(r.key, r.id);
    }
  }
}

function problems(
  f: RegisterRawDataFileDto,
  i: number,
  field: (index: number, name: string) => string,
  location: LocationRef | undefined,
  unit: ObsUnitRef | undefined,
  moduleId: number | undefined,
): string[] {
  const found: string[] = [];
  if (!location) {
    found.push(`${field(i, 'location')}: unknown location ${f.location} at site ${f.site}`);
  } else if (location.type !== LocationType.SOURCE) {
    found.push(
      `${field(i, 'location')}: ${f.site}/${f.location} is a ${location.type} location; files are registered at source locations`,
    );
  }
  if (!unit) {
    found.push(
      `${field(i, 'executedObsUnitId')}: unknown executed obs unit ${f.executedObsUnitId} (start it first)`,
    );
  } else if (!moduleId) {
    found.push(
      `${field(i, 'instrumentModule')}: unknown module ${f.instrumentModule} of instrument ${unit.instrument}`,
    );
  }
  return found;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
