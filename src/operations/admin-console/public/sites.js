// Sites and their locations, each with a disk bar: used percent against the location's threshold.
import { gql } from './api.js';
import { byTestId, el, fill, formatBytes, formatCount, formatTime } from './dom.js';

const QUERY = `{
  sites(first: 100) {
    nodes {
      shortName name location
      locations {
        id name locationType storageType active diskUsageThresholdPercent
        usage { usedPercent copies copiesBytes measuredAt }
      }
    }
  }
}`;

const TYPE_LABELS = {
  SOURCE: 'source',
  BUFFER: 'buffer',
  LONG_TERM_ARCHIVE: 'archive',
  PROCESSING: 'processing',
};

export async function refreshSites() {
  const { sites } = await gql(QUERY);
  fill(byTestId('sites'), sites.nodes.map(siteBlock));
}

function siteBlock(site) {
  return el(
    'div',
    { class: 'site', dataset: { testid: `site-${site.shortName}` } },
    el(
      'h3',
      {},
      site.shortName,
      el('span', { class: 'muted' }, ` ${site.name}${site.location ? ` · ${site.location}` : ''}`),
    ),
    el(
      'ul',
      { class: 'locations' },
      site.locations.map((l) => locationRow(site, l)),
    ),
  );
}

function locationRow(site, l) {
  const usage = l.usage;
  const used = usage?.usedPercent;
  const threshold = l.diskUsageThresholdPercent;
  const over = used !== null && used !== undefined && threshold !== null && used > threshold;
  const id = `location-${site.shortName}_${l.name}`;
  return el(
    'li',
    { class: `location${l.active ? '' : ' inactive'}${over ? ' over' : ''}`, dataset: { testid: id } },
    el(
      'div',
      { class: 'location-name' },
      el('strong', {}, l.name),
      el(
        'span',
        { class: 'tag' },
        `${TYPE_LABELS[l.locationType] ?? l.locationType.toLowerCase()} · ${l.storageType.toLowerCase()}`,
      ),
      l.active ? null : el('span', { class: 'tag tag-off' }, 'inactive'),
    ),
    diskBar(id, l, used, threshold, over),
    el(
      'div',
      {
        class: 'location-copies muted',
        title: usage ? `measured ${formatTime(usage.measuredAt)}` : 'not measured yet',
        dataset: { testid: `${id}-copies` },
      },
      usage ? `${formatCount(usage.copies)} copies · ${formatBytes(usage.copiesBytes)}` : '–',
    ),
  );
}

/** Why a location has no bar: an object store has no disk to fill; a disk not (yet) measured. */
function noBar(l, usage) {
  if (l.storageType === 'S3') return 'object store';
  if (!usage) return 'not measured yet';
  return 'disk size unknown';
}

function diskBar(id, l, used, threshold, over) {
  if (used === null || used === undefined) {
    return el('div', { class: 'bar-none', dataset: { testid: `${id}-bar` } }, noBar(l, l.usage));
  }
  const label = `${used.toFixed(1)}% used${threshold !== null ? ` of ${threshold}% allowed` : ''}`;
  const fillBar = el('div', { class: `bar-fill${over ? ' over' : ''}` });
  // CSSOM, not a style attribute: the Content-Security-Policy allows no inline styles.
  fillBar.style.width = `${Math.min(100, Math.max(0, used))}%`;
  const bar = el(
    'div',
    {
      class: 'bar',
      role: 'meter',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': used.toFixed(1),
      'aria-label': label,
      title: label,
      dataset: { testid: `${id}-bar`, over: over ? 'true' : 'false' },
    },
    fillBar,
  );
  if (threshold !== null && threshold !== undefined) {
    const mark = el('div', { class: 'bar-threshold' });
    mark.style.left = `${Math.min(100, threshold)}%`;
    bar.append(mark);
  }
  return el(
    'div',
    { class: 'bar-row' },
    bar,
    el('span', { class: `bar-label${over ? ' bad' : ''}` }, `${used.toFixed(1)}%`),
  );
}
