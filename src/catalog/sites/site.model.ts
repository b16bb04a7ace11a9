import {
  Field,
  GraphQLISODateTime,
  InputType,
  Int,
  ObjectType,
  PartialType,
  OmitType,
} from '@nestjs/graphql';
import { IsOptional, Matches, MaxLength } from 'class-validator';
import { Paginated } from '../../engine/graphql/connection';
import { QUEUE_SAFE_NAME } from './site.entity';

@ObjectType('Site', {
  description: 'A place that holds data: the observatory, an archive centre, a cluster.',
})
export class SiteModel {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field({ description: 'The first part of every queue name of the site.' })
  shortName!: string;

  @Field(() => String, { nullable: true })
  location!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType()
export class SiteConnection extends Paginated(SiteModel) {}

const TRIMMED = /^\S(.*\S)?$/s;

@InputType()
export class CreateSiteInput {
  @Field()
  @Matches(TRIMMED, { message: 'must be a non-empty text without leading or trailing spaces' })
  @MaxLength(200)
  name!: string;

  @Field()
  @Matches(QUEUE_SAFE_NAME, {
    message: 'must be 1-40 of a-z 0-9 _ starting with a letter (it becomes part of queue names)',
  })
  shortName!: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(TRIMMED, { message: 'must be a non-empty text without leading or trailing spaces' })
  @MaxLength(200)
  location?: string;
}

/** The short name names queues and cannot change; a site that should be called otherwise is a new site. */
@InputType()
export class UpdateSiteInput extends PartialType(OmitType(CreateSiteInput, ['shortName'] as const)) {}
