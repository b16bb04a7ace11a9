import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
// The copies of a file include its package's and its bundle's: asked through the stages' own fragments.
import { packageOfFile } from '../../pipeline/ingest/raw-data-file.queries';
import { bundleOfPackage } from '../../pipeline/packaging/raw-data-package.queries';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { paginate } from '../../engine/graphql/connection';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { LocationModel } from '../locations/location.model';
import { PhysicalCopy } from './physical-copy.entity';
import {
  CopyEventModel,
  PhysicalCopyConnection,
  PhysicalCopyFilter,
  PhysicalCopyModel,
} from './physical-copy.model';

@Resolver(() => PhysicalCopyModel)
@RequireScope(TokenScope.READ)
export class PhysicalCopiesResolver {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Query(() => PhysicalCopyConnection, { description: 'Copies by location, status, kind, or of one file.' })
  physicalCopies(@Args() filter: PhysicalCopyFilter): Promise<PhysicalCopyConnection> {
    const query = this.dataSource.getRepository(PhysicalCopy).createQueryBuilder('c');
    if (filter.locationId !== undefined) query.andWhere('c.locationId = :locationId', filter);
    if (filter.status) query.andWhere('c.status = :status', filter);
    if (filter.kind) query.andWhere('c.kind = :kind', filter);
    if (filter.fileId)
      query.andWhere(
        `(c.rawDataFileId = :fileId OR c.rawDataPackageId = ${packageOfFile(':fileId')}
          OR c.dataTransferPackageId = ${bundleOfPackage(packageOfFile(':fileId'))})`,
        filter,
      );
    return paginate(query, [['c.id', 'id']], filter);
  }

  @ResolveField(() => LocationModel)
  location(@Parent() copy: PhysicalCopy, @Context() ctx: AdminContext) {
    return ctx.loaders.location.load(copy.locationId);
  }

  @ResolveField(() => [CopyEventModel], { description: 'Its audit trail, oldest first.' })
  events(@Parent() copy: PhysicalCopy, @Context() ctx: AdminContext) {
    return ctx.loaders.copyEvents.load(copy.id);
  }
}
