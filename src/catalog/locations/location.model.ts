import { S3_ACCESS_KEY_ENV, S3_SECRET_KEY_ENV } from './s3-credentials';
import { IsS3KeyPrefix } from '../../engine/validation/s3-key-prefix';
import {
  Field,
  Float,
  GraphQLISODateTime,
  InputType,
  Int,
  ObjectType,
  OmitType,
  PartialType,
  registerEnumType,
} from '@nestjs/graphql';
import { IsBoolean, IsEnum, IsInt, IsNumber, IsOptional, Matches, Max, Min } from 'class-validator';
import { Paginated } from '../../engine/graphql/connection';
import { QUEUE_SAFE_NAME } from '../sites/site.entity';
import { ArchiveRole, LocationType, StorageType } from './location-type';

registerEnumType(LocationType, { name: 'LocationType' });
registerEnumType(StorageType, { name: 'StorageType' });

@ObjectType('LocationUsage', { description: 'The last MONITORING measurement of a location.' })
export class LocationUsageModel {
  @Field(() => Float, { nullable: true })
  totalBytes!: number | null;

  @Field(() => Float, { nullable: true })
  freeBytes!: number | null;

  @Field(() => Float, { nullable: true, description: 'Percent of the disk in use; null for object stores.' })
  usedPercent!: number | null;

  @Field(() => Float, { description: 'Bytes of the copies this location holds.' })
  copiesBytes!: number;

  @Field(() => Int)
  copies!: number;

  @Field(() => GraphQLISODateTime)
  measuredAt!: Date;
}

@ObjectType('Location', { description: 'One storage place at a site; its queues follow its active flag.' })
export class LocationModel {
  @Field(() => Int)
  id!: number;

  @Field(() => Int)
  siteId!: number;

  @Field()
  name!: string;

  @Field(() => LocationType)
  locationType!: LocationType;

  @Field(() => StorageType)
  storageType!: StorageType;

  @Field(() => Int)
  priority!: number;

  @Field()
  active!: boolean;

  @Field(() => String, { description: 'For an archive: mirror (its own copy) or failover (one per site).' })
  archiveRole!: ArchiveRole;

  @Field({ description: 'A long-term archive being retired: no new copies; what it holds is re-homed.' })
  retiring!: boolean;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When an operator asked for this retiring archive to be emptied.',
  })
  emptyingRequestedAt!: Date | null;

  @Field(() => String, { nullable: true })
  rootPath!: string | null;

  @Field(() => String, { nullable: true })
  dataUrl!: string | null;

  @Field(() => String, { nullable: true })
  s3Endpoint!: string | null;

  @Field(() => String, { nullable: true })
  s3Bucket!: string | null;

  @Field(() => String, { nullable: true })
  s3Prefix!: string | null;

  @Field(() => Float, { nullable: true })
  diskUsageThresholdPercent!: number | null;
}

@ObjectType()
export class LocationConnection extends Paginated(LocationModel) {}

const ABSOLUTE = /^\/(?!(.*\/)?\.\.(\/|$))[^\0]*$/s;
const URL = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;

@InputType()
export class CreateLocationInput {
  @Field({ description: 'The short name of the site it belongs to.' })
  @Matches(QUEUE_SAFE_NAME, { message: 'must be the short name of a site' })
  site!: string;

  @Field()
  @Matches(QUEUE_SAFE_NAME, {
    message: 'must be 1-40 of a-z 0-9 _ starting with a letter (it becomes part of queue names)',
  })
  name!: string;

  @Field(() => LocationType)
  @IsEnum(LocationType)
  locationType!: LocationType;

  @Field(() => StorageType)
  @IsEnum(StorageType)
  storageType!: StorageType;

  @Field(() => Int, { nullable: true, description: 'Default 1; lower is used first.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  priority?: number;

  @Field({ nullable: true, description: 'Default true.' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @Field({ nullable: true, description: 'Required for disk storage: an absolute path.' })
  @IsOptional()
  @Matches(ABSOLUTE, { message: 'must be an absolute path without ..' })
  rootPath?: string;

  @Field({ nullable: true, description: 'Where its worker serves it to other sites (buffers).' })
  @IsOptional()
  @Matches(URL, { message: 'must be an http:// or https:// URL' })
  dataUrl?: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(URL, { message: 'must be an http:// or https:// URL' })
  s3Endpoint?: string;

  @Field({ nullable: true, description: 'Required for s3 storage.' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be an S3 bucket name (3-63 of a-z 0-9 . -)',
  })
  s3Bucket?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsS3KeyPrefix()
  s3Prefix?: string;

  @Field({
    nullable: true,
    description:
      'Required for s3 storage: the NAME of the variable holding the access key, e.g. COLOGNE_S3_ACCESS_KEY.',
  })
  @IsOptional()
  @Matches(S3_ACCESS_KEY_ENV, { message: 'must be a variable name ending in _S3_ACCESS_KEY' })
  s3AccessKeyEnv?: string;

  @Field({
    nullable: true,
    description: 'Required for s3 storage: the NAME of the variable holding the secret key.',
  })
  @IsOptional()
  @Matches(S3_SECRET_KEY_ENV, { message: 'must be a variable name ending in _S3_SECRET_KEY' })
  s3SecretKeyEnv?: string;

  @Field({
    nullable: true,
    description: 'Lets s3Endpoint be plain http:// (a test server); otherwise https.',
  })
  @IsOptional()
  @IsBoolean()
  s3AllowInsecureHttp?: boolean;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(100)
  diskUsageThresholdPercent?: number;
}

/** Which site a location belongs to and its name make its queue names: they cannot change. */
@InputType()
export class UpdateLocationInput extends PartialType(
  OmitType(CreateLocationInput, ['site', 'name'] as const),
) {}
