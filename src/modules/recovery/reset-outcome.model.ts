import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OperationStatus } from '../../common/operation-status';

/** The kinds of work an operator can reset, as `ccat-dt reset <kind> <id>` names them. */
export enum ResettableWork {
  package = 'package',
  bundle = 'bundle',
  transfer = 'transfer',
  unpack = 'unpack',
  archive = 'archive',
  staging = 'staging',
}
registerEnumType(ResettableWork, { name: 'ResettableWork' });

@ObjectType('ResetOutcome')
export class ResetOutcomeModel {
  @Field()
  kind!: string;

  @Field()
  id!: string;

  @Field(() => OperationStatus)
  from!: OperationStatus;

  @Field(() => OperationStatus)
  to!: OperationStatus;

  @Field(() => Int)
  retry!: number;

  @Field()
  reason!: string;
}

@ObjectType('FailedWork', { description: 'Work that failed with no retries left, waiting for an operator.' })
export class FailedWorkModel {
  @Field(() => ResettableWork)
  kind!: ResettableWork;

  @Field()
  id!: string;

  @Field({ description: 'The location whose queue does the work, as <site>_<location>.' })
  location!: string;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => Int)
  retries!: number;

  @Field(() => GraphQLISODateTime)
  failedAt!: Date;
}
