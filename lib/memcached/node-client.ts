import 'server-only';
// The seam to one memcached server: its commands (./node-commands) on its connections (./node-connection), and the calls made of several: conditional writes and key listings.
import { compareItemVersions, decodeItem, type Envelope, type ItemVersion } from '../envelope';
import { Opcode, perform, STATUS_EXISTS, STATUS_NOT_FOUND, type Store } from './binary';
import type { KeyColumns, NodeColumn } from '../key-columns';
import { listNode, listNodeInto, type Listing } from './listing';
import type { InventoryItem } from './metadump';
import { NodeCommands } from './node-commands';
import { TombstoneIndex } from './tombstones';
import { NodeError, type NodeErrorCode } from './node-error';
import { storeLeaves } from './write-ledger';

export { NodeError, type NodeErrorCode };

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

export class NodeClient extends NodeCommands {
  private readonly tombstones = new TombstoneIndex();

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

  /**
   * As listing, with the keys numbered into `table`, one for the whole cluster's listings; `onStats` sees the `stats` it
   * starts from, and `withCas` keeps each item's CAS.
   */
  async listingInto(table: KeyColumns, options: { onStats?: (stats: Record<string, string>) => void; withCas?: boolean } = {}): Promise<Omit<Listing, 'keys'> & { column: NodeColumn }> {
    return listNodeInto(this, this.tombstones, Date.now() + this.inventoryDeadlineMs, table, options);
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
}

/** An item as read, ready to be stored elsewhere unchanged. */
export function envelopeOf(item: VersionedItem): Envelope {
  return { flags: item.flags, value: item.value };
}
