import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { DataLocation } from '../locations/data-location.entity';
import { LocationType } from '../locations/location-type';
import { DataTransferRoute, RouteType } from './data-transfer-route.entity';
import { siteTakesNewArchiveCopies } from '../locations/location.queries';

export interface RouteView {
  id: number;
  type: RouteType;
  from: string;
  to: string;
  via: string | null;
  active: boolean;
}

/**
 * Operators' routes, and the two questions the transfer manager asks of them: must data from this site to
 * that one go through a third (RELAY), and must transfers from this location to that site land in a
 * particular location (CUSTOM)?
 */
@Injectable()
export class RouteService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The site data from `fromSiteId` bound for `toSiteId` goes to first, if a relay route says so. */
  async relayVia(fromSiteId: number, toSiteId: number): Promise<{ id: number; shortName: string } | null> {
    const [via] = await this.dataSource.query(
      `SELECT s.id, s.short_name AS "shortName" FROM data_transfer_route r JOIN site s ON s.id = r.via_site_id
        WHERE r.route_type = 'relay' AND r.active AND r.from_site_id = $1 AND r.to_site_id = $2
        ORDER BY r.id LIMIT 1`,
      [fromSiteId, toSiteId],
    );
    return via ?? null;
  }

  /** Sites whose archives get data from `fromSiteId` straight from its buffers (DIRECT routes). */
  async directSites(fromSiteId: number): Promise<number[]> {
    const rows: { id: number }[] = await this.dataSource.query(
      `SELECT to_site_id AS id FROM data_transfer_route WHERE route_type = 'direct' AND active AND from_site_id = $1`,
      [fromSiteId],
    );
    return rows.map((r) => r.id);
  }

  /** Where transfers from `fromLocationId` to `toSiteId` land, if a custom route says so and it takes data. */
  async customDestination(
    m: EntityManager,
    fromLocationId: number,
    toSiteId: number,
  ): Promise<DataLocation | null> {
    const [row] = await m.query(
      `SELECT l.id FROM data_transfer_route r JOIN data_location l ON l.id = r.to_location_id
        WHERE r.route_type = 'custom' AND r.active AND r.from_location_id = $1 AND l.site_id = $2 AND l.active
        ORDER BY r.id LIMIT 1`,
      [fromLocationId, toSiteId],
    );
    return row ? m.findOneByOrFail(DataLocation, { id: row.id }) : null;
  }

  async addRelay(from: string, to: string, via: string): Promise<RouteView> {
    const [f, t, v] = [await this.site(from), await this.site(to), await this.site(via)];
    if (new Set([f, t, v]).size !== 3)
      throw new DomainError('VALIDATION', 'a relay needs three different sites');
    return this.insert({ routeType: RouteType.RELAY, fromSiteId: f, toSiteId: t, viaSiteId: v });
  }

  async addDirect(from: string, to: string): Promise<RouteView> {
    const [f, t] = [await this.site(from), await this.site(to)];
    if (f === t) throw new DomainError('VALIDATION', 'a direct route joins two different sites');
    const [lta] = await this.dataSource.query(`SELECT ${siteTakesNewArchiveCopies('$1::int')} AS ok`, [t]);
    if (!lta.ok)
      throw new DomainError(
        'VALIDATION',
        `${to} has no long-term archive that takes new data to send to directly`,
      );
    const [origin] = await this.dataSource.query(
      `SELECT 1 FROM data_location WHERE site_id = $1 AND location_type = 'buffer' AND data_url IS NOT NULL AND data_url <> ''`,
      [f],
    );
    if (!origin)
      throw new DomainError(
        'VALIDATION',
        `${from} has no buffer with a data URL for ${to} to read from directly`,
      );
    return this.insert({ routeType: RouteType.DIRECT, fromSiteId: f, toSiteId: t });
  }

  async addCustom(from: string, to: string): Promise<RouteView> {
    const f = await this.location(from);
    const t = await this.location(to);
    if (t.locationType !== LocationType.BUFFER)
      throw new DomainError('VALIDATION', `${to} is a ${t.locationType} location; transfers land in buffers`);
    if (f.siteId === t.siteId) throw new DomainError('VALIDATION', `${from} and ${to} are at the same site`);
    return this.insert({ routeType: RouteType.CUSTOM, fromLocationId: f.id, toLocationId: t.id });
  }

  async remove(id: number): Promise<void> {
    const [, n] = await this.dataSource.query(`DELETE FROM data_transfer_route WHERE id = $1`, [id]);
    if (!n) throw new DomainError('NOT_FOUND', `no route ${id}`);
  }

  async list(): Promise<RouteView[]> {
    return this.dataSource.query(
      `SELECT r.id, r.route_type AS type,
              coalesce(fs.short_name, fls.short_name || '_' || fl.name) AS "from",
              coalesce(ts.short_name, tls.short_name || '_' || tl.name) AS "to",
              vs.short_name AS via, r.active
         FROM data_transfer_route r
         LEFT JOIN site fs ON fs.id = r.from_site_id LEFT JOIN site ts ON ts.id = r.to_site_id
         LEFT JOIN site vs ON vs.id = r.via_site_id
         LEFT JOIN data_location fl ON fl.id = r.from_location_id LEFT JOIN site fls ON fls.id = fl.site_id
         LEFT JOIN data_location tl ON tl.id = r.to_location_id LEFT JOIN site tls ON tls.id = tl.site_id
        ORDER BY r.id`,
    );
  }

  private async insert(values: Record<string, unknown>): Promise<RouteView> {
    const [{ id }] = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(DataTransferRoute)
      .values(values)
      .returning('id')
      .execute()
      .then((r) => r.raw as { id: number }[]);
    return (await this.list()).find((r) => r.id === id)!;
  }

  private async site(shortName: string): Promise<number> {
    const [s] = await this.dataSource.query(`SELECT id FROM site WHERE short_name = $1`, [shortName]);
    if (!s) throw new DomainError('NOT_FOUND', `no site ${shortName}`);
    return s.id;
  }

  private async location(name: string): Promise<DataLocation> {
    const [l] = await this.dataSource.query(
      `SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name || '_' || l.name = $1`,
      [name],
    );
    if (!l)
      throw new DomainError(
        'NOT_FOUND',
        `no location ${name} (expected <site>_<location>, e.g. cologne_buffer)`,
      );
    return this.dataSource.manager.findOneByOrFail(DataLocation, { id: l.id });
  }
}
