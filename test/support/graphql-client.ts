/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL answers are JSON whose shape each test states in its own expectations */
import { INestApplication } from '@nestjs/common';
import request from 'supertest';

export interface GqlError {
  message: string;
  extensions?: { code?: string; fields?: { field: string; message: string }[] };
}

export interface GqlBody<T = Record<string, any>> {
  data?: T | null;
  errors?: GqlError[];
}

export const codeOf = (body: GqlBody) => body.errors?.[0]?.extensions?.code;

/** Calls /graphql over HTTP as a console would; never accepts a 5xx. */
export function graphqlClient(app: INestApplication, defaultToken: () => string) {
  async function gql<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    token: string | null = defaultToken(),
  ): Promise<GqlBody<T>> {
    const req = request(app.getHttpServer()).post('/graphql');
    if (token) req.set('Authorization', `Bearer ${token}`);
    const res = await req.send({ query, variables });
    if (res.status >= 500) throw new Error(`/graphql answered ${res.status}: ${res.text}`);
    const body = res.body as GqlBody<T>;
    const internal = body.errors?.find((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
    if (internal) throw new Error(`internal error for ${query}: ${internal.message}`);
    return body;
  }

  /** The data of a call that must succeed; its errors are the failure message otherwise. */
  async function ok<T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const body = await gql<T>(query, variables);
    if (body.errors) throw new Error(`${query} failed: ${JSON.stringify(body.errors)}`);
    return body.data as T;
  }

  return { gql, ok };
}
