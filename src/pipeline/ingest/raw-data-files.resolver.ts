import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { packagesInState } from '../packaging/raw-data-package.queries';
import { InjectDataSource } from '@nestjs/typeorm';
import { uuidArg } from '../../engine/graphql/uuid-arg';
import { DataSource } from 'typeorm';
import { DomainError } from '../../engine/errors/domain-error';
import { paginate } from '../../engine/graphql/connection';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { ExplanationModel } from '../../operations/explain/explanation.model';
import { ExplainService } from '../../operations/explain/explain.service';
import { RawDataPackageModel } from '../packaging/raw-data-package.model';
import { PhysicalCopyModel } from '../../catalog/physical-copies/physical-copy.model';
import { RawDataFile } from './raw-data-file.entity';
import { FileState, RawDataFileConnection, RawDataFileFilter, RawDataFileModel } from './raw-data-file.model';

@Resolver(() => RawDataFileModel)
@RequireScope(TokenScope.READ)
export class RawDataFilesResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly explainer: ExplainService,
  ) {}

  @Query(() => RawDataFileConnection, { description: 'Files by obs unit, module, state or path prefix.' })
  rawDataFiles(@Args() filter: RawDataFileFilter): Promise<RawDataFileConnection> {
    const query = this.dataSource.getRepository(RawDataFile).createQueryBuilder('f');
    if (filter.obsUnitId) query.andWhere('f.executedObsUnitId = :obsUnitId', filter);
    if (filter.moduleId !== undefined) query.andWhere('f.instrumentModuleId = :moduleId', filter);
    if (filter.module)
      query.andWhere(
        'f.instrumentModuleId IN (SELECT id FROM instrument_module WHERE name = :module)',
        filter,
      );
    if (filter.pathPrefix)
      query.andWhere(`f.relativePath LIKE :prefix ESCAPE '\\'`, {
        prefix: `${filter.pathPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      });
    if (filter.state === FileState.REGISTERED) query.andWhere('f.rawDataPackageId IS NULL');
    else if (filter.state) query.andWhere(`f.rawDataPackageId IN ${packagesInState(':state')}`, filter);
    return paginate(query, [['f.id', 'id']], filter);
  }

  @Query(() => RawDataFileModel, { nullable: true })
  rawDataFile(@Args('id', uuidArg('id')) id: string): Promise<RawDataFile | null> {
    return this.dataSource.getRepository(RawDataFile).findOneBy({ id });
  }

  @Query(() => ExplanationModel, {
    description: 'Why a file is where it is. `ref` is a file id or its path (first match).',
  })
  async explain(@Args('ref') ref: string): Promise<ExplanationModel> {
    const ids = await this.explainer.resolve(ref);
    if (ids.length === 0) throw new DomainError('NOT_FOUND', `no file ${ref}`, { field: 'ref' });
    return this.explainer.explain(ids[0]);
  }

  @ResolveField(() => [PhysicalCopyModel], { description: "The file's own copies and its package's." })
  copies(@Parent() file: RawDataFile, @Context() ctx: AdminContext) {
    return ctx.loaders.fileCopies.load(file);
  }

  @ResolveField(() => RawDataPackageModel, { nullable: true })
  rawDataPackage(@Parent() file: RawDataFile, @Context() ctx: AdminContext) {
    return file.rawDataPackageId ? ctx.loaders.rawDataPackage.load(file.rawDataPackageId) : null;
  }

  @ResolveField(() => ExplanationModel, {
    description: 'Costs a few queries per file: ask for it on one file.',
  })
  explanation(@Parent() file: RawDataFile): Promise<ExplanationModel> {
    return this.explainer.explain(file.id);
  }
}
