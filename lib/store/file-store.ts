import 'server-only';
// The embedded state store: cluster.json in the data directory (cluster-file.ts; its records, file-records.ts), owned by one process, with the clients that join through its API.
import type { HotReport } from '../hot-window';
import { claimDataDir } from '../cluster/state';
import { HybridClock } from '../version';
import { FileRecords } from './file-records';
import { Participants, type JoinOutcome } from './participants';
import { readClusterFile } from './cluster-file';
import { unavailable, type AckResult, type AckTopic, type ChangeLock, type LockResult, type Presence, type StateStore, type StoreResult, type StoreState } from './types';
import { processWriter } from './writer-id';

export interface FileStoreOptions {
  writer?: string;
  eventLimit?: number;
  /** Replicas of the ring written before any ring was committed. */
  replicas?: number;
  clock?: () => number;
}

export class FileStore extends FileRecords implements StateStore {
  readonly kind = 'file';
  private lockHolder: string | null = null;
  private leaders = new Set<(reason: string) => void>();
  private closed = false;
  /** This process's request counts: the clients that join through its API publish none. */
  private hot: HotReport | null = null;
  /** This process, and the clients that joined through its API (lib/store/relay): whom a change or a join waits for. */
  readonly participants: Participants;

  private constructor(
    dataDir: string,
    state: StoreState,
    private readonly release: () => Promise<void>,
    options: FileStoreOptions,
    clock: HybridClock,
    clients: boolean,
  ) {
    super(dataDir, state, options, clock, clients);
    this.participants = new Participants(clock.writer);
    // Clients connected before a restart write on, unseen, until their heartbeat finds the session gone and they join again.
    if (clients) this.participants.expectReturning();
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    for (const onLost of this.leaders) onLost('the state store was closed');
    this.leaders.clear();
    this.listeners.clear();
    await this.release();
  }
}
