// Recent failures of every kind, newest first, each with a Reset button (admin tokens only); a package that
// failed on a file changed at its source also offers the way out: accept that file as it is now, or withdraw it.
import { gql } from './api.js';
import { byTestId, el, fill, formatTime } from './dom.js';

const QUERY = `{ failedWork(first: 50) { kind id location failureReason retries failedAt changedFile } }`;
const RESET = `mutation($kind: ResettableWork!, $id: String!) {
  resetOperation(kind: $kind, id: $id) { from to retry reason }
}`;
const AMEND = {
  accept: `mutation($file: String!, $reason: String!) { acceptFile(file: $file, reason: $reason) { action } }`,
  withdraw: `mutation($file: String!, $reason: String!) { withdrawFile(file: $file, reason: $reason) { action } }`,
};
// What the operator typed as the reason, kept across refreshes.
const reasons = new Map();

// Rows this page reset, with when the server confirmed it: an answer to a refresh sent before that
// moment still lists them as failed and must not bring them back; any later answer is the truth (work
// that failed again shows again).
const resetAt = new Map();
// Kept across refreshes (the table is rebuilt each time): a refusal stays readable, a click in flight
// stays disabled.
const refusals = new Map();
const inFlight = new Set();

export async function refreshFailures() {
  const askedAt = Date.now();
  const { failedWork } = await gql(QUERY);
  const rows = failedWork.filter((f) => !((resetAt.get(f.id) ?? 0) > askedAt));
  for (const [id, at] of resetAt) if (at <= askedAt) resetAt.delete(id);
  const listed = new Set(rows.map((f) => f.id));
  for (const id of refusals.keys()) if (!listed.has(id)) refusals.delete(id);
  byTestId('failures-count').textContent = String(rows.length);
  fill(byTestId('failures-body'), rows.length ? rows.map(row) : emptyRow());
}

/** On sign-out: another token may be allowed what this one was refused. */
export function forgetRefusals() {
  refusals.clear();
}

function emptyRow() {
  return el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No failed work.'));
}

function row(f) {
  return el(
    'tr',
    { dataset: { testid: 'failure', id: f.id, kind: f.kind } },
    el('td', {}, el('span', { class: 'tag' }, f.kind)),
    el('td', {}, f.location),
    el(
      'td',
      { class: 'reason' },
      el('div', { title: f.failureReason ?? '' }, f.failureReason ?? 'no reason recorded'),
      el('div', { class: 'muted mono' }, f.id),
      el(
        'div',
        { class: 'row-error', role: 'alert', dataset: { testid: 'reset-error' } },
        refusals.get(f.id) ?? '',
      ),
    ),
    el('td', { class: 'num', title: `failed ${formatTime(f.failedAt)}` }, String(f.retries)),
    el(
      'td',
      {},
      button(f, 'reset', 'Reset', `Reset ${f.kind} ${f.id}`, () => gql(RESET, { kind: f.kind, id: f.id })),
      f.changedFile ? amendControls(f) : null,
    ),
  );
}

function button(f, testid, label, ariaLabel, call) {
  return el(
    'button',
    {
      type: 'button',
      class: 'small',
      disabled: inFlight.has(f.id),
      dataset: { testid },
      'aria-label': ariaLabel,
      onclick: () => void act(f, label, call),
    },
    label,
  );
}

/** The reason (required, audited) and the two ways out for the file the package failed on. */
function amendControls(f) {
  const input = el('input', {
    type: 'text',
    class: 'reason-input',
    placeholder: 'why (required)',
    'aria-label': `Reason to accept or withdraw ${f.changedFile}`,
    dataset: { testid: 'amend-reason' },
    value: reasons.get(f.id) ?? '',
  });
  input.addEventListener('input', () => reasons.set(f.id, input.value));
  const amend = (action) => () => {
    const reason = (reasons.get(f.id) ?? '').trim();
    if (!reason) return Promise.reject(new Error('say why first: the reason goes into the audit trail'));
    return gql(AMEND[action], { file: f.changedFile, reason });
  };
  return el(
    'div',
    { class: 'amend', title: f.changedFile },
    input,
    button(f, 'accept-file', 'Accept file', `Accept ${f.changedFile} as it is now`, amend('accept')),
    button(f, 'withdraw-file', 'Withdraw file', `Withdraw ${f.changedFile}`, amend('withdraw')),
  );
}

/** The row as it is now on the page: a refresh may have rebuilt it since the click. */
function currentRow(id) {
  return byTestId('failures-body').querySelector(`tr[data-id="${id}"]`);
}

/** Runs one of the row's actions; on success the row leaves (the work is no longer failed). */
async function act(f, label, call) {
  inFlight.add(f.id);
  refusals.delete(f.id);
  const before = currentRow(f.id);
  before?.querySelectorAll('button').forEach((b) => b.setAttribute('disabled', ''));
  if (before) before.querySelector('.row-error').textContent = '';
  try {
    await call();
    reasons.delete(f.id);
    resetAt.set(f.id, Date.now());
    currentRow(f.id)?.remove();
    const count = byTestId('failures-count');
    count.textContent = String(Math.max(0, Number(count.textContent) - 1));
  } catch (err) {
    // e.g. "token viewer lacks the admin scope": the operator sees why, the row stays.
    refusals.set(f.id, `${label} refused: ${err.message}`);
    const now = currentRow(f.id);
    if (now) {
      now.querySelector('.row-error').textContent = refusals.get(f.id);
      now.querySelectorAll('button').forEach((b) => b.removeAttribute('disabled'));
    }
  } finally {
    inFlight.delete(f.id);
  }
}
