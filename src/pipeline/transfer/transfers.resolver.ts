import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { paginate } from '../../engine/graphql/connection';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { LocationModel } from '../../catalog/locations/location.model';
import { DataTransferPackage } from '../bundling/data-transfer-package.entity';
import { DataTransfer } from './data-transfer.entity';
import {
  TransferConnection,
  TransferFilter,
  TransferModel,
  TransferPackageConnection,
  TransferPackageFilter,
} from './transfer.model';

@Resolver(() => TransferModel)
@RequireScope(TokenScope.READ)
export class TransfersResolver {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Query(() => TransferPackageConnection, { description: 'Bundles.' })
  transferPackages(@Args() filter: TransferPackageFilter): Promise<TransferPackageConnection> {
    const query = this.dataSource.getRepository(DataTransferPackage).createQueryBuilder('b');
    if (filter.status) query.andWhere('b.status = :status', filter);
    return paginate(query, [['b.id', 'id']], filter);
  }

  @Query(() => TransferConnection)
  transfers(@Args() filter: TransferFilter): Promise<TransferConnection> {
    const query = this.dataSource.getRepository(DataTransfer).createQueryBuilder('t');
    if (filter.status) query.andWhere('t.status = :status', filter);
    if (filter.unpackStatus) query.andWhere('t.unpackStatus = :unpackStatus', filter);
    if (filter.transferPackageId) query.andWhere('t.dataTransferPackageId = :transferPackageId', filter);
    if (filter.destinationSiteId !== undefined)
      query.andWhere(
        't.destinationLocationId IN (SELECT id FROM data_location WHERE site_id = :destinationSiteId)',
        filter,
      );
    return paginate(query, [['t.id', 'id']], filter);
  }

  @ResolveField(() => LocationModel)
  origin(@Parent() transfer: DataTransfer, @Context() ctx: AdminContext) {
    return ctx.loaders.location.load(transfer.originLocationId);
  }

  @ResolveField(() => LocationModel)
  destination(@Parent() transfer: DataTransfer, @Context() ctx: AdminContext) {
    return ctx.loaders.location.load(transfer.destinationLocationId);
  }
}
