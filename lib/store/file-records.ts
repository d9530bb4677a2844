import 'server-only';
// The file store's records: ring, health, suspects, journal, consistency and events held in memory, each change stamped, written to cluster.json and told to the watchers.
import type { ClusterEvent } from '../cluster/events';
import type { ConsistencyLevels } from '../consistency';
import { encodeVersion, type HybridClock } from '../version';
import { writeClusterFile } from './cluster-file';
import type { FileStoreOptions } from './file-store';
import { checkNextVersion } from './records';
import {
  DEFAULT_EVENT_LIMIT,
  type ChangeJournal,
  type CommitResult,
  type ConsistencyRecord,
  type JournalRecord,
  type Membership,
  type NodeHealth,
  type RingRecord,
  type StoreChange,
  type StoredEvent,
  type StoreResult,
  type StoreState,
} from './types';

/** The records FileStore keeps (see ./file-store), and the one write at a time that saves them. */
export class FileRecords {
  private readonly clock: HybridClock;
  protected readonly listeners = new Set<(change: StoreChange) => void>();
  private pending: Promise<StoreResult> | null = null;
  private writing: Promise<unknown> = Promise.resolve();
  /** Whether cluster.json says clients are connected (kept so that a restart knows they may still be writing). */
  protected clients: boolean;

  protected constructor(
    private readonly dataDir: string,
    private readonly state: StoreState,
    private readonly options: FileStoreOptions,
    clock: HybridClock,
    clients: boolean,
  ) {
    this.clock = clock;
    this.clients = clients;
  }

  get writer(): string {
    return this.clock.writer;
  }

  /** The ring and the change in flight as held now, not copied: for a quick look, never to change. */
  peek(): Pick<Readonly<StoreState>, 'ring' | 'journal'> {
    return { ring: this.state.ring, journal: this.state.journal };
  }

  async load(): Promise<StoreResult<{ state: StoreState }>> {
    return { ok: true, state: structuredClone(this.state) };
  }

  async commitRing(expectedVersion: number, next: Membership): Promise<CommitResult> {
    checkNextVersion(expectedVersion, next);
    const previous = this.state.ring;
    if ((previous?.version ?? 0) !== expectedVersion) {
      return { ok: false, error: 'conflict', message: `the ring is at version ${previous?.version ?? 0}, not ${expectedVersion}`, current: structuredClone(previous) };
    }
    const ring: RingRecord = { ...structuredClone(next), stamp: this.stamp() };
    this.state.ring = ring;
    const saved = await this.flush();
    if (!saved.ok) {
      // The switch did not reach the disk: a restart would find the old ring, so this process must too.
      if (this.state.ring === ring) this.state.ring = previous;
      return saved;
    }
    this.notify({ type: 'ring', ring: structuredClone(ring) });
    return { ok: true, ring: structuredClone(ring) };
  }

  /** `writer`: the process the record is from, when a client writes through this process's API. */
  async setHealth(node: string, health: NodeHealth | null, writer = this.writer): Promise<StoreResult> {
    const record = health ? { ...structuredClone(health), stamp: this.stamp(writer) } : null;
    if (record) this.state.health[node] = record;
    else delete this.state.health[node];
    return this.saveAndNotify({ type: 'health', node, health: structuredClone(record) });
  }

  async addSuspects(node: string, keys: readonly string[], writer = this.writer): Promise<StoreResult> {
    const held = new Set(this.state.suspects[node] ?? []);
    // Every key is announced, held already or not, as etcd's watch does: a writer counts its marks' echoes.
    const added = [...new Set(keys)];
    if (added.length === 0) return { ok: true };
    this.state.suspects[node] = [...held, ...added.filter((key) => !held.has(key))];
    return this.saveAndNotify({ type: 'suspects', node, added, cleared: [], writer });
  }

  async clearSuspects(node: string, keys?: readonly string[]): Promise<StoreResult> {
    const held = this.state.suspects[node] ?? [];
    const drop = keys ? new Set(keys) : null;
    const kept = drop ? held.filter((key) => !drop.has(key)) : [];
    const cleared = drop ? held.filter((key) => drop.has(key)) : held;
    if (cleared.length === 0) return { ok: true };
    if (kept.length) this.state.suspects[node] = kept;
    else delete this.state.suspects[node];
    return this.saveAndNotify({ type: 'suspects', node, added: [], cleared });
  }

  async writeJournal(journal: ChangeJournal | null): Promise<StoreResult> {
    const record: JournalRecord | null = journal ? { ...structuredClone(journal), stamp: this.stamp() } : null;
    this.state.journal = record;
    return this.saveAndNotify({ type: 'journal', journal: structuredClone(record) });
  }

  async setConsistency(levels: ConsistencyLevels): Promise<StoreResult<{ consistency: ConsistencyRecord }>> {
    const previous = this.state.consistency;
    const consistency: ConsistencyRecord = { w: levels.w, r: levels.r, stamp: this.stamp() };
    this.state.consistency = consistency;
    const saved = await this.flush();
    if (!saved.ok) {
      // Not on disk: a restart would find the old levels, so this process keeps them too.
      if (this.state.consistency === consistency) this.state.consistency = previous;
      return saved;
    }
    this.notify({ type: 'consistency', consistency: { ...consistency } });
    return { ok: true, consistency: { ...consistency } };
  }

  async appendEvent(event: ClusterEvent, writer = this.writer): Promise<StoreResult<{ event: StoredEvent }>> {
    const stored = { ...structuredClone(event), at: Date.now(), stamp: this.stamp(writer) } as StoredEvent;
    this.state.events.push(stored);
    const limit = this.options.eventLimit ?? DEFAULT_EVENT_LIMIT;
    if (this.state.events.length > limit) this.state.events.splice(0, this.state.events.length - limit);
    const saved = await this.saveAndNotify({ type: 'event', event: stored });
    return saved.ok ? { ok: true, event: stored } : saved;
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    // Like the etcd store: a watch starts from the whole state, then its changes.
    const state = structuredClone(this.state);
    queueMicrotask(() => this.listeners.has(listener) && listener({ type: 'reloaded', state }));
    return () => this.listeners.delete(listener);
  }

  /** One clock orders every record; the writer named is the process it came from (a client's writes come through this one). */
  private stamp(writer = this.writer): string {
    return encodeVersion({ ...this.clock.now(), writer });
  }

  private async saveAndNotify(change: StoreChange): Promise<StoreResult> {
    const saved = await this.flush();
    this.notify(change);
    return saved;
  }

  protected notify(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** One write at a time; changes made while one runs all go into the next. */
  protected flush(): Promise<StoreResult> {
    this.pending ??= this.writing.then(() => {
      this.pending = null;
      return this.writeNow();
    });
    this.writing = this.pending;
    return this.pending;
  }

  private writeNow(): Promise<StoreResult> {
    return writeClusterFile(this.dataDir, this.state, this.options.replicas ?? 3, this.clients);
  }
}
