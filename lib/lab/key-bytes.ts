// A key's UTF-8 bytes in a reused buffer, and seeded MurmurHash3 over them: the lab's algorithms hash each key once or twice per lookup.
import murmur from 'murmurhash3js-revisited';

murmur.inputValidation = false;

const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);
// The library reads `bytes.length`, so each length needs its own view; built once, hashing allocates nothing.
let views = Array.from({ length: scratch.length + 1 }, (_, n) => scratch.subarray(0, n));

/** Writes `s` as UTF-8 into the shared buffer (valid until the next call) and returns that many bytes' view. */
export function keyBytes(s: string): Uint8Array {
  const length = s.length;
  if (length * 3 > scratch.length) {
    scratch = new Uint8Array(length * 3);
    views = Array.from({ length: scratch.length + 1 }, (_, n) => scratch.subarray(0, n));
  }
  // ASCII by hand: for short keys that beats a call into the encoder several times over.
  for (let i = 0; i < length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0x7f) return views[encoder.encodeInto(s, scratch).written];
    scratch[i] = code;
  }
  return views[length];
}

/** MurmurHash3 x86 32-bit of the bytes with `seed`, unsigned; seed 0 is Ringside's own `hash`. */
export function murmur32(bytes: Uint8Array, seed: number): number {
  return murmur.x86.hash32(bytes, seed) >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
