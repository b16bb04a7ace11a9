import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { setProcessName } from '../../src/common/process-name';
import { Environment } from '../../src/config/environment';
import { ApiModule } from './api.module';
import { configureApi } from './configure-api';

async function bootstrap(): Promise<void> {
  setProcessName('api');
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApi(app);
  const port = app.get(ConfigService<Environment, true>).get('API_PORT', { infer: true });
  await app.listen(port, '0.0.0.0');
  console.log(`ccat-dt api listening on port ${port} (docs at /api/docs)`);
}

bootstrap().catch((err: Error) => {
  console.error(`ccat-dt api failed to start: ${err.message}`);
  process.exit(1);
});
