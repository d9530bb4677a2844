// Horizontal bar charts as standalone SVG text, for docs/benchmarks.md: d3-scale places the bars, the text is ours.
import { scaleBand, scaleLinear } from 'd3-scale';

export interface Bar {
  label: string;
  value: number;
  /** Shown at the bar's end instead of the bare value. */
  text?: string;
  /** Ringside's own bars are drawn in the accent colour, peers in grey. */
  ours?: boolean;
}

export interface Chart {
  title: string;
  /** What the axis measures, e.g. "lookups per second". */
  unit: string;
  bars: Bar[];
  /** A reference line, e.g. the theoretical minimum or a goal. */
  marker?: { value: number; label: string };
}

const WIDTH = 760;
const LABEL = 250;
const ROW = 26;
const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function barChart({ title, unit, bars, marker }: Chart): string {
  const top = 44;
  const height = top + bars.length * ROW + 34;
  const max = Math.max(...bars.map((b) => b.value), marker?.value ?? 0) * 1.3 || 1;
  const x = scaleLinear()
    .domain([0, max])
    .range([LABEL, WIDTH - 20]);
  const y = scaleBand<number>()
    .domain(bars.map((_, i) => i))
    .range([top, top + bars.length * ROW])
    .padding(0.2);
  const rows = bars.map((bar, i) => {
    const at = Number(y(i)!.toFixed(1));
    const middle = (at + y.bandwidth() / 2).toFixed(1);
    const end = x(bar.value);
    return [
      `<text x="${LABEL - 8}" y="${middle}" text-anchor="end" dominant-baseline="middle">${escape(bar.label)}</text>`,
      `<rect x="${LABEL}" y="${at}" width="${Math.max(1, end - LABEL).toFixed(1)}" height="${y.bandwidth().toFixed(1)}" fill="${bar.ours ? '#0369a1' : '#94a3b8'}"/>`,
      `<text x="${(end + 6).toFixed(1)}" y="${middle}" dominant-baseline="middle">${escape(bar.text ?? formatValue(bar.value))}</text>`,
    ].join('');
  });
  const line = marker
    ? `<line x1="${x(marker.value).toFixed(1)}" x2="${x(marker.value).toFixed(1)}" y1="${top - 6}" y2="${top + bars.length * ROW}" stroke="#b91c1c" stroke-dasharray="4 3"/><text x="${(x(marker.value) + 4).toFixed(1)}" y="${top - 10}" fill="#b91c1c">${escape(marker.label)}</text>`
    : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif" font-size="13" role="img" aria-label="${escape(title)}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${escape(title)}</text>`,
    ...rows,
    line,
    `<text x="${LABEL}" y="${height - 10}" fill="#475569">${escape(unit)}</text>`,
    `</svg>`,
  ].join('\n');
}

function formatValue(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
