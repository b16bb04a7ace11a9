import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment';
import { ApiTokenService } from '../../engine/auth/api-token.service';
import { introspectionGate } from './introspection-gate';
import { AdminSessionController } from './admin-session.controller';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { formatGraphqlError } from '../../engine/graphql/graphql-errors';
import { ApiTokensResolver } from '../../engine/auth/api-tokens.resolver';
import { AuthModule } from '../../engine/auth/auth.module';
import { DeletionSwitchResolver } from '../../pipeline/deletion/deletion-switch.resolver';
import { ExplainModule } from '../explain/explain.module';
import { DeletionSwitchModule } from '../../pipeline/deletion/deletion-switch.module';
import { FileAmendmentModule } from '../../pipeline/ingest/file-amendment.module';
import { WorkResetModule } from '../recovery/work-reset.module';
import { RoutingModule } from '../../catalog/routing/routing.module';
import { StagingApiModule } from '../../pipeline/staging/staging.module';
import { StatusModule } from '../status/status.module';
import { TopologyModule } from '../../catalog/topology/topology.module';
import { HistoryModule } from '../history/history.module';
import { HistoryResolver } from '../history/history.resolver';
import { ServicesResolver } from '../../engine/heartbeats/services.resolver';
import { LocationsResolver } from '../../catalog/locations/locations.resolver';
import { RawDataPackagesResolver } from '../../pipeline/packaging/raw-data-packages.resolver';
import { PhysicalCopiesResolver } from '../../catalog/physical-copies/physical-copies.resolver';
import { QueuesModule } from '../../engine/queues/queues.module';
import { QueuesResolver } from '../../engine/queues/queues.resolver';
import { RawDataFilesResolver } from '../../pipeline/ingest/raw-data-files.resolver';
import { FileAmendmentResolver } from '../../pipeline/ingest/file-amendment.resolver';
import { StorageModule } from '../../engine/storage/storage.module';
import { PhysicalCopiesModule } from '../../catalog/physical-copies/physical-copies.module';
import { ResetResolver } from '../recovery/reset.resolver';
import { RoutesResolver } from '../../catalog/routing/routes.resolver';
import { SitesResolver } from '../../catalog/sites/sites.resolver';
import { StagingJobsResolver } from '../../pipeline/staging/staging-jobs.resolver';
import { OverviewResolver } from '../status/overview.resolver';
import { TransfersResolver } from '../../pipeline/transfer/transfers.resolver';
import { queryLimits } from '../../engine/graphql/query-limits';
import { AdminLoaders } from './admin-loaders';
import { AdminPageController } from './admin-page.controller';

/**
 * What one call may cost: at most 8 levels deep (file → copies → location → site is 4) and 200 fields
 * (the console's largest query selects about 30), so neither nesting nor a thousand aliases of one list pass.
 */
const QUERY_LIMITS = { maxDepth: 8, maxFields: 200 };
/** Tokens of a query document (the console's largest has about 100). */
const MAX_QUERY_TOKENS = 2000;

/**
 * The admin console's API: GraphQL (code first) at /graphql. Every query needs a read (or admin) token and
 * every mutation an admin token, checked by the api's global guard; resolvers sit in their domain modules.
 */
@Module({
  imports: [
    AuthModule,
    QueuesModule,
    ExplainModule,
    HistoryModule,
    StorageModule,
    PhysicalCopiesModule,
    TopologyModule,
    StatusModule,
    DeletionSwitchModule,
    WorkResetModule,
    StagingApiModule,
    RoutingModule,
    FileAmendmentModule,
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
  providers: [
    SitesResolver,
    LocationsResolver,
    RawDataFilesResolver,
    FileAmendmentResolver,
    PhysicalCopiesResolver,
    RawDataPackagesResolver,
    TransfersResolver,
    StagingJobsResolver,
    RoutesResolver,
    QueuesResolver,
    ServicesResolver,
    OverviewResolver,
    HistoryResolver,
    ResetResolver,
    DeletionSwitchResolver,
    ApiTokensResolver,
  ],
})
export class AdminConsoleModule {}
