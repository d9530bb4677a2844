// Write versions from a hybrid logical clock: they order the writes of every process, even across clock skew.

/**
 * `wall` is milliseconds (the largest wall time seen, never the reading of a clock gone backwards),
 * `counter` orders writes within one millisecond, `writer` breaks the remaining ties.
 */
export interface WriteVersion {
  wall: number;
  counter: number;
  writer: string;
}

/** Writer ids sort the same as UTF-8 bytes (etcd's key order) and as JS strings: plain ASCII only. */
const WRITER = /^[A-Za-z0-9._:-]{1,64}$/;
const WALL_DIGITS = 12; // 48 bits of milliseconds: until the year 10889
const COUNTER_DIGITS = 8;
const MAX_WALL = 16 ** WALL_DIGITS - 1;
const MAX_COUNTER = 16 ** COUNTER_DIGITS - 1;
/** How far ahead of this process's clock a version read from a node may be and still move the clock on. */
const MAX_OBSERVED_AHEAD_MS = 5 * 60_000;

export function isWriterId(writer: string): boolean {
  return WRITER.test(writer);
}

export function compareVersions(a: WriteVersion, b: WriteVersion): -1 | 0 | 1 {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1;
  return 0;
}

/**
 * Fixed-width hex, so the strings sort exactly as `compareVersions` orders the versions: a store can key
 * records by their version and read them back in order.
 */
export function encodeVersion(v: WriteVersion): string {
  return wallHex(v.wall) + '.' + counterHex(v.counter) + writerSuffix(v.writer);
}

let lastWriter = '';
let lastWriterSuffix = '';

/** `.writer`, as the last version encoded ended: a process's versions all end the same. */
function writerSuffix(writer: string): string {
  if (writer !== lastWriter) {
    lastWriter = writer;
    lastWriterSuffix = '.' + writer;
  }
  return lastWriterSuffix;
}

/** Counters as versions carry them: the small ones, which most writes take, formatted once. */
const SMALL_COUNTERS = Array.from({ length: 256 }, (_, counter) => counter.toString(16).padStart(COUNTER_DIGITS, '0'));

export function counterHex(counter: number): string {
  return counter < SMALL_COUNTERS.length ? SMALL_COUNTERS[counter] : counter.toString(16).padStart(COUNTER_DIGITS, '0');
}

// Every put and get returns a version, and most of them share their millisecond with the one before.
let lastWall = -1;
let lastWallHex = '';

/** A wall time as the 12 hex digits versions carry. */
export function wallHex(wall: number): string {
  if (wall !== lastWall) {
    lastWall = wall;
    lastWallHex = wall.toString(16).padStart(WALL_DIGITS, '0');
  }
  return lastWallHex;
}

const ENCODED = new RegExp(`^([0-9a-f]{${WALL_DIGITS}})\\.([0-9a-f]{${COUNTER_DIGITS}})\\.(.+)$`);

/** The version a string encodes, or null for anything `encodeVersion` could not have produced. */
export function decodeVersion(text: string): WriteVersion | null {
  const match = ENCODED.exec(text);
  if (!match || !isWriterId(match[3])) return null;
  return { wall: parseInt(match[1], 16), counter: parseInt(match[2], 16), writer: match[3] };
}

/** The next version after `last` for `writer`, given the physical time `now`. */
export function tick(last: WriteVersion | null, now: number, writer: string): WriteVersion {
  const physical = clampWall(now);
  if (!last || physical > last.wall) return { wall: physical, counter: 0, writer };
  return bump(last.wall, last.counter, writer);
}

/** A version after both `last` and a version seen from another process, given the physical time `now`. */
export function receive(last: WriteVersion | null, remote: WriteVersion, now: number, writer: string): WriteVersion {
  const physical = clampWall(now);
  const lastWall = last?.wall ?? -1;
  const wall = Math.max(lastWall, remote.wall, physical);
  if (wall === physical && wall > lastWall && wall > remote.wall) return { wall, counter: 0, writer };
  const counter = Math.max(wall === lastWall ? last!.counter : -1, wall === remote.wall ? remote.counter : -1);
  return bump(wall, counter, writer);
}

function bump(wall: number, counter: number, writer: string): WriteVersion {
  // A counter at its limit moves to the next millisecond rather than wrapping: order is kept either way.
  if (counter >= MAX_COUNTER) return { wall: Math.min(wall + 1, MAX_WALL), counter: 0, writer };
  return { wall, counter: counter + 1, writer };
}

function clampWall(now: number): number {
  return Number.isFinite(now) ? Math.min(Math.max(0, Math.floor(now)), MAX_WALL) : 0;
}

/** One writer's clock: every version it hands out is after every version it handed out or saw before. */
export class HybridClock {
  private last: WriteVersion | null = null;

  constructor(
    readonly writer: string,
    private readonly physical: () => number,
  ) {
    if (!isWriterId(writer)) throw new Error(`a writer id is 1 to 64 of A-Z a-z 0-9 . _ : - (got ${JSON.stringify(writer)})`);
  }

  now(): WriteVersion {
    this.last = tick(this.last, this.physical(), this.writer);
    return this.last;
  }

  /** Moves past a version written elsewhere, so this writer's next version orders after it. */
  receive(remote: WriteVersion): WriteVersion {
    this.last = receive(this.last, remote, this.physical(), this.writer);
    return this.last;
  }

  /**
   * `receive` for a version read from a node, where only the writer's hash travels (the writer plays no part in
   * the bump). A version further ahead of this clock than `maxAheadMs` is ignored: one forged or skewed item must
   * not drag every later write of this process to the end of time.
   */
  observe(wall: number, counter: number, maxAheadMs = MAX_OBSERVED_AHEAD_MS): void {
    if (wall - this.physical() > maxAheadMs) return;
    this.receive({ wall, counter, writer: this.writer });
  }

  /** `receive` for an encoded version; text that is not a version is ignored. */
  receiveEncoded(text: string | undefined): void {
    const remote = text ? decodeVersion(text) : null;
    if (remote) this.receive(remote);
  }
}
