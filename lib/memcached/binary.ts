import 'server-only';
// Binary-protocol requests built in one buffer and sent through memjs's own request path, with reply checks.
import type memjs from 'memjs';

export const enum Opcode {
  Get = 0x00,
  Set = 0x01,
  Add = 0x02,
  Delete = 0x04,
  GetQ = 0x09,
  Noop = 0x0a,
  SetQ = 0x11,
}

export const STATUS_NOT_FOUND = 0x01;
export const STATUS_EXISTS = 0x02;
// memjs's texts for the statuses a get or a store can answer (its lib/memjs/protocol.js).
export const STATUS_TEXT: Record<number, string> = {
  0x03: 'Value too large',
  0x04: 'Invalid arguments',
  0x05: 'Item not stored',
  0x82: 'Out of memory',
  0x84: 'Internal error',
  0x85: 'Busy',
  0x86: 'Temporary failure',
};

export interface Response {
  header: { magic: number; opcode: number; status: number; cas?: Buffer };
  extras: Buffer;
  val: Buffer;
}

/** What a store carries: flags and expiry as its 8 bytes of extras, and a CAS that makes it conditional (0: none). */
export interface Store {
  value: Buffer;
  flags: number;
  expires: number;
  cas?: bigint;
}

/** memjs's request path below its public methods: its sequence numbers, response matching and error fan-out. */
interface MemjsInternals {
  seq: number;
  incrSeq(): void;
  perform(key: string, request: Buffer, seq: number, callback: (error: Error | null, response: Response) => void): void;
}

/**
 * A request in one buffer. memjs's own builder zero-fills each request twice, allocates its header
 * separately and has no per-call flags or CAS; on a busy node it cost more than the rest of a put.
 * `cas` makes a request without a store conditional (a delete refused once the item has changed).
 */
export function request(opcode: Opcode, key: string, opaque: number, store?: Store, cas = store?.cas ?? BigInt(0)): Buffer {
  const keyBytes = Buffer.byteLength(key);
  const extras = store ? 8 : 0;
  const valueBytes = store?.value.length ?? 0;
  const buffer = Buffer.allocUnsafe(24 + extras + keyBytes + valueBytes);
  buffer[0] = 0x80;
  buffer[1] = opcode;
  buffer.writeUInt16BE(keyBytes, 2);
  buffer[4] = extras;
  buffer.fill(0, 5, 8); // data type, vbucket
  buffer.writeUInt32BE(extras + keyBytes + valueBytes, 8);
  buffer.writeUInt32BE(opaque >>> 0, 12);
  buffer.writeBigUInt64BE(cas, 16);
  if (store) {
    buffer.writeUInt32BE(store.flags >>> 0, 24);
    buffer.writeUInt32BE(store.expires >>> 0, 28);
  }
  buffer.write(key, 24 + extras, 'utf8');
  if (store) store.value.copy(buffer, 24 + extras + keyBytes);
  return buffer;
}

/** The CAS of a reply (0 when the header carries none). */
export function casOf(response: Response): bigint {
  const cas = response.header.cas;
  return cas && cas.length === 8 ? cas.readBigUInt64BE(0) : BigInt(0);
}

/** One request through memjs; a status other than those `accepted` fails with memjs's own message. */
export function perform(client: memjs.Client, name: string, opcode: Opcode, key: string, accepted: readonly number[], store?: Store, cas?: bigint): Promise<Response> {
  const internals = client as unknown as MemjsInternals;
  // memjs masks its sequence with `& 0xffffffff`, which turns negative after 2^31 calls: its callback would sit
  // under a key no reply's opaque (written unsigned) ever matches. Start again from 0 before that.
  if (internals.seq >= 0x7ffffffe) internals.seq = 0;
  internals.incrSeq();
  const buffer = request(opcode, key, internals.seq, store, cas);
  return new Promise((resolve, reject) =>
    internals.perform(key, buffer, internals.seq, (error, response) => {
      if (error) reject(error);
      // memjs matches replies by opaque alone; bytes that only look like a reply mean the stream is lost.
      else if (response.header.magic !== 0x81 || response.header.opcode !== opcode) reject(Object.assign(new Error('a reply that is not an answer to the request'), { code: 'EPROTO' }));
      else if (response.header.status === 0 || accepted.includes(response.header.status)) resolve(response);
      // The same text memjs gives, which the node client classifies (`Value too large` among them).
      else if (STATUS_TEXT[response.header.status]) reject(new Error(`MemJS ${name}: ${STATUS_TEXT[response.header.status]}`));
      // A status memcached does not send: the connection is read out of step, and is thrown away.
      else reject(Object.assign(new Error(`an unknown status 0x${response.header.status.toString(16)}`), { code: 'EPROTO' }));
    }),
  );
}

const batched = new WeakSet<object>();

/**
 * memjs writes each request straight to its socket, one system call apiece; corking until the event loop's
 * check phase sends every request made while handling one poll phase in one write, which is where most of
 * a busy client's time went. Not the next tick: the answers of one node release requests to every node, and
 * flushing after each node's answers sent five small writes where one larger one per node does (measured
 * in bench/throughput.ts). No delay (Nagle off): a pipelined write must not wait for the previous one's ack.
 */
export function batchWrites(client: memjs.Client): void {
  const socket = (client.servers[0] as unknown as { _socket?: import('node:net').Socket })._socket;
  if (!socket || batched.has(socket)) return;
  batched.add(socket);
  socket.setNoDelay(true);
  // memjs leaves calls pending forever when the server closes the connection: fail them now instead.
  socket.once('close', () => (client.servers[0] as unknown as { error(e: Error): void }).error(new Error('the server closed the connection')));
  const write = socket.write;
  let corked = false;
  socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write.apply(this, args);
  } as typeof write;
}
