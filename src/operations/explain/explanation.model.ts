import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

/** An audited change: from what to what, by whom, when, why. */
@ObjectType({ isAbstract: true })
abstract class AuditedChangeModel {
  @Field(() => GraphQLISODateTime)
  at!: Date;

  @Field(() => String, {
    nullable: true,
    description: 'Null for the first (a copy made, a priority given at registration).',
  })
  from!: string | null;

  @Field()
  to!: string;

  @Field()
  actor!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType('ExplainedCopyStep')
export class ExplainedCopyStepModel extends AuditedChangeModel {}

@ObjectType('ExplainedCopy')
export class ExplainedCopyModel {
  @Field()
  kind!: string;

  @Field()
  site!: string;

  @Field()
  location!: string;

  @Field()
  locationType!: string;

  @Field()
  path!: string;

  @Field()
  status!: string;

  @Field(() => [ExplainedCopyStepModel])
  history!: ExplainedCopyStepModel[];
}

@ObjectType('ExplainedWork')
export class ExplainedWorkModel {
  @Field()
  what!: string;

  @Field()
  status!: string;

  @Field(() => Int)
  retries!: number;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;
}

@ObjectType('ExplainedFile')
export class ExplainedFileModel {
  @Field()
  id!: string;

  @Field()
  path!: string;

  @Field(() => Float)
  size!: number;

  @Field()
  sha256!: string;

  @Field(() => GraphQLISODateTime)
  registeredAt!: Date;

  @Field()
  obsUnit!: string;

  @Field()
  instrument!: string;

  @Field()
  module!: string;
}

@ObjectType('ObsUnitPriorityChange')
export class ObsUnitPriorityChangeModel extends AuditedChangeModel {}

@ObjectType('ExplainedPriority')
export class ExplainedPriorityModel {
  @Field({ description: 'normal, or high: the obs unit is urgent and its data goes ahead of the backlog.' })
  priority!: string;

  @Field(() => [ObsUnitPriorityChangeModel])
  changes!: ObsUnitPriorityChangeModel[];
}

@ObjectType('Explanation', { description: 'Where a file is, why, and what it waits for.' })
export class ExplanationModel {
  @Field(() => ExplainedFileModel)
  file!: ExplainedFileModel;

  @Field(() => ExplainedPriorityModel, { description: "The file's obs unit's priority and its changes." })
  priority!: ExplainedPriorityModel;

  @Field()
  stage!: string;

  @Field()
  safe!: boolean;

  @Field({ description: 'One sentence: where the file is and, unless it is safe, what it waits for.' })
  verdict!: string;

  @Field(() => [ExplainedCopyModel])
  copies!: ExplainedCopyModel[];

  @Field(() => [ExplainedWorkModel])
  work!: ExplainedWorkModel[];
}
