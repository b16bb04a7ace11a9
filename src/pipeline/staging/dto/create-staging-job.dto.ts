import { Field, InputType } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/** The REST body of POST /staging-jobs and the GraphQL input of requestStagingJob: one set of rules. */
@InputType('StagingJobRequest')
export class CreateStagingJobDto {
  @ApiPropertyOptional({
    example: 'cologne_ramses_processing',
    description: 'The PROCESSING location, as <site>_<location> (exactly one of location, site)',
  })
  @Field({ nullable: true, description: 'The PROCESSING location, as <site>_<location>' })
  @ValidateIf((d: CreateStagingJobDto) => d.site === undefined || d.location !== undefined)
  @IsString({ message: 'location or site is required: the processing location, or a site to choose one at' })
  @MaxLength(200)
  location?: string;

  @ApiPropertyOptional({
    example: 'cologne',
    description: 'A site: its first processing location that takes new work, by priority',
  })
  @Field({ nullable: true, description: 'A site: its first processing location that takes new work' })
  @ValidateIf((d: CreateStagingJobDto) => d.site !== undefined)
  @IsString()
  @MaxLength(200)
  @ValidateBy({
    name: 'notBothLocationAndSite',
    validator: {
      validate: (_v, args) => (args?.object as CreateStagingJobDto).location === undefined,
      defaultMessage: () => 'give a location or a site, not both',
    },
  })
  site?: string;

  @ApiPropertyOptional({ description: 'Raw data package ids (exactly one of packages, files, obsUnit)' })
  @Field(() => [String], { nullable: true, description: 'Raw data package ids' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  packages?: string[];

  @ApiPropertyOptional({ description: 'Raw data file ids: their whole packages are staged' })
  @Field(() => [String], { nullable: true, description: 'Raw data file ids: their whole packages' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100_000)
  @IsUUID('all', { each: true })
  files?: string[];

  @ApiPropertyOptional({ description: 'An executed obs unit, by id or name: all its packages' })
  @Field({ nullable: true, description: 'An executed obs unit, by id or name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  obsUnit?: string;

  @ApiPropertyOptional({
    example: '7d',
    description: 'Released by itself after this long (s, m, h, d); default: until released',
  })
  @Field({ nullable: true, description: 'Released by itself after this long (s, m, h, d)' })
  @IsOptional()
  @Matches(/^\d{1,6}(s|m|h|d)$/, { message: 'retention must be a duration such as 12h or 7d' })
  retention?: string;
}
