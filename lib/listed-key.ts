// A key as memcached lists it (metadump URL-encodes every UTF-8 byte but letters, digits and -._~): hashed and matched without building it.

/** Bytes memcached prints as themselves; every other byte becomes %XX (upper-case hex). */
const PLAIN = new Uint8Array(128);
for (let c = 0; c < 128; c++) PLAIN[c] = /[A-Za-z0-9\-._~]/.test(String.fromCharCode(c)) ? 1 : 0;
const HEX = Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
const PERCENT = 37;

/** FNV-1a's start and step, finalised by murmur3's mixer (FNV's low bits, the ones a table slot takes, mix poorly). */
const FNV_START = 0x811c9dc5;
const step = (h: number, code: number) => Math.imul(h ^ code, 0x01000193);
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** The hash of text[start, end), a key in its listed form. */
export function hashListedRange(text: string, start: number, end: number): number {
  let h = FNV_START;
  for (let i = start; i < end; i++) h = step(h, text.charCodeAt(i));
  return finish(h);
}

/** The UTF-8 bytes of the last code point read, and the code units it took (module state: the hot path allocates nothing). */
const bytes = new Uint8Array(4);
let units = 1;

/** Reads the code point at key[i] into `bytes` and `units`; how many bytes (a lone surrogate is U+FFFD, as Buffer writes it). */
function utf8At(key: string, i: number): number {
  let cp = key.charCodeAt(i);
  units = 1;
  if (cp >= 0xd800 && cp <= 0xdfff) {
    const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
    if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
      units = 2;
    } else cp = 0xfffd;
  }
  if (cp < 0x80) {
    bytes[0] = cp;
    return 1;
  }
  if (cp < 0x800) {
    bytes[0] = 0xc0 | (cp >> 6);
    bytes[1] = 0x80 | (cp & 63);
    return 2;
  }
  if (cp < 0x10000) {
    bytes[0] = 0xe0 | (cp >> 12);
    bytes[1] = 0x80 | ((cp >> 6) & 63);
    bytes[2] = 0x80 | (cp & 63);
    return 3;
  }
  bytes[0] = 0xf0 | (cp >> 18);
  bytes[1] = 0x80 | ((cp >> 12) & 63);
  bytes[2] = 0x80 | ((cp >> 6) & 63);
  bytes[3] = 0x80 | (cp & 63);
  return 4;
}

/** The hash of `key`'s listed form: the same number hashListedRange gives for it in a listing. */
export function hashListedKey(key: string): number {
  let h = FNV_START;
  for (let i = 0; i < key.length;) {
    const c = key.charCodeAt(i);
    if (c < 128 && PLAIN[c]) {
      h = step(h, c);
      i++;
      continue;
    }
    const count = utf8At(key, i);
    for (let b = 0; b < count; b++) h = step(step(step(h, PERCENT), HEX[bytes[b] >> 4]), HEX[bytes[b] & 15]);
    i += units;
  }
  return finish(h);
}

/** Whether text[start, end) is `key`'s listed form. */
export function isListedForm(text: string, start: number, end: number, key: string): boolean {
  // The usual key needs no escape: then its listed form is itself, which holds no % (a key with one is escaped longer).
  if (end - start === key.length && text.startsWith(key, start)) return !key.includes('%');
  let at = start;
  for (let i = 0; i < key.length;) {
    const c = key.charCodeAt(i);
    if (c < 128 && PLAIN[c]) {
      if (at >= end || text.charCodeAt(at) !== c) return false;
      at++;
      i++;
      continue;
    }
    const count = utf8At(key, i);
    for (let b = 0; b < count; b++, at += 3) {
      if (at + 3 > end || text.charCodeAt(at) !== PERCENT || text.charCodeAt(at + 1) !== HEX[bytes[b] >> 4] || text.charCodeAt(at + 2) !== HEX[bytes[b] & 15]) return false;
    }
    i += units;
  }
  return at === end;
}

/** `key` as memcached lists it (for tests and rare paths: it builds a string). */
export function listedForm(key: string): string {
  let out = '';
  for (let i = 0; i < key.length;) {
    const c = key.charCodeAt(i);
    if (c < 128 && PLAIN[c]) {
      out += key[i++];
      continue;
    }
    const count = utf8At(key, i);
    for (let b = 0; b < count; b++) out += '%' + String.fromCharCode(HEX[bytes[b] >> 4], HEX[bytes[b] & 15]);
    i += units;
  }
  return out;
}
