import 'server-only';
// The seam to one memcached server: a memjs client under our own deadlines, rebuilt after any failure.
import memjs from 'memjs';
import { compareItemVersions, decodeItem, type Envelope, type ItemVersion } from '../envelope';
import { asciiCommand } from './ascii';
import { batchWrites, casOf, Opcode, perform, STATUS_EXISTS, STATUS_NOT_FOUND, type Store } from './binary';
import type { KeyColumns, NodeColumn } from '../key-columns';
import { listNode, listNodeInto, type Listing } from './listing';
import type { InventoryItem } from './metadump';
import { TombstoneIndex } from './tombstones';
import { NodeError, type NodeErrorCode } from './node-error';
import { QuietConnection } from './quiet';
import { WriteFence } from './write-fence';
import { storeLeaves, WriteLedger, type KeyWrite } from './write-ledger';

export { NodeError, type NodeErrorCode };

export interface NodeAddress {
  host: string;
  port: number;
}

const DISCARDED = 'connection discarded';

export interface StoredValue {
  value: Buffer;
  flags: number;
}

/** An item read for versioned writes: what it holds, its write version (null: unversioned, oldest) and its CAS. */
export interface VersionedItem {
  kind: 'value' | 'tombstone' | 'unversioned';
  version: ItemVersion | null;
  /** The user's bytes: the value after the envelope's header, or the whole value of an unversioned item. */
  bytes: Buffer;
  flags: number;
  cas: bigint;
  /** The item's bytes as stored (the envelope whole): what a copy writes elsewhere. */
  value: Buffer;
}

/** `older`: the node already holds this version, a newer one, or a newer tombstone; nothing was written. */
export type PutOutcome = 'stored' | 'older';

/** A conditional write's outcome and what the key held when it was decided: the item replaced, or the newer one kept (null: absent). */
export interface ConditionalWrite {
  outcome: PutOutcome;
  previous: VersionedItem['kind'] | null;
}

/** Compare-and-swap rounds a conditional write makes before it reports the key `contended`. */
const PUT_ATTEMPTS = 8;

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

export class NodeClient {
  readonly label: string;
  private client: memjs.Client | null = null;
  /** The data path's plain versioned sets and gets, in quiet batches (see ./quiet). */
  private quiet: QuietConnection | null = null;
  private readonly deadlineMs: number;
  private readonly inventoryDeadlineMs: number;
  private readonly tombstones = new TombstoneIndex();
  private readonly fence: WriteFence;
  private readonly ledger: WriteLedger;
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

  async get(key: string): Promise<StoredValue | null> {
    const { header, val, extras } = await this.run((client) => perform(client, 'GET', Opcode.Get, key, [STATUS_NOT_FOUND]));
    if (header.status === STATUS_NOT_FOUND) return null;
    return { value: val, flags: flagsOf(extras) };
  }

  /** `expires`: 0 never; up to 30 days, seconds from now; beyond, an absolute unix time (memcached's rule). */
  async set(key: string, value: Buffer, expires = 0, flags = 0): Promise<void> {
    await this.ledgered(
      'set',
      key,
      () => this.write((client) => perform(client, 'SET', Opcode.Set, key, [], { value, flags, expires })),
      () => storeLeaves(flags, value, expires),
    );
  }

  /** Stores only when the key is absent; false when it already existed. */
  async add(key: string, value: Buffer, expires = 0, flags = 0): Promise<boolean> {
    const { header } = await this.ledgered(
      'set',
      key,
      () => this.write((client) => perform(client, 'ADD', Opcode.Add, key, [STATUS_EXISTS], { value, flags, expires })),
      ({ header }) => (header.status === STATUS_EXISTS ? null : storeLeaves(flags, value, expires)),
    );
    return header.status !== STATUS_EXISTS;
  }

  /**
   * A key's item with its write version and CAS (the binary GET's header carries it), or null when absent.
   * `until` (epoch ms) shortens the deadline for a call that is part of a longer one.
   */
  async getVersioned(key: string, until = Infinity): Promise<VersionedItem | null> {
    // The data path's plain read goes in a quiet batch; a read that is part of a longer call keeps its own deadline on memjs.
    if (until === Infinity) {
      const hit = await this.quietConnection().get(key);
      return hit && versionedItem(hit.flags, hit.value, hit.cas);
    }
    const deadlineMs = Math.min(this.deadlineMs, this.remaining(until));
    const response = await this.run((client) => perform(client, 'GET', Opcode.Get, key, [STATUS_NOT_FOUND]), deadlineMs);
    if (response.header.status === STATUS_NOT_FOUND) return null;
    return versionedItem(flagsOf(response.extras), response.val, casOf(response));
  }

  /** Stores an envelope whatever the node holds: one round trip, for a writer that knows it writes the newest version. */
  setVersioned(key: string, envelope: Envelope, expires = 0): Promise<void> {
    // No async wrapper of its own: on the data path's hottest call, the extra promise showed in the profile.
    // While the fence holds, the write waits on memjs's path, which waits for the fence within its deadline.
    if (this.fence.holding) return this.set(key, envelope.value, expires, envelope.flags);
    return this.quietConnection().set(key, envelope.value, envelope.flags, expires);
  }

  /**
   * Stores an envelope only over an older item: ADD when the key is absent, otherwise a read, a comparison and
   * a SET carrying the CAS read, so a write landing in between makes it start again rather than be overwritten.
   * Equal versions are the same write, already there. One deadline covers every round trip. Round trips:
   * absent 1, newer already there 2, older there 3; with `present` (the caller expects the key there, as a
   * delete does) it reads first: newer there 1, otherwise 2.
   */
  async putIfNewer(key: string, envelope: Envelope, expires = 0, options: { present?: boolean } = {}): Promise<PutOutcome> {
    if (!decodeItem(envelope.flags, envelope.value).version) throw new Error('putIfNewer takes a versioned envelope');
    return (await this.storeIfNewer(key, envelope, expires, options)).outcome;
  }

  /**
   * `putIfNewer` that also says what the key held. It takes an unversioned item too (a value from earlier
   * Ringside being copied): that one is oldest of all, so it is stored only where the key is absent or holds
   * another unversioned item, never over a versioned write.
   */
  async storeIfNewer(key: string, envelope: Envelope, expires = 0, { present = false }: { present?: boolean } = {}): Promise<ConditionalWrite> {
    const incoming = decodeItem(envelope.flags, envelope.value).version;
    const until = Date.now() + this.deadlineMs;
    const store = { value: envelope.value, flags: envelope.flags, expires };
    let add = !present;
    for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
      if (add && (await this.store('ADD', Opcode.Add, key, store, until))) return { outcome: 'stored', previous: null };
      add = true;
      const current = await this.getVersioned(key, until);
      // Absent (or deleted since the ADD): the next round adds.
      if (!current) continue;
      const kept = incoming ? compareItemVersions(current.version, incoming) >= 0 : current.version !== null;
      if (kept) return { outcome: 'older', previous: current.kind };
      if (await this.store('SET', Opcode.Set, key, { ...store, cas: current.cas }, until)) return { outcome: 'stored', previous: current.kind };
    }
    throw new NodeError('contended', this.label, `${PUT_ATTEMPTS} conditional writes of one key lost to other writes`);
  }

  /** False when the key was not there. */
  async delete(key: string): Promise<boolean> {
    return this.ledgered(
      'delete',
      key,
      () => this.write((client) => client.delete(key)),
      () => GONE,
    );
  }

  /**
   * Deletes the item only while its CAS is still `cas` (a binary DELETE carrying it): `changed` when a write has
   * replaced it since (memcached answers EXISTS and counts it as neither a delete hit nor a miss).
   */
  async deleteIfUnchanged(key: string, cas: bigint): Promise<'deleted' | 'absent' | 'changed'> {
    const { header } = await this.ledgered(
      ({ header }) => (header.status === STATUS_EXISTS ? null : 'delete'),
      key,
      () => this.write((client) => perform(client, 'DELETE', Opcode.Delete, key, [STATUS_EXISTS, STATUS_NOT_FOUND], undefined, cas)),
      ({ header }) => (header.status === STATUS_EXISTS ? null : GONE),
    );
    return header.status === STATUS_EXISTS ? 'changed' : header.status === STATUS_NOT_FOUND ? 'absent' : 'deleted';
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
    // Every key goes: no change the ledger could record, so the inventory lists the server again.
    this.ledger.begin();
    await this.write((client) => client.flush()).finally(() => this.ledger.doubted());
  }

  /** Every live user key on the server: tombstones and Ringside's reserved keys left out. */
  async inventory(): Promise<InventoryItem[]> {
    return (await this.listing()).keys;
  }

  /**
   * Keys and tombstones apart, read from `lru_crawler metadump` and the few reads its item sizes call for
   * (see ./listing). The whole listing, reads included, has the listing deadline.
   */
  async listing(): Promise<Listing> {
    return listNode(this, this.tombstones, Date.now() + this.inventoryDeadlineMs);
  }

  /** As listing, with the keys numbered into `table`, one for the whole cluster's listings; `onStats` sees the `stats` it starts from. */
  async listingInto(table: KeyColumns, onStats?: (stats: Record<string, string>) => void): Promise<Omit<Listing, 'keys'> & { column: NodeColumn }> {
    return listNodeInto(this, this.tombstones, Date.now() + this.inventoryDeadlineMs, table, onStats);
  }

  /**
   * The raw metadump reply: by hash table where the server supports it, because a walk of the LRUs misses
   * items that move between them while it runs (measured: 16 of 5,000 keys missed in most passes under
   * concurrent reads). memcached prints `exp` as an absolute unix time (-1 for none) and URL-encodes keys.
   * Retries while the crawler is busy.
   */
  async metadump(until: number): Promise<string> {
    let walk = 'hash';
    for (;;) {
      const remaining = until - Date.now();
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
      return reply;
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

  private quietConnection(): QuietConnection {
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
  private async write<T>(call: (client: memjs.Client) => Promise<T>): Promise<T> {
    const until = Date.now() + this.deadlineMs;
    await this.fenced(until);
    return this.run(call, this.remaining(until), true);
  }

  private async fenced(until: number): Promise<void> {
    if (await this.fence.settled(this.remaining(until))) return;
    throw new NodeError('draining', this.label, `writes sent before a connection was dropped may still be applied; not written within ${this.deadlineMs} ms`);
  }

  /** One store of a conditional write; false when the key existed (ADD), or changed or went (SET with a CAS). */
  private async store(name: string, opcode: Opcode, key: string, store: Store, until: number): Promise<boolean> {
    const { header } = await this.ledgered(
      'set',
      key,
      async () => {
        await this.fenced(until);
        return this.run((client) => perform(client, name, opcode, key, [STATUS_EXISTS, STATUS_NOT_FOUND], store), Math.min(this.deadlineMs, this.remaining(until)), true);
      },
      (response) => (response.header.status === 0 ? storeLeaves(store.flags, store.value, store.expires) : null),
    );
    return header.status === 0;
  }

  /**
   * A mutating command kept in the ledger: counted once answered, with what it `left` of the key; in doubt when it
   * fails, a refusal included (whether memcached counted it, and what it dropped, the answer does not say).
   */
  private ledgered<T>(command: Counted | ((answer: T) => Counted), key: string, send: () => Promise<T>, left: (answer: T) => KeyWrite | null): Promise<T> {
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
  private remaining(until: number): number {
    const left = until - Date.now();
    if (left <= 0) throw new NodeError('timeout', this.label, `no answer within ${this.deadlineMs} ms`);
    return left;
  }

  /** Runs one call under the deadline; any transport failure throws the memjs client away. */
  private run<T>(call: (client: memjs.Client) => Promise<T>, deadlineMs = this.deadlineMs, write = false): Promise<T> {
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

const GONE: KeyWrite = { kind: 'gone', exp: 0 };

/** The counter of memcached's an answered command moves: `cmd_set`, the deletes' hits and misses, or none. */
type Counted = 'set' | 'delete' | null;

/** What a store leaves of its key, as a listing tells it: a tombstone (a versioned delete), or a value (unversioned ones included). */

/** An item as read, ready to be stored elsewhere unchanged. */
export function envelopeOf(item: VersionedItem): Envelope {
  return { flags: item.flags, value: item.value };
}

function versionedItem(flags: number, value: Buffer, cas: bigint): VersionedItem {
  // Built field by field: spreading the decoded union cost more than the rest of the read (measured, 64 in flight).
  const { kind, version, bytes } = decodeItem(flags, value);
  return { kind, version, bytes, flags, cas, value };
}

function flagsOf(extras: Buffer): number {
  return extras.length >= 4 ? extras.readUInt32BE(0) : 0;
}
