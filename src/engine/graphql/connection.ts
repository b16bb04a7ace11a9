import { Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ObjectLiteral, QueryFailedError, SelectQueryBuilder } from 'typeorm';
import { DomainError } from '../errors/domain-error';

/** The largest page a client may ask for: a page of 1,000 files with their copies stays a few queries. */
export const MAX_PAGE_SIZE = 1000;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 50, description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = 50;

  @Field({ nullable: true, description: 'The endCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;
}

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  @Field()
  hasNextPage!: boolean;
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

/** `SiteConnection { nodes: [Site!]!, pageInfo: PageInfo! }` for any object type (Relay-style, keyset). */
export function Paginated<T>(classRef: Type<T>): Type<Connection<T>> {
  @ObjectType({ isAbstract: true })
  abstract class PaginatedType implements Connection<T> {
    @Field(() => [classRef])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return PaginatedType as Type<Connection<T>>;
}

/**
 * The columns a list is ordered by, most significant first, ending in a unique one (the id), e.g.
 * `[['f.created_at', 'createdAt'], ['f.id', 'id']]`: SQL expression and the entity property it reads.
 */
export type KeysetOrder = readonly (readonly [sql: string, property: string])[];

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, width: number): unknown[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // We only ever write ids and dates (strings and numbers); anything else was not made here.
    if (
      Array.isArray(values) &&
      values.length === width &&
      values.every((v) => typeof v === 'string' || typeof v === 'number')
    )
      return values;
  } catch {
    // falls through to the error below
  }
  throw notACursor();
}

const notACursor = () =>
  new DomainError('VALIDATION', 'after: not a cursor this list returned', { field: 'after' });

/** PostgreSQL's class 22 (data exception): a value the column's type cannot hold, such as 'x' for a uuid. */
const isDataException = (err: unknown) =>
  err instanceof QueryFailedError && String((err.driverError as { code?: string })?.code).startsWith('22');

/**
 * One page by keyset (`WHERE (a, id) > (:a, :id) ORDER BY a, id LIMIT first + 1`): a page deep in a
 * million rows costs what the first page costs, and rows inserted meanwhile never shift a page.
 */
export async function paginate<E extends ObjectLiteral>(
  query: SelectQueryBuilder<E>,
  order: KeysetOrder,
  page: PageArgs,
): Promise<Connection<E>> {
  if (page.after !== undefined) {
    const values = decodeCursor(page.after, order.length);
    const params = Object.fromEntries(values.map((v, i) => [`cursor${i}`, v]));
    const columns = order.map(([sql]) => sql).join(', ');
    const placeholders = values.map((_, i) => `:cursor${i}`).join(', ');
    query.andWhere(`(${columns}) > (${placeholders})`, params);
  }
  order.forEach(([sql], i) => (i === 0 ? query.orderBy(sql, 'ASC') : query.addOrderBy(sql, 'ASC')));
  const rows = await query
    .limit(page.first + 1)
    .getMany()
    .catch((err: unknown) => {
      // A cursor of another list decodes fine but names values this list's keys cannot hold.
      throw page.after !== undefined && isDataException(err) ? notACursor() : err;
    });
  const nodes = rows.slice(0, page.first);
  const last = nodes[nodes.length - 1];
  const cursorOf = (row: E) =>
    encodeCursor(order.map(([, p]) => (row[p] instanceof Date ? (row[p] as Date).toISOString() : row[p])));
  return {
    nodes,
    pageInfo: { endCursor: last ? cursorOf(last) : null, hasNextPage: rows.length > page.first },
  };
}
