import { ArchiveRole, LocationType, StorageType } from './location-type';

/*
 * Where new work may go, written once. Arguments are SQL aliases, never input.
 */

/** How recent a MONITORING measurement must be to count (as disk-usage.ts reads it). */
const FRESH_USAGE_SECONDS = 300;

/** Location `l` takes new work: active (not offline) and not draining. */
export const takesNewWork = (l: string) => `(${l}.active AND NOT ${l}.draining)`;

/** Location `l` is over its usage threshold by its last fresh MONITORING measurement. */
export const overThreshold = (l: string) =>
  `EXISTS (SELECT 1 FROM location_usage u
            WHERE u.location_id = ${l}.id AND ${l}.disk_usage_threshold_percent IS NOT NULL AND u.total_bytes > 0
              AND u.free_bytes IS NOT NULL AND u.measured_at > now() - interval '${FRESH_USAGE_SECONDS} seconds'
              AND 100.0 * (u.total_bytes - u.free_bytes) / u.total_bytes > ${l}.disk_usage_threshold_percent)`;

/** An archive location that could take a copy: takes new work, is not retiring, and a backend writes it. */
const archiveCandidate = (l: string) =>
  `(${l}.location_type = '${LocationType.LONG_TERM_ARCHIVE}' AND ${takesNewWork(l)} AND NOT ${l}.retiring
    AND ${l}.storage_type <> '${StorageType.TAPE}')`;

/**
 * Which archive locations take new copies: a mirror that could take one, and, of a site's failover
 * archives, only the first by priority that could take one and is not full (an offline, draining, retiring
 * or full one is skipped). The buffer path (which sites a bundle goes to, when it is distributed), the
 * archive uploads, the replication reconciler and explain all ask this; reading existing copies (staging,
 * replication sources, safety) does not: a draining or retiring archive's copies are still there.
 */
export const takesNewArchiveCopies = (l: string) =>
  `(${archiveCandidate(l)} AND (${l}.archive_role = '${ArchiveRole.MIRROR}' OR ${l}.id = ${firstFailoverAt(`${l}.site_id`)}))`;

/** The id of site `site`'s failover archive that takes its copy now, or NULL. */
const firstFailoverAt = (site: string) =>
  `(SELECT f.id FROM data_location f
     WHERE f.site_id = ${site} AND f.archive_role = '${ArchiveRole.FAILOVER}' AND ${archiveCandidate('f')}
       AND NOT ${overThreshold('f')}
     ORDER BY f.priority, f.id LIMIT 1)`;

/** Site `site` (SQL for its id) has an archive location that takes new copies. */
export const siteTakesNewArchiveCopies = (site: string) =>
  `EXISTS (SELECT 1 FROM data_location tn WHERE tn.site_id = ${site} AND ${takesNewArchiveCopies('tn')})`;

/**
 * Where work bound for offline location `l` that no worker has claimed goes instead: the next location of
 * its type at its site that takes new work, by priority, and for a buffer one that is not full; for an
 * archive only a failover's (a mirror's copy is its own: it waits). NULL: nowhere, it waits.
 */
export const replacementFor = (l: string) =>
  `(SELECT n.id FROM data_location n
     WHERE n.site_id = ${l}.site_id AND n.location_type = ${l}.location_type AND n.id <> ${l}.id
       AND CASE WHEN ${l}.location_type = '${LocationType.LONG_TERM_ARCHIVE}'
                THEN ${l}.archive_role = '${ArchiveRole.FAILOVER}' AND ${takesNewArchiveCopies('n')}
                ELSE ${takesNewWork('n')} AND NOT ${overThreshold('n')} END
     ORDER BY n.priority, n.id LIMIT 1)`;
