import {
  Args,
  ArgsType,
  Context,
  Field,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsBoolean, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { PageArgs, paginate } from '../../engine/graphql/connection';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { SiteModel } from '../sites/site.model';
import { siteIn } from '../sites/sites.resolver';
import { TopologyLocationDocument } from '../topology/topology-snapshot';
import { TopologyService } from '../topology/topology.service';
import { DataLocation, modeOf } from './data-location.entity';
import { LocationType } from './location-type';
import {
  CreateLocationInput,
  LocationConnection,
  LocationModel,
  LocationUsageModel,
  UpdateLocationInput,
} from './location.model';
import { EnumFilter, IntFilter } from '../../engine/graphql/filter-fields';

@ArgsType()
class LocationFilter extends PageArgs {
  @IntFilter()
  siteId?: number;

  @EnumFilter(LocationType)
  locationType?: LocationType;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

/** How a location's fields are spelled in a topology file (s3 settings nested). */
function toDocument(input: Partial<CreateLocationInput>, into: Partial<TopologyLocationDocument>): void {
  const {
    s3Endpoint,
    s3Bucket,
    s3Prefix,
    s3AccessKeyEnv,
    s3SecretKeyEnv,
    s3AllowInsecureHttp,
    site: _site,
    locationType,
    storageType,
    ...rest
  } = input;
  Object.assign(into, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
  if (locationType) into.type = locationType;
  if (storageType) into.storage = storageType;
  const s3 = {
    endpoint: s3Endpoint,
    prefix: s3Prefix,
    accessKeyEnv: s3AccessKeyEnv,
    secretKeyEnv: s3SecretKeyEnv,
  };
  if (
    s3Bucket !== undefined ||
    s3AllowInsecureHttp !== undefined ||
    Object.values(s3).some((v) => v !== undefined)
  ) {
    into.s3 = { ...into.s3, bucket: s3Bucket ?? into.s3?.bucket ?? '' };
    for (const [key, value] of Object.entries(s3))
      if (value !== undefined) Object.assign(into.s3, { [key]: value });
    if (s3AllowInsecureHttp !== undefined) into.s3.allowInsecureHttp = s3AllowInsecureHttp;
  }
}

/**
 * Locations in the admin console. Changes go through the topology like sites': a change of where the bytes
 * are (storage, root path, bucket) is refused while the location still holds copies.
 */
@Resolver(() => LocationModel)
@RequireScope(TokenScope.READ)
export class LocationsResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topology: TopologyService,
  ) {}

  @Query(() => LocationConnection)
  locations(@Args() filter: LocationFilter): Promise<LocationConnection> {
    const query = this.dataSource.getRepository(DataLocation).createQueryBuilder('l');
    if (filter.siteId !== undefined) query.andWhere('l.siteId = :siteId', filter);
    if (filter.locationType !== undefined) query.andWhere('l.locationType = :locationType', filter);
    if (filter.active !== undefined) query.andWhere('l.active = :active', filter);
    return paginate(query, [['l.id', 'id']], filter);
  }

  @Query(() => LocationModel, { nullable: true })
  location(@Args('id', { type: () => Int }) id: number): Promise<DataLocation | null> {
    return this.dataSource.getRepository(DataLocation).findOneBy({ id });
  }

  @ResolveField(() => String, {
    description: 'active, draining (no new work; what is there moves on) or offline.',
  })
  mode(@Parent() location: DataLocation): string {
    return modeOf(location);
  }

  @ResolveField(() => SiteModel)
  site(@Parent() location: DataLocation, @Context() ctx: AdminContext) {
    return ctx.loaders.site.load(location.siteId);
  }

  @ResolveField(() => LocationUsageModel, { nullable: true, description: 'Disk use, from MONITORING.' })
  usage(@Parent() location: DataLocation, @Context() ctx: AdminContext) {
    return ctx.loaders.usage.load(location.id);
  }

  @Mutation(() => LocationModel)
  @RequireScope(TokenScope.ADMIN)
  async createLocation(@Args('input') input: CreateLocationInput): Promise<DataLocation> {
    await this.topology.edit((doc) => {
      const site = siteIn(doc, input.site);
      if (site.locations.some((l) => l.name === input.name))
        throw new DomainError('CONFLICT', `${input.site} has a location ${input.name} already`, {
          field: 'input.name',
        });
      const location: Partial<TopologyLocationDocument> = { priority: 1, active: true };
      toDocument(input, location);
      site.locations.push(location as TopologyLocationDocument);
    });
    return this.find(input.site, input.name);
  }

  @Mutation(() => LocationModel)
  @RequireScope(TokenScope.ADMIN)
  async updateLocation(
    @Args('id', { type: () => Int }) id: number,
    @Args('input') input: UpdateLocationInput,
  ): Promise<DataLocation> {
    return this.change(id, (location) => toDocument(input, location));
  }

  @Mutation(() => LocationModel, { description: 'New data may go there again; its queues are bound again.' })
  @RequireScope(TokenScope.ADMIN)
  activateLocation(@Args('id', { type: () => Int }) id: number): Promise<DataLocation> {
    return this.change(id, (location) => (location.active = true));
  }

  @Mutation(() => LocationModel, {
    description: 'No new data goes there and its queues are unbound; the copies it holds stay.',
  })
  @RequireScope(TokenScope.ADMIN)
  deactivateLocation(@Args('id', { type: () => Int }) id: number): Promise<DataLocation> {
    return this.change(id, (location) => (location.active = false));
  }

  private async change(
    id: number,
    edit: (location: TopologyLocationDocument) => void,
  ): Promise<DataLocation> {
    const row = await this.dataSource
      .getRepository(DataLocation)
      .findOne({ where: { id }, relations: { site: true } });
    if (!row?.site) throw new DomainError('NOT_FOUND', `no location ${id}`, { field: 'id' });
    await this.topology.edit((doc) => {
      const location = siteIn(doc, row.site!.shortName).locations.find((l) => l.name === row.name);
      if (!location) throw new DomainError('NOT_FOUND', `no location ${id}`, { field: 'id' });
      edit(location);
    });
    return this.dataSource.getRepository(DataLocation).findOneByOrFail({ id });
  }

  private async find(site: string, name: string): Promise<DataLocation> {
    const row = await this.dataSource
      .getRepository(DataLocation)
      .createQueryBuilder('l')
      .innerJoin('l.site', 's')
      .where('s.shortName = :site AND l.name = :name', { site, name })
      .getOneOrFail();
    return row;
  }
}
