import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { paginate } from '../../engine/graphql/connection';
import { uuidArg } from '../../engine/graphql/uuid-arg';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { PhysicalCopyModel } from '../../catalog/physical-copies/physical-copy.model';
import { RawDataPackage } from './raw-data-package.entity';
import {
  RawDataPackageConnection,
  RawDataPackageFilter,
  RawDataPackageModel,
} from './raw-data-package.model';

@Resolver(() => RawDataPackageModel)
@RequireScope(TokenScope.READ)
export class RawDataPackagesResolver {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Query(() => RawDataPackageConnection)
  rawDataPackages(@Args() filter: RawDataPackageFilter): Promise<RawDataPackageConnection> {
    const query = this.dataSource.getRepository(RawDataPackage).createQueryBuilder('p');
    if (filter.state) query.andWhere('p.state = :state', filter);
    if (filter.status) query.andWhere('p.status = :status', filter);
    if (filter.obsUnitId) query.andWhere('p.executedObsUnitId = :obsUnitId', filter);
    return paginate(query, [['p.id', 'id']], filter);
  }

  @Query(() => RawDataPackageModel, { nullable: true })
  rawDataPackage(@Args('id', uuidArg('id')) id: string): Promise<RawDataPackage | null> {
    return this.dataSource.getRepository(RawDataPackage).findOneBy({ id });
  }

  @ResolveField(() => [PhysicalCopyModel])
  copies(@Parent() pkg: RawDataPackage, @Context() ctx: AdminContext) {
    return ctx.loaders.packageCopies.load(pkg.id);
  }
}
