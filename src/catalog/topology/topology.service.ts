import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../locations/data-location.entity';
import { ArchiveRole, LocationMode, StorageType } from '../locations/location-type';
import { InstrumentModuleEntity } from '../observatory/instrument-module.entity';
import { Instrument } from '../observatory/instrument.entity';
import { Observatory } from '../observatory/observatory.entity';
import { Telescope } from '../observatory/telescope.entity';
import { CopyStatus, LIVE_COPY_STATUSES } from '../physical-copies/physical-copy.states';
import { Site } from '../sites/site.entity';
import { refuseSharedStorage } from './storage-overlap';
import { checkTopology, TopologyFile, TopologyLocation } from './topology-file';
import { readTopology, TopologyDocument } from './topology-snapshot';
import { checkNamesFree, existingKeys, readTopologyRows, TopologyRows } from './topology-rows';

export type TopologyEntity = 'observatory' | 'telescope' | 'instrument' | 'module' | 'site' | 'location';
export type FieldValue = string | number | boolean | null;

export interface TopologyChange {
  action: 'create' | 'update' | 'unchanged' | 'absent';
  entity: TopologyEntity;
  /** Natural key: a name; `instrument/module` for modules; the queue prefix `site_location` for locations. */
  key: string;
  /** A short description of what was created. */
  detail?: string;
  /** For updates: field (as spelled in the topology file) -> [old, new]. */
  fields?: Record<string, [FieldValue, FieldValue]>;
}

/** Arbitrary but fixed ("topo"): every apply against this database takes the same lock. */
const TOPOLOGY_LOCK_KEY = 0x746f706f;

/**
 * Fields that say where a location's bytes are, or what role they play: changing them under live copies
 * would lose track of data, or apply the wrong deletion and routing rules to it (a buffer's copies are
 * deleted once transferred; an archive's never).
 */
const GUARDED_FIELDS = ['type', 'storage', 'rootPath', 's3.endpoint', 's3.bucket', 's3.prefix'];

// A copy being deleted still has its bytes at the old place, and its worker resolves the path from the
// location row: it must count too, although LIVE_COPY_STATUSES leaves it out.
const GUARDED_STATUSES = [...LIVE_COPY_STATUSES, CopyStatus.DELETION_IN_PROGRESS];

interface FieldSpec {
  column: string;
  value: FieldValue;
  /** How the value reads in a change (a name instead of a foreign key). */
  shown?: (value: FieldValue) => FieldValue;
}

type Row = ObjectLiteral & { id: number };

@Injectable()
export class TopologyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Makes the database say what the file says, in one transaction: a refusal or an error writes nothing,
   * and a dry run computes the same changes and rolls them back. Rows not in the file are reported and
   * left alone: deactivating is `active: false`, never a deletion.
   */
  async apply(file: TopologyFile, options: { dryRun?: boolean } = {}): Promise<TopologyChange[]> {
    return this.underLock((m) => new TopologyApply(m).run(file), options);
  }

  /**
   * One operator's change (add a site, deactivate a location…) made to the topology the database holds
   * now, then applied like a file: the same validation, and the same refusal of changes that would lose
   * track of data. Read and applied under the topology lock, so two edits at once never undo each other.
   */
  async edit(change: (doc: TopologyDocument) => void): Promise<TopologyChange[]> {
    return this.underLock(async (m) => {
      const doc = await readTopology(m);
      const before = new Map(
        doc.sites.flatMap((s) => s.locations.map((l) => [l, JSON.stringify(l)] as const)),
      );
      change(doc);
      // A tape row made by an earlier release is refused in a file; one this edit leaves as it was is left
      // out of the check (and kept as is, like any row a file does not name), so it blocks no other edit.
      for (const site of doc.sites)
        site.locations = site.locations.filter(
          (l) => !(l.storage === StorageType.TAPE && before.get(l) === JSON.stringify(l)),
        );
      return new TopologyApply(m).run(checkTopology(doc));
    });
  }

  private async underLock(
    work: (m: EntityManager) => Promise<TopologyChange[]>,
    options: { dryRun?: boolean } = {},
  ): Promise<TopologyChange[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // Two applies at once would both see a site missing and both insert it; the second waits here instead
      // and then finds the first one's rows.
      await runner.query('SELECT pg_advisory_xact_lock($1)', [TOPOLOGY_LOCK_KEY]);
      const changes = await work(runner.manager);
      if (options.dryRun) await runner.rollbackTransaction();
      else await runner.commitTransaction();
      return changes;
    } catch (e) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw e;
    } finally {
      await runner.release();
    }
  }
}

/** One apply: the changes so far, the refused location changes, the natural keys the file names. */
class TopologyApply {
  private readonly changes: TopologyChange[] = [];
  private readonly refusals: string[] = [];
  private readonly named = new Set<string>();

  constructor(private readonly m: EntityManager) {}

  async run(file: TopologyFile): Promise<TopologyChange[]> {
    const rows = await readTopologyRows(this.m);
    checkNamesFree(file, rows.sites, rows.locations);
    refuseSharedStorage(file, rows.sites, rows.locations);
    const existing = existingKeys(rows);
    await this.reconcileObservatory(file.observatory, rows);
    await this.reconcileSites(file.sites, rows);
    if (this.refusals.length > 0) {
      const message = [
        'topology not applied, nothing was written: these changes would lose track of data still held there:',
        ...this.refusals.map((r) => `  ${r}`),
        'To move a location, add a new one, let the data move there, and set the old one to active: false.',
      ];
      throw new DomainError('UNSAFE_TOPOLOGY_CHANGE', message.join('\n'), { refusals: this.refusals });
    }
    for (const [entity, keys] of existing) {
      for (const key of keys.filter((k) => !this.named.has(`${entity}:${k}`))) {
        this.changes.push({ action: 'absent', entity, key });
      }
    }
    return this.changes;
  }

  /** The observatory, then each telescope under it, each instrument under that, and its modules. */
  private async reconcileObservatory(obs: TopologyFile['observatory'], rows: TopologyRows): Promise<void> {
    const { observatories, telescopes, instruments, modules } = rows;
    const observatoryNames = new Map<FieldValue, string>(observatories.map((o) => [o.id, o.name]));
    const telescopeNames = new Map<FieldValue, string>(telescopes.map((t) => [t.id, t.name]));
    const obsRow = find(observatories, 'name', obs.name);
    const obsId = await this.reconcile(Observatory, 'observatory', obs.name, obsRow, {
      name: field('name', obs.name),
      description: field('description', obs.description),
    });
    observatoryNames.set(obsId, obs.name);
    for (const tel of obs.telescopes) {
      const telRow = find(telescopes, 'name', tel.name);
      const telId = await this.reconcile(Telescope, 'telescope', tel.name, telRow, {
        name: field('name', tel.name),
        observatory: field('observatoryId', obsId, (id) => observatoryNames.get(id) ?? id),
      });
      telescopeNames.set(telId, tel.name);
      for (const ins of tel.instruments) {
        const row = find(instruments, 'name', ins.name);
        const insId = await this.reconcile(Instrument, 'instrument', ins.name, row, {
          name: field('name', ins.name),
          description: field('description', ins.description),
          telescope: field('telescopeId', telId, (id) => telescopeNames.get(id) ?? id),
        });
        for (const name of ins.modules) {
          const row = modules.find((x) => x.instrumentId === insId && x.name === name);
          const spec = { name: field('name', name), instrument: field('instrumentId', insId) };
          await this.reconcile(InstrumentModuleEntity, 'module', `${ins.name}/${name}`, row, spec);
        }
      }
    }
  }

  /** Each site, then its locations. */
  private async reconcileSites(fileSites: TopologyFile['sites'], { sites, locations }: TopologyRows) {
    for (const site of fileSites) {
      const row = find(sites, 'shortName', site.shortName);
      const spec = {
        shortName: field('shortName', site.shortName),
        name: field('name', site.name),
        location: field('location', site.location),
      };
      const siteId = await this.reconcile(Site, 'site', site.shortName, row, spec, site.name);
      for (const loc of site.locations) {
        const row = locations.find((x) => x.siteId === siteId && x.name === loc.name);
        const key = `${site.shortName}_${loc.name}`;
        if (row?.emptyingRequestedAt && !loc.retiring) await this.callOffEmptying(row.id);
        const spec = locationFields(siteId, loc);
        await this.reconcile(DataLocation, 'location', key, row, spec, describeLocation(loc));
      }
    }
  }

  /** A location no longer retiring is no longer being emptied either: what is left of it stays. */
  private async callOffEmptying(locationId: number): Promise<void> {
    await this.m.query(
      `UPDATE data_location SET emptying_requested_at = NULL, emptying_requested_by = NULL WHERE id = $1`,
      [locationId],
    );
  }

  /** Inserts the row or updates the fields that differ; returns its id. */
  private async reconcile(
    target: EntityTarget<ObjectLiteral>,
    entity: TopologyEntity,
    key: string,
    existing: Row | undefined,
    spec: Record<string, FieldSpec>,
    detail?: string,
  ): Promise<number> {
    this.named.add(`${entity}:${key}`);
    const values = Object.fromEntries(Object.values(spec).map((f) => [f.column, f.value]));
    if (!existing) {
      const result = await this.m.insert(target, values);
      this.changes.push({ action: 'create', entity, key, ...(detail ? { detail } : {}) });
      return (result.identifiers[0] as { id: number }).id;
    }
    const fields: Record<string, [FieldValue, FieldValue]> = {};
    const update: Record<string, FieldValue> = {};
    for (const [label, f] of Object.entries(spec)) {
      const old = (existing[f.column] ?? null) as FieldValue;
      if (old === f.value) continue;
      fields[label] = f.shown ? [f.shown(old), f.shown(f.value)] : [old, f.value];
      update[f.column] = f.value;
    }
    if (Object.keys(fields).length === 0) {
      this.changes.push({ action: 'unchanged', entity, key });
      return existing.id;
    }
    if (entity === 'location' && (await this.refused(existing.id, key, fields))) return existing.id;
    await this.m.update(target, existing.id, update);
    this.changes.push({ action: 'update', entity, key, fields });
    return existing.id;
  }

  /** Records a refusal if a field saying where the bytes are changes while copies are still there. */
  private async refused(locationId: number, key: string, fields: Record<string, [FieldValue, FieldValue]>) {
    const guarded = GUARDED_FIELDS.filter((f) => f in fields);
    if (guarded.length === 0) return false;
    // FOR UPDATE conflicts with the key-share lock a copy insert takes on its location: no copy can be
    // recorded here between this count and our commit.
    await this.m.query('SELECT id FROM data_location WHERE id = $1 FOR UPDATE', [locationId]);
    const [{ n }]: { n: number }[] = await this.m.query(
      'SELECT count(*)::int AS n FROM physical_copy WHERE location_id = $1 AND status = ANY($2::copy_status[])',
      [locationId, GUARDED_STATUSES],
    );
    if (n === 0) return false;
    const what = guarded.map((f) => `${f} ${showValue(fields[f][0])} -> ${showValue(fields[f][1])}`);
    const copies = `${n} live physical cop${n === 1 ? 'y' : 'ies'}`;
    this.refusals.push(`location ${key}: ${what.join(', ')} refused, it still holds ${copies}`);
    return true;
  }
}

function find<E, K extends keyof E>(rows: E[], key: K, value: E[K]): E | undefined {
  return rows.find((r) => r[key] === value);
}

/** A field value as an operator reads it. */
export function showValue(value: FieldValue): string {
  return value === null ? '(none)' : String(value);
}

function field(column: string, value: FieldValue | undefined, shown?: FieldSpec['shown']): FieldSpec {
  return { column, value: value ?? null, shown };
}

function locationFields(siteId: number, loc: TopologyLocation): Record<string, FieldSpec> {
  return {
    site: field('siteId', siteId),
    name: field('name', loc.name),
    type: field('locationType', loc.type),
    storage: field('storageType', loc.storage),
    priority: field('priority', loc.priority),
    active: field('active', modeOfFile(loc) !== LocationMode.OFFLINE),
    draining: field('draining', modeOfFile(loc) === LocationMode.DRAINING),
    role: field('archiveRole', loc.role ?? ArchiveRole.MIRROR),
    retiring: field('retiring', loc.retiring === true),
    rootPath: field('rootPath', loc.rootPath),
    dataUrl: field('dataUrl', loc.dataUrl ? loc.dataUrl.replace(/\/+$/, '') : null),
    diskUsageThresholdPercent: field('diskUsageThresholdPercent', loc.diskUsageThresholdPercent),
    's3.endpoint': field('s3Endpoint', loc.s3?.endpoint),
    's3.bucket': field('s3Bucket', loc.s3?.bucket),
    's3.prefix': field('s3Prefix', loc.s3?.prefix),
    's3.region': field('s3Region', loc.s3?.region),
    's3.accessKeyEnv': field('s3AccessKeyEnv', loc.s3?.accessKeyEnv),
    's3.secretKeyEnv': field('s3SecretKeyEnv', loc.s3?.secretKeyEnv),
    's3.allowInsecureHttp': field('s3AllowInsecureHttp', loc.s3?.allowInsecureHttp === true),
  };
}

/** The mode a file gives a location: its `mode`, else `active: false` as offline. */
function modeOfFile(loc: TopologyLocation): LocationMode {
  return loc.mode ?? (loc.active ? LocationMode.ACTIVE : LocationMode.OFFLINE);
}

function describeLocation(loc: TopologyLocation): string {
  const where = loc.s3
    ? `s3://${loc.s3.bucket}/${loc.s3.prefix ?? ''}`
    : [loc.storage, loc.rootPath].join(' ').trim();
  const extra = [
    loc.priority !== 1 ? `priority ${loc.priority}` : '',
    modeOfFile(loc) === LocationMode.ACTIVE ? '' : modeOfFile(loc),
    loc.role === ArchiveRole.FAILOVER ? 'failover' : '',
    loc.retiring ? 'retiring' : '',
  ];
  return [`${loc.type} on ${where}`, ...extra].filter(Boolean).join(', ');
}
