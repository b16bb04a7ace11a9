import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { ApiModule } from '../apps/api/api.module';

/**
 * Writes the admin console's GraphQL schema, as the code-first resolvers make it, to docs/schema.graphql
 * (`npm run schema`): what console and script authors read. Boots the api module without listening; it
 * needs DATABASE_URL to reach a PostgreSQL (the schema itself does not depend on its contents).
 */
async function main(): Promise<void> {
  const app = await NestFactory.create(ApiModule, { logger: false, bodyParser: false });
  await app.init();
  const target = join(__dirname, '..', '..', 'docs', 'schema.graphql');
  const header = '# The admin console API at /graphql, generated from the resolvers by `npm run schema`.\n\n';
  writeFileSync(target, header + printSchema(app.get(GraphQLSchemaHost).schema));
  await app.close();
  console.log(`wrote ${target}`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`print-schema failed: ${err.message}`);
    process.exit(1);
  },
);
