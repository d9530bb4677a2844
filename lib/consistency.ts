// Consistency levels: how many of a key's replicas must acknowledge a write (W) or answer a read (R).
import { compareItemVersions, type ItemVersion } from './envelope';
import { counterHex, wallHex } from './version';

export const LEVELS = ['one', 'majority', 'all'] as const;
export type Level = (typeof LEVELS)[number];

/** A cluster's default levels, and what one call may override. */
export interface ConsistencyLevels {
  w: Level;
  r: Level;
}

/** What Ringside always did: a write acknowledged by one replica, a read served by the first that answers. */
export const DEFAULT_LEVELS: ConsistencyLevels = { w: 'one', r: 'one' };

export function isLevel(text: unknown): text is Level {
  return typeof text === 'string' && (LEVELS as readonly string[]).includes(text);
}

/** The message for a level that is not one of the three, naming the option it came in. */
export function badLevel(name: 'w' | 'r', text: unknown): string {
  return `${name} must be one, majority or all (got ${JSON.stringify(text)})`;
}

/** Replicas a level needs out of `n`: one, a strict majority, or every one. */
export function needed(level: Level, n: number): number {
  if (n <= 0) return 0;
  if (level === 'one') return 1;
  return level === 'majority' ? Math.floor(n / 2) + 1 : n;
}

/**
 * Whether `answered` nodes meet `level` for a key's lists. N is the new list's length during a move (the list the
 * key ends on); a majority or all must then hold on the old list too (a joint quorum), so whichever way the change
 * ends, finished or rolled back, what was acknowledged sits on a quorum of the list the key is read from.
 */
export function meets(level: Level, answered: ReadonlySet<string>, lists: { current: readonly string[]; next: readonly string[] | null }): boolean {
  const on = (list: readonly string[]) => list.filter((node) => answered.has(node)).length;
  const main = lists.next ?? lists.current;
  if (level === 'one') return answered.size > 0;
  if (on(main) < needed(level, main.length)) return false;
  return lists.next === null || on(lists.current) >= needed(level, lists.current.length);
}

/** "2 of 3" and, during a move, the old list's share too: what a level asks of a key's lists, for messages. */
export function describeNeed(level: Level, lists: { current: readonly string[]; next: readonly string[] | null }): string {
  const main = lists.next ?? lists.current;
  const of = (list: readonly string[]) => `${needed(level, list.length)} of ${list.length}`;
  if (level === 'one') return 'one replica';
  if (!lists.next) return `${of(main)} replicas (${level})`;
  return `${of(main)} replicas of the new list and ${of(lists.current)} of the old one (${level}, during a move)`;
}

/** What one replica answered to a quorum read. */
export interface ReplicaRead {
  node: string;
  held: 'value' | 'tombstone' | 'unversioned' | 'absent';
  version: ItemVersion | null;
}

/**
 * The newest of the answers: by version, a tombstone as a write like any other (newer than a value, the key is
 * deleted); an unversioned value is older than every versioned write; absence is older than anything held. Ties
 * go to the earlier answer, which callers give in preference-list order. Null when every answer is an absence.
 */
export function newestOf<T extends ReplicaRead>(reads: readonly T[]): T | null {
  let newest: T | null = null;
  for (const read of reads) {
    if (read.held === 'absent') continue;
    if (!newest || compareItemVersions(read.version, newest.version) > 0) newest = read;
  }
  return newest;
}

/** Answers older than `newest` (absences included): the copies a read repair gives the newest write. */
export function olderThan<T extends ReplicaRead>(reads: readonly T[], newest: ReplicaRead): T[] {
  return reads.filter((read) => read.held === 'absent' || (read.node !== newest.node && compareItemVersions(read.version, newest.version) < 0));
}

/** A version as results show it: wall and counter as in lib/version's encoding, then the writer's hash (what nodes keep). */
// Most versions read were written by one process: its hash's text is kept.
let lastWriter = -1;
let lastWriterHex = '';

function writerHex(writerHash: number): string {
  if (writerHash !== lastWriter) {
    lastWriter = writerHash;
    lastWriterHex = (writerHash >>> 0).toString(16).padStart(8, '0');
  }
  return lastWriterHex;
}

export function describeItemVersion(version: ItemVersion | null): string | null {
  if (!version) return null;
  return `${wallHex(version.wall)}.${counterHex(version.counter)}.#${writerHex(version.writerHash)}`;
}
