import { IsIn, IsString, Matches, ValidateIf } from 'class-validator';
import { Duration, SettingsClass } from './setting-decorators';

/** Whether the api app is the central API or a site relay, and the relay's settings (docs/operations.md). */
export function RelaySettings<B extends SettingsClass>(Base: B) {
  class RelaySettings extends Base {
    /**
     * What the api app is: `central` (the ingest and admin API on the central database) or `site-relay` (at
     * the observatory: journals instrument registrations on local disk and forwards them to the central API,
     * needing neither database nor Redis; docs/operations.md). `--role site-relay` sets it too.
     */
    @IsIn(['central', 'site-relay'])
    API_ROLE: 'central' | 'site-relay' = 'central';

    /** The site relay's journal, delivery mark and dead letters: a local disk that survives reboots. */
    @ValidateIf((e: RelaySettings) => e.API_ROLE === 'site-relay')
    @IsString({ message: 'SITE_RELAY_DIR is required for the site-relay role: a local directory' })
    SITE_RELAY_DIR?: string;

    /** The central ingest API the relay delivers to, e.g. https://ccat-dt.example.org. */
    @ValidateIf((e: RelaySettings) => e.API_ROLE === 'site-relay')
    @Matches(/^https?:\/\/\S+$/, { message: 'SITE_RELAY_CENTRAL_URL must be an http(s):// URL' })
    SITE_RELAY_CENTRAL_URL?: string;

    /**
     * An ingest token bound to the instruments behind this relay: instruments present it to the relay, the
     * relay presents it to the central API
     * (`ccat-dt token create --name site-relay --scopes ingest --instrument primecam,chai`).
     */
    @ValidateIf((e: RelaySettings) => e.API_ROLE === 'site-relay')
    @Matches(/^\S{16,}$/, { message: 'SITE_RELAY_TOKEN must be an API token (16+ characters, no spaces)' })
    SITE_RELAY_TOKEN?: string;

    /** The longest wait between two delivery attempts while the central API cannot be reached. */
    @Duration(100)
    SITE_RELAY_MAX_BACKOFF = 30_000;

    /** One delivery request is given up (and retried) after this long. */
    @Duration(100)
    SITE_RELAY_REQUEST_TIMEOUT = 30_000;
  }
  return RelaySettings;
}
