import { Field, GraphQLISODateTime, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ArrayMinSize, IsArray, IsDate, IsEnum, IsOptional, IsString, Matches } from 'class-validator';
import { TokenScope } from './api-token.entity';

registerEnumType(TokenScope, { name: 'TokenScope' });

@ObjectType('ApiToken', { description: 'A bearer token; its secret is shown once, when it is created.' })
export class ApiTokenModel {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field({ description: 'The public part of the token (ccat_<prefix>_…).' })
  prefix!: string;

  @Field(() => [TokenScope])
  scopes!: TokenScope[];

  @Field(() => [String], {
    nullable: true,
    description: 'An ingest token bound to these instruments registers only for them; null: any.',
  })
  instruments!: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'An ingest token bound to these source locations (site/location) registers files only there.',
  })
  sources!: string[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      'A transfer token bound to this site (short name) reads only what open work bound for that site reads.',
  })
  site!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  lastUsedAt!: Date | null;
}

@ObjectType('CreatedApiToken')
export class CreatedApiTokenModel {
  @Field({ description: 'The token in clear: shown this once, only its hash is kept.' })
  token!: string;

  @Field(() => ApiTokenModel)
  record!: ApiTokenModel;
}

@InputType()
export class CreateApiTokenInput {
  @Field()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, _ . : -' })
  name!: string;

  @Field(() => [TokenScope])
  @IsArray()
  @ArrayMinSize(1)
  @IsEnum(TokenScope, { each: true })
  scopes!: TokenScope[];

  @Field(() => GraphQLISODateTime, { nullable: true })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;

  @Field(() => [String], { nullable: true, description: 'Bind an ingest token to these instruments.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  instruments?: string[];

  @Field(() => [String], {
    nullable: true,
    description: 'Bind an ingest token to these source locations, each `site/location`.',
  })
  @IsOptional()
  @IsArray()
  @Matches(/^[^/\s]+\/[^/\s]+$/, { each: true, message: 'each source must be site/location' })
  sources?: string[];

  @Field(() => String, {
    nullable: true,
    description: "Bind a transfer token to this site (short name): its workers' pulls only.",
  })
  @IsOptional()
  @IsString()
  site?: string;
}
