import { Field, Float, GraphQLISODateTime, Int, ObjectType, PickType } from '@nestjs/graphql';
import { QueueModel } from '../../engine/queues/queue.model';
import { ReplicationProgressModel } from '../../pipeline/archive/replication.model';

@ObjectType('FileTotals')
export class FileTotalsModel {
  @Field(() => Int)
  total!: number;

  @Field(() => Int, { description: 'Archived with the required number of archive copies.' })
  safe!: number;

  @Field(() => Float)
  bytes!: number;
}

@ObjectType('OldestUnsafeFile')
export class OldestUnsafeFileModel {
  @Field()
  id!: string;

  @Field()
  path!: string;

  @Field(() => GraphQLISODateTime)
  registeredAt!: Date;

  @Field(() => Int)
  ageSeconds!: number;
}

@ObjectType('StageCount', { description: 'Rows of one stage in one status, e.g. transfer in_progress 3.' })
export class StageCountModel {
  @Field()
  stage!: string;

  @Field()
  status!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('LocationCopies')
export class LocationCopiesModel {
  @Field()
  site!: string;

  @Field()
  location!: string;

  @Field()
  type!: string;

  @Field(() => Int)
  present!: number;

  @Field(() => Float)
  bytes!: number;

  @Field(() => Int)
  deleting!: number;

  @Field(() => Float, { nullable: true })
  usedPercent!: number | null;

  @Field(() => Float, { nullable: true })
  threshold!: number | null;
}

@ObjectType('Throughput')
export class ThroughputModel {
  @Field(() => Int, { description: 'Files that got an archive copy in the window.' })
  files!: number;

  @Field(() => Float, { description: 'Bytes of the archive copies made in the window.' })
  bytes!: number;

  @Field(() => Float)
  bytesPerSecond!: number;

  @Field(() => Int)
  windowSeconds!: number;
}

@ObjectType('DeletionPause')
export class DeletionPauseModel {
  @Field(() => GraphQLISODateTime, { nullable: true })
  since!: Date | null;

  @Field(() => String, { nullable: true })
  by!: string | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType('UnservedQueue', {
  description: 'A queue of an active location that no live worker serves: its work waits.',
})
export class UnservedQueueModel extends PickType(
  QueueModel,
  ['name', 'site', 'location', 'operation'] as const,
  ObjectType,
) {}

@ObjectType('PipelineOverview', { description: 'The pipeline on one page.' })
export class PipelineOverviewModel {
  @Field(() => GraphQLISODateTime)
  at!: Date;

  @Field(() => FileTotalsModel)
  files!: FileTotalsModel;

  @Field(() => OldestUnsafeFileModel, { nullable: true })
  oldestNotSafe!: OldestUnsafeFileModel | null;

  @Field(() => [StageCountModel])
  work!: StageCountModel[];

  @Field(() => [LocationCopiesModel])
  copies!: LocationCopiesModel[];

  @Field(() => Int, { description: 'Work and deletions that failed with no retries left.' })
  failed!: number;

  @Field(() => Float, {
    description: 'Bytes of bundles being transferred not yet received, and uploads running.',
  })
  bytesInFlight!: number;

  @Field(() => ThroughputModel, { description: 'Archive copies made in the last hour.' })
  throughputLastHour!: ThroughputModel;

  @Field(() => DeletionPauseModel, { nullable: true })
  deletionPaused!: DeletionPauseModel | null;

  @Field(() => ReplicationProgressModel, { description: 'The archive sites’ backfill by replication.' })
  replication!: ReplicationProgressModel;

  @Field(() => [String], {
    description: 'Sites with active locations none of whose queues a live worker serves.',
  })
  sitesWithoutWorker!: string[];

  @Field(() => [UnservedQueueModel], {
    description:
      'Queues of active locations that no live worker serves, those of sitesWithoutWorker included.',
  })
  unservedQueues!: UnservedQueueModel[];
}
