// Per-node key listings merged into one record per key, in flat arrays: at a million keys, a Map of
// per-key objects and holder arrays spent most of a move's planning time allocating and collecting them.

/** What each node holds, by node id: `exp` is an absolute unix time in seconds, or -1 for never. */
export type Listing = Readonly<Record<string, readonly { key: string; exp: number }[]>>;

const INLINE = 4;

export class Holdings {
  /** Distinct keys, in order of first appearance. */
  readonly keys: string[] = [];
  /** Node ids as listed; holders are stored as indexes into it. */
  readonly nodes: readonly string[];
  private readonly exps: Float64Array;
  private readonly counts: Uint8Array;
  private readonly inline: Uint16Array;
  /** Holders beyond the first four (a key on more nodes than its list: strays after failures). */
  private readonly extra = new Map<number, number[]>();

  constructor(listing: Listing) {
    this.nodes = Object.keys(listing);
    const total = this.nodes.reduce((sum, node) => sum + listing[node].length, 0);
    this.exps = new Float64Array(total);
    this.counts = new Uint8Array(total);
    this.inline = new Uint16Array(total * INLINE);
    // The Map hashes each key string once, natively; per-key records live in flat arrays, so a million
    // keys cost a few typed arrays instead of a million objects for the collector to trace.
    const index = new Map<string, number>();
    this.nodes.forEach((node, n) => {
      for (const { key, exp } of listing[node]) {
        let k = index.get(key);
        if (k === undefined) {
          k = this.keys.length;
          index.set(key, k);
          this.keys.push(key);
          this.exps[k] = exp;
        } else {
          const held = this.exps[k];
          // A key that never expires on one holder must not gain an expiry by moving.
          this.exps[k] = held === -1 || exp === -1 ? -1 : Math.max(held, exp);
        }
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
