import 'server-only';
// Following the store: ring switches, health, suspect marks, journals and events written by other processes are applied here.
import { decodeVersion } from '../version';
import type { ChangeJournal, HealthRecord, Membership, StoreChange, StoreState } from '../store/types';
import type { ClusterContext } from './context';
import type { EventLog } from './events';

export interface FollowHooks {
  /** Whether this process leads: the leader probes the nodes itself, the others take health from the store. */
  leading(): boolean;
  /** Another process's change journal was read (null: cleared), or the ring switched under it. */
  journal(journal: ChangeJournal | null): void;
  /** Another process joined the cluster (its join tag). */
  joined(tag: string): void;
}

/** Reads the whole state from the store and applies it, as the watch does after a stall. */
export async function reloadState(ctx: ClusterContext, events: EventLog, hooks: FollowHooks): Promise<{ ok: true } | { ok: false; message: string }> {
  const loaded = await ctx.state.store.load();
  if (!loaded.ok) return loaded;
  applyStoreChange(ctx, events, hooks, { type: 'reloaded', state: loaded.state });
  return { ok: true };
}

/**
 * Applies one change from the store's watch. This process's own writes come back too and are skipped (it holds
 * them already); a ring is taken only when newer than the one held, so a late echo never turns it back.
 */
export function applyStoreChange(ctx: ClusterContext, events: EventLog, hooks: FollowHooks, change: StoreChange): void {
  const { state } = ctx;
  const own = (stamp: string) => decodeVersion(stamp)?.writer === state.store.writer;
  switch (change.type) {
    case 'reloaded':
      applyState(ctx, hooks, change.state);
      break;
    case 'ring':
      if (change.ring.version > state.version) adoptRing(ctx, hooks, change.ring);
      break;
    case 'health':
      if ((change.health && own(change.health.stamp)) || state.savingHealth(change.node)) return;
      adoptHealth(ctx, hooks, change.node, change.health);
      break;
    case 'suspects': {
      // A clear older than a mark this process has sent but not yet seen come back must not drop that mark.
      if (change.writer === state.store.writer) state.echoed(change.node, change.added);
      const pending = state.ownPendingMarks(change.node);
      ctx.pool.adoptSuspects(
        change.node,
        change.writer === state.store.writer ? [] : change.added,
        change.cleared.filter((key) => !pending.has(key)),
      );
      break;
    }
    case 'journal':
      if (change.journal && own(change.journal.stamp)) return;
      // This process's own change keeps its journal; a clear is its own echo.
      if (state.transition && !state.transition.foreign) return;
      state.adoptJournal(change.journal);
      hooks.journal(state.journal);
      break;
    case 'consistency':
      state.adoptConsistency(change.consistency);
      break;
    case 'event':
      if (own(change.event.stamp)) return;
      events.emit(change.event);
      break;
    case 'leader':
      break;
    case 'joined':
      // Nothing the dashboard shows: the write mode changes, and the newcomer is told.
      hooks.joined(change.tag);
      return;
  }
  ctx.changed();
}

function adoptRing(ctx: ClusterContext, hooks: FollowHooks, ring: Membership): void {
  const before = new Set(ctx.state.members.nodes.map((n) => n.id));
  ctx.state.adoptRing(ring);
  for (const node of ring.nodes) {
    // A node another process's change added is tracked since the change began, with writes on its way to it.
    if (!ctx.pool.tracks(node.id, node)) ctx.pool.track(node.id, node, ctx.state.healthOf(node.id)?.down ? 'down' : 'up');
    before.delete(node.id);
  }
  for (const id of before) if (!ctx.state.transition?.nodes.some((n) => n.id === id)) ctx.pool.forget(id);
  // The change another process ran has switched the ring: its writes now go to the new lists only.
  if (ctx.state.transition?.foreign) hooks.journal(ctx.state.journal);
}

function adoptHealth(ctx: ClusterContext, hooks: FollowHooks, id: string, health: HealthRecord | null): void {
  ctx.state.adoptHealth(id, health ? withoutStamp(health) : null);
  // The leader's probes decide; a process that does not lead follows them (its own failed calls still mark a node down).
  if (health && !hooks.leading()) ctx.pool.adoptStatus(id, health.down || health.local?.killed ? 'down' : 'up');
}

/** A whole state read again (the watch could not vouch for every change): replaces what this process holds, but for its writes still on their way. */
function applyState(ctx: ClusterContext, hooks: FollowHooks, state: StoreState): void {
  if (state.consistency) ctx.state.adoptConsistency(state.consistency);
  if (state.ring && state.ring.version > ctx.state.version) adoptRing(ctx, hooks, state.ring);
  for (const [id, health] of Object.entries(state.health)) if (!ctx.state.savingHealth(id)) adoptHealth(ctx, hooks, id, health);
  for (const id of ctx.state.outsiders()) if (!state.health[id] && !ctx.state.savingHealth(id)) ctx.state.adoptHealth(id, null);
  const marks: Record<string, string[]> = {};
  for (const node of new Set([...Object.keys(state.suspects), ...Object.keys(ctx.pool.suspectsByNode())])) {
    marks[node] = [...new Set([...(state.suspects[node] ?? []), ...ctx.state.ownPendingMarks(node)])];
  }
  ctx.pool.replaceSuspects(marks);
  if (ctx.state.transition && !ctx.state.transition.foreign) return;
  if (state.journal?.owner === ctx.state.store.writer) return;
  ctx.state.adoptJournal(state.journal ? withoutStamp(state.journal) : null);
  hooks.journal(ctx.state.journal);
}

function withoutStamp<T extends { stamp: string }>(record: T): Omit<T, 'stamp'> {
  const { stamp: _stamp, ...rest } = record;
  return rest;
}
