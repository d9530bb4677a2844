import 'server-only';
// Following the store: ring switches, health, suspect marks, journals and events written by other processes are applied here.
import { decodeVersion } from '../version';
import type { StoreChange, StoreState } from '../store/types';
import type { ClusterContext } from './context';
import type { EventLog } from './events';

/**
 * Applies one change from the store's watch. This process's own writes come back too and are skipped (it holds
 * them already); a ring is taken only when newer than the one held, so a late echo never turns it back.
 */
export function applyStoreChange(ctx: ClusterContext, events: EventLog, change: StoreChange): void {
  const own = (stamp: string) => decodeVersion(stamp)?.writer === ctx.state.store.writer;
  switch (change.type) {
    case 'reloaded':
      return applyState(ctx, change.state);
    case 'ring':
      if (change.ring.version > ctx.state.version) adoptRing(ctx, change.ring);
      break;
    case 'health':
      if (change.health && own(change.health.stamp)) return;
      ctx.state.adoptHealth(change.node, change.health);
      break;
    case 'suspects':
      // Marks reach the store after the calls that made them, and a change names no writer: this process's own
      // echo would bring back marks a settle has cleared since. Only the process that made them holds them.
      return;
    case 'journal':
      if (change.journal && own(change.journal.stamp)) return;
      if (!change.journal && !ctx.state.transition) ctx.state.adoptJournal(null);
      else if (change.journal) ctx.state.adoptJournal(change.journal);
      break;
    case 'event':
      if (own(change.event.stamp)) return;
      events.emit(change.event);
      break;
  }
  ctx.changed();
}

function adoptRing(ctx: ClusterContext, ring: { version: number; replicas: number; nodes: { id: string; host: string; port: number; vnodes: number }[] }): void {
  const before = new Map(ctx.state.members.nodes.map((n) => [n.id, n]));
  ctx.state.adoptRing(ring);
  for (const node of ring.nodes) {
    const held = before.get(node.id);
    if (!held || held.host !== node.host || held.port !== node.port) ctx.pool.track(node.id, node, ctx.state.healthOf(node.id)?.down ? 'down' : 'up');
    before.delete(node.id);
  }
  for (const id of before.keys()) if (!ctx.state.transition?.nodes.some((n) => n.id === id)) ctx.pool.forget(id);
}

/** A whole state read again (the watch could not vouch for every change): the ring and health as the store has them. */
function applyState(ctx: ClusterContext, state: StoreState): void {
  if (state.ring && state.ring.version > ctx.state.version) adoptRing(ctx, state.ring);
  // Health held here may be newer than what was read: only nodes unknown here are taken.
  for (const [id, health] of Object.entries(state.health)) if (!ctx.state.healthOf(id)) ctx.state.adoptHealth(id, health);
}
