// Small SVG charts of hourly figures, drawn without a library: the page has no build step and its
// Content-Security-Policy allows no inline style, so shapes get classes (panels.css) and attributes only.
const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 170;
const PAD = { left: 64, right: 8, top: 10, bottom: 22 };
const HOUR_MS = 3_600_000;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** 1, 2 or 5 times a power of ten, at least `value`: a y-axis top that reads well. */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value);
}

const dayLabel = (ms) => new Date(ms).toISOString().slice(5, 10);
const hourLabel = (iso) => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Draws `points` ({ hour, value }, value null where nothing was sampled) into `container` as bars or as an
 * area, with a y axis in `format`, day ticks at midnight UTC, an optional vertical marker
 * ({ at, label }), and `emptyText` over the axes while no hour has a value. `describe(point)` is each
 * hour's tooltip; `minTop` the least top of the y axis. The container's data-points says how many hours had a value (for tests and screen readers).
 */
export function drawHourlyChart(
  container,
  { points, kind, format, describe, marker, emptyText, title, minTop = 1 },
) {
  const known = points.filter((p) => p.value !== null && p.value !== undefined);
  // At least `minTop`, so that a quiet week reads 0 to 10 files, not 0, 0.5 and 1.
  const top = niceCeiling(Math.max(minTop, ...known.map((p) => p.value)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const start = points.length ? new Date(points[0].hour).getTime() : Date.now();
  const slot = plotW / Math.max(1, points.length);
  const x = (ms) => PAD.left + ((ms - start) / HOUR_MS) * slot;
  const y = (v) => PAD.top + plotH - (Math.max(0, v) / top) * plotH;

  const grid = [0, top / 2, top].map((v) => [
    svg('line', { class: 'chart-grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
    svg('text', { class: 'chart-label', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)),
  ]);
  const days = [];
  for (
    let ms = Math.ceil(start / 86_400_000) * 86_400_000;
    ms < start + points.length * HOUR_MS;
    ms += 86_400_000
  )
    days.push(
      svg('line', { class: 'chart-day', x1: x(ms), x2: x(ms), y1: PAD.top, y2: PAD.top + plotH }),
      svg('text', { class: 'chart-label', x: x(ms) + 3, y: HEIGHT - 6 }, dayLabel(ms)),
    );

  let shapes;
  if (kind === 'bars') {
    shapes = known
      .filter((p) => p.value > 0)
      .map((p) => {
        const left = x(new Date(p.hour).getTime());
        return svg(
          'rect',
          {
            class: 'chart-bar',
            x: left + 0.5,
            y: y(p.value),
            width: Math.max(1, slot - 1),
            height: PAD.top + plotH - y(p.value),
          },
          svg('title', {}, `${hourLabel(p.hour)}: ${describe(p)}`),
        );
      });
  } else {
    // One area per run of sampled hours: a gap in the samples is a gap in the line, not a slope.
    const runs = [];
    let run = [];
    for (const p of points) {
      if (p.value === null || p.value === undefined) {
        if (run.length) runs.push(run);
        run = [];
      } else run.push(p);
    }
    if (run.length) runs.push(run);
    shapes = runs.map((r) => {
      const xy = r.map((p) => [x(new Date(p.hour).getTime()) + slot / 2, y(p.value)]);
      const line = xy.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
      const base = y(0).toFixed(1);
      const area = `${line} L${xy.at(-1)[0].toFixed(1)},${base} L${xy[0][0].toFixed(1)},${base} Z`;
      return svg(
        'g',
        {},
        svg('path', { class: 'chart-area', d: area }),
        svg('path', { class: 'chart-line', d: line }),
        r.map((p, i) =>
          svg(
            'circle',
            { class: 'chart-point', cx: xy[i][0], cy: xy[i][1], r: 2.5 },
            svg('title', {}, `${hourLabel(p.hour)}: ${describe(p)}`),
          ),
        ),
      );
    });
  }

  const overlay = [];
  if (marker) {
    const mx = Math.max(PAD.left, x(new Date(marker.at).getTime()));
    overlay.push(
      svg('line', {
        class: 'chart-marker',
        x1: mx,
        x2: mx,
        y1: PAD.top,
        y2: PAD.top + plotH,
        'data-testid': 'chart-marker',
      }),
      svg(
        'text',
        { class: 'chart-marker-label', x: mx - 4, y: PAD.top + 12, 'text-anchor': 'end' },
        marker.label,
      ),
    );
  }
  if (!known.length)
    overlay.push(
      svg(
        'text',
        { class: 'chart-empty', x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, 'text-anchor': 'middle' },
        emptyText,
      ),
    );

  const chart = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'chart' },
    svg('title', {}, title),
    grid,
    days,
    svg('line', { class: 'chart-axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
    shapes,
    overlay,
  );
  container.replaceChildren(chart);
  container.dataset.points = String(known.length);
}
