import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { CheckReport } from '../../../src/operations/consistency/check-report';
import { ROOT } from '../processes';

export interface StorageCheck {
  copiesChecked: number;
  bytesChecked: number;
  /** Live copies whose bytes are missing or differ in size or SHA-256 from the row: `site/location:key: reason`. */
  lost: string[];
  /** Bytes in storage that no copy row accounts for: `site/location:key`. */
  dark: string[];
}

/**
 * The product's own consistency check (`ccat-dt check --json`) over every location: each live copy read
 * back and hashed, each object listed. `--min-age 0` because the run has converged: nothing is being
 * written any more, so anything without a row is dark. Spawned, not run synchronously: the S3 server
 * may live in this very process and must keep answering while the check reads from it.
 */
export async function checkPresentCopies(env: NodeJS.ProcessEnv): Promise<StorageCheck> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'ccat-dt.js'), 'check', '--json', '--min-age', '0'],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  // 0: consistent, 1: something lost or dark (reported below); anything else is the check failing to run.
  if (code !== 0 && code !== 1) throw new Error(`ccat-dt check exited ${code}: ${stderr}${stdout}`);
  const report = JSON.parse(stdout) as CheckReport;
  const result: StorageCheck = { copiesChecked: 0, bytesChecked: 0, lost: [], dark: [] };
  for (const l of report.locations) {
    result.copiesChecked += l.copiesChecked;
    result.bytesChecked += l.bytesChecked;
    result.lost.push(...l.lost.map((c) => `${l.location}:${c.key}: ${c.reason} (${c.kind} ${c.objectId})`));
    result.dark.push(...l.dark.map((d) => `${l.location}:${d.key}`));
  }
  return result;
}
