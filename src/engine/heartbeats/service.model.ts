import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('Service', { description: 'A live process, from its heartbeat in Redis.' })
export class ServiceModel {
  @Field({ description: 'worker, manager or api' })
  type!: string;

  @Field()
  name!: string;

  @Field()
  host!: string;

  @Field(() => Int)
  pid!: number;

  @Field(() => GraphQLISODateTime)
  startedAt!: Date;

  @Field(() => GraphQLISODateTime)
  beatAt!: Date;

  @Field(() => [String], { description: 'Its bound queues, or its manager kinds.' })
  serves!: string[];

  @Field({ description: "Its release (package version); 'before 0.2.0' for builds that did not report one." })
  release!: string;

  @Field(() => Int, { nullable: true, description: 'The data-port protocol it speaks (null before 0.2.0).' })
  protocol!: number | null;

  @Field(() => Int, { description: 'Milliseconds until the heartbeat expires unless renewed.' })
  ttlMs!: number;
}
