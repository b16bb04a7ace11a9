import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { setProcessName } from '../../src/engine/logging/process-name';
import { Environment } from '../../src/config/environment';
import { apiRoleFromArguments } from '../../src/config/process-environment';

/* eslint-disable @typescript-eslint/no-require-imports */
async function create(role: string): Promise<INestApplication> {
  const options = { bufferLogs: true, bodyParser: false };
  if (role === 'site-relay') {
    const { SiteRelayModule } =
      require('../../src/operations/site-relay/site-relay.module') as typeof import('../../src/operations/site-relay/site-relay.module');
    const app = await NestFactory.create<NestExpressApplication>(SiteRelayModule, options);
    (require('./configure-api') as typeof import('./configure-api')).configureSiteRelay(app);
    return app;
  }
  const { ApiModule } = require('./api.module') as typeof import('./api.module');
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, options);
  (require('./configure-api') as typeof import('./configure-api')).configureApi(app);
  return app;
}
/* eslint-enable @typescript-eslint/no-require-imports */

async function bootstrap(): Promise<void> {
  // `--role site-relay` is the same as API_ROLE=site-relay; the modules are loaded after it is known.
  const role = apiRoleFromArguments(process.argv.slice(2));
  setProcessName(role === 'site-relay' ? 'site-relay' : 'api');
  const app = await create(role);
  const port = app.get(ConfigService<Environment, true>).get('API_PORT', { infer: true });
  await app.listen(port, '0.0.0.0');
  console.log(
    `ccat-dt ${role === 'site-relay' ? 'site relay' : 'api'} listening on port ${port} (docs at /api/docs)`,
  );
}

bootstrap().catch((err: Error) => {
  console.error(`ccat-dt api failed to start: ${err.message}`);
  process.exit(1);
});
