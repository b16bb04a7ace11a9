import {
  ArgsType,
  Field,
  Float,
  GraphQLISODateTime,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { OperationStatus } from '../../engine/work/operation-status';
import { PageArgs, Paginated } from '../../engine/graphql/connection';
import { WorkFieldsModel } from '../../engine/graphql/work-fields.model';
import { TransferMethod } from './data-transfer.entity';
import { EnumFilter, UuidFilter, IntFilter } from '../../engine/graphql/filter-fields';

registerEnumType(TransferMethod, { name: 'TransferMethod' });

@ObjectType('TransferPackage', { description: 'A bundle of packages that travels between sites as one tar.' })
export class TransferPackageModel extends WorkFieldsModel {
  @Field()
  id!: string;

  @Field()
  name!: string;

  @Field(() => Int)
  originLocationId!: number;

  @Field(() => OperationStatus)
  status!: OperationStatus;

  @Field(() => Float)
  size!: number;

  @Field(() => String, { nullable: true })
  sha256!: string | null;

  @Field(() => Int)
  packageCount!: number;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When every transfer of it was unpacked.' })
  distributedAt!: Date | null;
}

@ObjectType()
export class TransferPackageConnection extends Paginated(TransferPackageModel) {}

@ObjectType('Transfer', { description: 'One bundle moving from one location to another, then unpacked.' })
export class TransferModel extends WorkFieldsModel {
  @Field()
  id!: string;

  @Field()
  dataTransferPackageId!: string;

  @Field(() => Int)
  originLocationId!: number;

  @Field(() => Int)
  destinationLocationId!: number;

  @Field(() => TransferMethod)
  method!: TransferMethod;

  @Field(() => OperationStatus)
  status!: OperationStatus;

  @Field(() => OperationStatus)
  unpackStatus!: OperationStatus;

  @Field(() => Float)
  bytesTransferred!: number;

  @Field(() => Int)
  unpackRetryCount!: number;
}

@ObjectType()
export class TransferConnection extends Paginated(TransferModel) {}

@ArgsType()
export class TransferPackageFilter extends PageArgs {
  @EnumFilter(OperationStatus)
  status?: OperationStatus;
}

@ArgsType()
export class TransferFilter extends PageArgs {
  @EnumFilter(OperationStatus)
  status?: OperationStatus;

  @EnumFilter(OperationStatus)
  unpackStatus?: OperationStatus;

  @IntFilter('Transfers to a location of this site.')
  destinationSiteId?: number;

  @UuidFilter()
  transferPackageId?: string;
}
