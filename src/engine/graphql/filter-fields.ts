import { applyDecorators } from '@nestjs/common';
import { Field, Int } from '@nestjs/graphql';
import { IsEnum, IsInt, IsOptional, IsUUID } from 'class-validator';

/** A list filter on one enum value (a status, a kind): optional in GraphQL and in validation alike. */
export const EnumFilter = (enumType: object, description?: string) =>
  applyDecorators(
    Field(() => enumType, { nullable: true, description }),
    IsOptional(),
    IsEnum(enumType),
  );

/** A list filter on the id of a row (a file, an obs unit, a bundle). */
export const UuidFilter = (description?: string) =>
  applyDecorators(Field({ nullable: true, description }), IsOptional(), IsUUID());

/** A list filter on an integer id (a site, a location, a module). */
export const IntFilter = (description?: string) =>
  applyDecorators(
    Field(() => Int, { nullable: true, description }),
    IsOptional(),
    IsInt(),
  );
