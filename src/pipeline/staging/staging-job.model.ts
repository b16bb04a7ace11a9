import { ArgsType, Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { OperationStatus } from '../../engine/work/operation-status';
import { PageArgs, Paginated } from '../../engine/graphql/connection';
import { EnumFilter } from '../../engine/graphql/filter-fields';

@ObjectType('StagingJob', { description: 'Packages staged back from an archive to a processing location.' })
export class StagingJobModel {
  @Field()
  id!: string;

  @Field()
  status!: string;

  @Field({ description: 'The PROCESSING location, as <site>_<location>.' })
  location!: string;

  @Field()
  requestedBy!: string;

  @Field(() => Int)
  packages!: number;

  @Field(() => Int)
  packagesStaged!: number;

  @Field(() => [String], {
    description:
      'Where below the location its files are: each at <site>/<source location>/<registered path>, by its source.',
  })
  stagedUnder!: string[];

  @Field(() => Int)
  filesTotal!: number;

  @Field(() => Int)
  filesDone!: number;

  @Field(() => Float)
  bytesTotal!: number;

  @Field(() => Float)
  bytesDone!: number;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  completedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  releasedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  retainUntil!: Date | null;
}

@ObjectType()
export class StagingJobConnection extends Paginated(StagingJobModel) {}

@ArgsType()
export class StagingJobFilter extends PageArgs {
  @EnumFilter(OperationStatus)
  status?: OperationStatus;
}
