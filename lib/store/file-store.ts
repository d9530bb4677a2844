import 'server-only';
// The embedded state store: cluster.json in the data directory (cluster-file.ts), owned by one process, with the clients that join through its API.
import type { ClusterEvent } from '../cluster/events';
import type { ConsistencyLevels } from '../consistency';
import type { HotReport } from '../hot-window';
import { claimDataDir } from '../cluster/state';
import { encodeVersion, HybridClock } from '../version';
import { Participants, type JoinOutcome } from './participants';
import { readClusterFile, writeClusterFile } from './cluster-file';
import { checkNextVersion } from './records';
import {
  DEFAULT_EVENT_LIMIT,
  unavailable,
  type AckResult,
  type AckTopic,
  type ChangeJournal,
  type ChangeLock,
  type CommitResult,
  type ConsistencyRecord,
  type JournalRecord,
  type LockResult,
  type Membership,
  type NodeHealth,
  type Presence,
  type RingRecord,
  type StateStore,
  type StoreChange,
  type StoredEvent,
  type StoreResult,
  type StoreState,
} from './types';
import { processWriter } from './writer-id';

export interface FileStoreOptions {
  writer?: string;
  eventLimit?: number;
  /** Replicas of the ring written before any ring was committed. */
  replicas?: number;
  clock?: () => number;
}

export class FileStore implements StateStore {
  readonly kind = 'file';
  private readonly clock: HybridClock;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private lockHolder: string | null = null;
  private leaders = new Set<(reason: string) => void>();
  private pending: Promise<StoreResult> | null = null;
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** This process's request counts: the clients that join through its API publish none. */
  private hot: HotReport | null = null;
  /** This process, and the clients that joined through its API (lib/store/relay): whom a change or a join waits for. */
  readonly participants: Participants;
  /** Whether cluster.json says clients are connected (kept so that a restart knows they may still be writing). */
  private clients: boolean;

  private constructor(
    private readonly dataDir: string,
    private readonly state: StoreState,
    private readonly release: () => Promise<void>,
    private readonly options: FileStoreOptions,
    clock: HybridClock,
    clients: boolean,
  ) {
    this.clock = clock;
    this.participants = new Participants(clock.writer);
    this.clients = clients;
    // Clients connected before a restart write on, unseen, until their heartbeat finds the session gone and they join again.
    if (clients) this.participants.expectReturning();
  }

  get writer(): string {
    return this.clock.writer;
  }

  /** A file on this machine: there is no control plane to lose. */
  readonly reachable = true;

  get leader(): string | null {
    return this.leaders.size > 0 ? this.writer : null;
  }

  onReachability(): () => void {
    return () => undefined;
  }

  /** The data directory has one owner, present as long as it runs: its writer id is its join tag. */
  async join(): Promise<StoreResult<{ tag: string }>> {
    return { ok: true, tag: this.writer };
  }

  /** The clients joined through this process's API; nobody else can be, the data directory having one owner. */
  async presence(): Promise<Presence> {
    const others = this.participants.others(this.writer);
    if (others.length === 0 && this.clients) {
      this.clients = false;
      // Written before the answer: a restart after this process writes alone must not miss a client, nor wait for none.
      const saved = await this.flush();
      if (!saved.ok) return saved;
    }
    return { ok: true, others, vouchedUntil: Infinity };
  }

  async acknowledge(tag: string, topic: AckTopic = 'change'): Promise<StoreResult> {
    this.participants.acknowledge(this.writer, tag, topic);
    return { ok: true };
  }

  awaitAcknowledged(tag: string, timeoutMs: number, topic: AckTopic = 'change'): Promise<AckResult> {
    return this.awaitAcknowledgedBy(this.writer, tag, timeoutMs, topic);
  }

  /** Waits, for the participant `by`, until every other live one acknowledged `tag`, or the time given has passed. */
  awaitAcknowledgedBy(by: string, tag: string, timeoutMs: number, topic: AckTopic = 'change'): Promise<AckResult> {
    return this.participants.awaitAcknowledged(by, tag, timeoutMs, topic, () => this.closed);
  }

  /** A client joins through this process's API: present from now on, and every watcher is told (it waits for their acknowledgements). */
  joinFollower(writer: string): JoinOutcome {
    const joined = this.participants.join(writer);
    if (!joined.ok) return joined;
    this.notify({ type: 'joined', tag: joined.tag });
    if (!this.clients) {
      this.clients = true;
      // Not waited for: the join is answered only after this process writes conditionally, and it already does.
      void this.flush();
    }
    return joined;
  }

  async publishHot(report: HotReport): Promise<StoreResult> {
    if (this.closed) return unavailable('the state store is closed');
    this.hot = report;
    return { ok: true };
  }

  async readHot(): Promise<StoreResult<{ reports: HotReport[] }>> {
    return { ok: true, reports: this.hot ? [this.hot] : [] };
  }

  /** Claims the data directory (one process drives it) and reads what it holds. */
  static async open(dataDir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const clock = new HybridClock(options.writer ?? processWriter(), options.clock ?? Date.now);
    const release = await claimDataDir(dataDir);
    try {
      const { state, clients } = await readClusterFile(dataDir, clock);
      return new FileStore(dataDir, state, release, options, clock, clients);
    } catch (error) {
      await release();
      throw error;
    }
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

  async lockChange(owner: string): Promise<LockResult> {
    if (this.lockHolder !== null) return { ok: false, error: 'busy', message: `a membership change is already running (${this.lockHolder})`, holder: this.lockHolder };
    this.lockHolder = owner;
    let released = false;
    const lock: ChangeLock = {
      owner,
      lost: false,
      onLost: () => undefined,
      release: async () => {
        if (released) return;
        released = true;
        this.lockHolder = null;
      },
    };
    return { ok: true, lock };
  }

  /** The only process on this data directory always leads. */
  async campaign(onLost: (reason: string) => void): Promise<StoreResult<{ leadership: { lost: boolean; resign(): Promise<void> } }>> {
    if (this.closed) return unavailable('the state store is closed');
    this.leaders.add(onLost);
    const leadership = {
      lost: false,
      resign: async () => {
        if (leadership.lost) return;
        leadership.lost = true;
        this.leaders.delete(onLost);
        onLost('resigned');
      },
    };
    return { ok: true, leadership };
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    // Like the etcd store: a watch starts from the whole state, then its changes.
    const state = structuredClone(this.state);
    queueMicrotask(() => this.listeners.has(listener) && listener({ type: 'reloaded', state }));
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    for (const onLost of this.leaders) onLost('the state store was closed');
    this.leaders.clear();
    this.listeners.clear();
    await this.release();
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

  private notify(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** One write at a time; changes made while one runs all go into the next. */
  private flush(): Promise<StoreResult> {
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
