import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { LocationsModule } from '../../catalog/locations/locations.module';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { RoutingModule } from '../../catalog/routing/routing.module';
import { SitesModule } from '../../catalog/sites/sites.module';
import { Environment } from '../../config/environment';
import { ApiTokenService } from '../../engine/auth/api-token.service';
import { AuthModule } from '../../engine/auth/auth.module';
import { formatGraphqlError } from '../../engine/graphql/graphql-errors';
import { queryLimits } from '../../engine/graphql/query-limits';
import { ServicesModule } from '../../engine/heartbeats/heartbeats.module';
import { QueuesModule } from '../../engine/queues/queues.module';
import { DeletionSwitchModule } from '../../pipeline/deletion/deletion-switch.module';
import { ReplicationModule } from '../../pipeline/archive/replication.module';
import { ArchiveRetirementModule } from '../../pipeline/archive/retirement/archive-retirement.module';
import { FileAmendmentModule } from '../../pipeline/ingest/file-amendment.module';
import { RawDataFilesModule } from '../../pipeline/ingest/raw-data-files.module';
import { PackagesApiModule } from '../../pipeline/packaging/packages.module';
import { StagingApiModule } from '../../pipeline/staging/staging.module';
import { TransfersApiModule } from '../../pipeline/transfer/transfers.module';
import { HistoryModule } from '../history/history.module';
import { WorkResetModule } from '../recovery/work-reset.module';
import { StatusModule } from '../status/status.module';
import { AdminLoaders } from './admin-loaders';
import { AdminPageController } from './admin-page.controller';
import { AdminSessionController } from './admin-session.controller';
import { introspectionGate } from './introspection-gate';

/**
 * What one call may cost: at most 8 levels deep (file → copies → location → site is 4) and 200 fields
 * (the console's largest query selects about 30), so neither nesting nor a thousand aliases of one list pass.
 */
const QUERY_LIMITS = { maxDepth: 8, maxFields: 200 };
/** Tokens of a query document (the console's largest has about 100). */
const MAX_QUERY_TOKENS = 2000;

/**
 * The admin console's API: GraphQL (code first) at /graphql. Every query needs a read (or admin) token and
 * every mutation an admin token, checked by the api's global guard. GraphQL collects the resolvers from
 * every module of the app; each is provided by its domain module, imported here so that the console is
 * whole in any app that mounts it.
 */
@Module({
  imports: [
    SitesModule,
    LocationsModule,
    RawDataFilesModule,
    FileAmendmentModule,
    PhysicalCopiesModule,
    PackagesApiModule,
    TransfersApiModule,
    StagingApiModule,
    RoutingModule,
    QueuesModule,
    ServicesModule,
    StatusModule,
    HistoryModule,
    WorkResetModule,
    DeletionSwitchModule,
    ReplicationModule,
    ArchiveRetirementModule,
    AuthModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [AuthModule],
      inject: [getDataSourceToken(), ApiTokenService, ConfigService],
      useFactory: (
        dataSource: DataSource,
        tokens: ApiTokenService,
        config: ConfigService<Environment, true>,
      ) => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        // No landing page: Apollo's fetches its assets from a CDN, which an observatory network may not reach.
        playground: false,
        // Answered for a read token only (introspectionGate), unless API_SCHEMA_PUBLIC opens it.
        introspection: true,
        plugins: [introspectionGate(tokens, config.get('API_SCHEMA_PUBLIC', { infer: true }))],
        context: ({ req }: { req: Request }) => ({ req, loaders: new AdminLoaders(dataSource) }),
        formatError: formatGraphqlError,
        validationRules: [queryLimits(QUERY_LIMITS)],
        // Refused while parsing: GraphQL's own validation is quadratic in the fields of a document (a few
        // thousand aliases take seconds), so a huge document must not reach it.
        parseOptions: { maxTokens: MAX_QUERY_TOKENS },
      }),
    }),
  ],
  // The operators' page at /admin (static files; it calls /graphql with the token it is given).
  controllers: [AdminPageController, AdminSessionController],
})
export class AdminConsoleModule {}
