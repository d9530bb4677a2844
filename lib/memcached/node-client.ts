import 'server-only';
// The seam to one memcached server: a memjs client under our own deadlines, rebuilt after any failure.
import memjs from 'memjs';
import { asciiCommand } from './ascii';
import { parseMetadump, type InventoryItem } from './metadump';
import { WriteFence } from './write-fence';

export interface NodeAddress {
  host: string;
  port: number;
}

/**
 * `out_of_memory`: a store refused because the server is full and may not evict (memcached -M). `draining`: a
 * write not sent, because writes sent earlier on a thrown-away connection may still be applied (see WriteFence).
 */
export type NodeErrorCode = 'timeout' | 'unreachable' | 'closed' | 'too_large' | 'out_of_memory' | 'server_error' | 'protocol' | 'draining';

export class NodeError extends Error {
  constructor(
    readonly code: NodeErrorCode,
    readonly address: string,
    message: string,
    /** True when the call failed only because another call's failure closed the shared connection. */
    readonly collateral = false,
  ) {
    super(`${address}: ${message}`);
    this.name = 'NodeError';
  }
}

const DISCARDED = 'connection discarded';

export interface StoredValue {
  value: Buffer;
  flags: number;
}


export interface NodeClientOptions {
  /** Deadline of each call, in ms. */
  deadlineMs?: number;
  /** Deadline of a full key listing, in ms. */
  inventoryDeadlineMs?: number;
  /** Shared by every client of one server (a client of its own when not given). */
  fence?: WriteFence;
}

const silent = { log: () => undefined };
// memjs's own timers are pushed out of the way: our deadline decides, and a failed client is replaced whole.
const MEMJS_TIMEOUT_SECONDS = 3600;

const enum Opcode {
  Get = 0x00,
  Set = 0x01,
  Add = 0x02,
}

const STATUS_NOT_FOUND = 0x01;
const STATUS_EXISTS = 0x02;
// memjs's texts for the statuses a get or a store can answer (its lib/memjs/protocol.js).
const STATUS_TEXT: Record<number, string> = {
  0x03: 'Value too large',
  0x04: 'Invalid arguments',
  0x05: 'Item not stored',
  0x82: 'Out of memory',
  0x84: 'Internal error',
  0x85: 'Busy',
  0x86: 'Temporary failure',
};

interface Response {
  header: { magic: number; opcode: number; status: number };
  extras: Buffer;
  val: Buffer;
}

/** memjs's request path below its public methods: its sequence numbers, response matching and error fan-out. */
interface MemjsInternals {
  seq: number;
  incrSeq(): void;
  perform(key: string, request: Buffer, seq: number, callback: (error: Error | null, response: Response) => void): void;
}

/**
 * A binary-protocol request built in one buffer. memjs's own builder zero-fills each request twice,
 * allocates its header separately and has no per-call flags; on a busy node it cost more than the
 * rest of a put. Store requests carry flags and expiry as their 8 bytes of extras.
 */
function request(opcode: Opcode, key: string, opaque: number, value?: Buffer, flags = 0, expires = 0): Buffer {
  const keyBytes = Buffer.byteLength(key);
  const extras = value ? 8 : 0;
  const valueBytes = value?.length ?? 0;
  const buffer = Buffer.allocUnsafe(24 + extras + keyBytes + valueBytes);
  buffer[0] = 0x80;
  buffer[1] = opcode;
  buffer.writeUInt16BE(keyBytes, 2);
  buffer[4] = extras;
  buffer.fill(0, 5, 8); // data type, vbucket
  buffer.writeUInt32BE(extras + keyBytes + valueBytes, 8);
  buffer.writeUInt32BE(opaque >>> 0, 12);
  buffer.fill(0, 16, 24); // cas
  if (value) {
    buffer.writeUInt32BE(flags >>> 0, 24);
    buffer.writeUInt32BE(expires >>> 0, 28);
  }
  buffer.write(key, 24 + extras, 'utf8');
  if (value) value.copy(buffer, 24 + extras + keyBytes);
  return buffer;
}

/** One request through memjs; a status other than those `accepted` fails with memjs's own message. */
function perform(client: memjs.Client, name: string, opcode: Opcode, key: string, accepted: readonly number[], value?: Buffer, flags?: number, expires?: number): Promise<Response> {
  const internals = client as unknown as MemjsInternals;
  // memjs masks its sequence with `& 0xffffffff`, which turns negative after 2^31 calls: its callback would sit
  // under a key no reply's opaque (written unsigned) ever matches. Start again from 0 before that.
  if (internals.seq >= 0x7ffffffe) internals.seq = 0;
  internals.incrSeq();
  const buffer = request(opcode, key, internals.seq, value, flags, expires);
  return new Promise((resolve, reject) =>
    internals.perform(key, buffer, internals.seq, (error, response) => {
      if (error) reject(error);
      // memjs matches replies by opaque alone; bytes that only look like a reply mean the stream is lost.
      else if (response.header.magic !== 0x81 || response.header.opcode !== opcode) reject(Object.assign(new Error('a reply that is not an answer to the request'), { code: 'EPROTO' }));
      else if (response.header.status === 0 || accepted.includes(response.header.status)) resolve(response);
      // The same text memjs gives, which toNodeError classifies (`Value too large` among them).
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
function batchWrites(client: memjs.Client): void {
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

export class NodeClient {
  readonly label: string;
  private client: memjs.Client | null = null;
  private readonly deadlineMs: number;
  private readonly inventoryDeadlineMs: number;
  private readonly fence: WriteFence;
  /** Writes sent on each connection and not answered yet. */
  private readonly unanswered = new WeakMap<memjs.Client, number>();

  constructor(
    readonly address: NodeAddress,
    options: NodeClientOptions = {},
  ) {
    this.label = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    this.deadlineMs = options.deadlineMs ?? 1000;
    this.inventoryDeadlineMs = options.inventoryDeadlineMs ?? 30_000;
    this.fence = options.fence ?? new WriteFence();
  }

  async get(key: string): Promise<StoredValue | null> {
    const { header, val, extras } = await this.run((client) => perform(client, 'GET', Opcode.Get, key, [STATUS_NOT_FOUND]));
    if (header.status === STATUS_NOT_FOUND) return null;
    return { value: val, flags: extras.length >= 4 ? extras.readUInt32BE(0) : 0 };
  }

  /** `expires`: 0 never; up to 30 days, seconds from now; beyond, an absolute unix time (memcached's rule). */
  async set(key: string, value: Buffer, expires = 0, flags = 0): Promise<void> {
    await this.write((client) => perform(client, 'SET', Opcode.Set, key, [], value, flags, expires));
  }

  /** Stores only when the key is absent; false when it already existed. */
  async add(key: string, value: Buffer, expires = 0, flags = 0): Promise<boolean> {
    const { header } = await this.write((client) => perform(client, 'ADD', Opcode.Add, key, [STATUS_EXISTS], value, flags, expires));
    return header.status !== STATUS_EXISTS;
  }

  /** False when the key was not there. */
  async delete(key: string): Promise<boolean> {
    return this.write((client) => client.delete(key));
  }

  /** The general `stats`, or a group such as `settings`, `slabs` or `items`. */
  async stats(group = ''): Promise<Record<string, string>> {
    return this.run(
      (client) =>
        new Promise((resolve, reject) =>
          client.statsWithKey(group, (error, _server, stats) => {
            if (error) reject(error);
            // `stats items` of a server holding nothing is empty.
            else if (group === 'items' && stats && Object.keys(stats).length === 0) resolve(stats);
            // Otherwise memcached always has something to report; an empty answer is some other reply read as the end of one.
            else if (!stats || Object.keys(stats).length === 0) reject(Object.assign(new Error('an empty stats reply'), { code: 'EPROTO' }));
            else resolve(stats);
          }),
        ),
    );
  }

  async flush(): Promise<void> {
    await this.write((client) => client.flush());
  }

  /**
   * Every live key on the server, from `lru_crawler metadump`: by hash table where the server supports it,
   * because a walk of the LRUs misses items that move between them while it runs (measured: 16 of 5,000
   * keys missed in most passes under concurrent reads). memcached prints `exp` as an absolute unix time
   * (-1 for none) and URL-encodes keys. Retries while the crawler is busy.
   */
  async inventory(): Promise<InventoryItem[]> {
    const started = Date.now();
    let walk = 'hash';
    for (;;) {
      const remaining = this.inventoryDeadlineMs - (Date.now() - started);
      if (remaining <= 0) throw new NodeError('timeout', this.label, 'the key listing did not finish in time');
      let reply: string;
      try {
        reply = await asciiCommand(this.address, `lru_crawler metadump ${walk}`, (tail) => /(^|\n)END\r\n$/.test(tail) || /^BUSY[^\n]*\r\n$/.test(tail), remaining);
      } catch (error) {
        const failure = this.toNodeError(error);
        // Servers before the hash walk answer it with an error line: fall back to walking the LRUs.
        if (walk === 'hash' && failure.code === 'protocol') {
          walk = 'all';
          continue;
        }
        throw failure;
      }
      if (reply.startsWith('BUSY')) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      return parseMetadump(reply, Date.now() / 1000);
    }
  }

  /** Remaining lifetime of a key in seconds (-1: never expires), or null when it is absent. Meta get, `t` flag. */
  async ttl(key: string): Promise<number | null> {
    let reply: string;
    try {
      // The key travels base64-encoded (`b`), so no key text is ever parsed as part of a text command.
      reply = await asciiCommand(this.address, `mg ${Buffer.from(key).toString('base64')} b t`, (tail) => /\r\n$/.test(tail), this.deadlineMs);
    } catch (error) {
      throw this.toNodeError(error);
    }
    if (reply.startsWith('EN')) return null;
    const ttl = /^HD.* t(-?\d+)/.exec(reply);
    if (!ttl) throw new NodeError('protocol', this.label, `unexpected meta reply ${JSON.stringify(reply.slice(0, 40))}`);
    return Number(ttl[1]);
  }

  /** Drops the connection; the next call opens a fresh one. */
  close(): void {
    this.discard();
  }

  private connection(): memjs.Client {
    if (!this.client) {
      const options = { timeout: MEMJS_TIMEOUT_SECONDS, conntimeout: MEMJS_TIMEOUT_SECONDS, keepAlive: false };
      const server = new memjs.Server(this.address.host, this.address.port, undefined, undefined, options);
      // memjs falls back to MEMCACHE_*/MEMCACHIER_* credentials from the environment; no node gets them.
      Object.assign(server, { username: undefined, password: undefined });
      this.client = new memjs.Client([server], { retries: 0, failover: false, logger: silent });
    }
    return this.client;
  }

  /** A write waits, within its deadline, until no older write to the server can still be applied. */
  private async write<T>(call: (client: memjs.Client) => Promise<T>): Promise<T> {
    const started = performance.now();
    if (!(await this.fence.settled(this.deadlineMs))) {
      throw new NodeError('draining', this.label, `writes sent before a connection was dropped may still be applied; not written within ${this.deadlineMs} ms`);
    }
    return this.run(call, true, this.deadlineMs - (performance.now() - started));
  }

  /** Runs one call under the deadline; any transport failure throws the memjs client away. */
  private run<T>(call: (client: memjs.Client) => Promise<T>, write = false, deadlineMs = this.deadlineMs): Promise<T> {
    const client = this.connection();
    if (write) this.unanswered.set(client, (this.unanswered.get(client) ?? 0) + 1);
    const answered = () => write && this.unanswered.set(client, (this.unanswered.get(client) ?? 1) - 1);
    // One promise settled by the answer or the deadline, whichever comes first; a race against a deadline promise cost two more per call.
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const failure = this.toNodeError(error);
        // A refusal is an answer: the connection stays in step.
        if (failure.code === 'too_large' || failure.code === 'out_of_memory' || failure.code === 'server_error') answered();
        else this.discard(client);
        reject(failure);
      };
      const timer = setTimeout(() => fail(new NodeError('timeout', this.label, `no answer within ${this.deadlineMs} ms`)), Math.max(0, deadlineMs));
      let pending: Promise<T>;
      try {
        pending = call(client);
        batchWrites(client);
      } catch (error) {
        return fail(error);
      }
      pending.then((value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        answered();
        resolve(value);
      }, fail);
    });
  }

  private discard(client = this.client): void {
    if (!client) return;
    if (this.client === client) this.client = null;
    for (const server of client.servers) {
      const internals = server as unknown as { _socket?: import('node:net').Socket; error(e: Error): void };
      // Writes still unanswered may yet be applied: the socket is handed to the fence instead of destroyed. One
      // still connecting has sent nothing, so destroying it loses nothing.
      const socket = internals._socket;
      if (socket && !socket.connecting && (this.unanswered.get(client) ?? 0) > 0) {
        delete internals._socket;
        this.fence.hold(socket);
      }
      // Server#error fails every pending call at once and destroys a socket it still has (close() would wait for a frozen peer).
      internals.error(new Error(DISCARDED));
    }
  }

  private toNodeError(error: unknown): NodeError {
    if (error instanceof NodeError) return error;
    const { code, message = String(error) } = (error ?? {}) as { code?: string; message?: string };
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EAI_AGAIN') {
      return new NodeError('unreachable', this.label, message);
    }
    if (code === 'ETIMEDOUT') return new NodeError('timeout', this.label, message);
    if (code === 'EPROTO') return new NodeError('protocol', this.label, message);
    if (/Value too large/i.test(message)) return new NodeError('too_large', this.label, message);
    if (/^MemJS \w+: Out of memory/.test(message)) return new NodeError('out_of_memory', this.label, message);
    if (/^MemJS /.test(message)) return new NodeError('server_error', this.label, message);
    if (message === DISCARDED) return new NodeError('closed', this.label, message, true);
    return new NodeError('closed', this.label, message);
  }
}
