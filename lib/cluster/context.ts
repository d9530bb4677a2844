import 'server-only';
// What the cluster's modules share: resolved options, the state, the connections, key locks and the event sink.
import type { KeyLocks } from '../concurrency';
import type { ClusterState } from './cluster-state';
import type { ClusterEvent } from './events';
import type { KeyInventory } from './key-inventory';
import type { NodePool } from './node-pool';
import type { SoleWriter } from './sole-writer';
import type { TransferContext } from './transfer';

export interface ClusterOptions {
  dataDir: string;
  replicas?: number;
  /** Absolute deadline of each call to a node. */
  deadlineMs?: number;
  /** Background health probes; false for one-shot commands, which probe once on open. */
  probeIntervalMs?: number | false;
  maxValueBytes?: number;
  /** Copies and deletes in flight during a move or repair. */
  moveConcurrency?: number;
  allowedHosts?: readonly string[];
  /** Memory of each local memcached process, in MiB. */
  localMemoryMb?: number;
  /** Local nodes to start when the data directory holds no cluster yet (the embedded default). */
  bootstrapLocalNodes?: number;
  /** The environment the state store is chosen from (RINGSIDE_ETCD...); the process's by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** How often this process publishes its request counts (hot keys, load per node) for the others to merge. */
  hotPublishMs?: number;
  /** This process's name in the state store (its writes' tie-breaker, the change lock's owner); `host:pid` by default. */
  writer?: string;
}

export type ResolvedOptions = Required<Omit<ClusterOptions, 'probeIntervalMs' | 'bootstrapLocalNodes' | 'env' | 'replicas' | 'writer'>> & { probeIntervalMs: number | false };

export interface ClusterContext {
  readonly options: ResolvedOptions;
  readonly state: ClusterState;
  readonly pool: NodePool;
  /** What every node holds, kept between calls and listed again only where another client wrote. */
  readonly keys: KeyInventory;
  readonly keyLocks: KeyLocks;
  readonly transfer: TransferContext;
  /** Whether a put may be a plain SET now: this process alone among the cluster's live writers. */
  readonly soleWriter: SoleWriter;
  /** Reports an event to this process's listeners and appends it to the store's log. */
  emit(event: ClusterEvent): void;
  /** Something the dashboard shows changed (writes included, which are not events). */
  changed(): void;
}
