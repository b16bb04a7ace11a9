import { Field, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsOptional, Matches } from 'class-validator';
import { Paginated } from '../../engine/graphql/connection';
import { QUEUE_SAFE_NAME } from '../sites/site.entity';
import { RouteType } from './data-transfer-route.entity';

registerEnumType(RouteType, { name: 'RouteType' });

@ObjectType('Route', {
  description: 'An operator route: RELAY via a site, DIRECT to an archive, CUSTOM landing.',
})
export class RouteModel {
  @Field(() => Int)
  id!: number;

  @Field(() => RouteType)
  type!: RouteType;

  @Field()
  from!: string;

  @Field()
  to!: string;

  @Field(() => String, { nullable: true })
  via!: string | null;

  @Field()
  active!: boolean;
}

@ObjectType()
export class RouteConnection extends Paginated(RouteModel) {}

const NAME = /^[a-z][a-z0-9_]{0,80}$/;

@InputType()
export class CreateRouteInput {
  @Field(() => RouteType)
  @IsEnum(RouteType)
  type!: RouteType;

  @Field({ description: 'A site (RELAY, DIRECT) or a location as <site>_<location> (CUSTOM).' })
  @Matches(NAME, { message: 'must be a site short name or <site>_<location>' })
  from!: string;

  @Field({ description: 'A site (RELAY, DIRECT) or a location as <site>_<location> (CUSTOM).' })
  @Matches(NAME, { message: 'must be a site short name or <site>_<location>' })
  to!: string;

  @Field({ nullable: true, description: 'RELAY only: the site the data goes through.' })
  @IsOptional()
  @Matches(QUEUE_SAFE_NAME, { message: 'must be a site short name' })
  via?: string;
}
