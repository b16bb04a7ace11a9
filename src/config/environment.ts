import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every setting the processes read, validated once at boot. A bad value stops start-up with a message
 * that names the variable, rather than failing later in the middle of a transfer.
 */
export class Environment {
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ccat';

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(toInt)
  @IsInt({ message: 'API_PORT must be an integer' })
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  @Transform(toInt)
  @IsInt({ message: 'WORKER_HTTP_PORT must be an integer' })
  @Min(0)
  @Max(65535)
  WORKER_HTTP_PORT = 3100;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Largest JSON body the ingest API accepts; a bulk request of 5,000 files is about 1.5 MB. */
  @IsString()
  @Matches(/^\d+(kb|mb)$/i, { message: 'API_BODY_LIMIT must look like 20mb or 512kb' })
  API_BODY_LIMIT = '20mb';

  @Transform(toInt)
  @IsInt({ message: 'BULK_MAX_FILES must be an integer' })
  @Min(1)
  BULK_MAX_FILES = 20000;

  @Transform(toInt)
  @IsInt({ message: 'HEALTH_TIMEOUT_MS must be an integer' })
  @Min(100)
  HEALTH_TIMEOUT_MS = 2000;

  /** The name this process records in claimedBy and in audit events; derived from the host and pid if unset. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'PROCESS_NAME may contain letters, digits, _ . - only' })
  PROCESS_NAME?: string;
}

export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map(
        (m) => `  ${e.property}=${JSON.stringify(raw[e.property])}: ${m}`,
      ),
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}

/** For code that runs outside Nest (migrations CLI data source, scripts). */
export function loadEnvironment(): Environment {
  return validateEnvironment(process.env);
}
