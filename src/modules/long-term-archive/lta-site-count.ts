import { EntityManager } from 'typeorm';
import { LIVE_COPY_STATUSES } from '../physical-copies/physical-copy.states';

/**
 * Recounts the sites that hold a live long-term-archive copy of a package (what the deletion rules ask
 * for) and stores it; returns the count. Runs in the caller's transaction, after the copy was recorded.
 */
export async function refreshLtaSiteCount(tx: EntityManager, packageId: string): Promise<number> {
  // TypeORM returns [rows, count] for an UPDATE.
  const [[{ sites }]] = await tx.query(
    `UPDATE raw_data_package p
        SET lta_site_count = (SELECT count(DISTINCT l.site_id) FROM physical_copy c
                                JOIN data_location l ON l.id = c.location_id
                               WHERE c.raw_data_package_id = p.id AND l.location_type = 'long_term_archive'
                                 AND c.status = ANY($2::copy_status[]))
      WHERE p.id = $1
     RETURNING lta_site_count AS sites`,
    [packageId, LIVE_COPY_STATUSES],
  );
  return sites;
}
