// Node colours: an ordinal scale over the node ids in natural order, so every render, tab and process agrees.
import { scaleOrdinal } from 'd3-scale';
import { schemeDark2, schemeTableau10 } from 'd3-scale-chromatic';

/** Red is kept out of the node palette: it marks under-replicated keys and down nodes. */
export const ALERT_COLOR = '#dc2626';
const PALETTE = [...schemeTableau10.filter((c) => c !== '#e15759'), ...schemeDark2.filter((c) => c !== '#d95f02')];

/** Digit runs compare as numbers, the rest by code unit: independent of locale, and node-2 comes before node-10. */
function compareNatural(a: string, b: string): number {
  const runs = /\d+|\D+/g;
  const x = a.match(runs) ?? [];
  const y = b.match(runs) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const digits = /^\d/.test(x[i]) && /^\d/.test(y[i]);
    const order = digits ? Number(x[i]) - Number(y[i]) || x[i].length - y[i].length : x[i] < y[i] ? -1 : 1;
    if (order !== 0) return order;
  }
  return x.length - y.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Ids in natural order, so a node added as node-11 takes the next colour and every other node keeps its own. */
export function sortIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort(compareNatural);
}

/** A colour per node id; ids outside the domain get a neutral grey rather than joining the scale. */
export function nodeColors(ids: Iterable<string>): (id: string) => string {
  const domain = sortIds(ids);
  const scale = scaleOrdinal<string, string>().domain(domain).range(PALETTE);
  const known = new Set(domain);
  return (id) => (known.has(id) ? scale(id) : '#9ca3af');
}
