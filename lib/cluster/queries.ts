import 'server-only';
// Reading the cluster: node views, listings, placements, stats, the dashboard's snapshot, dry runs and lookups.
import { ringShares, spreadOf } from '../balance';
import { hashPart, keyPosition } from '../hash';
import type { Inventory } from '../key-columns';
import { DEFAULT_VNODES, ownerVnode, preferenceList, type Ring } from '../ring';
import type { MemberRecord } from '../store/types';
import { checkKey, checkNodeId, checkVnodes, formatAddress } from '../validate';
import type { NodeRecord } from './cluster-state';
import type { ClusterContext } from './context';
import { convergeVersions, listedKeys } from './converge';
import { previewOf, type MovePreview } from './preview';
import type { ChangeInFlight } from './replication';
import { densityOf, summariseStats, type ClusterSnapshot } from './snapshot';
import { fail, type Failure, type LocateResult, type NodeStatus, type NodeView, type Result } from './types';
import { firstPlacements, keyViewOf, type KeyPlacement, type NodeKeyCounts } from './views';

export type MembershipChange = { type: 'add'; id?: string; vnodes?: number } | { type: 'remove'; id: string } | { type: 'vnodes'; id: string; vnodes: number };

/** What a preview may be asked about: a membership change, or a repair of the ring as it is. */
export type PlannedChange = MembershipChange | { type: 'repair' };

export function viewOf(ctx: ClusterContext, record: NodeRecord): NodeView {
  const { transition, ring } = ctx.state;
  const inTo = transition?.to.nodes.some((n) => n.id === record.id);
  const inRing = ring.nodes.some((n) => n.id === record.id);
  let status: NodeStatus = ctx.pool.status(record.id) ?? 'down';
  if (transition && status === 'up') status = inTo && !inRing ? 'joining' : !inTo && inRing ? 'leaving' : status;
  return {
    id: record.id,
    address: formatAddress(record),
    status,
    vnodes: record.vnodes,
    local: Boolean(record.local),
    pid: record.local?.pid ?? null,
    killed: record.local?.killed ?? false,
    suspectKeys: ctx.pool.suspectCount(record.id),
  };
}

export function unknownNode(ctx: ClusterContext, id: string): Failure {
  const known = ctx.state.ring.nodes.map((n) => n.id).join(', ') || 'none';
  return fail('unknown_node', `no node ${JSON.stringify(id)} in the ring (nodes: ${known})`);
}

/**
 * Every key each reachable node holds, as memcached lists it (so it survives a restart of Ringside), kept between calls
 * and listed again where another client may have written (see KeyInventory); `fresh` lists every node, and `withCas`
 * does too, keeping each item's CAS for a move's conditional deletes. Suspect copies
 * are left out. `tombstones` are the deletes each node keeps, apart: they are never counted as keys.
 */
export async function inventoryOf(
  ctx: ClusterContext,
  ids: readonly string[] = ctx.state.ring.nodes.map((n) => n.id),
  options: { fresh?: boolean; withCas?: boolean } = {},
): Promise<{ inventory: Inventory; tombstones: Inventory; unreachable: string[] }> {
  const { inventory, tombstones, unreachable } = await ctx.keys.current(ids, options);
  return { inventory, tombstones, unreachable };
}

/** The ring's identity and balance: checksum, vnodes and each node's share of the hash space. */
export function ringSummaryOf(ctx: ClusterContext, busy: boolean) {
  const { ring } = ctx.state;
  const shares = ringShares(ring);
  return {
    version: ctx.state.version,
    checksum: ring.checksum,
    replicas: ctx.state.replicas,
    /** A membership change or repair is running: another change now would be refused. */
    busy,
    vnodes: ring.positions.length,
    nodes: ring.nodes.map((n) => ({ id: n.id, vnodes: n.vnodes, share: shares[n.id] })),
    shareSpread: spreadOf(Object.values(shares)),
  };
}

/** The ring keys are judged against, and the change in flight (read together, before the listings they judge). */
function placing(ctx: ClusterContext): { ring: Ring; change: ChangeInFlight | null } {
  return { ring: ctx.state.ring, change: ctx.state.transition };
}

export async function keysOf(ctx: ClusterContext, nodeId: string | undefined, limit: number, missing: boolean): Promise<Result<{ keys: KeyPlacement[]; total: number; unreachable: string[] }>> {
  if (nodeId !== undefined && !ctx.state.record(nodeId)) return unknownNode(ctx, nodeId);
  const { ring, change } = placing(ctx);
  const { inventory, unreachable } = await inventoryOf(
    ctx,
    ctx.state.records().map((n) => n.id),
  );
  return { ok: true, ...firstPlacements(ring, inventory, { nodeId, limit, missing, change }), unreachable };
}

export async function keyCountsOf(ctx: ClusterContext): Promise<Record<string, NodeKeyCounts | null>> {
  const { inventory } = await inventoryOf(ctx);
  return keyViewOf(
    ctx.state.ring,
    ctx.state.records().map((n) => n.id),
    inventory,
    0,
  ).counts;
}

/** memcached's `stats`, `stats slabs` and `stats items` of each node in one record (their names do not collide); null when it does not answer. */
export async function statsOf(ctx: ClusterContext): Promise<Record<string, Record<string, string> | null>> {
  const entries = await Promise.all(
    ctx.state.records().map(async ({ id }) => {
      const outcome = await ctx.pool.call(id, async (client) => ({ ...(await client.stats()), ...(await client.stats('slabs')), ...(await client.stats('items')) }));
      return [id, outcome.ok ? outcome.value : null] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export async function computeSnapshot(
  ctx: ClusterContext,
  extra: Pick<ClusterSnapshot, 'busy' | 'valueLimit' | 'events' | 'controlPlane' | 'consistency'>,
  keyLimit = 10_000,
): Promise<ClusterSnapshot> {
  const ids = ctx.state.records().map((n) => n.id);
  // Taken before the listings: a ring switch while they are read must not judge copies not yet listed against the new ring.
  const { ring, change } = placing(ctx);
  const version = ctx.state.version;
  const [{ inventory }, stats] = await Promise.all([inventoryOf(ctx, ids), statsOf(ctx)]);
  const view = keyViewOf(ring, ids, inventory, keyLimit, change);
  const shares = ringShares(ring);
  return {
    version,
    checksum: ring.checksum,
    replicas: ctx.state.replicas,
    busy: extra.busy,
    valueLimit: extra.valueLimit,
    controlPlane: extra.controlPlane,
    consistency: extra.consistency,
    nodes: ctx.state.records().map((record) => ({ ...viewOf(ctx, record), share: shares[record.id] ?? 0, keys: view.counts[record.id] ?? null, stats: summariseStats(stats[record.id]) })),
    vnodes: Array.from(ring.positions, (position, v) => ({ node: ring.nodes[ring.owners[v]].id, index: ring.vnodeIndexes[v], position })),
    keys: view.placements,
    keyCount: view.keyCount,
    underReplicated: view.underReplicated,
    moving: view.moving,
    density: densityOf(view.positions),
    events: extra.events,
  };
}

/** What a membership change or a repair would copy and delete, planned from what the nodes hold now; nothing changes. */
export async function previewChange(ctx: ClusterContext, change: PlannedChange, nextNodeId: () => string, returned: () => string[]): Promise<Result<{ preview: MovePreview }>> {
  const { state } = ctx;
  const members = state.members.nodes;
  let next: MemberRecord[];
  if (change.type === 'repair') {
    next = members;
  } else if (change.type === 'add') {
    const id = change.id ?? nextNodeId();
    const vnodes = change.vnodes ?? DEFAULT_VNODES;
    if (checkNodeId(id)) return fail('invalid_id', checkNodeId(id)!);
    if (checkVnodes(vnodes)) return fail('invalid_vnodes', checkVnodes(vnodes)!);
    if (state.record(id)) return fail('node_exists', `a node named ${id} is already in the ring`);
    next = [...members, { id, host: 'preview', port: 1, vnodes }];
  } else {
    if (!state.record(change.id)) return unknownNode(ctx, change.id);
    if (change.type === 'remove') {
      if (members.length === 1) return fail('last_node', `${change.id} is the last node`);
      next = members.filter((n) => n.id !== change.id);
    } else {
      if (checkVnodes(change.vnodes)) return fail('invalid_vnodes', checkVnodes(change.vnodes)!);
      next = members.map((n) => (n.id === change.id ? { ...n, vnodes: change.vnodes } : n));
    }
  }
  const { inventory, tombstones, unreachable } = await inventoryOf(ctx);
  const to = change.type === 'repair' ? state.ring : state.ringOf(next);
  // As the change or repair will plan: unreachable nodes owed copies, suspect copies settled first, a repair's strays dropped.
  const strays = change.type === 'repair' ? returned() : [];
  const preview = previewOf(state.ring, to, inventory, { unavailable: new Set(unreachable), suspects: ctx.pool.suspectsByNode(), returned: strays });
  if (change.type !== 'repair') return { ok: true, preview };
  // As the repair will, every copy is read: the keys whose copies hold different versions.
  const { divergent } = await convergeVersions(ctx.transfer, state.ring, listedKeys(inventory, tombstones), false);
  return { ok: true, preview: { ...preview, divergent } };
}

/** Where a key lives: its hash, ring position, owner vnode and preference list, and whether each replica holds it. */
export async function locateKey(ctx: ClusterContext, key: string): Promise<Result<LocateResult>> {
  const bad = checkKey(key);
  if (bad) return fail('invalid_key', bad);
  const { ring } = ctx.state;
  const position = keyPosition(key);
  const v = ownerVnode(ring, position);
  if (v < 0) return fail('no_nodes', 'the ring has no nodes: add one with `add`');
  const replicas = await Promise.all(
    preferenceList(ring, key).map(async (node, rank) => {
      const outcome = await ctx.pool.call(node, (client) => client.getVersioned(key));
      return {
        node,
        role: rank === 0 ? ('primary' as const) : ('replica' as const),
        status: viewOf(ctx, ctx.state.record(node)!).status,
        // A tombstone is the key's delete: the replica holds no value.
        holds: outcome.ok ? outcome.value !== null && outcome.value.kind !== 'tombstone' : null,
      };
    }),
  );
  return { ok: true, key, hashedPart: hashPart(key), position, vnode: { node: ring.nodes[ring.owners[v]].id, index: ring.vnodeIndexes[v], position: ring.positions[v] }, replicas };
}
