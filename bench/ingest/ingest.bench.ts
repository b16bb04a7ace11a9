import autocannon from 'autocannon';
import { createHash } from 'node:crypto';
import { uuid7 } from '../lib/uuid7';
import { join } from 'node:path';
import { IngestClient } from '../../scripts/lib/instrument';
import { ROOT } from '../../scripts/lib/processes';
import { startStack } from '../../scripts/lib/stack';

/**
 * bench/ingest: the ingest API against the real database, as instruments load it.
 *  1. bulk registration throughput (files/s), 5,000 files per request, with 1, 2 and 4 clients at once;
 *  2. the highest single-registration rate held for 10 s with 32 connections;
 *  3. latency (p50/p99) of single registrations at a fixed offered rate of 200 requests/s (open loop).
 * Targets: >= 20,000 files/s bulk; p99 < 20 ms at 200 requests/s.
 */
const BULK_REQUESTS = Number(process.env.BENCH_BULK_REQUESTS ?? 20);
const BULK_SIZE = 5000;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

function registration(unitId: string, i: number) {
  // Time-ordered, as the Python client makes them (clients/python: uuid7).
  const id = uuid7();
  return {
    id,
    site: 'ccat',
    location: 'telescope_computer',
    path: `primecam/bench/${unitId}/${id}.fits`,
    size: 1000 + i,
    sha256: createHash('sha256').update(id).digest('hex'),
    executedObsUnitId: unitId,
    instrumentModule: i % 2 ? 'pcam_280' : 'pcam_350',
  };
}

async function startUnit(client: IngestClient): Promise<string> {
  const id = uuid7();
  await client.call('POST', '/executed-obs-units/start', {
    id,
    obsUnit: 'bench',
    instrument: 'primecam',
    startedAt: new Date().toISOString(),
  });
  return id;
}

/**
 * Bulk registration with `concurrency` clients sending at once (several instruments registering at the
 * end of their scans). Bodies are built before the clock starts: we measure the server, not the client.
 */
async function bulkThroughput(
  stack: { baseUrl: string; token: string },
  client: IngestClient,
  concurrency: number,
) {
  const unitId = await startUnit(client);
  const bodies = Array.from({ length: BULK_REQUESTS }, (_, r) =>
    JSON.stringify({
      files: Array.from({ length: BULK_SIZE }, (_, i) => registration(unitId, r * BULK_SIZE + i)),
    }),
  );
  const latencies: number[] = [];
  const send = async (body: string) => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${stack.baseUrl}/raw-data-files/bulk`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
      body,
    });
    if (res.status !== 200) throw new Error(`bulk request failed: ${res.status} ${await res.text()}`);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  };
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) await send(bodies[next++]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    files: BULK_REQUESTS * BULK_SIZE,
    seconds,
    filesPerSecond: (BULK_REQUESTS * BULK_SIZE) / seconds,
    medianRequestMs: latencies[Math.floor(latencies.length / 2)],
  };
}

async function singleRegistrations(
  stack: { baseUrl: string; token: string },
  unitId: string,
  options: { connections: number },
): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url: stack.baseUrl,
    connections: options.connections,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: '/raw-data-files',
        headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify(registration(unitId, i++)) }),
      },
    ],
  });
}

/**
 * An open-loop load at a fixed rate: one request every 1000/rate ms, each on its own schedule whether or not
 * earlier ones have answered, and latency counted from when the request was due, so a stall is not hidden
 * (autocannon's overallRate sends each second's quota in a burst at its start, which measures bursts).
 */
async function fixedRate(
  stack: { baseUrl: string; token: string },
  unitId: string,
  rate: number,
  seconds: number,
) {
  const latencies: number[] = [];
  let failures = 0;
  let i = 0;
  const interval = 1000 / rate;
  const total = rate * seconds;
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      fetch(`${stack.baseUrl}/raw-data-files`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(registration(unitId, i++)),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 201) failures++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          failures++;
        }),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    sent: total,
    achieved: total / ((performance.now() - start) / 1000),
    failures,
    p50: at(0.5),
    p99: at(0.99),
    max: at(1),
  };
}

async function main(): Promise<void> {
  console.log('bench/ingest: starting a fresh database and the built API (LOG_LEVEL=warn)...');
  const stack = await startStack({
    database: 'ccat_bench_ingest',
    dataRoot: join(ROOT, '.tmp', 'bench-ingest'),
    env: { LOG_LEVEL: 'warn' },
  });
  try {
    const client = new IngestClient(stack.baseUrl, stack.token);
    const bulks = [];
    for (const concurrency of [1, 2, 4]) bulks.push(await bulkThroughput(stack, client, concurrency));
    const bulk = bulks.reduce((best, b) => (b.filesPerSecond > best.filesPerSecond ? b : best));
    const unitId = await startUnit(client);
    await singleRegistrations(stack, unitId, { connections: 8 }); // warm-up: JIT, connection pool, caches
    const max = await singleRegistrations(stack, unitId, { connections: 32 });
    const fixed = await fixedRate(stack, unitId, 200, Math.max(DURATION_S, 10));
    const [{ files }] = await (async () => {
      const { Client } = await import('pg');
      const c = new Client({ connectionString: stack.databaseUrl });
      await c.connect();
      try {
        return (await c.query(`SELECT count(*)::int AS files FROM raw_data_file`)).rows;
      } finally {
        await c.end();
      }
    })();

    const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');
    console.log('\nbench/ingest results (2-core machine, API and PostgreSQL on the same host)');
    for (const b of bulks) {
      console.log(
        `  bulk registration, ${b.concurrency} client(s): ${Math.round(b.filesPerSecond).toLocaleString('en')} files/s ` +
          `(${b.files.toLocaleString('en')} files in ${b.seconds.toFixed(2)} s, ${BULK_SIZE}/request, ` +
          `median request ${b.medianRequestMs.toFixed(0)} ms)`,
      );
    }
    console.log(
      `  bulk registration, best: ${Math.round(bulk.filesPerSecond).toLocaleString('en')} files/s -> ` +
        `${verdict(bulk.filesPerSecond >= 20000)} (>= 20,000)`,
    );
    console.log(
      `  single, max held:         ${Math.round(max.requests.average).toLocaleString('en')} registrations/s over ${DURATION_S} s ` +
        `(32 connections; p50 ${max.latency.p50} ms, p99 ${max.latency.p99} ms; non-2xx ${max.non2xx}, errors ${max.errors})`,
    );
    console.log(
      `  single at 200 requests/s: p50 ${fixed.p50.toFixed(1)} ms, p99 ${fixed.p99.toFixed(1)} ms, max ${fixed.max.toFixed(1)} ms ` +
        `(${fixed.sent} sent open-loop, ${Math.round(fixed.achieved)} req/s achieved; failed ${fixed.failures}) -> ` +
        `${verdict(fixed.p99 < 20)} (p99 < 20 ms)`,
    );
    console.log(`  rows in raw_data_file afterwards: ${files.toLocaleString('en')}`);
    if (max.non2xx > 0 || fixed.failures > 0) throw new Error('some registrations failed');
  } finally {
    await stack.stop();
  }
}

main().catch((err: Error) => {
  console.error(`bench/ingest failed: ${err.message}`);
  process.exit(1);
});
