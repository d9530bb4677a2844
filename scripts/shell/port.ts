// What the shell's commands need from a cluster: the in-process Cluster has it, and so does RemoteCluster over HTTP.
import type { Cluster } from '@/lib/cluster/cluster';
import type { ConsistencyLevels, Level } from '@/lib/consistency';
import type { StampedEvent } from '@/lib/cluster/events';
import type { DeleteResult, Failure, GetResult, LocateResult, MembershipResult, MoveSummary, NodeView, PutResult, Result } from '@/lib/cluster/types';
import type { MovePreview } from '@/lib/cluster/preview';
import type { HotView } from '@/lib/hot-view';
import type { KeyPlacement, NodeKeyCounts } from '@/lib/cluster/views';
import type { LabQuery, LiveLabResult } from '@/lib/cluster/lab';

export type RingSummary = ReturnType<Cluster['ringSummary']>;

export interface FakeResult {
  stored: number;
  failed: number;
  sample: string[];
}

/** Answers that may come at once (in process) or later (over HTTP). */
type Awaitable<T> = T | Promise<T>;

export interface ClusterPort {
  put(key: string, value: string, options: { ttl?: number; w?: Level }): Promise<Result<PutResult>>;
  get(key: string, options?: { r?: Level }): Promise<Result<GetResult>>;
  delete(key: string, options?: { w?: Level }): Promise<Result<DeleteResult>>;
  /** The levels calls use when they name none. */
  consistency(): Awaitable<ConsistencyLevels>;
  setConsistency(levels: { w?: Level; r?: Level }): Promise<Result<{ consistency: ConsistencyLevels }>>;
  addNode(request: { id?: string; address?: string; vnodes?: number }): Promise<Result<MembershipResult>>;
  removeNode(id: string): Promise<Result<MembershipResult>>;
  setVnodes(id: string, vnodes: number): Promise<Result<MembershipResult>>;
  killNode(id: string): Promise<Result<{ node: NodeView }>>;
  reviveNode(id: string): Promise<Result<{ node: NodeView; repair: MoveSummary }>>;
  stopLocalNodes(): Promise<Result<{ stopped: string[] }>>;
  repair(): Promise<Result<{ repair: MoveSummary }>>;
  /** A dry run: what a repair would copy and delete; nothing changes. */
  preview(change: { type: 'repair' }): Promise<Result<{ preview: MovePreview }>>;
  keys(nodeId?: string, limit?: number): Promise<Result<{ keys: KeyPlacement[]; total: number; unreachable: string[] }>>;
  locate(key: string): Promise<Result<LocateResult>>;
  /** The algorithm lab on the cluster's nodes and keys (or the query's); nothing changes. */
  compare(query: LabQuery): Promise<LiveLabResult>;
  nodes(): Awaitable<NodeView[]>;
  keyCounts(): Promise<Record<string, NodeKeyCounts | null>>;
  ringSummary(): Awaitable<RingSummary>;
  stats(): Promise<Record<string, Record<string, string> | null>>;
  /** Hot keys and load per node over the recent window, merged across the processes that share the cluster. */
  hotKeys(top?: number): Promise<HotView>;
  readonly events: {
    recent(): Awaitable<StampedEvent[]>;
    subscribe(listener: (event: StampedEvent) => void): () => void;
  };
  /** Stores `count` fake keys in one request where the cluster is remote; in process the `fake` command puts them itself. */
  fake?(count: number, options: { ttl: number }): Promise<Result<FakeResult>>;
  close(): Promise<void>;
}

/**
 * Thrown by a port whose plain (non-Result) answers could not be had, such as a remote `nodes()` when the
 * dashboard does not answer; the shell shows it as a failed command.
 */
export class PortFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}
