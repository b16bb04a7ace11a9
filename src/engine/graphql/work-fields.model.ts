import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OperationStatus } from '../work/operation-status';

registerEnumType(OperationStatus, { name: 'OperationStatus' });

/** The fields every unit of work shares (see WorkRow): retries, the last failure, who holds it. */
@ObjectType({ isAbstract: true })
export abstract class WorkFieldsModel {
  @Field(() => Int)
  retryCount!: number;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: 'The process working on it, if any.' })
  claimedBy!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  claimedAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}
