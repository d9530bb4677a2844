// MD5 (RFC 1321) in plain JavaScript, for ketama's points and keys: no Node crypto, so the lab also runs in a browser.

// floor(abs(sin(i + 1)) * 2^32), as RFC 1321 tabulates it.
const K = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);
const SHIFTS = new Uint8Array([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]);

let padded = new Uint8Array(128);
const words = new Int32Array(16);

/**
 * The digest of `bytes` as four little-endian words (digest bytes 0-3, 4-7, 8-11, 12-15), written into `out`:
 * ketama reads its points, and a key's position, straight from these words.
 */
export function md5Words(bytes: Uint8Array, out: Uint32Array): void {
  const length = bytes.length;
  const total = (((length + 8) >>> 6) + 1) << 6;
  if (padded.length < total) padded = new Uint8Array(total);
  padded.set(bytes);
  padded.fill(0, length, total);
  padded[length] = 0x80;
  const bits = length * 8;
  padded[total - 8] = bits & 0xff;
  padded[total - 7] = (bits >>> 8) & 0xff;
  padded[total - 6] = (bits >>> 16) & 0xff;
  padded[total - 5] = (bits >>> 24) & 0xff;
  padded[total - 4] = Math.floor(bits / 2 ** 32) & 0xff;

  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let block = 0; block < total; block += 64) {
    for (let w = 0; w < 16; w++) {
      const at = block + w * 4;
      words[w] = padded[at] | (padded[at + 1] << 8) | (padded[at + 2] << 16) | (padded[at + 3] << 24);
    }
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const s = SHIFTS[((i >>> 4) << 2) | (i & 3)];
      f = (f + a + K[i] + words[g]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  out[0] = a0;
  out[1] = b0;
  out[2] = c0;
  out[3] = d0;
}
