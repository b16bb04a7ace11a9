import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OperationStatus } from '../../engine/work/operation-status';
import { WORK_KINDS } from './work-kinds';

/** The kinds of work an operator can reset, as `ccat-dt reset <kind> <id>` names them: WORK_KINDS's. */
export const ResettableWork: Readonly<Record<string, string>> = Object.fromEntries(
  WORK_KINDS.map((k) => [k.name, k.name]),
);
export type ResettableWork = string;
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

  @Field(() => String, {
    nullable: true,
    description:
      'For a package that failed on a file changed or missing at its source: that file, to accept or withdraw.',
  })
  changedFile!: string | null;
}
