// Recent failures of every kind, newest first, each with a Reset button (admin tokens only).
import { gql } from './api.js';
import { byTestId, el, fill, formatTime } from './dom.js';

const QUERY = `{ failedWork(first: 50) { kind id location failureReason retries failedAt } }`;
const RESET = `mutation($kind: ResettableWork!, $id: String!) {
  resetOperation(kind: $kind, id: $id) { from to retry reason }
}`;

// Rows reset by this page: kept out of the table until the server stops listing them as failed, so a
// refresh that was already on its way does not bring a row back for a moment.
const resetting = new Set();

export async function refreshFailures() {
  const { failedWork } = await gql(QUERY);
  const failed = new Set(failedWork.map((f) => f.id));
  for (const id of resetting) if (!failed.has(id)) resetting.delete(id);
  const rows = failedWork.filter((f) => !resetting.has(f.id));
  byTestId('failures-count').textContent = String(rows.length);
  fill(byTestId('failures-body'), rows.length ? rows.map(row) : emptyRow());
}

function emptyRow() {
  return el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No failed work.'));
}

function row(f) {
  const message = el('div', { class: 'row-error', role: 'alert', dataset: { testid: 'reset-error' } });
  const button = el(
    'button',
    { type: 'button', class: 'small', dataset: { testid: 'reset' }, 'aria-label': `Reset ${f.kind} ${f.id}` },
    'Reset',
  );
  const tr = el(
    'tr',
    { dataset: { testid: 'failure', id: f.id, kind: f.kind } },
    el('td', {}, el('span', { class: 'tag' }, f.kind)),
    el('td', {}, f.location),
    el(
      'td',
      { class: 'reason' },
      el('div', { title: f.failureReason ?? '' }, f.failureReason ?? 'no reason recorded'),
      el('div', { class: 'muted mono' }, f.id),
      message,
    ),
    el('td', { class: 'num', title: `failed ${formatTime(f.failedAt)}` }, String(f.retries)),
    el('td', {}, button),
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    message.textContent = '';
    try {
      await gql(RESET, { kind: f.kind, id: f.id });
      resetting.add(f.id);
      tr.remove();
      const count = byTestId('failures-count');
      count.textContent = String(Math.max(0, Number(count.textContent) - 1));
    } catch (err) {
      // e.g. "token viewer lacks the admin scope": the operator sees why, the row stays.
      message.textContent = `Reset refused: ${err.message}`;
      button.disabled = false;
    }
  });
  return tr;
}
