import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('Queue', { description: "A location's queue for one operation, with BullMQ's job counts." })
export class QueueModel {
  @Field({ description: '<site>_<location>_<operation>' })
  name!: string;

  @Field()
  site!: string;

  @Field()
  location!: string;

  @Field()
  operation!: string;

  @Field(() => Int)
  waiting!: number;

  @Field(() => Int)
  active!: number;

  @Field(() => Int)
  delayed!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  completed!: number;

  @Field(() => [String], { description: 'The live workers that have it bound (none: its work waits).' })
  servedBy!: string[];
}
