// memcached's key listing (`lru_crawler metadump`) read into items: the key, its absolute expiry and CAS, and for some its size.
import type { KeyColumns, NodeColumn } from '../key-columns';
import { decodeKey } from './ascii';

/** A key as the server lists it: `exp` is an absolute unix time in seconds, or -1 when it never expires. */
export interface InventoryItem {
  key: string;
  exp: number;
}

/** A listed item whose size says it may be a tombstone: only these are read to tell. */
export interface Candidate extends InventoryItem {
  cas: bigint;
}

/**
 * Keys starting with \x01ringside are Ringside's own (calibration probes): user keys never hold control
 * characters, and listings never show these. memcached lists them URL-encoded.
 */
export const RESERVED_PREFIX = '\x01ringside';
const RESERVED_LISTED = 'key=%01ringside';

/** `isCandidate(keyBytes, size)`: the raw key length in bytes and the item's total size as memcached counts it. */
export type CandidateTest = (keyBytes: number, size: number) => boolean;

/** The value of ` name=` within reply[from, to), or null when the line has no such field. */
function fieldOf(reply: string, name: string, from: number, to: number): string | null {
  const at = reply.indexOf(name, from);
  if (at < 0 || at >= to) return null;
  const start = at + name.length;
  let end = reply.indexOf(' ', start);
  if (end < 0 || end > to) end = to;
  return reply.slice(start, end);
}

/** The numeric field ` name=` of reply[from, to), read in place without a string of its own; `absent` when the line has none. */
function numberOf(reply: string, name: string, from: number, to: number, absent: number): number {
  const at = reply.indexOf(name, from);
  if (at < 0 || at >= to) return absent;
  let i = at + name.length;
  const negative = reply.charCodeAt(i) === 45;
  if (negative) i++;
  const first = i;
  let value = 0;
  for (; i < to; i++) {
    const c = reply.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + c - 48;
  }
  // Anything but plain digits is read as Number reads it.
  if (i === first || (i < to && reply.charCodeAt(i) !== 32)) return Number(fieldOf(reply, name, from, to));
  return negative ? -value : value;
}

/** Bytes of the raw key: memcached escapes each byte it does not print as itself as %XX (a % included). */
function rawKeyBytes(reply: string, from: number, to: number): number {
  let bytes = to - from;
  for (let at = reply.indexOf('%', from); at >= 0 && at < to; at = reply.indexOf('%', at + 1)) bytes -= 2;
  return bytes;
}

/**
 * Calls `visit` for each live item of a metadump reply (`key=<url-encoded> exp=<unix or -1> la=... cas=... ...
 * size=...` per line), skipping those already expired and reserved keys: its key is reply[keyStart, keyEnd), its
 * other fields lie in reply[keyEnd, stop). Scanned with indexOf over the whole reply: a listing of a million items
 * made splitting every line into field objects the slowest part of planning a move.
 */
function forEachItem(reply: string, nowSeconds: number, visit: (keyStart: number, keyEnd: number, stop: number, exp: number) => void): void {
  let line = 0;
  while (line < reply.length) {
    let end = reply.indexOf('\n', line);
    if (end < 0) end = reply.length;
    const stop = reply.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (reply.startsWith('key=', line) && !reply.startsWith(RESERVED_LISTED, line)) {
      let keyEnd = reply.indexOf(' ', line + 4);
      if (keyEnd < 0 || keyEnd > stop) keyEnd = stop;
      const exp = numberOf(reply, ' exp=', keyEnd, stop, -1);
      if (exp === -1 || exp > nowSeconds) visit(line + 4, keyEnd, stop, exp);
    }
    line = end + 1;
  }
}

/** The candidate test on an item: its raw key length and its size. */
function passes(isCandidate: CandidateTest, reply: string, keyStart: number, keyEnd: number, stop: number): boolean {
  return isCandidate(rawKeyBytes(reply, keyStart, keyEnd), numberOf(reply, ' size=', keyEnd, stop, NaN));
}

const casOf = (reply: string, keyEnd: number, stop: number) => BigInt(fieldOf(reply, ' cas=', keyEnd, stop) ?? 0);

/** The live items of a metadump reply (forEachItem); those that pass `isCandidate` also among `candidates`, with their CAS. */
export function scanMetadump(reply: string, nowSeconds: number, isCandidate?: CandidateTest): { items: InventoryItem[]; candidates: Candidate[] } {
  const items: InventoryItem[] = [];
  const candidates: Candidate[] = [];
  forEachItem(reply, nowSeconds, (keyStart, keyEnd, stop, exp) => {
    const item = { key: decodeKey(reply.slice(keyStart, keyEnd)), exp };
    items.push(item);
    if (isCandidate && passes(isCandidate, reply, keyStart, keyEnd, stop)) candidates.push({ ...item, cas: casOf(reply, keyEnd, stop) });
  });
  return { items, candidates };
}

/** Below it, numberOf reads a CAS exactly (each step's value times ten plus a digit stays within a double's integers). */
const EXACT_CAS = 2 ** 52;

/**
 * An item's CAS as a number, read in place; 0 (unknown) when the line has none or one of 2^52 and over, which a
 * server reaches only after as many stores (memcached counts one per store).
 */
function casNumberOf(reply: string, keyEnd: number, stop: number): number {
  const cas = numberOf(reply, ' cas=', keyEnd, stop, 0);
  return cas > 0 && cas < EXACT_CAS ? cas : 0;
}

/**
 * As scanMetadump, with each listed key numbered in `table` where it lies in the reply: a key already
 * numbered (listed by another node) costs no string and no object, only its number, expiry and (`withCas`) CAS.
 */
export function scanMetadumpInto(reply: string, nowSeconds: number, table: KeyColumns, isCandidate?: CandidateTest, withCas = true): { column: NodeColumn; candidates: Candidate[] } {
  let ids = new Int32Array(Math.max(16, reply.length >> 6));
  let exps = new Float64Array(ids.length);
  let cas = new Float64Array(withCas ? ids.length : 0);
  let count = 0;
  const candidates: Candidate[] = [];
  forEachItem(reply, nowSeconds, (keyStart, keyEnd, stop, exp) => {
    // Numbered by the key as listed: decoded once, when it is new to the table.
    const k = table.internRange(reply, keyStart, keyEnd, decodeKey);
    if (count === ids.length) {
      ids = grown(ids, count * 2);
      exps = grown(exps, count * 2);
      if (withCas) cas = grown(cas, count * 2);
    }
    ids[count] = k;
    exps[count] = exp;
    if (withCas) cas[count] = casNumberOf(reply, keyEnd, stop);
    count++;
    if (isCandidate && passes(isCandidate, reply, keyStart, keyEnd, stop)) candidates.push({ key: table.keys[k], exp, cas: casOf(reply, keyEnd, stop) });
  });
  const column = { ids: ids.slice(0, count), exps: exps.slice(0, count) };
  return { column: withCas ? { ...column, cas: cas.slice(0, count) } : column, candidates };
}

function grown<T extends Int32Array | Float64Array>(array: T, size: number): T {
  const larger = new (array.constructor as new (size: number) => T)(size);
  larger.set(array);
  return larger;
}

/** The listed items, without sizes. */
export function parseMetadump(reply: string, nowSeconds: number): InventoryItem[] {
  return scanMetadump(reply, nowSeconds).items;
}

/** Raw key length and size of each listed reserved key whose text is one of `keys`. */
export function reservedSizes(reply: string, keys: readonly string[]): { key: string; keyBytes: number; size: number }[] {
  const found: { key: string; keyBytes: number; size: number }[] = [];
  for (let at = reply.indexOf(RESERVED_LISTED); at >= 0; at = reply.indexOf(RESERVED_LISTED, at + 1)) {
    if (at > 0 && reply[at - 1] !== '\n') continue;
    let end = reply.indexOf('\n', at);
    if (end < 0) end = reply.length;
    const stop = reply.charCodeAt(end - 1) === 13 ? end - 1 : end;
    let keyEnd = reply.indexOf(' ', at + 4);
    if (keyEnd < 0 || keyEnd > stop) keyEnd = stop;
    const key = decodeKey(reply.slice(at + 4, keyEnd));
    const size = Number(fieldOf(reply, ' size=', keyEnd, stop));
    if (keys.includes(key) && Number.isFinite(size)) found.push({ key, keyBytes: rawKeyBytes(reply, at + 4, keyEnd), size });
  }
  return found;
}
