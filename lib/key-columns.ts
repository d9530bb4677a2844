// A whole cluster's listings as columns: each distinct key's text once, and per node typed arrays of key numbers and expiries.
// At a million keys on three replicas, an object per listed item (and the same key's text once per holder) was most of the process's memory.

/** A key as a node reports it: `exp` is an absolute unix time in seconds, or -1 for never. */
export interface KeyEntry {
  key: string;
  exp: number;
}

/** One node's listing: `ids[i]` numbers a key of the table, held until `exps[i]`. */
export interface NodeColumn {
  readonly ids: Int32Array;
  readonly exps: Float64Array;
}

export class KeyColumns {
  /** Every distinct key, in order of first listing; a key's number is its index here. */
  readonly keys: string[] = [];
  private index: Map<string, number> | null = new Map();
  private readonly columns = new Map<string, NodeColumn>();

  /** The number of `key`, given one when it is new. */
  intern(key: string): number {
    if (!this.index) throw new Error('the key table is sealed');
    let k = this.index.get(key);
    if (k === undefined) {
      k = this.keys.length;
      this.index.set(key, k);
      this.keys.push(key);
    }
    return k;
  }

  /** Adds a node's listing, once per node; each key is numbered as it comes. */
  setNode(node: string, entries: readonly KeyEntry[]): void {
    if (this.columns.has(node)) throw new Error(`node ${node} is listed already`);
    const ids = new Int32Array(entries.length);
    const exps = new Float64Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      ids[i] = this.intern(entries[i].key);
      exps[i] = entries[i].exp;
    }
    this.columns.set(node, { ids, exps });
  }

  /** The listed nodes, in the order they were added. */
  get nodes(): string[] {
    return [...this.columns.keys()];
  }

  column(node: string): NodeColumn | undefined {
    return this.columns.get(node);
  }

  /** Items listed on every node together. */
  get items(): number {
    let total = 0;
    for (const { ids } of this.columns.values()) total += ids.length;
    return total;
  }

  /** A node's listing as entries (for small and rare paths: each is an object). */
  entries(node: string): KeyEntry[] {
    const column = this.columns.get(node);
    if (!column) return [];
    return Array.from(column.ids, (k, i) => ({ key: this.keys[k], exp: column.exps[i] }));
  }

  /** Every listing as entries, by node. */
  toRecord(): Record<string, KeyEntry[]> {
    return Object.fromEntries(this.nodes.map((node) => [node, this.entries(node)]));
  }

  /** The key table is only needed while listings are added: once they are in, it can go. */
  seal(): this {
    this.index = null;
    return this;
  }

  static of(record: Readonly<Record<string, readonly KeyEntry[]>>): KeyColumns {
    const columns = new KeyColumns();
    for (const [node, entries] of Object.entries(record)) columns.setNode(node, entries);
    return columns;
  }
}

/** What each node holds, by node id: as columns, or as lists of entries. Nodes absent from it are unknown, not empty. */
export type Inventory = KeyColumns | Readonly<Record<string, readonly KeyEntry[]>>;

/** The inventory as columns (converted when it is a record). */
export function columnsOf(inventory: Inventory): KeyColumns {
  return inventory instanceof KeyColumns ? inventory : KeyColumns.of(inventory);
}

/** The inventory as lists of entries, by node (converted when it is columns). */
export function recordOf(inventory: Inventory): Readonly<Record<string, readonly KeyEntry[]>> {
  return inventory instanceof KeyColumns ? inventory.toRecord() : inventory;
}

/** Every distinct key of the inventory. */
export function keysOf(inventory: Inventory): Set<string> {
  if (inventory instanceof KeyColumns) return new Set(inventory.keys);
  const keys = new Set<string>();
  for (const entries of Object.values(inventory)) for (const { key } of entries) keys.add(key);
  return keys;
}
