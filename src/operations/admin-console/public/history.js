// The overview's two charts: what was made safe per hour over the last week, and the backlog.
import { gql } from './api.js';
import { drawHourlyChart } from './charts.js';
import { byTestId, formatBytes, formatClock, formatCount, formatTime } from './dom.js';

const QUERY = `{
  history(days: 7) {
    hours { hour filesMadeSafe bytesMadeSafe backlogFiles backlogBytes }
    rate { filesPerHour bytesPerSecond windowSeconds }
    stalledSince
    stalled
  }
}`;

const EMPTY = 'no samples yet: the managers take one every minute';

export async function refreshHistory() {
  const { history } = await gql(QUERY);
  const marker = history.stalledSince
    ? { at: history.stalledSince, label: `stalled since ${formatClock(history.stalledSince)}` }
    : null;
  drawHourlyChart(byTestId('chart-safe'), {
    title: 'Bytes made safe per hour, last 7 days',
    kind: 'bars',
    points: history.hours.map((h) => ({ ...h, value: h.bytesMadeSafe })),
    format: formatBytes,
    minTop: 1e6,
    describe: (h) => `${formatBytes(h.bytesMadeSafe)} in ${formatCount(h.filesMadeSafe)} files made safe`,
    marker,
    emptyText: EMPTY,
  });
  drawHourlyChart(byTestId('chart-backlog'), {
    title: 'Files not yet safe, last 7 days',
    kind: 'area',
    points: history.hours.map((h) => ({ ...h, value: h.backlogFiles })),
    format: (v) => formatCount(Math.round(v)),
    minTop: 10,
    describe: (h) => `${formatCount(h.backlogFiles)} files (${formatBytes(h.backlogBytes)}) not yet safe`,
    marker,
    emptyText: EMPTY,
  });
  const rate = history.rate;
  byTestId('chart-safe-rate').textContent = rate
    ? `now ${formatBytes(rate.bytesPerSecond * 3600)}/h · ${formatCount(Math.round(rate.filesPerHour))} files/h`
    : 'no rate yet';
  const latest = [...history.hours].reverse().find((h) => h.backlogFiles !== null);
  byTestId('chart-backlog-now').textContent = latest
    ? `now ${formatCount(latest.backlogFiles)} files · ${formatBytes(latest.backlogBytes)}`
    : 'no samples yet';
  const stall = byTestId('chart-stalled');
  stall.hidden = !history.stalledSince;
  stall.textContent = history.stalledSince
    ? `Stalled since ${formatTime(history.stalledSince)}: ${history.stalled.join(', ')} (open work that has not moved for over an hour).`
    : '';
}
