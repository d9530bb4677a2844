// A whole cluster's listings as columns: each distinct key's text once, and per node typed arrays of key numbers and expiries.
// At a million keys on three replicas, an object per listed item (and the same key's text once per holder) was most of the process's memory.
import { KeyTable } from './key-table';

/** A key as a node reports it: `exp` is an absolute unix time in seconds, or -1 for never; `cas` its item's CAS when known. */
export interface KeyEntry {
  key: string;
  exp: number;
  cas?: number;
}

/**
 * One node's listing: `ids[i]` numbers a key of the table, held until `exps[i]`. `cas[i]` is the item's CAS as listed
 * (0: unknown, as for a key this process wrote since, or one of 2^52 or more); a column without `cas` knows none.
 */
export interface NodeColumn {
  readonly ids: Int32Array;
  readonly exps: Float64Array;
  readonly cas?: Float64Array;
}

/**
 * Marks columns made by any copy of this module: a server build may bundle it more than once (a route's chunk and
 * the cluster's), and an inventory made by one is read by another, where `instanceof` would say no.
 */
const COLUMNS: unique symbol = Symbol.for('ringside.key-columns');

/** The key table with each node's listing as a column of its key numbers (see ./key-table). */
export class KeyColumns extends KeyTable {
  readonly [COLUMNS] = true;
  private readonly columns = new Map<string, NodeColumn>();

  /** Adds a node's listing, once per node; each key is numbered as it comes. */
  setNode(node: string, entries: readonly KeyEntry[]): void {
    if (this.columns.has(node)) throw new Error(`node ${node} is listed already`);
    const ids = new Int32Array(entries.length);
    const exps = new Float64Array(entries.length);
    const cas = entries.some((entry) => entry.cas !== undefined) ? new Float64Array(entries.length) : undefined;
    for (let i = 0; i < entries.length; i++) {
      ids[i] = this.intern(entries[i].key);
      exps[i] = entries[i].exp;
      if (cas) cas[i] = entries[i].cas ?? 0;
    }
    this.columns.set(node, cas ? { ids, exps, cas } : { ids, exps });
  }

  /** Adds a node's listing already numbered in this table (see scanMetadumpInto). */
  addColumn(node: string, column: NodeColumn): void {
    if (this.columns.has(node)) throw new Error(`node ${node} is listed already`);
    this.columns.set(node, column);
  }

  /** Sets a node's column in a table kept between listings; the arrays are never changed in place afterwards. */
  replaceColumn(node: string, column: NodeColumn): void {
    this.columns.set(node, column);
  }

  /** Drops every column's listed CAS (views made before keep theirs). */
  forgetCas(): void {
    for (const [node, { ids, exps, cas }] of this.columns) if (cas) this.columns.set(node, { ids, exps });
  }

  dropColumn(node: string): void {
    this.columns.delete(node);
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
    const renumbered = this.renumbering([...this.columns.values()]);
    if (!renumbered) return this;
    this.keys = this.keptKeys(renumbered);
    this.ringPositions = this.keptPositions(renumbered);
    for (const { ids } of this.columns.values()) for (let i = 0; i < ids.length; i++) ids[i] = renumbered[ids[i]];
    return this;
  }

  /**
   * Drops the keys no column holds any more from a table kept between listings, renumbering the others. Columns get
   * new arrays: a view (KeyColumns.view) made earlier keeps the ones it has.
   */
  compact(): void {
    const renumbered = this.renumbering([...this.columns.values()]);
    if (!renumbered) return;
    this.keys = this.keptKeys(renumbered);
    this.hashes = Int32Array.from(this.hashes.subarray(0, renumbered.length).filter((_, k) => renumbered[k] >= 0));
    this.ringPositions = this.keptPositions(renumbered);
    for (const [node, column] of this.columns) this.columns.set(node, { ...column, ids: column.ids.map((k) => renumbered[k]) });
    this.rehash(Math.max(2 << 12, 2 << Math.ceil(Math.log2(this.keys.length * 2 + 1))));
  }

  /** Unheld keys of this table, with the given columns as the only holders. */
  unheld(columns: Iterable<NodeColumn> = this.columns.values()): number {
    const held = new Uint8Array(this.keys.length);
    for (const { ids } of columns) for (let i = 0; i < ids.length; i++) held[ids[i]] = 1;
    let none = 0;
    for (let k = 0; k < held.length; k++) none += 1 - held[k];
    return none;
  }

  /** Each key's new number, -1 for a key no column holds; null when every key is held. */
  private renumbering(columns: readonly NodeColumn[]): Int32Array | null {
    const renumbered = new Int32Array(this.keys.length).fill(-1);
    for (const { ids } of columns) for (let i = 0; i < ids.length; i++) renumbered[ids[i]] = 0;
    let next = 0;
    for (let k = 0; k < renumbered.length; k++) if (renumbered[k] === 0) renumbered[k] = next++;
    return next === renumbered.length ? null : renumbered;
  }

  private keptKeys(renumbered: Int32Array): string[] {
    return this.keys.filter((_, k) => renumbered[k] >= 0);
  }

  private keptPositions(renumbered: Int32Array): Uint32Array {
    return this.ringPositions.subarray(0, renumbered.length).filter((_, k) => renumbered[k] >= 0);
  }

  /**
   * A sealed inventory of `columns` numbered in `table`, for a caller to keep: its own key list (the keys those
   * columns hold, renumbered when others are left out) and positions; the table goes on changing without it.
   */
  static view(table: KeyColumns, columns: Iterable<readonly [string, NodeColumn]>): KeyColumns {
    const chosen = [...columns];
    const view = new KeyColumns();
    view.slots = null;
    view.hashes = new Int32Array(0);
    const renumbered = table.renumbering(chosen.map(([, column]) => column));
    view.keys = renumbered ? table.keptKeys(renumbered) : table.keys.slice();
    view.ringPositions = renumbered ? table.keptPositions(renumbered) : table.positions.slice();
    for (const [node, column] of chosen) view.columns.set(node, renumbered ? { ...column, ids: column.ids.map((k) => renumbered[k]) } : column);
    return view;
  }

  static of(record: Readonly<Record<string, readonly KeyEntry[]>>): KeyColumns {
    const columns = new KeyColumns();
    for (const [node, entries] of Object.entries(record)) columns.setNode(node, entries);
    return columns;
  }
}

/** The items of `column` at `indices`, in that order (a copy: columns are never changed in place). */
export function pickItems(column: NodeColumn, indices: ArrayLike<number>): NodeColumn {
  const ids = Int32Array.from(indices, (i) => column.ids[i]);
  const exps = Float64Array.from(indices, (i) => column.exps[i]);
  const cas = column.cas;
  return cas ? { ids, exps, cas: Float64Array.from(indices, (i) => cas[i]) } : { ids, exps };
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
