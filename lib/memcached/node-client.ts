import 'server-only';
// The seam to one memcached server: a memjs client under our own deadlines, rebuilt after any failure.
import memjs from 'memjs';
import { asciiCommand, decodeKey } from './ascii';

export interface NodeAddress {
  host: string;
  port: number;
}

export type NodeErrorCode = 'timeout' | 'unreachable' | 'closed' | 'too_large' | 'server_error' | 'protocol';

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

/** A key as the server lists it: `exp` is an absolute unix time in seconds, or -1 when it never expires. */
export interface InventoryItem {
  key: string;
  exp: number;
  size: number;
}

export interface NodeClientOptions {
  /** Deadline of each call, in ms. */
  deadlineMs?: number;
  /** Deadline of a full key listing, in ms. */
  inventoryDeadlineMs?: number;
}

const silent = { log: () => undefined };
// memjs's own timers are pushed out of the way: our deadline decides, and a failed client is replaced whole.
const MEMJS_TIMEOUT_SECONDS = 3600;

/**
 * memjs has no per-call flags on set; a serializer is called synchronously inside set/add, so it can
 * write the flags of the call being made into the request's extras.
 */
let flagsForNextWrite = 0;
const serializer = {
  serialize(_opcode: number, value: string | Buffer, extras: Buffer) {
    if (extras.length >= 4) extras.writeUInt32BE(flagsForNextWrite >>> 0, 0);
    return { value, extras };
  },
  deserialize(_opcode: number, value: Buffer | null, extras: Buffer | null) {
    return { value, extras };
  },
};

const batched = new WeakSet<object>();

/**
 * memjs writes each request straight to its socket, one system call apiece; corking until the next tick
 * sends every request made in the same tick in one write, which is where most of a busy client's time went.
 */
function batchWrites(client: memjs.Client): void {
  const socket = (client.servers[0] as unknown as { _socket?: import('node:net').Socket })._socket;
  if (!socket || batched.has(socket)) return;
  batched.add(socket);
  // memjs leaves calls pending forever when the server closes the connection: fail them now instead.
  socket.once('close', () => (client.servers[0] as unknown as { error(e: Error): void }).error(new Error('the server closed the connection')));
  const write = socket.write;
  let corked = false;
  socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write.apply(this, args);
  } as typeof write;
}

/** Items of a metadump reply, skipping those already expired. */
function parseMetadump(reply: string, nowSeconds: number): InventoryItem[] {
  const items: InventoryItem[] = [];
  for (const line of reply.split('\n')) {
    if (!line.startsWith('key=')) continue;
    const fields = Object.fromEntries(line.trim().split(' ').map((pair) => pair.split('=', 2) as [string, string]));
    const exp = Number(fields.exp);
    if (exp !== -1 && exp <= nowSeconds) continue;
    items.push({ key: decodeKey(fields.key), exp, size: Number(fields.size) });
  }
  return items;
}

export class NodeClient {
  readonly label: string;
  private client: memjs.Client | null = null;
  private readonly deadlineMs: number;
  private readonly inventoryDeadlineMs: number;

  constructor(
    readonly address: NodeAddress,
    options: NodeClientOptions = {},
  ) {
    this.label = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    this.deadlineMs = options.deadlineMs ?? 1000;
    this.inventoryDeadlineMs = options.inventoryDeadlineMs ?? 30_000;
  }

  async get(key: string): Promise<StoredValue | null> {
    const { value, flags } = await this.run((client) => client.get(key) as Promise<{ value: Buffer | null; flags: Buffer | null }>);
    return value ? { value, flags: flags && flags.length >= 4 ? flags.readUInt32BE(0) : 0 } : null;
  }

  /** `expires`: 0 never; up to 30 days, seconds from now; beyond, an absolute unix time (memcached's rule). */
  async set(key: string, value: Buffer, expires = 0, flags = 0): Promise<void> {
    await this.run((client) => {
      flagsForNextWrite = flags;
      return client.set(key, value, { expires });
    });
  }

  /** Stores only when the key is absent; false when it already existed. */
  async add(key: string, value: Buffer, expires = 0, flags = 0): Promise<boolean> {
    return this.run((client) => {
      flagsForNextWrite = flags;
      return client.add(key, value, { expires });
    });
  }

  /** False when the key was not there. */
  async delete(key: string): Promise<boolean> {
    return this.run((client) => client.delete(key));
  }

  /** The general `stats`, or a group such as `settings`. */
  async stats(group = ''): Promise<Record<string, string>> {
    return this.run(
      (client) =>
        new Promise((resolve, reject) =>
          client.statsWithKey(group, (error, _server, stats) => (error || !stats ? reject(error ?? new Error('no stats')) : resolve(stats))),
        ),
    );
  }

  async flush(): Promise<void> {
    await this.run((client) => client.flush());
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
      this.client = new memjs.Client([server], { retries: 0, failover: false, logger: silent, serializer } as memjs.ClientOptions & { serializer: typeof serializer });
    }
    return this.client;
  }

  /** Runs one call under the deadline; any transport failure throws the memjs client away. */
  private async run<T>(call: (client: memjs.Client) => Promise<T>): Promise<T> {
    const client = this.connection();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NodeError('timeout', this.label, `no answer within ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    try {
      const pending = call(client);
      batchWrites(client);
      return await Promise.race([pending, deadline]);
    } catch (error) {
      const failure = this.toNodeError(error);
      if (failure.code !== 'too_large' && failure.code !== 'server_error') this.discard(client);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  private discard(client = this.client): void {
    if (!client) return;
    if (this.client === client) this.client = null;
    // Server#error fails every pending call at once and destroys the socket (close() would wait for a frozen peer).
    for (const server of client.servers) (server as unknown as { error(e: Error): void }).error(new Error(DISCARDED));
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
    if (/^MemJS /.test(message)) return new NodeError('server_error', this.label, message);
    if (message === DISCARDED) return new NodeError('closed', this.label, message, true);
    return new NodeError('closed', this.label, message);
  }
}
