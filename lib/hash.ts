// MurmurHash3 x86 32-bit (seed 0) over UTF-8 bytes, and the hash-tag rule that picks the hashed part of a key.
import murmur from 'murmurhash3js-revisited';

// We only ever pass typed arrays we filled ourselves, so the library's per-byte validation is waste.
murmur.inputValidation = false;

const encoder = new TextEncoder();
const SCRATCH_BYTES = 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);
// The library reads `bytes.length`, so each length needs its own view; building them once keeps hashing allocation-free.
const views = Array.from({ length: SCRATCH_BYTES + 1 }, (_, n) => scratch.subarray(0, n));

/** hash(s): MurmurHash3 x86_32, seed 0, over the UTF-8 bytes of `s`, as an unsigned integer. */
export function hash(s: string): number {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so this bound guarantees encodeInto never truncates.
  if (s.length * 3 > SCRATCH_BYTES) return murmur.x86.hash32(encoder.encode(s), 0) >>> 0;
  // ASCII is copied by hand: for short keys that beats the call into the encoder several times over.
  const length = s.length;
  for (let i = 0; i < length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0x7f) return murmur.x86.hash32(views[encoder.encodeInto(s, scratch).written], 0) >>> 0;
    scratch[i] = code;
  }
  return murmur.x86.hash32(views[length], 0) >>> 0;
}

/**
 * The part of a key that is hashed (Redis Cluster hash tags): the characters between the first `{`
 * and the next `}` when there is at least one, otherwise the whole key.
 */
export function hashPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open + 1, close);
}

/** The ring position of a key. */
export function keyPosition(key: string): number {
  return hash(hashPart(key));
}
