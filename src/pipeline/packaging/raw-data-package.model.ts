import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OperationStatus } from '../../engine/work/operation-status';
import { PageArgs, Paginated } from '../../engine/graphql/connection';
import { WorkFieldsModel } from '../../engine/graphql/work-fields.model';
import { PackageState } from './raw-data-package.states';
import { EnumFilter, UuidFilter } from '../../engine/graphql/filter-fields';

registerEnumType(PackageState, { name: 'PackageState' });

@ObjectType('RawDataPackage', { description: 'The files of one obs unit and module, in one tar.' })
export class RawDataPackageModel extends WorkFieldsModel {
  @Field()
  id!: string;

  @Field()
  name!: string;

  @Field()
  relativePath!: string;

  @Field()
  executedObsUnitId!: string;

  @Field(() => Int)
  instrumentModuleId!: number;

  @Field(() => String, { nullable: true, description: 'The bundle it travels in.' })
  dataTransferPackageId!: string | null;

  @Field(() => OperationStatus, { description: 'Of the packaging task.' })
  status!: OperationStatus;

  @Field(() => PackageState)
  state!: PackageState;

  @Field(() => Float)
  size!: number;

  @Field(() => String, { nullable: true })
  sha256!: string | null;

  @Field(() => Int)
  fileCount!: number;

  @Field(() => Int, {
    description:
      'Archive sites holding a PRESENT copy with the package checksum (safe at DELETION_MIN_LTA_SITES of them).',
  })
  ltaSiteCount!: number;
}

@ObjectType()
export class RawDataPackageConnection extends Paginated(RawDataPackageModel) {}

@ArgsType()
export class RawDataPackageFilter extends PageArgs {
  @EnumFilter(PackageState)
  state?: PackageState;

  @EnumFilter(OperationStatus)
  status?: OperationStatus;

  @UuidFilter()
  obsUnitId?: string;
}
