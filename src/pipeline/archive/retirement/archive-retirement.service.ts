import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Environment } from '../../../config/environment';
import { DataLocation } from '../../../catalog/locations/data-location.entity';
import { LocationType } from '../../../catalog/locations/location-type';
import { minSafeSites, safeSiteCountSql } from '../../../catalog/physical-copies/package-safety';
import {
  CopyKind,
  CopyStatus,
  LIVE_COPY_STATUSES,
} from '../../../catalog/physical-copies/physical-copy.states';
import { TopologyService } from '../../../catalog/topology/topology.service';
import { DomainError } from '../../../engine/errors/domain-error';
import { readByNoTransfer, rehomedAtItsSite, safeWithoutIt } from './retirement.queries';

/** A package copy at the location that may not leave it yet, and why. */
export interface RetirementDependent {
  path: string;
  reasons: string[];
}

/** What retiring (or emptying) an archive location means now. */
export interface RetirementPlan {
  /** `site/location`. */
  location: string;
  active: boolean;
  retiring: boolean;
  emptyingRequestedAt: Date | null;
  emptyingRequestedBy: string | null;
  /** Live package copies held there, and their bytes. */
  copies: number;
  bytes: number;
  /** Of those, how many could leave now (safe and re-homed without it, no transfer reading them). */
  free: number;
  /** How many may not yet, and the first of them with their reasons. */
  dependentCount: number;
  dependents: RetirementDependent[];
  /** Copies there marked LOST (nothing counts them; their objects, if any, are not removed). */
  lost: number;
  /** Copies already removed by emptying. */
  removed: number;
}

const SHOWN = 20;

/**
 * Retiring a long-term-archive location, in three steps an operator takes: `retire` (the topology says
 * `retiring: true`: it takes no new copies, and the archive reconciler re-homes what it holds), `plan`
 * (what still depends on it), and `empty` (only once nothing does: each copy then goes by the deletion
 * rule for it, re-checked by the worker against package-safety.ts with this location left out).
 */
@Injectable()
export class ArchiveRetirementService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topology: TopologyService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  /** Marks the location retiring, as `retiring: true` in the topology would (the same validation and lock). */
  async retire(ref: string): Promise<RetirementPlan> {
    const row = await this.archive(this.dataSource.manager, ref);
    await this.topology.edit((doc) => {
      const site = doc.sites.find((s) => s.shortName === ref.split('/')[0]);
      const location = site?.locations.find((l) => l.name === row.name);
      if (!location) throw new DomainError('NOT_FOUND', `no location ${ref}`);
      location.retiring = true;
    });
    return this.plan(ref);
  }

  /**
   * Asks for the location to be emptied, refused unless it is retiring, served (active) and nothing depends
   * on it any more. The request is recorded (who, when); the deletion manager then schedules each copy.
   */
  async empty(ref: string, actor: string): Promise<RetirementPlan> {
    await this.dataSource.transaction(async (m) => {
      const row = await this.archive(m, ref, true);
      if (!row.retiring)
        throw new DomainError(
          'CONFLICT',
          `${ref} is not retiring: retire it first (ccat-dt location retire ${ref})`,
        );
      if (!row.active)
        throw new DomainError(
          'CONFLICT',
          `${ref} is inactive: its worker must serve it to remove its objects; set it active again first`,
        );
      const plan = await this.planOf(m, ref, row);
      if (plan.dependentCount > 0)
        throw new DomainError(
          'CONFLICT',
          `${plan.dependentCount} package cop${plan.dependentCount === 1 ? 'y' : 'ies'} at ${ref} still depend on it ` +
            `(see ccat-dt location retire ${ref} --plan); nothing was changed`,
          { dependents: plan.dependents },
        );
      if (row.emptyingRequestedAt) return;
      await m.update(DataLocation, row.id, { emptyingRequestedAt: new Date(), emptyingRequestedBy: actor });
    });
    return this.plan(ref);
  }

  async plan(ref: string): Promise<RetirementPlan> {
    const m = this.dataSource.manager;
    return this.planOf(m, ref, await this.archive(m, ref));
  }

  private async planOf(m: EntityManager, ref: string, row: DataLocation): Promise<RetirementPlan> {
    const minSites = minSafeSites(this.config);
    const copies: {
      path: string;
      size: number;
      sitesWithout: number;
      rehomed: boolean;
      unread: boolean;
      safe: boolean;
    }[] = await m.query(
      `SELECT c.relative_path AS path, c.size::float8 AS size,
              ${safeSiteCountSql('c.raw_data_package_id', undefined, 'c.location_id')}::int AS "sitesWithout",
              ${safeWithoutIt('c', minSites)} AS safe,
              ${rehomedAtItsSite('c', 'l')} AS rehomed, ${readByNoTransfer('c')} AS unread
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id
        WHERE l.id = $1 AND c.kind = '${CopyKind.RAW_DATA_PACKAGE}' AND c.status = ANY($2::copy_status[])
        ORDER BY c.created_at`,
      [row.id, LIVE_COPY_STATUSES],
    );
    const [{ lost, removed }] = await m.query(
      `SELECT count(*) FILTER (WHERE status = '${CopyStatus.LOST}')::int AS lost,
              count(*) FILTER (WHERE status = '${CopyStatus.DELETED}')::int AS removed
         FROM physical_copy WHERE location_id = $1 AND kind = '${CopyKind.RAW_DATA_PACKAGE}'`,
      [row.id],
    );
    const site = ref.split('/')[0];
    const dependents = copies
      .map((c) => ({ path: c.path, reasons: reasonsToStay(c, minSites, site) }))
      .filter((d) => d.reasons.length > 0);
    return {
      location: ref,
      active: row.active,
      retiring: row.retiring,
      emptyingRequestedAt: row.emptyingRequestedAt,
      emptyingRequestedBy: row.emptyingRequestedBy,
      copies: copies.length,
      bytes: copies.reduce((s, c) => s + c.size, 0),
      free: copies.length - dependents.length,
      dependentCount: dependents.length,
      dependents: dependents.slice(0, SHOWN),
      lost,
      removed,
    };
  }

  /** The archive location `site/location`, locked FOR UPDATE if asked; anything else is refused by name. */
  private async archive(m: EntityManager, ref: string, lock = false): Promise<DataLocation> {
    const [site, name, ...rest] = ref.split('/');
    if (!site || !name || rest.length)
      throw new DomainError('VALIDATION', `expected <site>/<location>, e.g. cologne/lta, not "${ref}"`);
    const [found] = await m.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2`,
      [site, name],
    );
    if (!found) throw new DomainError('NOT_FOUND', `no location ${ref}`);
    const row = await m.findOneOrFail(DataLocation, {
      where: { id: found.id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (row.locationType !== LocationType.LONG_TERM_ARCHIVE)
      throw new DomainError(
        'VALIDATION',
        `${ref} is a ${row.locationType} location: only a long-term archive retires`,
      );
    return row;
  }
}

function reasonsToStay(
  c: { safe: boolean; sitesWithout: number; rehomed: boolean; unread: boolean },
  minSites: number,
  site: string,
): string[] {
  const reasons: string[] = [];
  if (!c.safe) reasons.push(`held safely at ${c.sitesWithout} site(s) without it, ${minSites} needed`);
  if (!c.rehomed) reasons.push(`not yet at ${site}'s other archive`);
  if (!c.unread) reasons.push('an archive transfer reads it');
  return reasons;
}
