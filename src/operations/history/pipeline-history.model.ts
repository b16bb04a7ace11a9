import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('HistoryHour', { description: 'One hour of the charts; null figures where no sample was taken.' })
export class HistoryHourModel {
  @Field(() => GraphQLISODateTime, { description: 'The start of the hour (UTC).' })
  hour!: Date;

  @Field(() => Float, { nullable: true, description: 'Files that became safe in the hour.' })
  filesMadeSafe!: number | null;

  @Field(() => Float, { nullable: true, description: 'Bytes of the files that became safe in the hour.' })
  bytesMadeSafe!: number | null;

  @Field(() => Float, { nullable: true, description: 'Files not yet safe at the end of the hour.' })
  backlogFiles!: number | null;

  @Field(() => Float, { nullable: true })
  backlogBytes!: number | null;
}

@ObjectType('SafeRate', { description: 'How fast files are being made safe now.' })
export class SafeRateModel {
  @Field(() => Float)
  filesPerHour!: number;

  @Field(() => Float)
  bytesPerSecond!: number;

  @Field(() => Int, { description: 'The span measured: one to two hours once the history is that long.' })
  windowSeconds!: number;
}

@ObjectType('PipelineHistory', {
  description: 'The pipeline by the hour over the last days, from the hourly rollup (pipeline_hour).',
})
export class PipelineHistoryModel {
  @Field(() => GraphQLISODateTime)
  from!: Date;

  @Field(() => [HistoryHourModel])
  hours!: HistoryHourModel[];

  @Field(() => SafeRateModel, { nullable: true })
  rate!: SafeRateModel | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'Since when a stage has had open work that did not move, with none of it completed, for over an hour.',
  })
  stalledSince!: Date | null;

  @Field(() => [String], { description: 'The stalled stages, e.g. "transfer at cologne".' })
  stalled!: string[];
}
