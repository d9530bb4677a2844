// What the move planner reads of the key columns after its first pass: the wanted keys' holders and merged expiry, and the CAS a conditional delete was listed with.
import type { KeyColumns } from './key-columns';
import type { DeleteStep } from './plan';

/**
 * Gives each delete of a copy on its key's new list the CAS its node listed it with. The listings are taken while
 * writes go on: a copy written after its node was listed (by any process, to both lists while the change runs) must
 * not be deleted for what the listing saw, and the CAS makes the delete say so to memcached.
 */
export function addListedCas(columns: KeyColumns, steps: readonly { k: number; step: DeleteStep }[]): void {
  const byNode = new Map<string, Map<number, DeleteStep>>();
  for (const { k, step } of steps) {
    let wanted = byNode.get(step.from);
    if (!wanted) byNode.set(step.from, (wanted = new Map()));
    wanted.set(k, step);
  }
  for (const [node, wanted] of byNode) {
    const { ids, cas } = columns.column(node)!;
    if (!cas) continue;
    for (let i = 0; i < ids.length; i++) {
      const step = wanted.get(ids[i]);
      if (step && cas[i] > 0) step.cas = cas[i];
    }
  }
}

/**
 * The holders (in listing order) and merged expiry of the keys `slots` numbers (-1: not wanted), gathered in one pass
 * over the columns. A key that never expires on one holder must not gain an expiry by moving: -1 wins, else the latest.
 */
export function gatherHolders(columns: KeyColumns, slots: Int32Array, counts: (k: number) => number, wanted: number): (k: number) => { holders: string[]; exp: number } {
  const starts = new Int32Array(wanted + 1);
  for (let k = 0; k < slots.length; k++) if (slots[k] >= 0) starts[slots[k] + 1] = counts(k);
  for (let s = 0; s < wanted; s++) starts[s + 1] += starts[s];
  const filled = starts.slice(0, wanted);
  const nodes = columns.nodes;
  const found = new Uint16Array(starts[wanted]);
  const exps = new Float64Array(wanted).fill(NaN);
  for (let n = 0; n < nodes.length; n++) {
    const column = columns.column(nodes[n])!;
    for (let i = 0; i < column.ids.length; i++) {
      const s = slots[column.ids[i]];
      if (s < 0) continue;
      found[filled[s]++] = n;
      const merged = exps[s];
      const exp = column.exps[i];
      exps[s] = merged !== merged ? exp : merged === -1 || exp === -1 ? -1 : Math.max(merged, exp);
    }
  }
  return (k) => ({ holders: Array.from(found.subarray(starts[slots[k]], starts[slots[k] + 1]), (n) => nodes[n]), exp: exps[slots[k]] });
}
