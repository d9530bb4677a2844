import 'server-only';
// The cluster's facade: opens or joins the state store, and takes the calls on keys, membership and health; its reads are in cluster-reads.ts, its parts built and joined in cluster-wiring.ts.
import { badLevel, isLevel, type ConsistencyLevels, type Level } from '../consistency';
import { EtcdStore } from '../store/etcd-store';
import { FileStore } from '../store/file-store';
import { StoreRelay } from '../store/relay';
import type { StateStore } from '../store/types';
import { ClusterReads } from './cluster-reads';
import type { ClusterOptions } from './context';
import type { ControlPlaneStatus } from './control-plane';
import { claimClientStore, joinAsClient, openServerStore, repairQuietly, startDuties, type ConnectFailure, type Opened } from './opening';
import type { MovePreview } from './preview';
import type { PlannedChange } from './queries';
import type { ChangeInFlight } from './replication';
import type { ClusterSnapshot } from './snapshot';
import { fail, type DeleteResult, type Failure, GetResult, LocateResult, MembershipResult, MoveSummary, NodeStatus, NodeView, PutResult, ReplicaOutcome, Result } from './types';
import type { KeyPlacement } from './views';

export class Cluster extends ClusterReads {
  /**
   * Opens the cluster kept in the state store (`dataDir`'s file, or etcd when RINGSIDE_ETCD is set): restarts
   * its lost local nodes, probes every node once, and finishes or rolls back a change a crash interrupted.
   */
  static async open(options: ClusterOptions): Promise<Cluster> {
    const opened = await openServerStore(options);
    const cluster = await Cluster.admitted(opened);
    await startDuties(cluster.duties, opened.bootstrap);
    return cluster;
  }

  /**
   * Connects as a client (an application's process, lib/client): the same data path and follower as a server, and a
   * writer like any other (it joins, acknowledges, writes conditionally beside others), but no background work: no
   * leader campaign, probes, repairs, published request counts or local processes. It never creates a cluster.
   */
  static async connect(options: ClusterOptions): Promise<ConnectResult> {
    const claimed = await claimClientStore(options);
    return claimed.ok ? Cluster.attach(claimed.store, options, claimed.absent) : claimed;
  }

  /**
   * Joins the cluster kept in `store` as a client (see `connect`); the store is closed again when it cannot. The
   * store may be one `connect` opened, or a dashboard's reached through its API (lib/store/dashboard-store).
   */
  static async attach(store: StateStore, options: ClusterOptions, absent: ConnectFailure): Promise<ConnectResult> {
    const opened = await joinAsClient(store, options, absent);
    return opened.ok ? { ok: true, cluster: await Cluster.admitted(opened) } : opened;
  }

  private static async admitted(opened: Opened): Promise<Cluster> {
    const cluster = new Cluster(opened.resolved, opened.store, opened.state, opened.replicas);
    // No write before the processes already live write conditionally (they acknowledge this join, and ones joining
    // now acknowledge each other's while they wait), or their permission to write alone has lapsed.
    await cluster.ctx.soleWriter.admit(opened.tag);
    return cluster;
  }

  /**
   * This process's file store as the clients that connect by URL share it (lib/store/relay). With the state in etcd
   * they connect to etcd themselves: the refusal names where it is (never its credentials).
   */
  relay(): { ok: true; relay: StoreRelay } | NotShared {
    if (this.store instanceof EtcdStore) {
      const etcd = this.store.where();
      return { ok: false, error: 'not_shared', message: `this dashboard keeps the cluster's state in etcd (${etcd.endpoints.join(',')}, prefix ${etcd.prefix}): connect with { etcd, prefix }`, etcd };
    }
    if (this.closed || !(this.store instanceof FileStore)) return fail('unavailable', 'the dashboard is closing');
    this.relay_ ??= new StoreRelay(this.store);
    return { ok: true, relay: this.relay_ };
  }

  // ---- keys -----------------------------------------------------------------------------------

  // Each request is counted once served (see hot.ts), by the data path: which replicas it reached is known only then.

  /** `w`: how many replicas must acknowledge (lib/consistency); the cluster's default level when absent. */
  put(key: string, value: string | Uint8Array, options?: { ttl?: number; w?: Level }): Promise<Result<PutResult>> {
    return this.data.put(key, value, options);
  }

  /** `r`: how many replicas must answer; the cluster's default level when absent. */
  get(key: string, options?: { r?: Level }): Promise<Result<GetResult>> {
    return this.data.get(key, options);
  }

  delete(key: string, options?: { w?: Level }): Promise<Result<DeleteResult>> {
    return this.data.delete(key, options);
  }

  /** Sets the default levels (either or both); saved in the state store before any call uses them. */
  async setConsistency(levels: { w?: unknown; r?: unknown }): Promise<Result<{ consistency: ConsistencyLevels }>> {
    const { w = this.ctx.state.consistency.w, r = this.ctx.state.consistency.r } = levels;
    if (!isLevel(w)) return fail('invalid_level', badLevel('w', w));
    if (!isLevel(r)) return fail('invalid_level', badLevel('r', r));
    const saved = await this.ctx.state.setConsistency({ w, r });
    if (!saved.ok) return fail('control_plane_unavailable', `could not save the consistency levels: ${saved.message}`);
    this.changed();
    return { ok: true, consistency: this.consistency() };
  }

  // ---- membership and health ------------------------------------------------------------------

  addNode(request: { id?: string; address?: string; vnodes?: number } = {}): Promise<Result<MembershipResult>> {
    return this.changes.addNode(request);
  }

  removeNode(id: string): Promise<Result<MembershipResult>> {
    return this.changes.removeNode(id);
  }

  setVnodes(id: string, vnodes: number): Promise<Result<MembershipResult>> {
    return this.changes.setVnodes(id, vnodes);
  }

  killNode(id: string): Promise<Result<{ node: NodeView }>> {
    return this.changes.killNode(id);
  }

  reviveNode(id: string): Promise<Result<{ node: NodeView; repair: MoveSummary }>> {
    return this.changes.reviveNode(id);
  }

  stopLocalNodes(): Promise<Result<{ stopped: string[] }>> {
    return this.changes.stopLocalNodes();
  }

  /** The explicit repair: besides presence, it reads every copy and brings each key's copies to its newest version. */
  repair(): Promise<Result<{ repair: MoveSummary }>> {
    return this.changes.repair({ versions: true });
  }

  /** Probes every node once; a node back from down or restarted is repaired. */
  async probe(): Promise<void> {
    if (!this.closed && (await this.health.check()) && !this.closed) await repairQuietly(this.duties);
  }
}

/** Why clients cannot share this process's store; with etcd, where they find it instead. */
export type NotShared = Failure & { etcd?: { endpoints: string[]; prefix: string; credentials: boolean } };

export type ConnectResult = { ok: true; cluster: Cluster } | ConnectFailure;

export type { ClusterOptions, ConnectFailure, ControlPlaneStatus, PlannedChange };
export type { MembershipChange } from './queries';
export type {
  ClusterSnapshot,
  ChangeInFlight,
  MovePreview,
  DeleteResult,
  Failure,
  GetResult,
  KeyPlacement,
  LocateResult,
  MembershipResult,
  MoveSummary,
  NodeStatus,
  NodeView,
  PutResult,
  ReplicaOutcome,
  Result,
};
