import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('RetirementDependent', {
  description: 'A package copy that may not leave a retiring archive yet.',
})
export class RetirementDependentModel {
  @Field({ description: 'The package object’s path.' })
  path!: string;

  @Field(() => [String])
  reasons!: string[];
}

@ObjectType('RetirementPlan', {
  description: 'What retiring or emptying an archive location means now: what it holds, what still needs it.',
})
export class RetirementPlanModel {
  @Field({ description: '`site/location`.' })
  location!: string;

  @Field()
  active!: boolean;

  @Field()
  retiring!: boolean;

  @Field(() => GraphQLISODateTime, { nullable: true })
  emptyingRequestedAt!: Date | null;

  @Field(() => String, { nullable: true })
  emptyingRequestedBy!: string | null;

  @Field(() => Int, { description: 'Live package copies held there.' })
  copies!: number;

  @Field(() => Float)
  bytes!: number;

  @Field(() => Int, { description: 'Of those, how many could leave now.' })
  free!: number;

  @Field(() => Int)
  dependentCount!: number;

  @Field(() => [RetirementDependentModel], { description: 'The first of them, with why each stays.' })
  dependents!: RetirementDependentModel[];

  @Field(() => Int)
  lost!: number;

  @Field(() => Int)
  removed!: number;
}
