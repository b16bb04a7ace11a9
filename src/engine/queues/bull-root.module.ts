import { BullModule } from '@nestjs/bullmq';
import { ConfigService } from '@nestjs/config';
import { Environment } from '../../config/environment';
import { redisOptionsFromUrl } from '../redis/redis-options';

/** BullMQ's shared connection and key prefix, for the queues @nestjs/bullmq manages (the managers queue). */
export const BullRootModule = BullModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<Environment, true>) => ({
    connection: redisOptionsFromUrl(config.get('REDIS_URL', { infer: true })),
    prefix: config.get('QUEUE_PREFIX', { infer: true }),
  }),
});
