import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('DeletionSwitch', { description: 'Whether deletion is paused, by whom and why.' })
export class DeletionSwitchModel {
  @Field()
  paused!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true })
  changedBy!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  changedAt!: Date | null;

  @Field(() => Int, { description: 'Deletions already running when it was paused (they finish).' })
  inProgress!: number;
}
