import { ExplainedCopy, ExplainFacts } from './explain-facts';
import { verdictOf } from './explain-verdict';

const NOW = new Date('2026-11-24T12:00:00Z');
const ago = (min: number) => new Date(NOW.getTime() - min * 60_000);

/** A file registered 10 minutes ago in an open unit: each case below adds what has happened since. */
function facts(over: Partial<ExplainFacts> = {}): ExplainFacts {
  return {
    now: NOW,
    file: {
      id: 'f1',
      path: 'primecam/field_1/pcam_280/scan_0.fits',
      size: 1000,
      sha256: 'a'.repeat(64),
      registeredAt: ago(10),
      obsUnit: 'field_1',
      instrument: 'primecam',
      module: 'pcam_280',
    },
    unit: { finishedAt: null, lastFileAt: ago(10) },
    withdrawn: null,
    heal: null,
    settings: { obsUnitGraceMs: 3_600_000, bundleMaxWaitMs: 3_600_000, maxRetries: 3 },
    package: null,
    bundle: null,
    transfers: [],
    blockedSites: [],
    archiveSites: ['cologne', 'us'],
    archives: [],
    archivedAt: [],
    safety: { safe: false, minSites: 2 },
    copies: [],
    deletion: { paused: false, since: null, by: null, reason: null },
    ...over,
  };
}
const pkg = {
  id: 'p1',
  name: 'field_1_pcam_280_001',
  status: 'completed',
  state: 'waiting',
  retries: 0,
  failureReason: null,
  completedAt: ago(20),
};
const bundle = {
  id: 'b1',
  name: 'ccat_buffer_bundle_1',
  status: 'completed',
  size: 5000,
  retries: 0,
  failureReason: null,
  distributedAt: null,
};
const transfer = (over: Partial<ExplainFacts['transfers'][number]> = {}) => ({
  from: 'ccat/buffer',
  to: 'cologne/buffer',
  toSite: 'cologne',
  method: 'http',
  status: 'completed',
  unpackStatus: 'completed',
  bytes: 5000,
  retries: 0,
  unpackRetries: 0,
  failureReason: null,
  ...over,
});
const sourceCopy = (status: string, history: ExplainedCopy['history'] = []): ExplainedCopy => ({
  kind: 'raw_data_file',
  site: 'ccat',
  location: 'telescope_computer',
  locationType: 'source',
  path: 'primecam/field_1/pcam_280/scan_0.fits',
  status,
  history,
});
const archived = {
  package: { ...pkg, state: 'archived' },
  bundle,
  transfers: [transfer(), transfer({ from: 'cologne/buffer', to: 'us/buffer', toSite: 'us' })],
  archives: [
    { site: 'cologne', status: 'completed', retries: 0, failureReason: null },
    { site: 'us', status: 'completed', retries: 0, failureReason: null },
  ],
  archivedAt: ['cologne', 'us'],
  safety: { safe: true, minSites: 2 },
};

describe('verdictOf: why a file is not safe yet, in one sentence', () => {
  it('obs unit not finished and within grace', () => {
    expect(verdictOf(facts())).toEqual({
      stage: 'registered',
      safe: false,
      verdict:
        'Waiting for obs unit field_1 to finish: it is still open and its last file arrived 10 min ago, within the grace of 60 min.',
    });
  });

  it('waiting for bundling', () => {
    expect(verdictOf(facts({ package: pkg })).verdict).toBe(
      'Packaged in field_1_pcam_280_001; waiting for bundling: a bundle ships when full or once its oldest package ' +
        'has waited 60 min (this one: 20 min).',
    );
  });

  it('in transfer, bytes done of total', () => {
    const f = facts({ package: pkg, bundle, transfers: [transfer({ status: 'in_progress', bytes: 1200 })] });
    expect(verdictOf(f)).toMatchObject({
      stage: 'transfer',
      verdict: 'In transfer from ccat/buffer to cologne/buffer over http: 1200 of 5000 bytes (in_progress).',
    });
  });

  it('in transfer, waiting for the destination worker to be allowed to pull', () => {
    const reason =
      'refusing to send TRANSFER_TOKEN over plain http to http://ccat:8081/data/ccat/buffer (to pull from buffer): ' +
      'give that worker TLS (WORKER_TLS_CERT/KEY) and an https dataUrl, or set TRANSFER_ALLOW_INSECURE=true where nothing crosses a network';
    const f = facts({
      package: pkg,
      bundle,
      transfers: [transfer({ status: 'in_progress', bytes: 0, failureReason: `waiting: ${reason}` })],
    });
    expect(verdictOf(f).verdict).toBe(
      `In transfer from ccat/buffer to cologne/buffer over http: 0 of 5000 bytes (in_progress); it waits for its worker's set-up, no try spent: ${reason}.`,
    );
  });

  it('destination buffer inactive or full', () => {
    const f = facts({
      package: pkg,
      bundle,
      blockedSites: [
        { site: 'cologne', why: 'buffer is 97.0% full (threshold 90%)' },
        { site: 'us', why: 'no active buffer' },
      ],
    });
    expect(verdictOf(f).verdict).toBe(
      'Bundled in ccat_buffer_bundle_1; waiting for a destination: no buffer at cologne takes data ' +
        '(buffer is 97.0% full (threshold 90%)); no buffer at us takes data (no active buffer).',
    );
  });

  it('unpack failed with checksum mismatch, retry n of 3', () => {
    const reason = 'checksum mismatch: scan_0.fits has sha256 0f3a…, registered a1b2…';
    const f = facts({
      package: pkg,
      bundle,
      transfers: [transfer({ unpackStatus: 'pending', unpackRetries: 2, failureReason: reason })],
    });
    expect(verdictOf(f)).toMatchObject({
      stage: 'unpack',
      verdict: `Unpack at cologne/buffer failed with ${reason} (retry 2 of 3); it is tried again.`,
    });
  });

  it('archived at 1 of 2 LTA sites', () => {
    const f = facts({
      ...archived,
      archives: [
        { site: 'cologne', status: 'completed', retries: 0, failureReason: null },
        { site: 'us', status: 'in_progress', retries: 0, failureReason: null },
      ],
      archivedAt: ['cologne'],
      safety: { safe: false, minSites: 2 },
    });
    expect(verdictOf(f)).toMatchObject({
      stage: 'archive',
      safe: false,
      verdict:
        'Only at cologne: waiting for a second site (safe needs 2 archive sites); us: archive upload in_progress.',
    });
  });

  it('an archive copy found lost is not safe while it is re-replicated', () => {
    const f = facts({
      ...archived,
      archivedAt: ['cologne'],
      safety: { safe: false, minSites: 2 },
      copies: [
        sourceCopy('present'),
        {
          kind: 'raw_data_package',
          site: 'us',
          location: 'lta',
          locationType: 'long_term_archive',
          path: 'primecam/field_1/pkg.tar',
          status: 'lost',
          history: [],
        },
      ],
    });
    expect(verdictOf(f)).toMatchObject({
      stage: 'archive',
      safe: false,
      verdict: expect.stringContaining('us: its archive copy was found lost'),
    });
  });

  it('deletion paused', () => {
    const f = facts({
      ...archived,
      copies: [sourceCopy('present')],
      deletion: {
        paused: true,
        since: new Date('2026-11-24T09:00:00Z'),
        by: 'cli:ops',
        reason: 'tape audit',
      },
    });
    expect(verdictOf(f)).toEqual({
      stage: 'safe',
      safe: true,
      verdict:
        'Safe at cologne, us (verified, 2 sites needed); the source copy stays because deletion is paused ' +
        'since 2026-11-24 09:00 UTC by cli:ops (tape audit).',
    });
  });

  it('safe: archived at 2 sites, source deleted on a date by a rule', () => {
    const rule = 'source file archived with enough verified LTA copies';
    const f = facts({
      ...archived,
      copies: [
        sourceCopy('deleted', [
          { at: ago(60), from: null, to: 'present', actor: 'token:primecam', reason: 'registered' },
          {
            at: ago(5),
            from: 'present',
            to: 'deletion_scheduled',
            actor: 'managers',
            reason: `rule: ${rule}`,
          },
          { at: ago(5), from: 'deletion_scheduled', to: 'deletion_in_progress', actor: 'ccat', reason: null },
          { at: ago(4), from: 'deletion_in_progress', to: 'deleted', actor: 'ccat', reason: 'bytes removed' },
        ]),
      ],
    });
    expect(verdictOf(f).verdict).toBe(
      `Safe at cologne, us (verified, 2 sites needed); source copy deleted on 2026-11-24 11:56 UTC by rule "${rule}".`,
    );
  });

  it('names failures with their reason and retries at every stage', () => {
    expect(
      verdictOf(facts({ package: { ...pkg, status: 'failed', retries: 3, failureReason: 'file missing' } }))
        .verdict,
    ).toBe('Packaging into field_1_pcam_280_001 failed (retry 3 of 3): file missing.');
    expect(
      verdictOf(
        facts({
          package: pkg,
          bundle,
          transfers: [
            transfer({ unpackStatus: 'failed', unpackRetries: 3, failureReason: 'checksum mismatch' }),
          ],
        }),
      ).verdict,
    ).toBe(
      'Unpack at cologne/buffer failed with checksum mismatch (retry 3 of 3); no retries are left: reset it once the cause is fixed.',
    );
  });
});

describe('verdictOf: safe means safe at DELETION_MIN_LTA_SITES distinct sites', () => {
  it('with one site required, one site is safe', () => {
    const f = facts({ ...archived, archivedAt: ['cologne'], safety: { safe: true, minSites: 1 } });
    expect(verdictOf(f)).toMatchObject({ stage: 'safe', safe: true });
    expect(verdictOf(f).verdict).toMatch(/^Safe at cologne \(verified, 1 site needed\)/);
  });
});

describe('verdictOf: the way out and the heal', () => {
  it('says a withdrawn file is left alone, by whom and why', () => {
    const v = verdictOf(
      facts({ withdrawn: { at: ago(5), actor: 'cli:ops', reason: 'overwritten by the instrument' } }),
    );
    expect(v).toEqual({
      stage: 'withdrawn',
      safe: false,
      verdict:
        'Withdrawn by cli:ops on 2026-11-24 11:55 UTC: overwritten by the instrument. The pipeline leaves it alone: ' +
        'it is never packed, archived or deleted, and its bytes stay where they are.',
    });
  });

  it('says a package tar found bad is being healed, or why its heal failed', () => {
    const heal = {
      status: 'scheduled',
      detectedBy: 'bundling',
      location: 'ccat/buffer',
      failureReason: null,
    };
    expect(verdictOf(facts({ package: pkg, heal })).verdict).toBe(
      'Packaged in field_1_pcam_280_001; its tar at ccat/buffer was found bad (by bundling) and is being healed ' +
        '(scheduled): from another good copy, or packed again from its source files.',
    );
    const failed = { ...heal, status: 'failed', failureReason: 'found bad 4 times within 24 h' };
    expect(verdictOf(facts({ package: pkg, heal: failed })).verdict).toMatch(
      /could not be healed: found bad 4 times within 24 h\.$/,
    );
  });
});
