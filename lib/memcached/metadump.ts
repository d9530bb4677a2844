// memcached's key listing (`lru_crawler metadump`) read into items: the key and its absolute expiry.
import { decodeKey } from './ascii';

/** A key as the server lists it: `exp` is an absolute unix time in seconds, or -1 when it never expires. */
export interface InventoryItem {
  key: string;
  exp: number;
}

/** The value of ` name=` within reply[from, to), or null when the line has no such field. */
function fieldOf(reply: string, name: string, from: number, to: number): string | null {
  const at = reply.indexOf(name, from);
  if (at < 0 || at >= to) return null;
  const start = at + name.length;
  let end = reply.indexOf(' ', start);
  if (end < 0 || end > to) end = to;
  return reply.slice(start, end);
}

/**
 * Items of a metadump reply (`key=<url-encoded> exp=<unix or -1> la=... cas=... ...` per line), skipping
 * those already expired. Scanned with indexOf over the whole reply: a listing of a million items made
 * splitting every line into field objects the slowest part of planning a move.
 */
export function parseMetadump(reply: string, nowSeconds: number): InventoryItem[] {
  const items: InventoryItem[] = [];
  let line = 0;
  while (line < reply.length) {
    let end = reply.indexOf('\n', line);
    if (end < 0) end = reply.length;
    const stop = reply.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (reply.startsWith('key=', line)) {
      let keyEnd = reply.indexOf(' ', line + 4);
      if (keyEnd < 0 || keyEnd > stop) keyEnd = stop;
      const exp = Number(fieldOf(reply, ' exp=', keyEnd, stop) ?? -1);
      if (exp === -1 || exp > nowSeconds) {
        items.push({ key: decodeKey(reply.slice(line + 4, keyEnd)), exp });
      }
    }
    line = end + 1;
  }
  return items;
}
