import type { DataSource } from 'typeorm';
import { CopyKind, LIVE_COPY_STATUSES } from '../../../catalog/physical-copies/physical-copy.states';
import { archiveUploadReadsForSite } from '../../archive/long-term-archive.queries';
import { bundleOfPackage } from '../../packaging/package-bundle.queries';
import { bundlePulledForSite, bundleUnpackingForSite } from '../data-transfer.queries';

/**
 * A name the storage layer writes on the way to a file (`.name.<hex>.part`, `.name.resume`,
 * `.name.resume.json`) or any other dot-file: half-written or bookkeeping bytes, never served to anyone.
 */
export function isTemporaryPath(path: string): boolean {
  return path
    .split('/')
    .some((part) => part.startsWith('.') || part.endsWith('.part') || part.endsWith('.resume'));
}

/**
 * Whether open work bound for `site` reads `path` at `locationId` over the data port: the one answer the
 * data port gives a transfer token bound to that site (engine/auth/transfer-binding.ts). The readers, each
 * asked through the fragment of the stage that owns its table:
 * - a bundle transfer to the site, not completed or not yet unpacked, reads its bundle there (the pull and
 *   the origin's check of its copy);
 * - its unpack, not completed, reads a member's package there again on its own (member-refetch.ts);
 * - an archive upload into the site's archive, not completed, reads the package there (a DIRECT route from
 *   a buffer, or replication from another site's archive).
 * Copy repairs read the surviving copy through the storage layer of their own worker, never over a data
 * port, so they add nothing here.
 * Only a copy whose bytes are still where it says (LIVE_COPY_STATUSES) is read: one found LOST, deleted or
 * being deleted answers as no file, whatever work still names its path (bytes now at that path are not
 * the recorded ones, or are on their way out).
 */
export async function readByOpenWorkForSite(
  dataSource: DataSource,
  locationId: number,
  path: string,
  site: string,
): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM physical_copy c
      WHERE c.location_id = $1 AND c.relative_path = $2 AND c.status = ANY($4::copy_status[])
        AND ((c.kind = '${CopyKind.DATA_TRANSFER_PACKAGE}'
              AND ${bundlePulledForSite('c.data_transfer_package_id', '$1', '$3')})
          OR (c.kind = '${CopyKind.RAW_DATA_PACKAGE}'
              AND (${bundleUnpackingForSite(bundleOfPackage('c.raw_data_package_id'), '$1', '$3')}
                OR ${archiveUploadReadsForSite('c.raw_data_package_id', '$1', '$3')})))
      LIMIT 1`,
    [locationId, path, site, LIVE_COPY_STATUSES],
  );
  return rows.length > 0;
}
