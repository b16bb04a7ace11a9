import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TokenScope } from '../src/engine/auth/api-token.entity';
import { ApiHarness, startApi } from './support/api-app';
import { createToken, seedSmallTopology } from './support/factories';

const ROOT = join(__dirname, '..');
const python = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 9)']).status === 0;
if (!python) console.log('python-client: skipped, no python3 >= 3.9 on this machine');

interface NightReport {
  unit: string;
  files: { id: string; path: string; size: number; sha256: string }[];
  single: boolean[];
  bulk: { created: number; alreadyRegistered: number };
  resent: { created: number; alreadyRegistered: number };
  resentSingle: boolean;
  errors: ({ status: number; messages: string[] } | null)[];
}

/** The Python client (clients/python, standard library only) against the running API, as an instrument uses it. */
(python ? describe : describe.skip)(
  'the Python instrument client against the API (python3, PostgreSQL)',
  () => {
    let h: ApiHarness;
    let root: string;

    beforeAll(async () => {
      h = await startApi();
      await seedSmallTopology(h.dataSource);
      await h.app.listen(0, '127.0.0.1');
      root = mkdtempSync(join(tmpdir(), 'ccat-python-'));
    });
    afterAll(async () => {
      await h?.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('starts and finishes a unit, registers singly and in bulk, resends safely, and raises the API field messages', async () => {
      const port = (h.app.getHttpServer().address() as AddressInfo).port;
      const token = await createToken(h.dataSource, [TokenScope.INGEST], 'instrument-python');
      // Not spawnSync: the API answers from this process.
      const { stdout } = await promisify(execFile)(
        'python3',
        [join(ROOT, 'clients', 'python', 'examples', 'night.py')],
        {
          env: {
            ...process.env,
            CCAT_DT_URL: `http://127.0.0.1:${port}`,
            CCAT_DT_TOKEN: token,
            CCAT_DT_ROOT: root,
          },
        },
      );
      const night = JSON.parse(stdout) as NightReport;
      expect(night.single).toEqual([true, true, true]);
      expect(night.bulk).toEqual({ created: 5, alreadyRegistered: 0 });
      expect(night.resent).toEqual({ created: 0, alreadyRegistered: 8 });
      expect(night.resentSingle).toBe(false);
      expect(night.errors[0]).toMatchObject({ status: 400, messages: [expect.stringMatching(/^sha256: /)] });
      expect(night.errors[1]).toMatchObject({ status: 409 });

      // What the client computed while reading is what is on disk, and what the database holds.
      const rows: { id: string; size: number; sha256: string }[] = await h.dataSource.query(
        `SELECT id, size::int AS size, sha256 FROM raw_data_file WHERE executed_obs_unit_id = $1 ORDER BY relative_path`,
        [night.unit],
      );
      expect(rows).toHaveLength(8);
      // Time-ordered ids (UUID version 7), increasing in the order the client made them.
      const ids = night.files.map((f) => f.id);
      for (const id of [night.unit, ...ids])
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
      expect([...ids].sort()).toEqual(ids);
      for (const f of night.files) {
        const bytes = readFileSync(join(root, f.path));
        expect({ size: f.size, sha256: f.sha256 }).toEqual({
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
        expect(rows).toContainEqual({ id: f.id, size: f.size, sha256: f.sha256 });
      }
      const [unit] = await h.dataSource.query(
        `SELECT finished_at, outcome FROM executed_obs_unit WHERE id = $1`,
        [night.unit],
      );
      expect(unit.outcome).toBe('success');
      expect(unit.finished_at).toBeInstanceOf(Date);
    });
  },
);
