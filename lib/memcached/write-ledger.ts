// What this process wrote to one memcached server: the counts `stats` must show for them, and what each write left of its key.
import { decodeItem, TOMBSTONE_FLAGS } from '../envelope';
import { RESERVED_PREFIX } from './metadump';

/** A key as one of this process's writes left it, as a listing would show it: a value or a delete until `exp` (-1: never), or nothing. */
export interface KeyWrite {
  kind: 'value' | 'tombstone' | 'gone';
  exp: number;
}

/**
 * How far the ledger is: mutating commands sent and settled (answered or failed), and of the answered ones the
 * stores (memcached's `cmd_set`, every store command answered, stored or not) and deletes (`delete_hits` plus
 * `delete_misses`). `doubts` counts writes whose effect on the server is unknown: no answer, a refusal, a flush.
 */
export interface LedgerPosition {
  sent: number;
  settled: number;
  sets: number;
  deletes: number;
  doubts: number;
}

/**
 * One per server, shared by every client of it (a client is replaced after each failure), like its WriteFence.
 * A key inventory kept between listings reads it: the server's counters moved by exactly this process's answered
 * writes, with none in flight and none in doubt, means nobody else wrote, so the last listing plus these changes
 * is what a listing would show now.
 */
export class WriteLedger {
  private readonly at: LedgerPosition = { sent: 0, settled: 0, sets: 0, deletes: 0, doubts: 0 };
  /** Each key's last write since tracking began, or null: not tracked, or more keys than `limit`. */
  private changes: Map<string, KeyWrite> | null = null;
  private limit = 0;

  position(): LedgerPosition {
    return { ...this.at };
  }

  /** No write is in flight. */
  get quiet(): boolean {
    return this.at.sent === this.at.settled;
  }

  /** A mutating command is about to be sent. */
  begin(): void {
    this.at.sent++;
  }

  /**
   * A command begun was answered (stored or not, deleted or not); `left` is what it left of `key`, null when nothing
   * changed. `command` null: an answer no counter of memcached's counts (a delete refused because the item changed).
   */
  answered(command: 'set' | 'delete' | null, key: string, left: KeyWrite | null): void {
    this.at.settled++;
    if (command === 'set') this.at.sets++;
    else if (command === 'delete') this.at.deletes++;
    if (!left || !this.changes || key.startsWith(RESERVED_PREFIX)) return;
    this.changes.set(key, left);
    if (this.changes.size > this.limit) this.changes = null;
  }

  /** A command begun failed, or its effect cannot be told from its answer: counted in doubt. */
  doubted(): void {
    this.at.settled++;
    this.at.doubts++;
  }

  /**
   * The key changes recorded since the last call (null: not tracked, or more than the limit), recording afresh from
   * now on, for at most `limit` keys.
   */
  take(limit: number): Map<string, KeyWrite> | null {
    const taken = this.changes;
    this.changes = new Map();
    this.limit = limit;
    return taken;
  }

  /** Stops recording (the inventory forgot the server). */
  untrack(): void {
    this.changes = null;
  }
}

/**
 * Counters the ledger's records never explain: this process never touches or increments, a flush or a refusal of
 * its own is a doubt in the ledger, and evictions are memcached's. Any change means the node holds what no listing showed.
 */
const FOREIGN = [
  'cmd_flush',
  'cmd_touch',
  'touch_hits',
  'touch_misses',
  'incr_hits',
  'incr_misses',
  'decr_hits',
  'decr_misses',
  'evictions',
  'store_no_memory',
  'store_too_large',
  'slab_reassign_evictions_nomem',
  'slab_reassign_busy_deletes',
] as const;

/** What a server's `stats` say of the writes it took, as a ledger's records explain them. */
export interface ServerCounters {
  instance: string;
  sets: number;
  deletes: number;
  foreign: string;
}

export function countersOf(stats: Record<string, string>): ServerCounters {
  const n = (name: string) => Number(stats[name] ?? 0);
  return {
    // The server process: its pid and start time (a restarted server holds nothing it held).
    instance: `${stats.pid}@${n('time') - n('uptime')}`,
    sets: n('cmd_set'),
    deletes: n('delete_hits') + n('delete_misses'),
    foreign: FOREIGN.map(n).join(','),
  };
}

/**
 * Whether the server took exactly this process's writes between two readings of its counters, each read with none of
 * its writes in flight (`mark` and `at`, where the ledger stood): the same server process, nothing in doubt, the stores
 * and deletes answered since, and none of the changes only others make.
 */
export function explains(before: ServerCounters, mark: LedgerPosition, seen: ServerCounters, at: LedgerPosition): boolean {
  return (
    seen.instance === before.instance &&
    seen.foreign === before.foreign &&
    at.doubts === mark.doubts &&
    seen.sets - before.sets === at.sets - mark.sets &&
    seen.deletes - before.deletes === at.deletes - mark.deletes
  );
}

/** memcached's expiry rule: 0 never, up to 30 days seconds from now, beyond an absolute unix time. As a listing shows it. */
export function expiryOf(expires: number, nowMs = Date.now()): number {
  if (expires === 0) return -1;
  return expires <= 30 * 24 * 3600 ? Math.floor(nowMs / 1000) + expires : expires;
}

/** What a store answered as stored leaves of its key: a value or a delete (as its flags and bytes say), until its expiry. */
export function storeLeaves(flags: number, value: Uint8Array, expires: number): KeyWrite {
  const tombstone = flags === TOMBSTONE_FLAGS && decodeItem(flags, Buffer.from(value.buffer, value.byteOffset, value.byteLength)).kind === 'tombstone';
  return { kind: tombstone ? 'tombstone' : 'value', exp: expiryOf(expires) };
}
