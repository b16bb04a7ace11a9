import { EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../locations/data-location.entity';
import { InstrumentModuleEntity } from '../observatory/instrument-module.entity';
import { Instrument } from '../observatory/instrument.entity';
import { Observatory } from '../observatory/observatory.entity';
import { Telescope } from '../observatory/telescope.entity';
import { Site } from '../sites/site.entity';
import { TopologyFile } from './topology-file';
import type { TopologyEntity } from './topology.service';

/** The topology the database holds as an apply begins. */
export interface TopologyRows {
  observatories: Observatory[];
  telescopes: Telescope[];
  instruments: Instrument[];
  modules: InstrumentModuleEntity[];
  sites: Site[];
  locations: DataLocation[];
}

export async function readTopologyRows(m: EntityManager): Promise<TopologyRows> {
  // One after the other: these share the transaction's single connection.
  const order = { order: { id: 'ASC' as const } };
  const observatories = await m.find(Observatory, order);
  const telescopes = await m.find(Telescope, order);
  const instruments = await m.find(Instrument, order);
  const modules = await m.find(InstrumentModuleEntity, order);
  const sites = await m.find(Site, order);
  const locations = await m.find(DataLocation, order);
  return { observatories, telescopes, instruments, modules, sites, locations };
}

/** The natural key of every row, by entity: those the file does not name are reported absent. */
export function existingKeys(rows: TopologyRows): Map<TopologyEntity, string[]> {
  const { observatories, telescopes, instruments, modules, sites, locations } = rows;
  const instrumentNames = new Map(instruments.map((i) => [i.id, i.name]));
  const siteNames = new Map(sites.map((s) => [s.id, s.shortName]));
  return new Map<TopologyEntity, string[]>([
    ['observatory', observatories.map((o) => o.name)],
    ['telescope', telescopes.map((t) => t.name)],
    ['instrument', instruments.map((i) => i.name)],
    ['module', modules.map((x) => `${instrumentNames.get(x.instrumentId)}/${x.name}`)],
    ['site', sites.map((s) => s.shortName)],
    ['location', locations.map((l) => `${siteNames.get(l.siteId)}_${l.name}`)],
  ]);
}

/** Clashes with rows the file does not mention, which the database would report far less clearly. */
export function checkNamesFree(file: TopologyFile, sites: Site[], locations: DataLocation[]): void {
  const problems: string[] = [];
  const inFile = new Set(file.sites.map((s) => s.shortName));
  for (const site of file.sites) {
    const holder = sites.find((s) => s.name === site.name && s.shortName !== site.shortName);
    if (holder && !inFile.has(holder.shortName)) {
      problems.push(
        `site name "${site.name}" already belongs to site ${holder.shortName}, which is not in the file`,
      );
    }
  }
  const filePrefixes = new Map<string, string>(
    file.sites.flatMap((s) => s.locations.map((l) => [`${s.shortName}_${l.name}`, s.shortName] as const)),
  );
  for (const loc of locations) {
    const site = sites.find((s) => s.id === loc.siteId);
    if (!site || inFile.has(site.shortName)) continue;
    const prefix = `${site.shortName}_${loc.name}`;
    const other = filePrefixes.get(prefix);
    if (other !== undefined && other !== site.shortName) {
      problems.push(
        `queue prefix "${prefix}" is already used by location ${loc.name} of site ${site.shortName}`,
      );
    }
  }
  if (problems.length > 0) throw new DomainError('VALIDATION', problems.join('\n'), { problems });
}
