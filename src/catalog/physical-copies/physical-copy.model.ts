import {
  ArgsType,
  Field,
  Float,
  GraphQLISODateTime,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { PageArgs, Paginated } from '../../engine/graphql/connection';
import { CopyKind, CopyStatus } from './physical-copy.states';
import { EnumFilter, UuidFilter, IntFilter } from '../../engine/graphql/filter-fields';

registerEnumType(CopyStatus, { name: 'CopyStatus' });
registerEnumType(CopyKind, { name: 'CopyKind' });

@ObjectType('CopyEvent', { description: 'One step in the audit trail of a physical copy.' })
export class CopyEventModel {
  @Field(() => String)
  id!: string;

  @Field(() => CopyStatus, { nullable: true })
  fromStatus!: CopyStatus | null;

  @Field(() => CopyStatus)
  toStatus!: CopyStatus;

  @Field()
  actor!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => GraphQLISODateTime)
  at!: Date;
}

@ObjectType('PhysicalCopy', { description: 'Where the bytes of a file, package or bundle are.' })
export class PhysicalCopyModel {
  @Field()
  id!: string;

  @Field(() => CopyKind)
  kind!: CopyKind;

  @Field(() => String, { nullable: true })
  rawDataFileId!: string | null;

  @Field(() => String, { nullable: true })
  rawDataPackageId!: string | null;

  @Field(() => String, { nullable: true })
  dataTransferPackageId!: string | null;

  @Field(() => Int)
  locationId!: number;

  @Field()
  relativePath!: string;

  @Field(() => CopyStatus)
  status!: CopyStatus;

  @Field(() => Float)
  size!: number;

  @Field()
  sha256!: string;

  @Field(() => GraphQLISODateTime)
  verifiedAt!: Date;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType()
export class PhysicalCopyConnection extends Paginated(PhysicalCopyModel) {}

@ArgsType()
export class PhysicalCopyFilter extends PageArgs {
  @IntFilter()
  locationId?: number;

  @EnumFilter(CopyStatus)
  status?: CopyStatus;

  @EnumFilter(CopyKind)
  kind?: CopyKind;

  @UuidFilter('Copies of this file, of its package and of its bundle.')
  fileId?: string;
}
