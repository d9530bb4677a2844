import 'server-only';
// Recovery from a membership change whose process died: decided from the journal and the ring, then carried out.
import type { ChangeJournal, MemberRecord, Membership } from '../store/types';
import type { ClusterContext } from './context';
import type { LocalProcesses } from './local-processes';
import { runRepair } from './move';
import { dropStrays } from './transfer';
import type { MoveSummary } from './types';

export interface Recovery {
  /** `finished` when the ring had switched to the change's target, `rolled-back` when it had not. */
  outcome: 'finished' | 'rolled-back' | 'cleaned';
  /** Nodes the change touched (or that have health but no place) outside the ring: their copies go, their local processes stop. */
  outsiders: string[];
  /** What the repair that follows says it does, for events. */
  reason: string;
}

/**
 * Either way the keys end on the current ring's lists: before the switch the copies the change made sit outside
 * their old lists, after it the old holders do, and the planner trusts only copies on the lists (any other may be
 * stale), so one repair from the current ring rolls back or finishes alike. What differs is who is outside the ring.
 */
export function decideRecovery(journal: ChangeJournal | null, ring: Membership, withHealth: readonly string[]): Recovery {
  const inRing = new Set(ring.nodes.map((n) => n.id));
  const touched = journal ? [...journal.from.nodes, ...journal.to.nodes].map((n) => n.id) : [];
  const outsiders = [...new Set([...touched, ...withHealth])].filter((id) => !inRing.has(id)).sort();
  if (!journal) return { outcome: 'cleaned', outsiders, reason: 'clean up' };
  const outcome = sameNodes(ring.nodes, journal.to.nodes) ? 'finished' : 'rolled-back';
  return { outcome, outsiders, reason: `${outcome === 'finished' ? 'finish' : 'roll back'} ${journal.reason}` };
}

function sameNodes(a: readonly MemberRecord[], b: readonly MemberRecord[]): boolean {
  const key = (nodes: readonly MemberRecord[]) =>
    nodes
      .map((n) => `${n.id}/${n.vnodes}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/**
 * Resolves the journal found in the store (call holding the change lock, so its owner is gone): stops the local
 * processes of nodes outside the ring, deletes what external ones hold, repairs the ring, clears the journal.
 * Returns null when there was nothing to do.
 */
export async function recoverChange(ctx: ClusterContext, local: LocalProcesses): Promise<(Recovery & { repair: MoveSummary }) | null> {
  const { state, pool } = ctx;
  // Followed from another process until now: this process resolves the change instead.
  if (state.transition?.foreign) state.endTransition();
  const journal = state.journal;
  const decision = decideRecovery(journal, state.members, state.outsiders());
  if (!journal && decision.outsiders.length === 0) return null;
  const members = journal ? [...journal.to.nodes, ...journal.from.nodes] : [];
  for (const id of decision.outsiders) {
    const health = state.healthOf(id);
    const member = members.find((n) => n.id === id);
    if (health?.local) {
      // Another machine's process is stopped by a Ringside process there, when it recovers or opens.
      if (!local.isMine(health.local)) continue;
      if (local.isRunning(health.local)) await local.stop(health.local, 'SIGKILL');
    } else if (member) {
      // An external server keeps running: what it holds was copied for the change, and is dropped.
      pool.track(id, member, 'up');
      await dropStrays(ctx.transfer, state.ring, id);
    }
    pool.forget(id);
    await state.forgetHealth(id);
  }
  // Nodes that cannot be asked now may hold copies made for the change: they drop them when they return.
  if (journal) for (const node of state.nodes()) if (!pool.isUp(node.id)) await state.setHealth(node.id, { missedMove: true });
  // The dead process may have had suspect marks it never saved (they go in batches): every copy is compared by
  // version, so a replica that missed a write before the crash is brought to the newest all the same.
  const repair = await runRepair(ctx, decision.reason, { versions: journal !== null });
  if (journal) await state.writeJournal(null);
  return { ...decision, repair };
}
