import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../../src/engine/errors/domain-error';
import { expressGate } from '../../src/engine/http/express-gate';
import { jsonBody } from '../../src/engine/http/json-body';
import { TokenScope } from '../../src/engine/auth/api-token.entity';
import { ApiTokenService } from '../../src/engine/auth/api-token.service';
import { authorize, bearerTokenOf } from '../../src/engine/auth/authorize';
import { clientOf } from '../../src/engine/auth/client-address';
import { SiteRelayTokenGuard } from '../../src/operations/site-relay/site-relay-token.guard';
import { Environment } from '../../src/config/environment';
import { mountQueueDashboard } from '../../src/engine/queue-dashboard/queue-dashboard.module';

/** Everything main.ts does to the app besides listening, shared with the tests so they test the real thing. */
export function configureApi(app: INestApplication): void {
  const tokens = app.get(ApiTokenService);
  const withScope = (scope: TokenScope) => async (req: Request) => {
    const token = bearerTokenOf(req.headers.authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'Authorization: Bearer <token> header required');
    await authorize(tokens, token, [scope], clientOf(req));
  };
  configureHttp(app, withScope(TokenScope.INGEST));
  // Bull Board is a plain express app: it checks the admin token itself (see the module).
  mountQueueDashboard(app);
  mountDocs(
    app,
    'CCAT data transfer: ingest API',
    'Instruments start and finish executed obs units and register the files they wrote. ' +
      'Every route but /health needs `Authorization: Bearer <token>` with the scope it names.',
    withScope(TokenScope.READ),
  );
}

/** The same for the api app in the site-relay role (SiteRelayModule): no queue dashboard, no database. */
export function configureSiteRelay(app: INestApplication): void {
  const guard = app.get(SiteRelayTokenGuard);
  const relayToken = async (req: Request) => guard.check(req.headers.authorization);
  configureHttp(app, relayToken);
  mountDocs(
    app,
    'CCAT data transfer: site relay',
    'The ingest routes of the central API at the observatory: registrations are journaled on local disk ' +
      '(202) and delivered in order to the central API. Every route but /health and /metrics needs ' +
      '`Authorization: Bearer <SITE_RELAY_TOKEN>`.',
    relayToken,
  );
}

/**
 * Bodies are parsed only up to API_BODY_LIMIT, for anyone; the one route that takes more, the bulk
 * registration, is read up to API_BULK_BODY_LIMIT and only once `authenticateBulk` accepted its token, so
 * an unauthenticated caller never makes the process parse megabytes.
 */
function configureHttp(app: INestApplication, authenticateBulk: (req: Request) => Promise<void>): void {
  const express = app as NestExpressApplication;
  const config = app.get(ConfigService<Environment, true>);
  express.useLogger(app.get(Logger));
  const trustProxy = config.get('TRUST_PROXY', { infer: true });
  if (trustProxy) express.set('trust proxy', trustProxySetting(trustProxy));
  const bulkGate = expressGate(authenticateBulk);
  express.use(
    BULK_ROUTE,
    (req: Request, res: Response, next: NextFunction) =>
      req.method === 'POST' ? bulkGate(req, res, next) : next(),
    ...jsonBody(config.get('API_BULK_BODY_LIMIT', { infer: true })),
  );
  // Every other body; a bulk body parsed above is not parsed again.
  express.use(...jsonBody(config.get('API_BODY_LIMIT', { infer: true })));
  express.disable('x-powered-by');
  app.enableShutdownHooks([], { useProcessExit: true });
}

const BULK_ROUTE = '/raw-data-files/bulk';

/** TRUST_PROXY as express takes it: a boolean, a number of hops, or names and addresses. */
function trustProxySetting(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The OpenAPI page and document, for a caller `authenticateReader` accepts, unless API_SCHEMA_PUBLIC. */
function mountDocs(
  app: INestApplication,
  title: string,
  description: string,
  authenticateReader: (req: Request) => Promise<void>,
): void {
  if (!app.get(ConfigService<Environment, true>).get('API_SCHEMA_PUBLIC', { infer: true }))
    (app as NestExpressApplication).use(['/api/docs', '/api/docs-json'], expressGate(authenticateReader));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(title).setDescription(description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
