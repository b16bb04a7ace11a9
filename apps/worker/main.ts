import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { setProcessName } from '../../src/common/process-name';
import { WorkerModule } from './worker.module';

/** No HTTP server of its own yet: an application context is all a queue worker needs. */
async function bootstrap(): Promise<void> {
  setProcessName('worker');
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.get(Logger).log('ccat-dt worker started (no processors bound yet)');
}

bootstrap().catch((err: Error) => {
  console.error(`ccat-dt worker failed to start: ${err.message}`);
  process.exit(1);
});
