import { DataSource } from 'typeorm';
import { ExpectedPackage } from './verified-unpack';
import { filesOfPackage } from '../ingest/raw-data-file.queries';
import { packagesOfBundle } from '../packaging/package-bundle.queries';

/** A bundle's packages by their path in it, each with the files its registration says it holds. */
export type ExpectedPackages = Map<string, ExpectedPackage & { id: string }>;

export async function expectedPackages(dataSource: DataSource, bundleId: string): Promise<ExpectedPackages> {
  const rows: {
    package_id: string;
    package_path: string;
    package_size: string;
    package_sha: string;
    path: string;
    size: string;
    sha256: string;
  }[] = await dataSource.query(
    `SELECT p.id AS package_id, p.relative_path AS package_path, p.size AS package_size, p.sha256 AS package_sha,
            f.relative_path AS path, f.size, f.sha256
       FROM ${packagesOfBundle('$1')} p CROSS JOIN LATERAL ${filesOfPackage('p.id')} f`,
    [bundleId],
  );
  const packages: ExpectedPackages = new Map();
  for (const r of rows) {
    const entry = packages.get(r.package_path) ?? {
      id: r.package_id,
      size: Number(r.package_size),
      sha256: r.package_sha,
      files: new Map(),
    };
    (entry.files as Map<string, { size: number; sha256: string }>).set(r.path, {
      size: Number(r.size),
      sha256: r.sha256,
    });
    packages.set(r.package_path, entry);
  }
  return packages;
}
