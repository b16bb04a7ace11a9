import { describeSafety } from '../../catalog/physical-copies/package-safety';
import { ExplainFacts } from './explain-facts';
import { CopyKind, CopyStatus } from '../../catalog/physical-copies/physical-copy.states';
import { LocationType } from '../../catalog/locations/location-type';
import { OperationStatus } from '../../engine/work/operation-status';
import { WAITING_PREFIX } from '../../engine/work/task-error';

const minutes = (ms: number) =>
  ms >= 2 * 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.max(0, Math.round(ms / 60_000))} min`;
const day = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');

type Verdict = { stage: string; safe: boolean; verdict: string };

const wait = (stage: string, verdict: string): Verdict => ({ stage, safe: false, verdict });
const retry = (f: ExplainFacts, n: number) => `retry ${n} of ${f.settings.maxRetries}`;
/** What open work waits for when its worker's set-up refused it (WaitingForSetupError), as a clause. */
const waitingFor = (reason: string | null) =>
  reason?.startsWith(WAITING_PREFIX)
    ? `; it waits for its worker's set-up, no try spent: ${reason.slice(WAITING_PREFIX.length)}`
    : '';

/**
 * Where one file is and what it waits for, in one sentence, from the facts alone (no I/O): the stages in
 * pipeline order, the first one not done naming its cause.
 */
export function verdictOf(f: ExplainFacts): Verdict {
  for (const stage of [withdrawn, packaging, bundling, transfer, unpack, archive]) {
    const verdict = stage(f);
    if (verdict) return verdict;
  }
  return safe(f);
}

/** Taken out of the pipeline by an operator. */
function withdrawn(f: ExplainFacts): Verdict | null {
  if (!f.withdrawn) return null;
  return wait(
    'withdrawn',
    `Withdrawn by ${f.withdrawn.actor} on ${day(f.withdrawn.at)}: ${f.withdrawn.reason}. The pipeline leaves it ` +
      'alone: it is never packed, archived or deleted, and its bytes stay where they are.',
  );
}

/** Registered, waiting for its obs unit or the packaging manager, or being packaged. */
function packaging(f: ExplainFacts): Verdict | null {
  const p = f.package;
  if (!p) {
    if (!f.unit.finishedAt) {
      const quiet = f.now.getTime() - f.unit.lastFileAt.getTime();
      if (quiet < f.settings.obsUnitGraceMs)
        return wait(
          'registered',
          `Waiting for obs unit ${f.file.obsUnit} to finish: it is still open and its last file arrived ` +
            `${minutes(quiet)} ago, within the grace of ${minutes(f.settings.obsUnitGraceMs)}.`,
        );
    }
    return wait(
      'registered',
      `Waiting to be packaged: obs unit ${f.file.obsUnit} is ready, the packaging manager takes it next.`,
    );
  }
  if (p.status === OperationStatus.FAILED)
    return wait(
      'packaging',
      `Packaging into ${p.name} failed (${retry(f, p.retries)}): ${p.failureReason ?? 'no reason recorded'}.`,
    );
  if (p.status !== OperationStatus.COMPLETED)
    return wait('packaging', `Being packaged into ${p.name} (${p.status}).`);
  return null;
}

/** Packaged: its tar healed, waiting for a bundle, or being bundled. */
function bundling(f: ExplainFacts): Verdict | null {
  const p = f.package!;
  const b = f.bundle;
  const h = f.heal;
  if (!b && h)
    return wait(
      'bundling',
      h.status === OperationStatus.FAILED
        ? `Packaged in ${p.name}, but its tar at ${h.location} was found bad (by ${h.detectedBy}) and could not be healed: ${h.failureReason ?? 'no reason recorded'}.`
        : `Packaged in ${p.name}; its tar at ${h.location} was found bad (by ${h.detectedBy}) and is being healed (${h.status}): from another good copy, or packed again from its source files.`,
    );
  if (!b) {
    const waited = f.now.getTime() - p.completedAt.getTime();
    return wait(
      'bundling',
      `Packaged in ${p.name}; waiting for bundling: a bundle ships when full or once its oldest package has ` +
        `waited ${minutes(f.settings.bundleMaxWaitMs)} (this one: ${minutes(waited)}).`,
    );
  }
  if (b.status === OperationStatus.FAILED)
    return wait(
      'bundling',
      `Bundling into ${b.name} failed (${retry(f, b.retries)}): ${b.failureReason ?? 'no reason recorded'}.`,
    );
  if (b.status !== OperationStatus.COMPLETED)
    return wait('bundling', `Being bundled into ${b.name} (${b.status}).`);
  return null;
}

/** Bundled: waiting for a destination or a transfer row, or in transfer. */
function transfer(f: ExplainFacts): Verdict | null {
  const b = f.bundle!;
  if (f.transfers.length === 0) {
    const blocked = f.blockedSites.map((s) => `no buffer at ${s.site} takes data (${s.why})`).join('; ');
    if (f.blockedSites.length && f.blockedSites.length < f.archiveSites.length)
      return wait(
        'transfer',
        `Bundled in ${b.name}; its transfer goes to another archive site on the transfer manager's next cycle: ${blocked}.`,
      );
    if (f.blockedSites.length)
      return wait('transfer', `Bundled in ${b.name}; waiting for a destination: ${blocked}.`);
    return wait(
      'transfer',
      `Bundled in ${b.name}; its transfer is created on the transfer manager's next cycle.`,
    );
  }
  const first = f.transfers.find((t) => t.status !== OperationStatus.COMPLETED);
  if (!first) return null;
  if (first.status === OperationStatus.FAILED)
    return wait(
      'transfer',
      `Transfer of ${b.name} from ${first.from} to ${first.to} failed (${retry(f, first.retries)}): ${first.failureReason ?? 'no reason recorded'}.`,
    );
  return wait(
    'transfer',
    `In transfer from ${first.from} to ${first.to} over ${first.method}: ${first.bytes} of ${b.size} bytes (${first.status}` +
      (first.retries ? `, ${retry(f, first.retries)}` : '') +
      ')' +
      waitingFor(first.failureReason) +
      '.',
  );
}

/** Transferred: being unpacked and verified at a destination, or its unpack failed. */
function unpack(f: ExplainFacts): Verdict | null {
  const u = f.transfers.find((t) => t.unpackStatus !== OperationStatus.COMPLETED);
  if (!u) return null;
  if (u.unpackStatus === OperationStatus.FAILED || u.unpackRetries > 0)
    return wait(
      'unpack',
      `Unpack at ${u.to} failed with ${u.failureReason ?? 'no reason recorded'} (${retry(f, u.unpackRetries)})` +
        (u.unpackStatus === OperationStatus.FAILED
          ? '; no retries are left: reset it once the cause is fixed.'
          : '; it is tried again.'),
    );
  return wait('unpack', `Being unpacked and verified at ${u.to} (${u.unpackStatus}).`);
}

/** At its buffers, not yet archived at enough sites: what each missing site waits for. */
function archive(f: ExplainFacts): Verdict | null {
  if (f.safety.safe) return null;
  const missing = f.archiveSites.filter((s) => !f.archivedAt.includes(s));
  const why = missing.map((s) => missingArchiveSite(f, s));
  const sentence = describeSafety({ sites: f.archivedAt, safe: false }, f.safety.minSites);
  return wait(
    'archive',
    `${sentence[0].toUpperCase()}${sentence.slice(1)} (safe needs ${f.safety.minSites} archive sites)` +
      (why.length
        ? `; ${why.join('; ')}.`
        : '; no other active archive site can take it: add one, or reactivate one.'),
  );
}

/** Why archive site `s` holds no verified copy yet. */
function missingArchiveSite(f: ExplainFacts, s: string): string {
  const a = f.archives.find((x) => x.site === s);
  const t = f.transfers.find((x) => x.toSite === s);
  const lost = f.copies.some(
    (c) =>
      c.kind === CopyKind.RAW_DATA_PACKAGE &&
      c.locationType === LocationType.LONG_TERM_ARCHIVE &&
      c.site === s &&
      c.status === CopyStatus.LOST,
  );
  if (lost)
    return `${s}: its archive copy was found lost (ccat-dt check or the fixity audit) and is re-replicated`;
  if (a?.status === OperationStatus.FAILED)
    return `${s}: archive upload failed (${retry(f, a.retries)}): ${a.failureReason ?? 'no reason recorded'}`;
  if (a) return `${s}: archive upload ${a.status}${waitingFor(a.failureReason)}`;
  if (t) return `${s}: in its buffer, the archive upload is created next`;
  const blocked = f.blockedSites.find((x) => x.site === s);
  if (blocked) return `${s}: no buffer there takes data (${blocked.why})`;
  return `${s}: the bundle is replicated there from ${list(f.transfers.map((x) => x.toSite))} next`;
}

/** Safe: and what became, or becomes, of the source copy. */
function safe(f: ExplainFacts): Verdict {
  const safety = { sites: f.archivedAt, safe: true };
  const safeAt = `${describeSafety(safety, f.safety.minSites).replace(/^safe/, 'Safe')} (verified, ${f.safety.minSites} site${f.safety.minSites === 1 ? '' : 's'} needed)`;
  const done = (verdict: string): Verdict => ({ stage: 'safe', safe: true, verdict });
  const source = f.copies.find((c) => c.kind === 'raw_data_file' && c.locationType === 'source');
  if (!source) return done(`${safeAt}.`);
  if (source.status === CopyStatus.DELETED) {
    const deleted = source.history.find((e) => e.to === CopyStatus.DELETED);
    const rule = source.history
      .find((e) => e.to === CopyStatus.DELETION_SCHEDULED)
      ?.reason?.replace(/^rule: /, '');
    return done(
      `${safeAt}; source copy deleted on ${deleted ? day(deleted.at) : 'an unknown date'} by rule "${rule ?? 'unknown'}".`,
    );
  }
  if (f.deletion.paused)
    return done(
      `${safeAt}; the source copy stays because deletion is paused` +
        (f.deletion.since ? ` since ${day(f.deletion.since)}` : '') +
        (f.deletion.by ? ` by ${f.deletion.by}` : '') +
        (f.deletion.reason ? ` (${f.deletion.reason})` : '') +
        '.',
    );
  return done(`${safeAt}; the source copy is ${source.status} and goes by the deletion rules.`);
}
