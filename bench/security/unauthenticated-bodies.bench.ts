import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../../scripts/lib/stack';

/**
 * bench/security: what a caller without a token costs the api. The API process's own CPU time (user +
 * system, from /proc) for 100 requests of each kind, sent 10 at a time, REPS times:
 *  - tiny: `POST /raw-data-files/bulk` with a 20-byte body and no token (401);
 *  - 2 MB, no token, to the bulk route: refused before its body is parsed (401);
 *  - 2 MB, no token, to any other route: refused by the body limit (413), also unparsed;
 *  - 2 MB with a valid ingest token to the bulk route: parsed, then refused by validation (400), for
 *    comparison: what parsing a large body costs, which only a token holder can now make it do.
 * Prints min/median/max of the CPU milliseconds per 100 requests.
 */
const REPS = Number(process.env.BENCH_REPS ?? 3);
const N = 100;

function cpuMs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: utime and stime in clock ticks (100 per second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function burst(url: string, body: string, headers: Record<string, string>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < N; i += 10)
    statuses.push(
      ...(await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await fetch(url, {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/json', ...headers },
          });
          await res.arrayBuffer();
          return res.status;
        }),
      )),
    );
  return statuses;
}

async function main(): Promise<void> {
  const dataRoot = mkdtempSync(join(tmpdir(), 'ccat-bench-security-'));
  const stack = await startStack({
    database: 'ccat_bench_security',
    dataRoot,
    // Each case comes from one address: the failure limit must not turn the 401s into 429s here.
    env: { LOG_LEVEL: 'warn', AUTH_FAILURES_PER_MINUTE: '1000000' },
  });
  const big = JSON.stringify({ files: [{ padding: 'x'.repeat(2 * 1024 * 1024) }] });
  const cases: [string, string, string, Record<string, string>][] = [
    ['tiny body, no token (bulk route)', '/raw-data-files/bulk', '{"files":[]}', {}],
    ['2 MB, no token (bulk route)', '/raw-data-files/bulk', big, {}],
    ['2 MB, no token (another route)', '/raw-data-files', big, {}],
    [
      '2 MB, valid ingest token (bulk route)',
      '/raw-data-files/bulk',
      big,
      { Authorization: `Bearer ${stack.token}` },
    ],
  ];
  try {
    console.log(
      `API CPU time per ${N} requests (ms), ${REPS} runs each: min / median / max, and the answers`,
    );
    for (const [what, path, body, headers] of cases) {
      const runs: number[] = [];
      let answers = '';
      for (let r = 0; r < REPS; r++) {
        const before = cpuMs(stack.api.pid!);
        const statuses = await burst(`${stack.baseUrl}${path}`, body, headers);
        runs.push(cpuMs(stack.api.pid!) - before);
        answers = [...new Set(statuses)].join(',');
      }
      runs.sort((a, b) => a - b);
      console.log(
        `  ${what.padEnd(40)} ${runs[0]} / ${runs[Math.floor(runs.length / 2)]} / ${runs[runs.length - 1]}   (${answers})`,
      );
    }
  } finally {
    await stack.stop();
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
