import { Client } from 'pg';

/** Live copies (not DELETED) of the same file, package or bundle at the same location: must be none. */
export async function findDuplicateCopies(db: Client): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT c.kind, coalesce(c.raw_data_file_id, c.raw_data_package_id, c.data_transfer_package_id) AS subject,
            s.short_name || '/' || l.name AS location, count(*)::int AS copies
       FROM physical_copy c JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
      WHERE c.status <> 'deleted' GROUP BY 1, 2, 3 HAVING count(*) > 1`,
  );
  return rows.map((r) => `${r.kind} ${r.subject}: ${r.copies} live copies at ${r.location}`);
}

export interface DeletionTrail {
  sourceDeletions: number;
  bufferPackageDeletions: number;
  /** Deletions decided before the rule held, and archive copies that ever left PRESENT. */
  violations: string[];
}

/**
 * From the audit trail alone: every deletion of a SOURCE file copy (and of a package tar at a BUFFER) was
 * first decided (its first DELETION_* event) only after copies of its package with the package's verified
 * checksum, at `minLtaSites` distinct long-term-archive *sites* (package-safety.ts), had been created and
 * were still PRESENT; and its
 * package is ARCHIVED. Event ids order the trail (a sequence, taken when the row is written): the deciding
 * transaction saw the archive copies, so their creation events have smaller ids, whatever the clocks say.
 * The trail has no package states, so "ARCHIVED" is checked as the package is now (it never leaves it).
 * Nothing may ever have been taken out of a long-term archive.
 */
export async function checkDeletionTrail(db: Client, minLtaSites: number): Promise<DeletionTrail> {
  const { rows } = await db.query(
    `WITH first_deletion AS (
       SELECT c.id, c.kind, l.location_type AS type, s.short_name || '/' || l.name || ':' || c.relative_path AS copy,
              coalesce(c.raw_data_package_id, f.raw_data_package_id) AS package_id, min(e.id) AS event_id, min(e.at) AS at
         FROM physical_copy c JOIN physical_copy_event e ON e.physical_copy_id = c.id
         JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
         LEFT JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE e.to_status IN ('deletion_scheduled', 'deletion_in_progress', 'deleted')
          AND ((c.kind = 'raw_data_file' AND l.location_type = 'source')
            OR (c.kind = 'raw_data_package' AND l.location_type = 'buffer'))
        GROUP BY c.id, c.kind, l.location_type, s.short_name, l.name, c.relative_path, c.raw_data_package_id, f.raw_data_package_id)
     SELECT d.type, d.copy, d.at, p.state,
            (SELECT count(DISTINCT al.site_id)::int FROM physical_copy a
               JOIN data_location al ON al.id = a.location_id AND al.location_type = 'long_term_archive'
               JOIN physical_copy_event made ON made.physical_copy_id = a.id AND made.from_status IS NULL
                                             AND made.to_status = 'present' AND made.id < d.event_id
              WHERE a.raw_data_package_id = p.id AND a.sha256 = p.sha256
                AND NOT EXISTS (SELECT 1 FROM physical_copy_event gone WHERE gone.physical_copy_id = a.id
                                  AND gone.to_status <> 'present' AND gone.id < d.event_id)) AS archived_before
       FROM first_deletion d LEFT JOIN raw_data_package p ON p.id = d.package_id`,
  );
  const trail: DeletionTrail = { sourceDeletions: 0, bufferPackageDeletions: 0, violations: [] };
  for (const r of rows) {
    if (r.type === 'source') trail.sourceDeletions++;
    else trail.bufferPackageDeletions++;
    if (r.state !== 'archived' || r.archived_before < minLtaSites)
      trail.violations.push(
        `${r.copy}: deletion decided at ${(r.at as Date).toISOString()} with verified archive copies at ` +
          `${r.archived_before} site(s) made before it (${minLtaSites} needed), package ${r.state ?? 'none'}`,
      );
  }
  const { rows: ltaLeft } = await db.query(
    `SELECT s.short_name || '/' || l.name || ':' || c.relative_path AS copy, e.to_status AS status, e.actor
       FROM physical_copy_event e JOIN physical_copy c ON c.id = e.physical_copy_id
       JOIN data_location l ON l.id = c.location_id JOIN site s ON s.id = l.site_id
      WHERE l.location_type = 'long_term_archive' AND e.to_status <> 'present'`,
  );
  for (const r of ltaLeft)
    trail.violations.push(`${r.copy}: an archive copy went ${r.status} (by ${r.actor})`);
  return trail;
}
