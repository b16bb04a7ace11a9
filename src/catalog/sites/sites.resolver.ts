import { Args, Context, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { PageArgs, paginate } from '../../engine/graphql/connection';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { LocationModel } from '../locations/location.model';
import { TopologyService } from '../topology/topology.service';
import { TopologyDocument, TopologySiteDocument } from '../topology/topology-snapshot';
import { Site } from './site.entity';
import { CreateSiteInput, SiteConnection, SiteModel, UpdateSiteInput } from './site.model';

/** The site in a topology document, or NOT_FOUND. */
export function siteIn(doc: TopologyDocument, shortName: string): TopologySiteDocument {
  const site = doc.sites.find((s) => s.shortName === shortName);
  if (!site) throw new DomainError('NOT_FOUND', `no site ${shortName}`);
  return site;
}

/**
 * Sites in the admin console. Changes go through the topology (TopologyService.edit): the same checks as
 * `ccat-dt topology apply`, and queues follow within a discovery interval, without a restart.
 */
@Resolver(() => SiteModel)
@RequireScope(TokenScope.READ)
export class SitesResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topology: TopologyService,
  ) {}

  @Query(() => SiteConnection)
  sites(@Args() page: PageArgs): Promise<SiteConnection> {
    return paginate(this.dataSource.getRepository(Site).createQueryBuilder('s'), [['s.id', 'id']], page);
  }

  @Query(() => SiteModel, { nullable: true })
  site(@Args('shortName') shortName: string): Promise<Site | null> {
    return this.dataSource.getRepository(Site).findOneBy({ shortName });
  }

  @ResolveField(() => [LocationModel])
  locations(@Parent() site: Site, @Context() ctx: AdminContext) {
    return ctx.loaders.locationsOfSite.load(site.id);
  }

  @Mutation(() => SiteModel)
  @RequireScope(TokenScope.ADMIN)
  async createSite(@Args('input') input: CreateSiteInput): Promise<Site> {
    await this.topology.edit((doc) => {
      if (doc.sites.some((s) => s.shortName === input.shortName))
        throw new DomainError('CONFLICT', `a site ${input.shortName} exists already`, {
          field: 'input.shortName',
        });
      doc.sites.push({ ...input, locations: [] });
    });
    return this.byShortName(input.shortName);
  }

  @Mutation(() => SiteModel)
  @RequireScope(TokenScope.ADMIN)
  async updateSite(
    @Args('shortName') shortName: string,
    @Args('input') input: UpdateSiteInput,
  ): Promise<Site> {
    await this.topology.edit((doc) => Object.assign(siteIn(doc, shortName), input));
    return this.byShortName(shortName);
  }

  @Mutation(() => Int, { description: 'Activates every location of the site; answers how many changed.' })
  @RequireScope(TokenScope.ADMIN)
  activateSite(@Args('shortName') shortName: string): Promise<number> {
    return this.setActive(shortName, true);
  }

  @Mutation(() => Int, {
    description:
      'Deactivates every location of the site (no new data goes there, its queues are unbound); ' +
      'answers how many changed. Copies already there stay.',
  })
  @RequireScope(TokenScope.ADMIN)
  deactivateSite(@Args('shortName') shortName: string): Promise<number> {
    return this.setActive(shortName, false);
  }

  private async setActive(shortName: string, active: boolean): Promise<number> {
    const changes = await this.topology.edit((doc) => {
      for (const location of siteIn(doc, shortName).locations) location.active = active;
    });
    return changes.filter((c) => c.entity === 'location' && c.action === 'update').length;
  }

  private async byShortName(shortName: string): Promise<Site> {
    return this.dataSource.getRepository(Site).findOneByOrFail({ shortName });
  }
}
