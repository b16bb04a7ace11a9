import {
  ArgsType,
  Field,
  Float,
  GraphQLISODateTime,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageArgs, Paginated } from '../../engine/graphql/connection';
import { EnumFilter, UuidFilter, IntFilter } from '../../engine/graphql/filter-fields';

@ObjectType('RawDataFile', { description: 'A file an instrument wrote and registered.' })
export class RawDataFileModel {
  @Field()
  id!: string;

  @Field()
  relativePath!: string;

  @Field(() => Float)
  size!: number;

  @Field()
  sha256!: string;

  @Field()
  executedObsUnitId!: string;

  @Field(() => Int)
  instrumentModuleId!: number;

  @Field(() => Int)
  sourceLocationId!: number;

  @Field(() => String, { nullable: true })
  rawDataPackageId!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When it was registered.' })
  createdAt!: Date;
}

@ObjectType()
export class RawDataFileConnection extends Paginated(RawDataFileModel) {}

/** Where a file is in the pipeline, from its package: the states a file search filters on. */
export enum FileState {
  /** Registered, not in a package yet. */
  REGISTERED = 'registered',
  WAITING = 'waiting',
  TRANSFERRING = 'transferring',
  /** At least one verified archive copy. */
  ARCHIVED = 'archived',
  FAILED = 'failed',
}
registerEnumType(FileState, { name: 'FileState' });

@ArgsType()
export class RawDataFileFilter extends PageArgs {
  @UuidFilter('The executed obs unit id.')
  obsUnitId?: string;

  @IntFilter('The instrument module id.')
  moduleId?: number;

  @Field({ nullable: true, description: 'The instrument module name (any instrument).' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  module?: string;

  @EnumFilter(FileState)
  state?: FileState;

  @Field({ nullable: true, description: 'Files whose path starts with this.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  pathPrefix?: string;
}
