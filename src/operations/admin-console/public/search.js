// Find files by path prefix, obs unit or id; show where every copy is and, on request, why.
import { gql } from './api.js';
import { byTestId, el, fill, formatBytes, formatTime, pill } from './dom.js';

const FILE = `id relativePath size createdAt
  copies { kind status location { name locationType site { shortName } } }`;
const BY_PATH = `query($v: String!) { rawDataFiles(pathPrefix: $v, first: 50) { nodes { ${FILE} } pageInfo { hasNextPage } } }`;
const BY_UNIT = `query($v: String!) { rawDataFiles(obsUnitId: $v, first: 50) { nodes { ${FILE} } pageInfo { hasNextPage } } }`;
const BY_ID = `query($v: String!) { rawDataFile(id: $v) { ${FILE} } }`;
const EXPLAIN = `query($ref: String!) {
  explain(ref: $ref) {
    stage safe verdict
    work { what status retries failureReason }
    copies { site location locationType kind status path history { at from to actor reason } }
  }
}`;

export function setUpSearch() {
  byTestId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void search();
  });
}

async function search() {
  const by = byTestId('search-by').value;
  const value = byTestId('search-input').value.trim();
  const status = byTestId('search-status');
  const results = byTestId('search-results');
  if (!value) {
    status.textContent = 'Type a path prefix, an obs unit id or a file id.';
    return;
  }
  status.textContent = 'Searching…';
  try {
    const files = await find(by, value);
    status.textContent = files.length
      ? `${files.length}${files.more ? '+' : ''} file(s)`
      : 'No file matches.';
    fill(results, files.map(fileBlock));
  } catch (err) {
    status.textContent = `Search failed: ${err.message}`;
    fill(results);
  }
}

async function find(by, value) {
  if (by === 'id') {
    const { rawDataFile } = await gql(BY_ID, { v: value });
    return rawDataFile ? [rawDataFile] : [];
  }
  const { rawDataFiles } = await gql(by === 'obsUnit' ? BY_UNIT : BY_PATH, { v: value });
  return Object.assign(rawDataFiles.nodes, { more: rawDataFiles.pageInfo.hasNextPage });
}

function fileBlock(f) {
  const why = el('div', { class: 'explain', dataset: { testid: 'explain' }, hidden: true });
  const button = el(
    'button',
    { type: 'button', class: 'small secondary', dataset: { testid: 'why' }, 'aria-expanded': 'false' },
    'Why?',
  );
  button.addEventListener('click', () => void toggleExplain(f, button, why));
  return el(
    'article',
    { class: 'file', dataset: { testid: 'file', path: f.relativePath, id: f.id } },
    el(
      'header',
      { class: 'file-head' },
      el(
        'div',
        {},
        el('div', { class: 'mono' }, f.relativePath),
        el(
          'div',
          { class: 'muted mono' },
          `${f.id} · ${formatBytes(f.size)} · registered ${formatTime(f.createdAt)}`,
        ),
      ),
      button,
    ),
    el(
      'ul',
      { class: 'copies' },
      f.copies.length ? f.copies.map(copyChip) : el('li', { class: 'muted' }, 'no copy recorded'),
    ),
    why,
  );
}

function copyChip(c) {
  const site = c.location.site.shortName;
  return el(
    'li',
    {
      class: `copy copy-${c.status.toLowerCase()}`,
      dataset: { testid: 'copy', site, location: c.location.name, status: c.status, kind: c.kind },
      title: `${c.kind.toLowerCase().replace(/_/g, ' ')} copy`,
    },
    el('span', { class: 'copy-where' }, `${site} / ${c.location.name}`),
    el(
      'span',
      { class: 'muted' },
      c.kind === 'RAW_DATA_FILE' ? 'file' : c.kind === 'RAW_DATA_PACKAGE' ? 'package' : 'bundle',
    ),
    pill(c.status),
  );
}

async function toggleExplain(f, button, box) {
  if (!box.hidden) {
    box.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  box.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  fill(box, el('p', { class: 'muted' }, 'Asking why…'));
  try {
    const { explain } = await gql(EXPLAIN, { ref: f.id });
    fill(box, explanation(explain));
  } catch (err) {
    fill(box, el('p', { class: 'error' }, `Cannot explain: ${err.message}`));
  }
}

function explanation(x) {
  return [
    el(
      'p',
      { class: `verdict ${x.safe ? 'safe' : 'unsafe'}`, dataset: { testid: 'verdict' } },
      el('span', { class: 'tag stage' }, x.stage),
      ' ',
      x.verdict,
    ),
    x.work.length
      ? el(
          'table',
          { class: 'compact' },
          el('caption', {}, 'Work behind it'),
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ['what', 'status', 'retries', 'last failure'].map((h) => el('th', { scope: 'col' }, h)),
            ),
          ),
          el(
            'tbody',
            {},
            x.work.map((w) =>
              el(
                'tr',
                {},
                el('td', {}, w.what),
                el('td', {}, pill(w.status)),
                el('td', { class: 'num' }, String(w.retries)),
                el('td', {}, w.failureReason ?? ''),
              ),
            ),
          ),
        )
      : null,
    el('h4', {}, 'Copy history'),
    el(
      'ul',
      { class: 'history' },
      x.copies.map((c) =>
        el(
          'li',
          {},
          el(
            'div',
            {},
            el('strong', {}, `${c.site} / ${c.location}`),
            ` ${c.kind} `,
            pill(c.status),
            el('span', { class: 'muted mono' }, ` ${c.path}`),
          ),
          el(
            'ol',
            {},
            c.history.map((h) =>
              el(
                'li',
                {},
                el('span', { class: 'muted' }, formatTime(h.at)),
                ` ${h.from ?? '∅'} → ${h.to} by ${h.actor}`,
                h.reason ? el('span', { class: 'muted' }, ` (${h.reason})`) : null,
              ),
            ),
          ),
        ),
      ),
    ),
  ];
}
