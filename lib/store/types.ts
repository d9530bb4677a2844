// The state store: what every process of one cluster must agree on, behind named operations.
/*
 * Contract, for the file store (one process, the embedded default) and the etcd store (many processes):
 * - `load()` reads everything at one point in time. `watch()` then delivers every later change made by
 *   ANY process (its own included) within about a second; when it cannot vouch for having seen every
 *   change (a stalled or broken watch, a compacted revision) it re-reads and delivers `reloaded` with the
 *   whole state: replace what you hold, do not merge.
 * - The ring switches only by `commitRing(expectedVersion, next)`, a compare-and-set on the version the
 *   caller read: a writer that lost the race gets `conflict` with the current ring, never overwrites it.
 * - One membership change at a time, cluster-wide: `lockChange(owner)` holds a lock under a lease, or
 *   answers `busy` with the holder. A holder that dies (its lease lapses) frees the lock by itself.
 * - The change journal (`writeJournal`) is written before a change's first copy and cleared after it, so
 *   whoever finds it after a crash can finish the change.
 * - Background work runs in one elected leader: `campaign()` resolves once this process leads and calls
 *   `onLost` as soon as it can no longer be sure it still does (lease lapsed, store unreachable, closed).
 * - Request counts (hot keys, load per node) are one record per process, rewritten every few seconds while it
 *   serves requests and held under its session (etcd), so a process that dies takes its counts with it.
 * - Suspect keys are one small key each (etcd caps a request at 1.5 MiB and a transaction at 128
 *   operations); the event log keeps the newest `eventLimit` events.
 * - Every record carries `stamp`, its write version (lib/version): a hybrid logical clock with the
 *   writer's id, so writes from any process are ordered. Events are ordered by it.
 * - Every process is present while its session holds (`join()`, then a heartbeat): `presence()` names the others
 *   by their join tags, and each acknowledges every join it sees (topic `join`) once its puts are conditional.
 * - Expected failures are values: `unavailable` when the store did not answer within its deadline (an
 *   operation never hangs), `conflict`, `busy`. A write answered `unavailable` may still land (etcd may
 *   apply a request it could not confirm): re-read before retrying. The data path never touches the store.
 */
import type { ClusterEvent } from '../cluster/events';
import type { ConsistencyLevels } from '../consistency';
import type { HotReport } from '../hot-window';

export interface MemberRecord {
  id: string;
  host: string;
  port: number;
  vnodes: number;
}

/** Who is on the ring: changes only through `commitRing`, each time with a higher version. */
export interface Membership {
  version: number;
  replicas: number;
  nodes: MemberRecord[];
}

export type RingRecord = Membership & { stamp: string };

/** What the cluster knows of one node's health and process, outside the ring. */
export interface NodeHealth {
  /** Last seen down, so whoever sees it return knows to repair it. */
  down: boolean;
  /** The memcached process last seen behind the address (`pid:startTime`), to notice a restart. */
  instance?: string;
  /** Unreachable during a membership change: it may hold keys the ring moved away. */
  missedMove?: boolean;
  /** memcached's largest item, which bounds the values the ring can take. */
  itemSizeMax?: number;
  /**
   * Present for a memcached process Ringside started itself; `host` names the machine it runs on (absent in
   * records from before it was kept: this machine), and only a process there may signal it.
   */
  local?: { pid: number | null; killed: boolean; host?: string };
}

export type HealthRecord = NodeHealth & { stamp: string };

export type ChangePhase = 'copying' | 'switched' | 'deleting';

/** A membership change in flight: enough for any process to finish it after its owner died. */
export interface ChangeJournal {
  from: Membership;
  to: Membership;
  reason: string;
  phase: ChangePhase;
  progress: { done: number; total: number };
  /** Who runs the change (the lock owner). */
  owner: string;
  /** Wall time the change began (ms). */
  started: number;
}

export type JournalRecord = ChangeJournal & { stamp: string };

export type StoredEvent = ClusterEvent & { at: number; stamp: string };

/** The cluster's default write and read levels (lib/consistency), shared by every process; absent: one and one. */
export type ConsistencyRecord = ConsistencyLevels & { stamp: string };

export interface StoreState {
  ring: RingRecord | null;
  health: Record<string, HealthRecord>;
  /** Per node, keys whose copy there is suspect until repaired. */
  suspects: Record<string, string[]>;
  journal: JournalRecord | null;
  /** Oldest first. */
  events: StoredEvent[];
  /** Absent until a level is first set. */
  consistency?: ConsistencyRecord;
}

export type StoreChange =
  | { type: 'ring'; ring: RingRecord }
  | { type: 'health'; node: string; health: HealthRecord | null }
  /** `writer` made the `added` marks (a clear names nobody: etcd's delete events carry no value). */
  | { type: 'suspects'; node: string; added: string[]; cleared: string[]; writer?: string }
  /** Who leads now (null: nobody, until a process is elected). */
  | { type: 'leader'; writer: string | null }
  | { type: 'journal'; journal: JournalRecord | null }
  | { type: 'event'; event: StoredEvent }
  | { type: 'consistency'; consistency: ConsistencyRecord }
  /** Another process announced itself (`join()`), by its join tag: it waits for every present process to acknowledge it. */
  | { type: 'joined'; tag: string }
  | { type: 'reloaded'; state: StoreState };

export interface StoreFailure {
  ok: false;
  error: 'unavailable';
  message: string;
}

export type StoreResult<T extends object = object> = ({ ok: true } & T) | StoreFailure;

export type CommitResult = StoreResult<{ ring: RingRecord }> | { ok: false; error: 'conflict'; message: string; current: RingRecord | null };

export interface ChangeLock {
  readonly owner: string;
  /** True once the lease under the lock lapsed or was revoked: the change must stop. */
  readonly lost: boolean;
  onLost(listener: (reason: string) => void): void;
  release(): Promise<void>;
}

export type LockResult = StoreResult<{ lock: ChangeLock }> | { ok: false; error: 'busy'; message: string; holder: string };

export interface Leadership {
  readonly lost: boolean;
  /** Steps down at once, so another process takes over without waiting for the lease to lapse. */
  resign(): Promise<void>;
}

/** What an acknowledgement is about: a membership change (one at a time), or a process's join (several may be pending). */
export type AckTopic = 'change' | 'join';

/** Who else is present (their join tags), read at one point; and until when (performance.now()) this process stays visible as present. */
export type Presence = StoreResult<{ others: string[]; vouchedUntil: number }>;

/** A change's announcement acknowledged (`ok`), or the live processes that did not within the time given. */
export type AckResult = StoreResult<{ processes: string[] }> | { ok: false; error: 'unacknowledged'; message: string; processes: string[] };

export interface StateStore {
  /** `dashboard`: a client's view of a dashboard's file store, through its API (lib/store/dashboard-store). */
  readonly kind: 'file' | 'etcd' | 'dashboard';
  /** This process's writer id, the tie-breaker of its write versions. */
  readonly writer: string;
  /** Whether the store answered the last call (or the watch): false from the first `unavailable` until one succeeds. */
  readonly reachable: boolean;
  /** The writer that leads, as last read or watched; null when none does or it is not known. */
  readonly leader: string | null;
  /** Called when `reachable` flips; returns the unsubscribe. */
  onReachability(listener: (reachable: boolean) => void): () => void;
  /**
   * Says this process follows the change announced as `tag` (its in-flight writes settled), or (topic `join`) that its
   * puts are conditional since it saw the process that joined as `tag`: held under this process's session, so a
   * process that dies leaves no acknowledgement behind. A change's acknowledgement replaces the one before; joins
   * acknowledged stay side by side.
   */
  acknowledge(tag: string, topic?: AckTopic): Promise<StoreResult>;
  /**
   * Announces this process as live (its heartbeat) before it reads the state: a change announced after the read is
   * seen by it, and one announced before waits for its acknowledgement. `tag` names this announcement (a new one
   * if the session is ever renewed), as the others see it in `presence()` and `joined`.
   */
  join(): Promise<StoreResult<{ tag: string }>>;
  /**
   * Waits until every other live process acknowledged `tag`: for a change, those with a fresh heartbeat; for a join,
   * every process present (its session holding, however old its heartbeat), since no clocks are compared there.
   */
  awaitAcknowledged(tag: string, timeoutMs: number, topic?: AckTopic): Promise<AckResult>;
  /** Reads who is present now: the renewal of the permission to write alone (lib/cluster/sole-writer). */
  presence(): Promise<Presence>;
  load(): Promise<StoreResult<{ state: StoreState }>>;
  commitRing(expectedVersion: number, next: Membership): Promise<CommitResult>;
  /** `null` forgets the node's health (a node that left the ring). */
  setHealth(node: string, health: NodeHealth | null): Promise<StoreResult>;
  addSuspects(node: string, keys: readonly string[]): Promise<StoreResult>;
  /** Without `keys`, every suspect key of the node. */
  clearSuspects(node: string, keys?: readonly string[]): Promise<StoreResult>;
  writeJournal(journal: ChangeJournal | null): Promise<StoreResult>;
  /** Replaces the cluster's default levels; every process sees them through `watch`. */
  setConsistency(levels: ConsistencyLevels): Promise<StoreResult<{ consistency: ConsistencyRecord }>>;
  appendEvent(event: ClusterEvent): Promise<StoreResult<{ event: StoredEvent }>>;
  lockChange(owner: string): Promise<LockResult>;
  /** Resolves once this process leads (or `unavailable` if the store closes first). */
  campaign(onLost: (reason: string) => void): Promise<StoreResult<{ leadership: Leadership }>>;
  /** Replaces this process's request counts (lib/hot-window); they live as long as its session. */
  publishHot(report: HotReport): Promise<StoreResult>;
  /** The request counts every live process published last, this one's included (the file store holds only its own). */
  readHot(): Promise<StoreResult<{ reports: HotReport[] }>>;
  /** Delivers `reloaded` with the whole state first, then each change. Returns the unsubscribe. */
  watch(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}

export const DEFAULT_EVENT_LIMIT = 500;

export function unavailable(message: string): StoreFailure {
  return { ok: false, error: 'unavailable', message };
}
