import 'server-only';
// One memcached server's connections: a memjs client under our own deadlines, thrown away after any failure, its writes fenced and kept in the ledger.
import memjs from 'memjs';
import { batchWrites } from './binary';
import { NodeError } from './node-error';
import { QuietConnection } from './quiet';
import { WriteFence } from './write-fence';
import { WriteLedger, type KeyWrite } from './write-ledger';

export interface NodeAddress {
  host: string;
  port: number;
}

const DISCARDED = 'connection discarded';

export interface NodeClientOptions {
  /** Deadline of each call, in ms. */
  deadlineMs?: number;
  /** Deadline of a full key listing, in ms. */
  inventoryDeadlineMs?: number;
  /** Shared by every client of one server (a client of its own when not given). */
  fence?: WriteFence;
  /** This process's writes to the server, shared like the fence (see WriteLedger). */
  ledger?: WriteLedger;
}

const silent = { log: () => undefined };
// memjs's own timers are pushed out of the way: our deadline decides, and a failed client is replaced whole.
const MEMJS_TIMEOUT_SECONDS = 3600;

/** The transport under NodeClient's commands (see ./node-commands, ./node-client). */
export class NodeConnection {
  readonly label: string;
  private client: memjs.Client | null = null;
  /** The data path's plain versioned sets and gets, in quiet batches (see ./quiet). */
  private quiet: QuietConnection | null = null;
  protected readonly deadlineMs: number;
  protected readonly inventoryDeadlineMs: number;
  protected readonly fence: WriteFence;
  protected readonly ledger: WriteLedger;
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
    this.ledger = options.ledger ?? new WriteLedger();
  }

  /** Drops the connection; the next call opens a fresh one. */
  close(): void {
    this.discard();
    this.quiet?.close();
    this.quiet = null;
  }

  /**
   * The quiet connection, for the data path's plain calls made without a promise each (a write only while no
   * thrown-away connection may still deliver older writes: null then, and the write takes `setVersioned`).
   */
  quietFor(write: boolean): QuietConnection | null {
    return write && this.fence.holding ? null : this.quietConnection();
  }

  protected quietConnection(): QuietConnection {
    if (!this.quiet?.usable) this.quiet = new QuietConnection(this.label, this.address, this.deadlineMs, this.fence, this.ledger);
    return this.quiet;
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
  protected async write<T>(call: (client: memjs.Client) => Promise<T>): Promise<T> {
    const until = Date.now() + this.deadlineMs;
    await this.fenced(until);
    return this.run(call, this.remaining(until), true);
  }

  protected async fenced(until: number): Promise<void> {
    if (await this.fence.settled(this.remaining(until))) return;
    throw new NodeError('draining', this.label, `writes sent before a connection was dropped may still be applied; not written within ${this.deadlineMs} ms`);
  }

  /**
   * A mutating command kept in the ledger: counted once answered, with what it `left` of the key; in doubt when it
   * fails, a refusal included (whether memcached counted it, and what it dropped, the answer does not say).
   */
  protected ledgered<T>(command: Counted | ((answer: T) => Counted), key: string, send: () => Promise<T>, left: (answer: T) => KeyWrite | null): Promise<T> {
    this.ledger.begin();
    let sending: Promise<T>;
    try {
      sending = send();
    } catch (error) {
      this.ledger.doubted();
      throw error;
    }
    return sending.then(
      (answer) => {
        this.ledger.answered(typeof command === 'function' ? command(answer) : command, key, left(answer));
        return answer;
      },
      (error: unknown) => {
        this.ledger.doubted();
        throw error;
      },
    );
  }

  /** Time left before `until`; a call out of time fails before it sends anything, so the connection stays. */
  protected remaining(until: number): number {
    const left = until - Date.now();
    if (left <= 0) throw new NodeError('timeout', this.label, `no answer within ${this.deadlineMs} ms`);
    return left;
  }

  /** Runs one call under the deadline; any transport failure throws the memjs client away. */
  protected run<T>(call: (client: memjs.Client) => Promise<T>, deadlineMs = this.deadlineMs, write = false): Promise<T> {
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
      const timer = setTimeout(() => fail(new NodeError('timeout', this.label, `no answer within ${this.deadlineMs} ms`)), deadlineMs);
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

  protected toNodeError(error: unknown): NodeError {
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

/** The counter of memcached's an answered command moves: `cmd_set`, the deletes' hits and misses, or none. */
type Counted = 'set' | 'delete' | null;
