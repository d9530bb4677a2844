import 'server-only';
// The cluster facade's reads: its ring, nodes, keys and their counts, snapshots, previews, the lab, item sizes, stats and hot keys; nothing here changes the cluster.
import type { HotView } from '../hot-view';
import type { Inventory } from '../key-columns';
import type { Ring } from '../ring';
import { nextNodeId } from './changes';
import { ClusterWiring } from './cluster-wiring';
import { compareOnCluster, type LabQuery, type LiveLabResult } from './lab';
import { itemSizesOf } from './item-sizes';
import { returnedNodes } from './move';
import type { MovePreview } from './preview';
import * as queries from './queries';
import type { PlannedChange } from './queries';
import type { ClusterSnapshot } from './snapshot';
import type { LocateResult, NodeView, Result } from './types';
import type { KeyPlacement, NodeKeyCounts } from './views';

/** The read-only half of the Cluster facade (see ./cluster). */
export class ClusterReads extends ClusterWiring {
  get version(): number {
    return this.ctx.state.version;
  }

  get currentRing(): Ring {
    return this.ctx.state.ring;
  }

  /** Whether this process leads (probes, repairs, resolves changes left behind). */
  get leading(): boolean {
    return this.leader.leading;
  }

  /** Every node, the ring's and any joining one. */
  nodes(): NodeView[] {
    return this.ctx.state.records().map((record) => queries.viewOf(this.ctx, record));
  }

  ringSummary() {
    return { ...queries.ringSummaryOf(this.ctx, this.busy), controlPlane: this.controlPlane(), consistency: this.consistency() };
  }

  inventory(ids?: readonly string[]): Promise<{ inventory: Inventory; unreachable: string[] }> {
    return queries.inventoryOf(this.ctx, ids);
  }

  /** Keys with where they should be and where they are, in key order: one node's, the first `limit`, or only under-replicated ones. */
  keys(nodeId?: string, limit = Infinity, { missing = false }: { missing?: boolean } = {}): Promise<Result<{ keys: KeyPlacement[]; total: number; unreachable: string[] }>> {
    return queries.keysOf(this.ctx, nodeId, limit, missing);
  }

  keyCounts(): Promise<Record<string, NodeKeyCounts | null>> {
    return queries.keyCountsOf(this.ctx);
  }

  /** Everything the dashboard draws, as plain data, shared between callers (see SnapshotCache). */
  snapshot(): Promise<ClusterSnapshot> {
    return this.snapshots.get();
  }

  preview(change: PlannedChange): Promise<Result<{ preview: MovePreview }>> {
    return queries.previewChange(
      this.ctx,
      change,
      () => nextNodeId(this.ctx.state.ring.nodes),
      () => returnedNodes(this.ctx),
    );
  }

  /** The algorithm lab on this cluster's nodes and keys, or on those the query gives (docs/lab.md); nothing changes. */
  compare(query: LabQuery): Promise<LiveLabResult> {
    return compareOnCluster(this, query);
  }

  /** Each listed key's item size as its node stores it (the lab's balance by bytes on live keys). */
  itemSizes(): Promise<{ sizes: Map<string, number>; unreachable: string[] }> {
    return itemSizesOf(this.ctx);
  }

  locate(key: string): Promise<Result<LocateResult>> {
    return queries.locateKey(this.ctx, key);
  }

  stats(): Promise<Record<string, Record<string, string> | null>> {
    return queries.statsOf(this.ctx);
  }

  /** Hot keys (the `top` hottest) and each node's load over the recent window, merged across every live process. */
  hotKeys(top?: number): Promise<HotView> {
    return this.hot.view(top);
  }
}
