import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { jsonBody } from '../../src/common/http/json-body';
import { Environment } from '../../src/config/environment';
import { mountQueueDashboard } from '../../src/modules/queue-dashboard/queue-dashboard.module';

/** Everything main.ts does to the app besides listening, shared with the tests so they test the real thing. */
export function configureApi(app: INestApplication): void {
  configureHttp(app);
  // Bull Board is a plain express app: it checks the admin token itself (see the module).
  mountQueueDashboard(app);
  mountDocs(
    app,
    'CCAT data transfer: ingest API',
    'Instruments start and finish executed obs units and register the files they wrote. ' +
      'Every route but /health needs `Authorization: Bearer <token>` with the scope it names.',
  );
}

/** The same for the api app in the site-relay role (SiteRelayModule): no queue dashboard, no database. */
export function configureSiteRelay(app: INestApplication): void {
  configureHttp(app);
  mountDocs(
    app,
    'CCAT data transfer: site relay',
    'The ingest routes of the central API at the observatory: registrations are journaled on local disk ' +
      '(202) and delivered in order to the central API. Every route but /health and /metrics needs ' +
      '`Authorization: Bearer <SITE_RELAY_TOKEN>`.',
  );
}

function configureHttp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get(ConfigService<Environment, true>);
  express.useLogger(app.get(Logger));
  // A bulk registration of thousands of files is a few MB of JSON; the express default is 100 kB.
  const bodyLimit = config.get('API_BODY_LIMIT', { infer: true });
  express.use(...jsonBody(bodyLimit));
  express.disable('x-powered-by');
  app.enableShutdownHooks([], { useProcessExit: true });
}

function mountDocs(app: INestApplication, title: string, description: string): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(title).setDescription(description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
