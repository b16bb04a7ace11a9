import { formatCheckReport } from '../consistency/check-report';
import { formatStatus } from './status.command';
import { LiveService, PipelineStatus } from './status.service';

const service = (type: string): LiveService => ({ type }) as unknown as LiveService;

describe('ccat-dt status and check read as reports', () => {
  it('status: work and copies as tables (no index column, no quotes), and the api among the services', () => {
    const status: PipelineStatus = {
      at: new Date('2026-12-05T12:00:00Z'),
      files: { total: 120, safe: 100, bytes: 5 * 1024 ** 2 },
      oldestNotSafe: null,
      work: [
        { stage: 'package', status: 'completed', count: 20 },
        { stage: 'package', status: 'pending', count: 1 },
        { stage: 'archive', status: 'completed', count: 40 },
      ],
      copies: [
        {
          site: 'ccat',
          location: 'buffer',
          type: 'buffer',
          present: 8,
          bytes: 3 * 1024 ** 2,
          deleting: 0,
          usedPercent: 42,
          threshold: 90,
        },
        {
          site: 'us',
          location: 'lta',
          type: 'long_term_archive',
          present: 20,
          bytes: 5 * 1024 ** 2,
          deleting: 0,
          usedPercent: null,
          threshold: null,
        },
      ],
      failed: 0,
      deletionPaused: null,
      replication: {
        sites: [],
        pauses: [],
        retiring: [],
        summary: ['every archive site holds every archived package'],
      },
      services: [service('worker'), service('worker'), service('manager'), service('api')],
      sitesWithoutWorker: ['us'],
      unservedQueues: [
        { name: 'us_buffer_deletion', site: 'us', location: 'buffer', operation: 'deletion' },
        { name: 'cologne_buffer_deletion', site: 'cologne', location: 'buffer', operation: 'deletion' },
      ],
    };
    const text = formatStatus(status);
    expect(text).toContain('stage    completed  pending');
    expect(text).toMatch(/^package +20 +1$/m);
    expect(text).toMatch(/^archive +40 +-$/m);
    expect(text).toMatch(/^location +type +copies +bytes +deleting +disk$/m);
    expect(text).toMatch(/^us\/lta +long_term_archive +20 +5\.0 MiB +0 +-$/m);
    expect(text).toContain('[####......] 42% (threshold 90%)');
    expect(text).toContain('services alive: 2 worker(s), 1 manager process(es), 1 api');
    expect(text).toContain('  every archive site holds every archived package');
    // A site without any worker is one line; a queue no live worker serves elsewhere is named.
    expect(text).toContain('NO LIVE WORKER at: us');
    expect(text).toMatch(/^QUEUES NO LIVE WORKER SERVES \(1; .*\):\n {2}cologne_buffer_deletion$/m);
    expect(text).not.toContain('us_buffer_deletion');
    expect(text).not.toMatch(/['"]|\(index\)/);
  });

  it('check: a summary table per location, and the findings as a second table', () => {
    const text = formatCheckReport({
      ok: false,
      locations: [
        {
          location: 'cologne/lta',
          copiesChecked: 3,
          bytesChecked: 2048,
          lost: [
            { copyId: 'c1', kind: 'raw_data_package', objectId: 'p1', key: 'a/p1.tar', reason: 'checksum' },
          ],
          dark: [{ key: 'stray.bin', size: 7 }],
          repaired: [],
          notDark: { temporary: 0, sidecars: 1, unregistered: 0, young: 0 },
        },
      ],
    });
    expect(text).toMatch(/^location +copies checked +hashed +lost +dark/m);
    expect(text).toMatch(/^cologne\/lta +3 +.+? +1 +1 +0 +1 +0 +0$/m);
    expect(text).toMatch(/^cologne\/lta +LOST +checksum +a\/p1\.tar +raw_data_package copy c1$/m);
    expect(text).toMatch(/^cologne\/lta +DARK +7 +stray\.bin +-$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('NOT OK: see above.');
    expect(text).not.toMatch(/['"]|\(index\)/);
  });
});
