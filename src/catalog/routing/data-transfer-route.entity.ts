import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { DataLocation } from '../locations/data-location.entity';
import { Site } from '../sites/site.entity';

export enum RouteType {
  /**
   * Packages from one site reach another site's long-term archive straight from the origin buffer: no
   * bundle is sent to that site's buffer, and each file is verified as the package streams past.
   */
  DIRECT = 'direct',
  /** Data from one site bound for another goes through a third: `from` -> `via` -> `to`. */
  RELAY = 'relay',
  /** Transfers from one location to a site land in this location, whatever the buffers' priorities say. */
  CUSTOM = 'custom',
}

/**
 * An operator's override of the default routing (round robin out of the observatory, then replication
 * from the first archive site). Written with `ccat-dt route add`; read by the transfer manager.
 */
@Entity('data_transfer_route')
@Check(
  'ck_data_transfer_route_direct',
  `route_type <> 'direct' OR (from_site_id IS NOT NULL AND to_site_id IS NOT NULL)`,
)
@Check(
  'ck_data_transfer_route_relay',
  `route_type <> 'relay' OR (from_site_id IS NOT NULL AND to_site_id IS NOT NULL AND via_site_id IS NOT NULL)`,
)
@Check(
  'ck_data_transfer_route_custom',
  `route_type <> 'custom' OR (from_location_id IS NOT NULL AND to_location_id IS NOT NULL)`,
)
export class DataTransferRoute {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'enum', enum: RouteType, enumName: 'route_type' })
  routeType!: RouteType;

  @ManyToOne(() => Site, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'from_site_id' })
  fromSite?: Site;

  @Column({ nullable: true })
  fromSiteId!: number | null;

  @ManyToOne(() => Site, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'to_site_id' })
  toSite?: Site;

  @Column({ nullable: true })
  toSiteId!: number | null;

  @ManyToOne(() => Site, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'via_site_id' })
  viaSite?: Site;

  @Column({ nullable: true })
  viaSiteId!: number | null;

  @ManyToOne(() => DataLocation, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'from_location_id' })
  fromLocation?: DataLocation;

  @Column({ nullable: true })
  fromLocationId!: number | null;

  @ManyToOne(() => DataLocation, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'to_location_id' })
  toLocation?: DataLocation;

  @Column({ nullable: true })
  toLocationId!: number | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * SQL: a DIRECT route joins these two sites (both are column expressions of the caller's query, never
 * input), so the second site's archives read the first site's buffers and need no bundle.
 */
export const directRouteJoins = (fromSite: string, toSite: string): string =>
  `EXISTS (SELECT 1 FROM data_transfer_route r WHERE r.route_type = 'direct' AND r.active
            AND r.from_site_id = ${fromSite} AND r.to_site_id = ${toSite})`;
