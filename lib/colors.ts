// Node colours: an ordinal scale over the sorted node ids, so every render, tab and process agrees.
import { scaleOrdinal } from 'd3-scale';
import { schemeDark2, schemeTableau10 } from 'd3-scale-chromatic';

/** Red is kept out of the node palette: it marks under-replicated keys and down nodes. */
export const ALERT_COLOR = '#dc2626';
const PALETTE = [...schemeTableau10.filter((c) => c !== '#e15759'), ...schemeDark2.filter((c) => c !== '#d95f02')];

/** Ids in code-unit order, independent of locale, as the ring orders them. */
export function sortIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A colour per node id; ids outside the domain get a neutral grey rather than joining the scale. */
export function nodeColors(ids: Iterable<string>): (id: string) => string {
  const domain = sortIds(ids);
  const scale = scaleOrdinal<string, string>().domain(domain).range(PALETTE);
  const known = new Set(domain);
  return (id) => (known.has(id) ? scale(id) : '#9ca3af');
}
