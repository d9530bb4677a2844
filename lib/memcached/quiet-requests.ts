import 'server-only';
// Quiet binary requests written in place: a batch's SETQ, GETQ and closing NOOP encoded straight into staging buffers that successive batches share.
import { HEADER_BYTES, writeValueHeader, type ItemVersion } from '../envelope';
import { Opcode } from './binary';

/** Requests are written into buffers this large, each shared by the batches that fit in it (a larger request gets its own). */
const STAGING_BYTES = 16 * 1024;
const REQUEST_HEADER = 24;
const STORE_EXTRAS = 8;

/** The requests of the batch being written, each under the opaque its caller gives; a put's value is copied once, from the caller's bytes to the bytes sent. */
export class QuietRequests {
  /** The staging buffer, the start of the batch being written in it, and where its next request goes. */
  private out: Buffer = Buffer.allocUnsafeSlow(STAGING_BYTES);
  private start = 0;
  private at = 0;
  /** Earlier parts of the batch being written, when it outgrew a staging buffer. */
  private parts: Buffer[] = [];

  /** A SETQ of `bytes` under `flags`; with `version`, the envelope's header written in place before them (see ../envelope). */
  set(opaque: number, key: string, version: ItemVersion | null, bytes: Uint8Array, flags: number, expires: number): void {
    const valueBytes = (version ? HEADER_BYTES : 0) + bytes.length;
    const at = this.reserve(REQUEST_HEADER + STORE_EXTRAS + key.length * 3 + valueBytes);
    const out = this.out;
    const keyBytes = writeKey(out, at + REQUEST_HEADER + STORE_EXTRAS, key);
    this.header(at, Opcode.SetQ, opaque, keyBytes, STORE_EXTRAS, STORE_EXTRAS + keyBytes + valueBytes);
    setUint32(out, at + REQUEST_HEADER, flags);
    setUint32(out, at + REQUEST_HEADER + 4, expires);
    let end = at + REQUEST_HEADER + STORE_EXTRAS + keyBytes;
    if (version) end = writeValueHeader(out, end, version);
    out.set(bytes, end);
    this.at = end + bytes.length;
  }

  get(opaque: number, key: string): void {
    const at = this.reserve(REQUEST_HEADER + key.length * 3);
    const keyBytes = writeKey(this.out, at + REQUEST_HEADER, key);
    this.header(at, Opcode.GetQ, opaque, keyBytes, 0, keyBytes);
    this.at = at + REQUEST_HEADER + keyBytes;
  }

  /** Closes the batch with a NOOP: its bytes, for one write; the next batch starts after them. */
  noop(opaque: number): Buffer {
    const at = this.reserve(REQUEST_HEADER);
    this.header(at, Opcode.Noop, opaque, 0, 0, 0);
    this.at = at + REQUEST_HEADER;
    const last = this.out.subarray(this.start, this.at);
    this.start = this.at;
    if (this.parts.length === 0) return last;
    this.parts.push(last);
    const data = Buffer.concat(this.parts);
    this.parts = [];
    return data;
  }

  /** Forgets the batch being written: its connection failed. */
  drop(): void {
    this.parts = [];
  }

  /** Room for a request of at most `bytes` at the end of the batch being written; where it starts. */
  private reserve(bytes: number): number {
    if (this.out.length - this.at >= bytes) return this.at;
    if (this.at > this.start) this.parts.push(this.out.subarray(this.start, this.at));
    this.out = Buffer.allocUnsafeSlow(Math.max(STAGING_BYTES, bytes + REQUEST_HEADER));
    this.start = this.at = 0;
    return 0;
  }

  /** A request's header. Data type, vbucket and CAS are zero. */
  private header(at: number, opcode: Opcode, opaque: number, keyBytes: number, extras: number, bodyBytes: number): void {
    // Byte by byte: Buffer's checked writers and fill() showed in the put profile, on 24 bytes per request.
    const out = this.out;
    out[at] = 0x80;
    out[at + 1] = opcode;
    out[at + 2] = keyBytes >>> 8;
    out[at + 3] = keyBytes & 0xff;
    out[at + 4] = extras;
    out[at + 5] = out[at + 6] = out[at + 7] = 0;
    setUint32(out, at + 8, bodyBytes);
    setUint32(out, at + 12, opaque);
    for (let i = at + 16; i < at + 24; i++) out[i] = 0;
  }
}

function setUint32(out: Buffer, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** The key's UTF-8 bytes at `at` (room for 3 per UTF-16 unit reserved); their count. ASCII, the usual key, is copied directly. */
function writeKey(out: Buffer, at: number, key: string): number {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 0x80) return out.write(key, at, 'utf8');
    out[at + i] = code;
  }
  return key.length;
}
