import { EntityManager } from 'typeorm';
import { OperationStatus } from '../../engine/work/operation-status';
import { filesOfPackage } from '../ingest/raw-data-file.queries';

/*
 * What a file's amendment (accept or withdraw, before its package is packed) does to the package: read
 * here, written here, so that only packaging writes its rows.
 */

/** The package's name and packaging status, its row locked FOR UPDATE when asked; undefined if it is gone. */
export async function packageNameAndStatus(
  m: EntityManager,
  packageId: string,
  lock = false,
): Promise<{ name: string; status: OperationStatus } | undefined> {
  const [row] = await m.query(
    `SELECT name, status FROM raw_data_package WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [packageId],
  );
  return row;
}

/** One file of `bytes` left the package before it was packed. */
export async function shrinkPackage(m: EntityManager, packageId: string, bytes: number): Promise<void> {
  await m.query(
    `UPDATE raw_data_package SET file_count = file_count - 1, size = greatest(size - $2, 0), updated_at = now()
      WHERE id = $1`,
    [packageId, bytes],
  );
}

/** Removes the package if no file and no copy refers to it (it was never packed); true if it went. */
export async function dropPackageIfEmpty(m: EntityManager, packageId: string): Promise<boolean> {
  // TypeORM returns [rows, count] for a DELETE.
  const [, removed] = await m.query(
    `DELETE FROM raw_data_package p WHERE p.id = $1
        AND NOT EXISTS (SELECT 1 FROM ${filesOfPackage('p.id')} f)
        AND NOT EXISTS (SELECT 1 FROM physical_copy WHERE raw_data_package_id = p.id)`,
    [packageId],
  );
  return removed > 0;
}
