// Benchmark helpers: the median time of repeated rounds, and a plain-text table for the results.

/** Runs `round` `rounds` times after one warm-up run; returns the median duration in nanoseconds. */
export function medianNs(rounds: number, round: () => void): number {
  round();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    round();
    times.push(Number(process.hrtime.bigint() - start));
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

export const opsPerSecond = (operations: number, ns: number) => (operations * 1e9) / ns;

export const ms = (ns: number) => ns / 1e6;

/** Whole numbers with thousands separators, fractions to `digits` places. */
export function formatNumber(value: number, digits = 3): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

/** A left-aligned first column and right-aligned numbers, under a header and a rule. */
export function formatTable(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => (typeof row[c] === 'number' ? formatNumber(row[c] as number) : String(row[c] ?? ''))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((line) => line[i].length)));
  const render = (line: readonly string[]) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [render(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(render)].join('\n');
}

export const wantsJson = () => process.argv.includes('--json');
