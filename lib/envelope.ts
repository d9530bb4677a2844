// The bytes a versioned write leaves on a memcached node: a marker in the item's flags and a 17-byte header before the user's bytes.
import { hash } from './hash';
import type { WriteVersion } from './version';

/**
 * Item flags of a versioned value and of a tombstone: "RS" then the kind. Anything else (0 from earlier
 * Ringside or a plain client) is an unversioned item, oldest of all, whose bytes are the user's as they are.
 */
export const VALUE_FLAGS = 0x52530001;
export const TOMBSTONE_FLAGS = 0x52530002;

/** 'R' 'S', kind (1), wall ms (6), counter (4), writer hash (4), all big-endian. */
export const HEADER_BYTES = 17;
const MAGIC_R = 0x52;
const MAGIC_S = 0x53;
const KIND_VALUE = 0x01;
const KIND_TOMBSTONE = 0x02;
const MAX_WALL = 2 ** 48 - 1;
const MAX_COUNTER = 2 ** 32 - 1;

/**
 * How long a tombstone stays on a node, in seconds: long enough for a write delayed in flight, a move or a
 * repair that read the key before the delete to arrive and lose to it. After that the key is simply absent.
 */
export const TOMBSTONE_RETENTION_SECONDS = 600;

/** A write version as nodes store and compare it: the writer id travels as its MurmurHash3. */
export interface ItemVersion {
  wall: number;
  counter: number;
  writerHash: number;
}

/** What to store: memcached flags and the item's bytes. */
export interface Envelope {
  flags: number;
  value: Buffer;
}

export type Decoded = { kind: 'value'; version: ItemVersion; bytes: Buffer } | { kind: 'tombstone'; version: ItemVersion; bytes: Buffer } | { kind: 'unversioned'; version: null; bytes: Buffer };

export function itemVersion(version: WriteVersion): ItemVersion {
  return { wall: version.wall, counter: version.counter, writerHash: writerHashOf(version.writer) };
}

/** The writer's id as versions on the nodes carry it. */
export function writerHashOf(writer: string): number {
  return hash(writer);
}

/** Order of writes on the nodes: wall, counter, writer hash; unversioned (null) before every versioned write. */
export function compareItemVersions(a: ItemVersion | null, b: ItemVersion | null): -1 | 0 | 1 {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.writerHash !== b.writerHash) return a.writerHash < b.writerHash ? -1 : 1;
  return 0;
}

function header(kind: number, version: ItemVersion, extra: number): Buffer {
  const { wall, counter } = version;
  if (!Number.isInteger(wall) || wall < 0 || wall > MAX_WALL) throw new RangeError(`wall ${wall} is not 0 to 2^48-1 ms`);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError(`counter ${counter} is not 0 to 2^32-1`);
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + extra);
  writeHeader(buffer, 0, kind, version);
  return buffer;
}

function writeHeader(target: Buffer, at: number, kind: number, { wall, counter, writerHash }: ItemVersion): number {
  target[at] = MAGIC_R;
  target[at + 1] = MAGIC_S;
  target[at + 2] = kind;
  // Byte by byte, 48 bits of wall time as 16 then 32: Buffer's checked writers showed in the put profile.
  const high = Math.floor(wall / 2 ** 32);
  target[at + 3] = high >>> 8;
  target[at + 4] = high & 0xff;
  setUint32(target, at + 5, wall >>> 0);
  setUint32(target, at + 9, counter);
  setUint32(target, at + 13, writerHash);
  return at + HEADER_BYTES;
}

function setUint32(target: Buffer, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
}

/**
 * A versioned value's header written into `target` at `at`, for a request that carries the user's bytes right
 * after it (the quiet connection builds a put's request in place); where the bytes go. The version comes from
 * this process's clock, which keeps it in range.
 */
export function writeValueHeader(target: Buffer, at: number, version: ItemVersion): number {
  return writeHeader(target, at, KIND_VALUE, version);
}

/** A versioned value: the header, then the user's bytes unchanged. */
export function encodeValue(version: ItemVersion, bytes: Buffer): Envelope {
  const value = header(KIND_VALUE, version, bytes.length);
  bytes.copy(value, HEADER_BYTES);
  return { flags: VALUE_FLAGS, value };
}

/** A delete that must win over older writes: the header alone, always 17 bytes. */
export function encodeTombstone(version: ItemVersion): Envelope {
  return { flags: TOMBSTONE_FLAGS, value: header(KIND_TOMBSTONE, version, 0) };
}

/**
 * Reads an item back. Only an item whose flags carry the marker and whose header agrees with them (magic,
 * kind, a tombstone exactly 17 bytes) is versioned; any other item, including one that merely starts with
 * "RS", is unversioned and its bytes are returned whole. `bytes` shares memory with `value`.
 */
export function decodeItem(flags: number, value: Buffer): Decoded {
  const kind = flags === VALUE_FLAGS ? KIND_VALUE : flags === TOMBSTONE_FLAGS ? KIND_TOMBSTONE : 0;
  const framed = kind !== 0 && value.length >= HEADER_BYTES && value[0] === MAGIC_R && value[1] === MAGIC_S && value[2] === kind;
  if (!framed || (kind === KIND_TOMBSTONE && value.length !== HEADER_BYTES)) return { kind: 'unversioned', version: null, bytes: value };
  const version = { wall: value.readUIntBE(3, 6), counter: value.readUInt32BE(9), writerHash: value.readUInt32BE(13) };
  if (kind === KIND_TOMBSTONE) return { kind: 'tombstone', version, bytes: value.subarray(HEADER_BYTES) };
  return { kind: 'value', version, bytes: value.subarray(HEADER_BYTES) };
}
