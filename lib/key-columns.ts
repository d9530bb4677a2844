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

/** FNV-1a over the UTF-16 code units of text[start, end), finalised. */
function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  // FNV's low bits, the ones a table slot is taken from, mix poorly across keys that differ in a digit or two:
  // murmur3's finaliser spreads every bit over them.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** A copy of text[start, end) that does not keep `text` alive (a slice of a long string may be a view into it). */
function ownCopy(text: string, start: number, end: number): string {
  return end - start < 13 ? text.slice(start, end) : ('_' + text.slice(start, end)).slice(1);
}

/**
 * Marks columns made by any copy of this module: a server build may bundle it more than once (a route's chunk and
 * the cluster's), and an inventory made by one is read by another, where `instanceof` would say no.
 */
const COLUMNS: unique symbol = Symbol.for('ringside.key-columns');

export class KeyColumns {
  readonly [COLUMNS] = true;
  /** Every distinct key, in order of first listing; a key's number is its index here. */
  readonly keys: string[] = [];
  /**
   * An open-addressing table of key numbers, found by hashing the text where it lies (a whole
   * listing reply, say): a key already numbered costs no string of its own, where a Map would need one.
   */
  private slots: Int32Array | null = new Int32Array(2 << 12);
  private hashes = new Int32Array(1 << 11);
  /** Each key's text as listed: the key itself, or its encoding (see internRange). */
  private listed: string[] = [];
  private readonly columns = new Map<string, NodeColumn>();

  /** The number of `key`, given one when it is new. */
  intern(key: string): number {
    return this.internRange(key, 0, key.length);
  }

  /**
   * The number of the key listed as text[start, end), given one (and a copy of the text) when it is new.
   * With `decode`, the listed text is an encoding of the key (memcached's URL-encoding, one per key): keys
   * are then told apart by their listed text, and `decode` runs once per key, not once per holder. A table
   * is numbered either from keys or from one encoding of them, not both.
   */
  internRange(text: string, start: number, end: number, decode?: (listed: string) => string): number {
    const slots = this.slots;
    if (!slots) throw new Error('the key table is sealed');
    const length = end - start;
    const h = hashRange(text, start, end);
    // Each slot is a pair, key number plus one and its hash: a probe reads a key's text only when the hashes agree.
    const mask = (slots.length >> 1) - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const slot = slots[at * 2];
      if (slot === 0) break;
      if (slots[at * 2 + 1] !== h) continue;
      const listed = this.listed[slot - 1];
      if (listed.length === length && text.startsWith(listed, start)) return slot - 1;
    }
    const k = this.keys.length;
    const listed = ownCopy(text, start, end);
    this.listed.push(listed);
    this.keys.push(decode ? decode(listed) : listed);
    if (k === this.hashes.length) {
      const grown = new Int32Array(k * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[k] = h;
    // Kept at most half full, so probes stay short.
    if ((k + 1) * 2 > slots.length >> 1) this.rehash(slots.length * 2);
    else this.place(slots, k);
    return k;
  }

  private place(slots: Int32Array, k: number): void {
    const mask = (slots.length >> 1) - 1;
    let at = this.hashes[k] & mask;
    while (slots[at * 2] !== 0) at = (at + 1) & mask;
    slots[at * 2] = k + 1;
    slots[at * 2 + 1] = this.hashes[k];
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    for (let k = 0; k < this.keys.length; k++) this.place(slots, k);
    this.slots = slots;
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

  /** Adds a node's listing already numbered in this table (see scanMetadumpInto). */
  addColumn(node: string, column: NodeColumn): void {
    if (this.columns.has(node)) throw new Error(`node ${node} is listed already`);
    this.columns.set(node, column);
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

  /**
   * Ends the listing: the lookup table goes, and keys numbered but held by no node (a listing that failed
   * halfway, tombstones left out) are dropped, the others renumbered in order.
   */
  seal(): this {
    this.slots = null;
    this.hashes = new Int32Array(0);
    this.listed = [];
    const held = new Uint8Array(this.keys.length);
    for (const { ids } of this.columns.values()) for (let i = 0; i < ids.length; i++) held[ids[i]] = 1;
    if (held.every((h) => h === 1)) return this;
    const renumbered = new Int32Array(this.keys.length);
    let next = 0;
    for (let k = 0; k < this.keys.length; k++) {
      if (!held[k]) continue;
      renumbered[k] = next;
      this.keys[next++] = this.keys[k];
    }
    this.keys.length = next;
    for (const { ids } of this.columns.values()) for (let i = 0; i < ids.length; i++) ids[i] = renumbered[ids[i]];
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

/** Whether the inventory is columns (made by this copy of the module or another). */
export function isColumns(inventory: Inventory): inventory is KeyColumns {
  return (inventory as Partial<Record<typeof COLUMNS, boolean>>)[COLUMNS] === true;
}

/** The inventory as columns (converted when it is a record). */
export function columnsOf(inventory: Inventory): KeyColumns {
  return isColumns(inventory) ? inventory : KeyColumns.of(inventory);
}

/** The inventory as lists of entries, by node (converted when it is columns). */
export function recordOf(inventory: Inventory): Readonly<Record<string, readonly KeyEntry[]>> {
  return isColumns(inventory) ? inventory.toRecord() : inventory;
}

/** Every distinct key of the inventory. */
export function keysOf(inventory: Inventory): Set<string> {
  if (isColumns(inventory)) return new Set(inventory.keys);
  const keys = new Set<string>();
  for (const entries of Object.values(inventory)) for (const { key } of entries) keys.add(key);
  return keys;
}
