import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('FileRegistration')
export class FileRegistrationModel {
  @Field(() => Float)
  size!: number;

  @Field()
  sha256!: string;
}

@ObjectType('AmendedPackage')
export class AmendedPackageModel {
  @Field()
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'What became of the package, e.g. "its packaging was reset: it is packed again".' })
  outcome!: string;
}

@ObjectType('FileAmendment', {
  description: 'A file accepted as it now is at its source, or withdrawn from the pipeline (audited).',
})
export class FileAmendmentModel {
  @Field()
  fileId!: string;

  @Field()
  path!: string;

  @Field({ description: 'accepted or withdrawn' })
  action!: string;

  @Field(() => FileRegistrationModel, { description: 'The registration before.' })
  before!: FileRegistrationModel;

  @Field(() => FileRegistrationModel, { nullable: true, description: 'The registration now (accept).' })
  after!: FileRegistrationModel | null;

  @Field(() => AmendedPackageModel, { nullable: true })
  package!: AmendedPackageModel | null;
}
