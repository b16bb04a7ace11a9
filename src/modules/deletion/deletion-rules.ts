import { EntityManager } from 'typeorm';

/**
 * The rules that let a copy go, written once: the manager finds copies by them, and the worker asks again
 * in the transaction that claims the deletion, so a copy is never deleted on a decision that no longer
 * holds. Nothing is ever deleted from a long-term archive by the pipeline. (More rules, for packages and
 * files, come with stage 7.)
 */
export interface DeletionCandidate {
  copyId: string;
  locationId: number;
  site: string;
  location: string;
  rule: string;
}

/**
 * A transfer package's copy in a buffer may go once the bundle is distributed: every archive site holds it
 * unpacked and verified, and no transfer reads it any more (see DataTransferManager.markDistributed).
 */
const TRANSFER_PACKAGE_DISTRIBUTED = `
  c.kind = 'data_transfer_package' AND l.location_type = 'buffer'
  AND EXISTS (SELECT 1 FROM data_transfer_package d WHERE d.id = c.data_transfer_package_id AND d.distributed_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM data_transfer t WHERE t.data_transfer_package_id = c.data_transfer_package_id
                     AND (t.status <> 'completed' OR t.unpack_status <> 'completed'))`;

export const RULES: { name: string; sql: string }[] = [
  { name: 'transfer package distributed to every archive site', sql: TRANSFER_PACKAGE_DISTRIBUTED },
];

export async function findDeletable(m: EntityManager, limit: number): Promise<DeletionCandidate[]> {
  const found: DeletionCandidate[] = [];
  for (const rule of RULES) {
    const rows: Omit<DeletionCandidate, 'rule'>[] = await m.query(
      `SELECT c.id AS "copyId", l.id AS "locationId", s.short_name AS site, l.name AS location
         FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
        WHERE c.status = 'present' AND ${rule.sql}
        ORDER BY c.created_at LIMIT $1`,
      [limit - found.length],
    );
    found.push(...rows.map((r) => ({ ...r, rule: rule.name })));
    if (found.length >= limit) break;
  }
  return found;
}

/** The rule under which this copy may go now, or null: asked again by the worker that deletes it. */
export async function deletableUnder(m: EntityManager, copyId: string): Promise<string | null> {
  for (const rule of RULES) {
    const [hit] = await m.query(
      `SELECT 1 FROM physical_copy c JOIN data_location l ON l.id = c.location_id WHERE c.id = $1 AND ${rule.sql}`,
      [copyId],
    );
    if (hit) return rule.name;
  }
  return null;
}
