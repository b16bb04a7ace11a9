// The pipeline on one line of cards, the banners operators must not miss, and work per stage and status.
import { gql } from './api.js';
import { byTestId, el, fill, formatAge, formatBytes, formatClock, formatCount, formatTime } from './dom.js';

const QUERY = `{
  overview {
    at
    files { total safe bytes }
    bytesInFlight
    throughputLastHour { bytes bytesPerSecond files windowSeconds }
    oldestNotSafe { id path ageSeconds registeredAt }
    work { stage status count }
    failed
    deletionPaused { by reason since }
    replication { summary pauses { site by reason since } sites { site summary failed paused { site } } }
    sitesWithoutWorker
    unservedQueues { name site }
  }
}`;

// Pipeline order, and the status columns in the order work moves through them.
const STAGES = ['package', 'bundle', 'transfer', 'unpack', 'archive', 'deletion'];
const STATUSES = ['pending', 'scheduled', 'in_progress', 'completed', 'failed'];

export async function refreshOverview() {
  const { overview } = await gql(QUERY);
  renderCards(overview);
  renderBanners(overview);
  renderWork(overview.work);
  renderReplication(overview.replication);
  return overview;
}

function renderCards(o) {
  byTestId('files-total').textContent = formatCount(o.files.total);
  byTestId('files-safe').textContent = formatCount(o.files.safe);
  const share = o.files.total ? Math.floor((100 * o.files.safe) / o.files.total) : 100;
  byTestId('files-detail').textContent = `${share}% · ${formatBytes(o.files.bytes)} registered`;
  byTestId('bytes-in-flight').textContent = formatBytes(o.bytesInFlight);
  const t = o.throughputLastHour;
  byTestId('throughput').textContent = formatBytes(t.bytes);
  byTestId('throughput-detail').textContent =
    `${formatCount(t.files)} files archived · ${formatBytes(t.bytesPerSecond)}/s`;
  const oldest = o.oldestNotSafe;
  byTestId('oldest-not-safe').textContent = oldest ? formatAge(oldest.ageSeconds) : 'none';
  const detail = byTestId('oldest-detail');
  detail.textContent = oldest ? oldest.path : 'every file is safe';
  detail.title = oldest ? `${oldest.path}, registered ${formatTime(oldest.registeredAt)}` : '';
  byTestId('failed-count').textContent = formatCount(o.failed);
  byTestId('failed-card').classList.toggle('alarm', o.failed > 0);
  byTestId('updated-at').textContent = `updated ${formatClock(o.at)}`;
}

function renderBanners(o) {
  const paused = byTestId('deletion-paused');
  paused.hidden = !o.deletionPaused;
  if (o.deletionPaused) {
    const { by, reason, since } = o.deletionPaused;
    paused.textContent = `Deletion is paused${by ? ` by ${by}` : ''}${since ? ` since ${formatTime(since)}` : ''}${
      reason ? `: ${reason}` : ''
    }. No copy is deleted until it is resumed.`;
  }
  const orphans = byTestId('sites-without-worker');
  orphans.hidden = o.sitesWithoutWorker.length === 0;
  orphans.textContent = `No live worker at ${o.sitesWithoutWorker.join(', ')}: their queues are not being served.`;
  // A site without any worker is the banner above; here the queues that sites with workers leave out.
  const unserved = o.unservedQueues.filter((q) => !o.sitesWithoutWorker.includes(q.site));
  const queues = byTestId('unserved-queues');
  queues.hidden = unserved.length === 0;
  queues.textContent =
    `No live worker serves ${unserved.length === 1 ? 'the queue' : `${unserved.length} queues:`} ` +
    `${unserved.map((q) => q.name).join(', ')}. Their work waits.`;
}

function renderWork(work) {
  const counts = new Map(work.map((w) => [`${w.stage}/${w.status}`, w.count]));
  const extra = [...new Set(work.map((w) => w.status))].filter((s) => !STATUSES.includes(s));
  const statuses = [...STATUSES, ...extra];
  fill(
    byTestId('work-head'),
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'stage'),
      statuses.map((s) => el('th', { scope: 'col', class: 'num' }, s.replace(/_/g, ' '))),
    ),
  );
  const stages = [...STAGES, ...new Set(work.map((w) => w.stage).filter((s) => !STAGES.includes(s)))];
  fill(
    byTestId('work-body'),
    stages.map((stage) =>
      el(
        'tr',
        { dataset: { testid: `work-${stage}` } },
        el('th', { scope: 'row' }, stage),
        statuses.map((status) => {
          const n = counts.get(`${stage}/${status}`) ?? 0;
          const tone =
            n === 0 ? 'zero' : status.includes('failed') ? 'bad' : status === 'completed' ? '' : 'busy';
          return el(
            'td',
            { class: `num ${tone}`, dataset: { testid: `work-${stage}-${status}` } },
            formatCount(n),
          );
        }),
      ),
    ),
  );
}

// One line per archive site still being filled by replication (the server words them), and its pauses.
function renderReplication(r) {
  const paused = byTestId('replication-paused');
  paused.hidden = r.pauses.length === 0;
  paused.textContent = r.pauses
    .map(
      (p) =>
        `Replication into ${p.site ?? 'every archive site'} is paused${p.by ? ` by ${p.by}` : ''}` +
        ` since ${formatTime(p.since)}${p.reason ? `: ${p.reason}` : ''}.`,
    )
    .join(' ');
  const lines = r.sites.length
    ? r.sites.map((site) =>
        el(
          'li',
          {
            class: site.failed > 0 ? 'bad' : site.paused ? 'busy' : '',
            dataset: { testid: `replication-${site.site}` },
          },
          site.summary,
        ),
      )
    : r.summary.map((line) => el('li', { class: 'muted', dataset: { testid: 'replication-none' } }, line));
  fill(byTestId('replication'), lines);
}
