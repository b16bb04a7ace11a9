import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { setProcessName } from '../common/process-name';
import { CliModule } from './cli.module';

async function main(): Promise<void> {
  setProcessName('cli');
  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn'],
    errorHandler: (err) => {
      console.error(`ccat-dt: ${err.message}`);
      process.exit(1);
    },
    serviceErrorHandler: (err) => {
      console.error(`ccat-dt: ${err.message}`);
      process.exit(1);
    },
  });
}

void main();
