import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { setProcessName } from '../../src/engine/logging/process-name';
import { Environment, loadEnvironment } from '../../src/config/environment';
import { QueueBindingService } from '../../src/engine/workers/queue-binding.service';
import {
  describeWorker,
  parseWorkerArgs,
  servesQueues,
  WorkerOptions,
} from '../../src/engine/workers/worker-options';
import { WorkerModule } from './worker.module';

/** `worker-ccat-host1-4242`, `worker-managers-host1-4243`: what claims and audit events name. */
function roleName(options: WorkerOptions): string {
  const oneOr = (names: string[], many: string) => `worker-${names.length === 1 ? names[0] : many}`;
  if (options.site) return `worker-${options.site}`;
  if (options.locations) return oneOr(options.locations, 'locations');
  if (options.queues) return oneOr(options.queues, 'queues');
  if (options.operations) return oneOr(options.operations, 'operations');
  return 'worker-managers';
}

/** TLS for the worker's port when WORKER_TLS_CERT and WORKER_TLS_KEY name the files (validated: both or neither). */
function tlsOptions(settings: Environment): { cert: Buffer; key: Buffer } | undefined {
  const { WORKER_TLS_CERT: cert, WORKER_TLS_KEY: key } = settings;
  return cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : undefined;
}

async function bootstrap(): Promise<void> {
  let options: WorkerOptions;
  try {
    options = parseWorkerArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`ccat-dt worker: ${(err as Error).message}`);
    process.exit(2);
  }
  setProcessName(roleName(options));
  const app = await NestFactory.create(WorkerModule.forOptions(options), {
    bufferLogs: true,
    // Read before the app exists (the server is made with it), through the same validation as the app's.
    httpsOptions: tlsOptions(loadEnvironment()),
  });
  app.useLogger(app.get(Logger));
  // After the hooks (queues closed, heartbeat removed) exit 0: a clean stop is not a crash to a supervisor.
  app.enableShutdownHooks([], { useProcessExit: true });
  const config = app.get(ConfigService<Environment, true>);
  // The hooks are bounded by WORKER_SHUTDOWN_TIMEOUT; should one hang anyway, the process still ends.
  const deadline = config.get('WORKER_SHUTDOWN_TIMEOUT', { infer: true }) + 10_000;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () =>
      setTimeout(() => {
        console.error(`ccat-dt worker: shutdown did not finish within ${deadline} ms; exiting`);
        process.exit(1);
      }, deadline).unref(),
    );
  }
  const port = config.get('WORKER_HTTP_PORT', { infer: true });
  await app.listen(port, '0.0.0.0');
  app.get(Logger).log(`ccat-dt worker serving ${describeWorker(options)}; /health on port ${port}`);
  // A --queues naming a queue no location has is known only once the database answers: then it stops,
  // as a bad argument does (exit 2), rather than run serving less than it was told to.
  if (servesQueues(options))
    void app.get(QueueBindingService).selectionRefused.then(async (err) => {
      console.error(`ccat-dt worker: ${err.message}`);
      await app.close();
      process.exit(2);
    });
}

bootstrap().catch((err: Error) => {
  console.error(`ccat-dt worker failed to start: ${err.message}`);
  process.exit(1);
});
