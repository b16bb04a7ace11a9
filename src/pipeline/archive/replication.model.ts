import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('ReplicationPause', {
  description: 'Replication paused into one archive site or all: by whom, why.',
})
export class ReplicationPauseModel {
  @Field(() => String, { nullable: true, description: 'The destination site; null: every archive site.' })
  site!: string | null;

  @Field(() => GraphQLISODateTime)
  since!: Date;

  @Field()
  by!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType('ReplicationSite', {
  description: 'An active archive site that lacks archived packages: its backfill by replication.',
})
export class ReplicationSiteModel {
  @Field()
  site!: string;

  @Field(() => [String], { description: 'Its active archive locations.' })
  locations!: string[];

  @Field(() => Int, { description: 'Archived packages (bundle distributed): what every archive site holds.' })
  total!: number;

  @Field(() => Int)
  held!: number;

  @Field(() => Int)
  lacking!: number;

  @Field(() => Float)
  bytesToGo!: number;

  @Field(() => Int, { description: 'Replication transfers into it waiting or running.' })
  open!: number;

  @Field(() => Int, { description: 'Replication transfers into it that failed (they wait for a reset).' })
  failed!: number;

  @Field(() => Float)
  bytesLastHour!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Seconds to go at REPLICATION_BYTES_PER_DAY, else at the last hour’s rate; null: no rate.',
  })
  etaSeconds!: number | null;

  @Field(() => ReplicationPauseModel, { nullable: true })
  paused!: ReplicationPauseModel | null;

  @Field({ description: 'e.g. "us/lta: 1,234 of 5,000 packages, 2.1 TB to go, about 3 days".' })
  summary!: string;
}

@ObjectType('RetiringArchive', {
  description: 'An archive location being retired, and what still depends on it.',
})
export class RetiringArchiveModel {
  @Field({ description: '`site/location`.' })
  location!: string;

  @Field(() => Int, { description: 'Package copies still held there.' })
  held!: number;

  @Field(() => Int, { description: 'Of those, how many may not leave yet.' })
  depending!: number;

  @Field(() => Int, { description: 'Copies removed by emptying it.' })
  removed!: number;

  @Field(() => GraphQLISODateTime, { nullable: true })
  emptyingSince!: Date | null;

  @Field(() => String, { nullable: true })
  emptyingBy!: string | null;
}

@ObjectType('ReplicationProgress', { description: 'The archive sites’ backfill and its pauses.' })
export class ReplicationProgressModel {
  @Field(() => [ReplicationSiteModel], { description: 'Only the sites with something to go.' })
  sites!: ReplicationSiteModel[];

  @Field(() => [ReplicationPauseModel])
  pauses!: ReplicationPauseModel[];

  @Field(() => [RetiringArchiveModel])
  retiring!: RetiringArchiveModel[];

  @Field(() => [String], { description: 'One line per site, or that every site holds every package.' })
  summary!: string[];
}
