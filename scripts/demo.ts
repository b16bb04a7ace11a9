import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileSize, IngestClient, WrittenFile, writeFile } from './lib/instrument';
import { ROOT } from './lib/processes';
import { startStack } from './lib/stack';

/**
 * `npm run demo`: the system's main job so far. A fresh database, the demo topology, the ingest API, and
 * an instrument that writes a night of files to the telescope computer and registers them.
 */
const { values: flags } = parseArgs({
  options: {
    files: { type: 'string', default: '120' },
    size: { type: 'string', default: '4mb' },
    'obs-units': { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});

const DATA_ROOT = process.env.CCAT_DATA_ROOT ?? join(ROOT, 'demo-data');
const INSTRUMENTS: Record<string, string[]> = { primecam: ['pcam_280', 'pcam_350'], chai: ['lfa', 'hfa'] };

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) throw new Error(`--size: expected e.g. 512kb or 20mb, got ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}

const step = (text: string) => console.log(`\n== ${text}`);
const human = (n: number) =>
  n >= 1024 ** 2
    ? `${(n / 1024 ** 2).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;

async function main(): Promise<void> {
  const fileCount = Number(flags.files);
  const obsUnitCount = Number(flags['obs-units']);
  const maxSize = parseSize(flags.size!);
  if (!Number.isInteger(fileCount) || fileCount < 1) throw new Error('--files must be a positive integer');

  step('Database, topology (config/topology.demo.yaml), token, API');
  const stack = await startStack({ database: 'ccat_demo', dataRoot: DATA_ROOT, say: console.log });
  const port = new URL(stack.baseUrl).port;
  const token = stack.token;
  try {
    const client = new IngestClient(`http://127.0.0.1:${port}`, token);
    const sourceRoot = join(DATA_ROOT, 'ccat', 'telescope_computer');
    mkdirSync(sourceRoot, { recursive: true });

    step(`Instrument night: ${obsUnitCount} obs units, ${fileCount} files up to ${human(maxSize)}`);
    const started = Date.now();
    const written: { unit: string; instrument: string; files: WrittenFile[] }[] = [];
    const instrumentNames = Object.keys(INSTRUMENTS);
    for (let u = 0; u < obsUnitCount; u++) {
      const instrument = instrumentNames[u % instrumentNames.length];
      const unit = {
        id: randomUUID(),
        obsUnit: `demo_field_${u + 1}`,
        instrument,
        startedAt: new Date().toISOString(),
      };
      await client.call('POST', '/executed-obs-units/start', unit);
      const files: WrittenFile[] = [];
      const perUnit = Math.floor(fileCount / obsUnitCount) + (u < fileCount % obsUnitCount ? 1 : 0);
      for (let i = 0; i < perUnit; i++) {
        const module = INSTRUMENTS[instrument][i % 2];
        const path = `${instrument}/${unit.obsUnit}/${module}/scan_${String(i).padStart(4, '0')}.fits`;
        files.push(await writeFile(sourceRoot, path, fileSize(maxSize), module));
      }
      const registrations = files.map((f) => ({
        id: f.id,
        site: 'ccat',
        location: 'telescope_computer',
        path: f.path,
        size: f.size,
        sha256: f.sha256,
        executedObsUnitId: unit.id,
        instrumentModule: f.module,
        fileType: 'fits',
      }));
      // The first file alone, as an instrument streaming its files would; the rest in one bulk request.
      await client.call('POST', '/raw-data-files', registrations[0]);
      const bulk = await client.call<{ created: number }>('POST', '/raw-data-files/bulk', {
        files: registrations.slice(1),
      });
      // A flaky link makes instruments re-send; registration is idempotent, so nothing is doubled.
      await client.call('POST', '/raw-data-files/bulk', { files: registrations });
      await client.call('PUT', `/executed-obs-units/${unit.id}/finish`, { outcome: 'success' });
      console.log(
        `  ${unit.obsUnit} (${instrument}): ${files.length} files written and registered (${bulk.body.created + 1} new), unit finished`,
      );
      written.push({ unit: unit.obsUnit, instrument, files });
    }

    step('What was registered');
    const rows = written.flatMap(({ unit, instrument, files }) =>
      INSTRUMENTS[instrument].map((module) => {
        const mine = files.filter((f) => f.module === module);
        return {
          'obs unit': unit,
          instrument,
          module,
          files: mine.length,
          bytes: human(mine.reduce((s, f) => s + f.size, 0)),
        };
      }),
    );
    console.table(rows);
    const all = written.flatMap((w) => w.files);
    const totalBytes = all.reduce((s, f) => s + f.size, 0);
    console.log(
      `${all.length} files, ${human(totalBytes)}, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const sample = all[all.length - 1];
    const back = await client.call<{
      path: string;
      sha256: string;
      copies: { site: string; location: string; status: string }[];
    }>('GET', `/raw-data-files/${sample.id}`);
    const matches = back.body.sha256 === sample.sha256;
    console.log(
      `GET /raw-data-files/${sample.id}: ${back.body.path}, sha256 ${matches ? 'matches' : 'DIFFERS'}, copies:`,
    );
    for (const c of back.body.copies) console.log(`  ${c.site}/${c.location}: ${c.status}`);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
      status: string;
      details?: object;
    };
    console.log(`/health: ${health.status} (${Object.keys(health.details ?? {}).join(', ')})`);
    if (!matches) throw new Error('registered checksum does not match what was written');

    if (flags.keep) {
      console.log(
        `\n--keep: the API stays up at http://127.0.0.1:${port} with token ${token}. Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stack.stop();
  }
  console.log('\nDemo finished.');
}

main().catch((err: Error) => {
  console.error(`\ndemo failed: ${err.message}`);
  process.exit(1);
});
