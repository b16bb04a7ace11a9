// Small helpers to build markup without innerHTML: every value from the server goes in as text.

/** el('td', { class: 'num', dataset: { testid: 'x' } }, 'text', childNode, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byTestId(id) {
  return document.querySelector(`[data-testid="${id}"]`);
}

/** Replaces a container's children, e.g. a table body on every refresh. */
export function fill(container, ...children) {
  container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal units, as disks and the README count them: 1 kB = 1000 B. */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  let value = Number(bytes);
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

/** 45 s, 12 min, 3 h 20 min, 2 d 4 h */
export function formatAge(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** UTC, the one clock the telescope and both archives share: 2026-11-24 23:32:04 UTC */
export function formatTime(iso) {
  return iso ? `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '–';
}

/** 23:32:04 UTC */
export function formatClock(iso) {
  return `${new Date(iso).toISOString().slice(11, 19)} UTC`;
}

export function formatCount(n) {
  return Number(n ?? 0).toLocaleString('en-US');
}

/** A status as a coloured pill: PRESENT, failed, in_progress ... */
export function pill(status) {
  const s = String(status).toLowerCase();
  return el('span', { class: `pill pill-${s.replace(/[^a-z_]/g, '')}` }, s.replace(/_/g, ' '));
}
