import 'server-only';
// One memcached server's commands, a round trip each: plain and versioned reads and writes, deletes, stats, flush, metadump and TTLs.
import { decodeItem, type Envelope } from '../envelope';
import { asciiCommand } from './ascii';
import { casOf, Opcode, perform, STATUS_EXISTS, STATUS_NOT_FOUND } from './binary';
import type { VersionedItem } from './node-client';
import { NodeConnection } from './node-connection';
import { NodeError } from './node-error';
import { storeLeaves, type KeyWrite } from './write-ledger';

export interface StoredValue {
  value: Buffer;
  flags: number;
}

/** The commands NodeClient builds its conditional writes and listings on (see ./node-client). */
export class NodeCommands extends NodeConnection {
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
}

const GONE: KeyWrite = { kind: 'gone', exp: 0 };

function versionedItem(flags: number, value: Buffer, cas: bigint): VersionedItem {
  // Built field by field: spreading the decoded union cost more than the rest of the read (measured, 64 in flight).
  const { kind, version, bytes } = decodeItem(flags, value);
  return { kind, version, bytes, flags, cas, value };
}

function flagsOf(extras: Buffer): number {
  return extras.length >= 4 ? extras.readUInt32BE(0) : 0;
}
