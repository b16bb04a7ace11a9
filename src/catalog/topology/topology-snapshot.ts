import { EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../locations/data-location.entity';
import { ArchiveRole, LocationMode } from '../locations/location-type';
import { InstrumentModuleEntity } from '../observatory/instrument-module.entity';
import { Instrument } from '../observatory/instrument.entity';
import { Observatory } from '../observatory/observatory.entity';
import { Telescope } from '../observatory/telescope.entity';
import { Site } from '../sites/site.entity';

/** A topology as plain data, spelled as in a topology file (what `checkTopology` takes). */
export interface TopologyDocument {
  observatory: {
    name: string;
    description?: string;
    telescopes: { name: string; instruments: { name: string; description?: string; modules: string[] }[] }[];
  };
  sites: TopologySiteDocument[];
}

export interface TopologySiteDocument {
  name: string;
  shortName: string;
  location?: string;
  locations: TopologyLocationDocument[];
}

export interface TopologyLocationDocument {
  name: string;
  type: string;
  storage: string;
  priority: number;
  active: boolean;
  mode?: string;
  role?: string;
  retiring?: boolean;
  rootPath?: string;
  dataUrl?: string;
  diskUsageThresholdPercent?: number;
  s3?: {
    endpoint?: string;
    bucket: string;
    prefix?: string;
    region?: string;
    accessKeyEnv?: string;
    secretKeyEnv?: string;
    allowInsecureHttp?: boolean;
  };
}

const given = <T>(value: T | null): T | undefined => value ?? undefined;

/** The topology the database holds now, as the file that would produce it (first observatory only). */
export async function readTopology(m: EntityManager): Promise<TopologyDocument> {
  const order = { order: { id: 'ASC' as const } };
  const [observatory] = await m.find(Observatory, { ...order, take: 1 });
  if (!observatory) {
    throw new DomainError(
      'CONFLICT',
      'no topology yet: apply a topology file first (ccat-dt topology apply)',
    );
  }
  const telescopes = await m.find(Telescope, { where: { observatoryId: observatory.id }, ...order });
  const instruments = await m.find(Instrument, order);
  const modules = await m.find(InstrumentModuleEntity, order);
  const sites = await m.find(Site, order);
  const locations = await m.find(DataLocation, order);
  return {
    observatory: {
      name: observatory.name,
      description: given(observatory.description),
      telescopes: telescopes.map((t) => ({
        name: t.name,
        instruments: instruments
          .filter((i) => i.telescopeId === t.id)
          .map((i) => ({
            name: i.name,
            description: given(i.description),
            modules: modules.filter((x) => x.instrumentId === i.id).map((x) => x.name),
          })),
      })),
    },
    sites: sites.map((s) => ({
      name: s.name,
      shortName: s.shortName,
      location: given(s.location),
      locations: locations.filter((l) => l.siteId === s.id).map(locationDocument),
    })),
  };
}

function locationDocument(l: DataLocation): TopologyLocationDocument {
  return {
    name: l.name,
    type: l.locationType,
    storage: l.storageType,
    priority: l.priority,
    active: l.active,
    mode: l.active && l.draining ? LocationMode.DRAINING : undefined,
    role: l.archiveRole === ArchiveRole.FAILOVER ? ArchiveRole.FAILOVER : undefined,
    retiring: l.retiring || undefined,
    rootPath: given(l.rootPath),
    dataUrl: given(l.dataUrl),
    diskUsageThresholdPercent: given(l.diskUsageThresholdPercent),
    s3: l.s3Bucket
      ? {
          endpoint: given(l.s3Endpoint),
          bucket: l.s3Bucket,
          prefix: given(l.s3Prefix),
          region: given(l.s3Region),
          accessKeyEnv: given(l.s3AccessKeyEnv),
          secretKeyEnv: given(l.s3SecretKeyEnv),
          allowInsecureHttp: l.s3AllowInsecureHttp || undefined,
        }
      : undefined,
  };
}
