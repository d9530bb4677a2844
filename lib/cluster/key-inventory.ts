import 'server-only';
// What every node holds, kept between calls: each node's last listing plus this process's writes since, listed again only when its counters say another wrote.
import { mapLimit } from '../concurrency';
import { KeyColumns, pickItems, type KeyEntry, type NodeColumn } from '../key-columns';
import { countersOf, explains, type KeyWrite, type LedgerPosition, type ServerCounters, type WriteLedger } from '../memcached/write-ledger';
import type { NodePool } from './node-pool';

/** Listings at once: each reply is held whole, as bytes and then as text, while it is read. */
const LISTINGS_IN_FLIGHT = 16;
/** Keys a node's ledger records between two looks at it, beyond which the node is listed again instead. */
const MIN_TRACKED = 10_000;

/** A node's keys as last known (its column, in the table: its listing with this process's writes since folded in), and the counters that vouch for it. */
interface Book {
  ledger: WriteLedger;
  counters: ServerCounters;
  /** Where the ledger stood when `counters` were read. */
  mark: LedgerPosition;
  /** False when writes were in flight while `counters` were read: they vouch for nothing, the next look lists again. */
  exact: boolean;
  tombstones: Map<string, number>;
  /** The earliest expiry held (Infinity: none): past it, expired items are dropped. */
  nextExpiry: number;
}

export interface InventoryView {
  inventory: KeyColumns;
  /** Deletes each node keeps (tombstones): never keys. */
  tombstones: Record<string, KeyEntry[]>;
  unreachable: string[];
  /** The nodes listed again for this view (the others' books were vouched for by their counters). */
  listed: string[];
}

export class KeyInventory {
  private readonly table = new KeyColumns();
  private readonly books = new Map<string, Book>();
  /** One look at a time: two at once would list the same nodes twice and race on their books. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Counts changes to the columns and tombstones, so an unchanged inventory is handed out again, not rebuilt. */
  private changes = 0;
  private last: { signature: string; view: InventoryView } | null = null;

  constructor(private readonly pool: NodePool) {}

  /**
   * What the nodes `ids` hold now. A node is listed again when its book cannot be vouched for: `stats` read with none
   * of this process's writes in flight must show exactly the writes its ledger answered since the book's counters
   * (and nothing in doubt); else another client wrote, or memcached dropped something, or the server restarted.
   * `fresh` lists every node whatever the counters say; `withCas` does too, and the view it returns carries each
   * item's CAS for a move's plan (the kept inventory does not: at a million keys on three replicas that column is
   * 24 MB nothing else reads). Suspect copies are left out, as `isSuspect` says.
   */
  current(ids: readonly string[], { fresh = false, withCas = false }: { fresh?: boolean; withCas?: boolean } = {}): Promise<InventoryView> {
    const run = this.queue.then(() => this.look(ids, fresh || withCas, withCas));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async look(ids: readonly string[], fresh: boolean, withCas: boolean): Promise<InventoryView> {
    for (const id of this.books.keys()) if (this.pool.ledger(id) !== this.books.get(id)!.ledger) this.forget(id);
    const unreachable: string[] = [];
    const stale = fresh ? [...ids] : [];
    if (!fresh) {
      await Promise.all(
        ids.map(async (id) => {
          const vouched = await this.vouch(id);
          if (vouched === 'unreachable') unreachable.push(id);
          else if (!vouched) stale.push(id);
        }),
      );
    }
    await mapLimit(stale, LISTINGS_IN_FLIGHT, async (id) => {
      if (!(await this.list(id, withCas))) unreachable.push(id);
    });
    const now = Date.now() / 1000;
    const reachable = ids.filter((id) => !unreachable.includes(id) && this.books.has(id));
    for (const id of reachable) this.dropExpired(id, this.books.get(id)!, now);
    const listed = stale.filter((id) => !unreachable.includes(id)).sort();
    // Views are sealed and never changed: the last one serves again while nothing changed (suspect marks aside).
    const signature = `${this.changes}|${reachable.join(',')}`;
    const plain = reachable.every((id) => this.pool.suspectCount(id) === 0);
    if (plain && this.last?.signature === signature) return { ...this.last.view, unreachable: unreachable.sort(), listed };
    if (this.table.unheld() > Math.max(50_000, this.table.keys.length / 2)) this.table.compact();
    const columns = reachable.map((id) => [id, this.trusted(id, this.table.column(id)!)] as const);
    const tombstones: Record<string, KeyEntry[]> = {};
    for (const id of reachable) {
      tombstones[id] = [];
      for (const [key, exp] of this.books.get(id)!.tombstones) if (!this.pool.isSuspect(id, key)) tombstones[id].push({ key, exp });
    }
    const view = { inventory: KeyColumns.view(this.table, columns), tombstones, unreachable: unreachable.sort(), listed };
    // The view keeps the columns it was given; the table, kept for later looks, goes on without their CAS.
    if (withCas) this.table.forgetCas();
    this.last = plain && !withCas ? { signature, view } : null;
    return view;
  }

  /** Whether the node's book still shows what it holds (this process's writes since folded in); 'unreachable' when `stats` fails. */
  private async vouch(id: string): Promise<boolean | 'unreachable'> {
    const book = this.books.get(id);
    const ledger = this.pool.ledger(id);
    if (!book || !ledger || !book.exact) return false;
    const before = ledger.position();
    const outcome = await this.pool.call(id, (client) => client.stats());
    if (!outcome.ok) return 'unreachable';
    const after = ledger.position();
    // A write in flight while the counters were read may or may not be in them: they vouch for nothing.
    if (before.sent !== before.settled || after.sent !== before.sent) return false;
    const seen = countersOf(outcome.value);
    if (!explains(book.counters, book.mark, seen, after)) return false;
    const changes = ledger.take(this.limitOf(this.table.column(id)));
    if (!changes) return false;
    this.fold(id, book, changes);
    Object.assign(book, { counters: seen, mark: after });
    return true;
  }

  /** Lists the node afresh into its book (`withCas`: with each item's CAS, for a move's plan); false when it cannot be listed. */
  private async list(id: string, withCas: boolean): Promise<boolean> {
    const ledger = this.pool.ledger(id);
    if (!ledger) return false;
    // Recorded from before the listing's `stats`: every write answered after them is folded in over the listing.
    ledger.take(this.limitOf(this.table.column(id)));
    const before = ledger.position();
    let at: { stats: Record<string, string>; position: LedgerPosition } | null = null;
    const onStats = (stats: Record<string, string>) => (at = { stats, position: ledger.position() });
    const outcome = await this.pool.call(id, (client) => client.listingInto(this.table, { onStats, withCas }));
    if (!outcome.ok || !at) {
      this.forget(id);
      return false;
    }
    const { stats, position } = at as { stats: Record<string, string>; position: LedgerPosition };
    const { column, tombstones } = outcome.value;
    const book: Book = {
      ledger,
      counters: countersOf(stats),
      mark: position,
      exact: before.sent === before.settled && position.sent === before.sent,
      tombstones: new Map(tombstones.map(({ key, exp }) => [key, exp])),
      nextExpiry: Infinity,
    };
    this.books.set(id, book);
    this.table.replaceColumn(id, column);
    this.changes++;
    const changes = ledger.take(this.limitOf(column));
    if (changes) this.fold(id, book, changes);
    else book.exact = false;
    book.nextExpiry = this.earliestExpiry(id, book);
    return true;
  }

  /** This process's writes since the book, applied: each key as its last write left it. */
  private fold(id: string, book: Book, changes: ReadonlyMap<string, KeyWrite>): void {
    if (changes.size === 0) return;
    const changed = new Map<number, KeyWrite>();
    for (const [key, write] of changes) {
      changed.set(this.table.intern(key), write);
      if (write.kind === 'tombstone') book.tombstones.set(key, write.exp);
      else book.tombstones.delete(key);
      if (write.kind !== 'gone' && write.exp !== -1) book.nextExpiry = Math.min(book.nextExpiry, write.exp);
    }
    const column = this.table.column(id)!;
    const kept: number[] = [];
    for (let i = 0; i < column.ids.length; i++) if (!changed.has(column.ids[i])) kept.push(i);
    const written = [...changed].filter(([, write]) => write.kind === 'value');
    const listed = pickItems(column, kept);
    const ids = new Int32Array(kept.length + written.length);
    const exps = new Float64Array(ids.length);
    // The CAS of a key written since the listing is not known (0): deletes of it are not conditional on one.
    const cas = listed.cas ? new Float64Array(ids.length) : undefined;
    ids.set(listed.ids);
    exps.set(listed.exps);
    if (listed.cas) cas!.set(listed.cas);
    written.forEach(([k, write], i) => {
      ids[kept.length + i] = k;
      exps[kept.length + i] = write.exp;
    });
    this.table.replaceColumn(id, cas ? { ids, exps, cas } : { ids, exps });
    this.changes++;
  }

  /** Items expired since the book was made, dropped as a listing would leave them out. */
  private dropExpired(id: string, book: Book, now: number): void {
    if (book.nextExpiry > now) return;
    const column = this.table.column(id)!;
    const live: number[] = [];
    for (let i = 0; i < column.ids.length; i++) if (column.exps[i] === -1 || column.exps[i] > now) live.push(i);
    if (live.length < column.ids.length) this.table.replaceColumn(id, pickItems(column, live));
    for (const [key, exp] of book.tombstones) if (exp !== -1 && exp <= now) book.tombstones.delete(key);
    this.changes++;
    book.nextExpiry = this.earliestExpiry(id, book);
  }

  private earliestExpiry(id: string, book: Book): number {
    let earliest = Infinity;
    for (const exp of this.table.column(id)?.exps ?? []) if (exp !== -1 && exp < earliest) earliest = exp;
    for (const exp of book.tombstones.values()) if (exp !== -1 && exp < earliest) earliest = exp;
    return earliest;
  }

  /** The node's column less its suspect copies (they may be stale, or deleted elsewhere). */
  private trusted(id: string, column: NodeColumn): NodeColumn {
    if (this.pool.suspectCount(id) === 0) return column;
    const keep: number[] = [];
    for (let i = 0; i < column.ids.length; i++) if (!this.pool.isSuspect(id, this.table.keys[column.ids[i]])) keep.push(i);
    return pickItems(column, keep);
  }

  private limitOf(column: NodeColumn | undefined): number {
    return Math.max(MIN_TRACKED, (column?.ids.length ?? 0) >> 2);
  }

  private forget(id: string): void {
    this.books.get(id)?.ledger.untrack();
    this.books.delete(id);
    this.table.dropColumn(id);
    this.changes++;
  }
}
