// Per-node key listings merged into one record per key, in flat arrays: at a million keys, a Map of
// per-key objects and holder arrays spent most of a move's planning time allocating and collecting them.

import { columnsOf, type Inventory } from './key-columns';

const INLINE = 4;

export class Holdings {
  /** Distinct keys, in order of first appearance. */
  readonly keys: readonly string[];
  /** Node ids as listed; holders are stored as indexes into it. */
  readonly nodes: readonly string[];
  private readonly exps: Float64Array;
  private readonly counts: Uint8Array;
  private readonly inline: Uint16Array;
  /** Holders beyond the first four (a key on more nodes than its list: strays after failures). */
  private readonly extra = new Map<number, number[]>();

  /** From columns no key is hashed again: their numbers are the keys' indexes here (a record is numbered first). */
  constructor(inventory: Inventory) {
    const columns = columnsOf(inventory);
    this.nodes = columns.nodes;
    this.keys = columns.keys;
    const size = this.keys.length;
    this.exps = new Float64Array(size).fill(NaN);
    this.counts = new Uint8Array(size);
    this.inline = new Uint16Array(size * INLINE);
    this.nodes.forEach((node, n) => {
      const { ids, exps } = columns.column(node)!;
      for (let i = 0; i < ids.length; i++) {
        const k = ids[i];
        const held = this.exps[k];
        const exp = exps[i];
        // A key that never expires on one holder must not gain an expiry by moving.
        this.exps[k] = held !== held ? exp : held === -1 || exp === -1 ? -1 : Math.max(held, exp);
        this.addHolder(k, n);
      }
    });
  }

  get size(): number {
    return this.keys.length;
  }

  /** The merged expiry of key `k`: the latest of its holders', -1 if any holder keeps it forever. */
  exp(k: number): number {
    return this.exps[k];
  }

  count(k: number): number {
    return this.extra.size === 0 || this.counts[k] < INLINE ? this.counts[k] : this.counts[k] + (this.extra.get(k)?.length ?? 0);
  }

  /** Whether node index `n` holds key `k`, without allocating. */
  holds(k: number, n: number): boolean {
    const base = k * INLINE;
    const inline = Math.min(this.counts[k], INLINE);
    for (let i = 0; i < inline; i++) if (this.inline[base + i] === n) return true;
    return inline === INLINE && (this.extra.get(k)?.includes(n) ?? false);
  }

  /** The ids of the nodes holding key `k`, in listing order. */
  holders(k: number): string[] {
    const ids: string[] = [];
    const base = k * INLINE;
    for (let i = 0; i < Math.min(this.counts[k], INLINE); i++) ids.push(this.nodes[this.inline[base + i]]);
    for (const n of this.extra.get(k) ?? []) ids.push(this.nodes[n]);
    return ids;
  }

  private addHolder(k: number, n: number): void {
    const count = this.counts[k];
    if (count < INLINE) {
      this.inline[k * INLINE + count] = n;
      this.counts[k] = count + 1;
    } else {
      const more = this.extra.get(k) ?? this.extra.set(k, []).get(k)!;
      more.push(n);
    }
  }
}
