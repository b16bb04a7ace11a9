// Job counts per queue (non-zero counts stand out) and the live processes, from their heartbeats.
import { gql } from './api.js';
import { byTestId, el, fill, formatAge } from './dom.js';

const QUERY = `{
  queueCounts { name site location operation waiting active delayed failed completed servedBy }
  services { type name host pid release serves startedAt ttlMs }
}`;
const COUNTS = ['waiting', 'active', 'delayed', 'failed', 'completed'];

export async function refreshQueues() {
  const { queueCounts, services } = await gql(QUERY);
  const pending = (q) => q.waiting + q.active + q.delayed + q.failed;
  // Queues with work first: what an operator looks for is at the top.
  const sorted = [...queueCounts].sort(
    (a, b) => Number(pending(b) > 0) - Number(pending(a) > 0) || a.name.localeCompare(b.name),
  );
  fill(byTestId('queues-body'), sorted.map(queueRow));
  const busy = queueCounts.filter((q) => pending(q) > 0).length;
  byTestId('queues-summary').textContent = `${queueCounts.length} queues · ${busy} with work`;
  fill(
    byTestId('services-body'),
    services.length
      ? services.map(serviceRow)
      : el('tr', {}, el('td', { colspan: 4, class: 'empty' }, 'No live process.')),
  );
  byTestId('services-count').textContent = String(services.length);
}

function queueRow(q) {
  return el(
    'tr',
    { dataset: { testid: `queue-${q.name}` } },
    el(
      'td',
      {},
      el('div', {}, `${q.site} / ${q.location}`),
      el('div', { class: 'muted' }, q.operation.replace(/_/g, ' ')),
      // Who serves it, from the workers' heartbeats; none means its work waits.
      q.servedBy.length
        ? el('div', { class: 'muted', title: q.servedBy.join('\n') }, `served by ${q.servedBy.length}`)
        : el('div', { class: 'bad', dataset: { testid: 'unserved' } }, 'no live worker'),
    ),
    COUNTS.map((c) => {
      const n = q[c];
      const tone = n === 0 ? 'zero' : c === 'failed' ? 'bad' : c === 'completed' ? '' : 'busy';
      return el('td', { class: `num ${tone}` }, String(n));
    }),
  );
}

function serviceRow(s) {
  const up = (Date.now() - new Date(s.startedAt).getTime()) / 1000;
  return el(
    'tr',
    { dataset: { testid: `service-${s.name}` } },
    el('td', {}, el('span', { class: 'tag' }, s.type)),
    el(
      'td',
      {},
      el('div', {}, s.name),
      el('div', { class: 'muted' }, `${s.host} · pid ${s.pid} · release ${s.release}`),
    ),
    el(
      'td',
      { class: 'serves', title: s.serves.join('\n') },
      s.serves.length ? `${s.serves.length} ${s.type === 'manager' ? 'kinds' : 'queues'}` : '–',
    ),
    el('td', { class: 'num' }, formatAge(up)),
  );
}
