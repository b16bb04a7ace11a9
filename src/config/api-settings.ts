import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { SettingsClass, toInt } from './setting-decorators';

/**
 * The settings of the api app (the central ingest and admin API); security settings: security-settings.ts.
 */
export function ApiSettings<B extends SettingsClass>(Base: B) {
  class ApiSettings extends Base {
    @Transform(toInt)
    @IsInt({ message: 'API_PORT must be an integer' })
    @Min(0)
    @Max(65535)
    API_PORT = 3000;

    @Transform(toInt)
    @IsInt({ message: 'BULK_MAX_FILES must be an integer' })
    @Min(1)
    BULK_MAX_FILES = 20000;
  }
  return ApiSettings;
}
