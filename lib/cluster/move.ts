import 'server-only';
// Moving keys: a membership change (plan, journal, copy, switch the ring, delete) and a repair of the ring as it is.
import { planMoves, type DeleteStep, type Inventory } from '../plan';
import { planTombstoneCopies } from '../plan-tombstones';
import { preferenceList, type Ring } from '../ring';
import type { ChangeJournal, ChangePhase, MemberRecord } from '../store/types';
import type { ClusterContext } from './context';
import { convergeVersions, listedKeys } from './converge';
import { ControlPlaneError } from './control-plane';
import { crashPoint } from './crash-point';
import type { DataPath } from './data-path';
import { ackOf } from './foreign-change';
import { inventoryOf } from './queries';
import { copyAll, deleteAll, dropStrays, settleSuspects, type CopyResult } from './transfer';
import type { MoveSummary } from './types';

/** How often a running change saves its progress in the journal. */
const JOURNAL_PROGRESS_MS = 1000;
/** Every live process follows a change within a second (the watch) plus its writes in flight (a deadline each). */
const ACK_TIMEOUT_MS = 5000;

/**
 * Moves the cluster to `nodes`: plans from what every node holds, journals the change, copies (writes
 * meanwhile reach both rings' lists), switches the ring, then deletes what no longer belongs. Copies that
 * failed keep their old holders, so a failure never drops a replica. The journal is left for the caller to
 * clear once its own last step (stopping a removed node's process) is done.
 */
export async function runMove(ctx: ClusterContext, data: DataPath, nodes: readonly MemberRecord[], reason: string, skipDeletesOn?: string): Promise<MoveSummary> {
  const { state } = ctx;
  const settled = await settleSuspects(ctx.transfer, state.ring);
  const from = state.members;
  const fromRing = state.ring;
  const transition = state.beginTransition(nodes);
  const to = transition.to;
  const watch = data.watchWrites();
  try {
    const journal: ChangeJournal = {
      from,
      to: { version: from.version + 1, replicas: from.replicas, nodes: transition.nodes.map((n) => ({ ...n })) },
      reason,
      phase: 'copying',
      progress: { done: 0, total: 0 },
      owner: state.store.writer,
      started: Date.now(),
    };
    // Announced before anything is read: every other process then writes to both lists, and says so.
    await state.writeJournal(journal);
    const followers = await acknowledged(ctx, ackOf(journal, 'copying'));
    // They saved the suspect copies they know of before acknowledging: the plan must not take one as a source.
    if (followers.length > 0) await adoptStoredMarks(ctx);
    // Writes that began before the change chose their targets from the old ring alone; the plan must see them.
    await data.settled();
    const ids = [...new Set([...fromRing.nodes, ...to.nodes].map((n) => n.id))];
    const { inventory, tombstones, unreachable } = await inventoryOf(ctx, ids, { withCas: true });
    for (const id of unreachable) if (nodes.some((n) => n.id === id)) await state.setHealth(id, { missedMove: true });
    const plan = planMoves(fromRing, to, inventory, { unavailable: new Set(unreachable) });
    for (const id of unreachable) transition.unavailable.add(id);
    for (const copy of plan.copies) if (copy.refill) transition.refills.set(copy.key, [...(transition.refills.get(copy.key) ?? []), copy.to]);

    // Before the first copy: whoever finds the journal after a crash knows which copies may be strays.
    await state.writeJournal({ ...journal, progress: { done: 0, total: plan.copies.length } });
    crashPoint('copying');
    ctx.emit({ type: 'move-planned', reason, keys: plan.keys, copies: plan.copies.length, deletes: plan.deletes.length, primariesMoved: plan.primariesMoved, deferred: plan.deferred });
    const started = Date.now();
    const copying = progressOf(ctx, journal, 'copying', plan.copies.length);
    const copies = await copyAll(ctx.transfer, plan.copies, reason, copying);
    const deletesCopied = await copyTombstones(ctx, fromRing, to, tombstones, unreachable);

    // The new ring is stored before any old copy goes: a restart must not find the old ring over moved keys.
    await state.commitRing(nodes);
    state.endTransition();
    crashPoint('switched');
    await state.writeJournal({ ...journal, phase: 'switched', progress: { done: copies.copied, total: plan.copies.length } });
    ctx.emit({ type: 'ring-changed', version: state.version, checksum: to.checksum });
    // Other processes wrote to both lists meanwhile, keys this plan never saw among them: once none writes to the
    // old lists any more, every node is swept of what it holds outside them.
    const sweep =
      followers.length > 0 &&
      (await acknowledged(ctx, ackOf(journal, 'switched')).then(
        () => true,
        (error: Error) => (ctx.emit({ type: 'error', message: `${error.message}: copies outside their lists are left to the next repair` }), false),
      ));

    // Writes that chose both lists before the switch may still be landing: the keys they touched count once they have.
    await data.settled();
    const leftovers: DeleteStep[] = [];
    for (const key of transition.dirty) {
      const keep = preferenceList(to, key);
      for (const node of preferenceList(fromRing, key)) if (!keep.includes(node)) leftovers.push({ key, from: node });
    }
    const deletes = [...plan.deletes, ...leftovers].filter((d) => d.from !== skipDeletesOn && !copies.failedKeys.has(d.key));
    await state.writeJournal({ ...journal, phase: 'deleting', progress: { done: 0, total: deletes.length } });
    // The plan deletes a copy on a key's new list when no node of its old list held the key: a stale copy, unless the
    // key was written since. Such a delete is conditional on the copy as listed (see deleteListed in ./transfer), but
    // a key this process wrote since its node's listing has no listed CAS: it is spared here, under the key's lock.
    // Copies outside the new list go whatever was written: every write made while the change runs reached the new
    // list too, and a copy left there would be a stray that a later change could take for a current one.
    const spare = ({ key, from }: DeleteStep) => watch.written.has(key) && preferenceList(to, key).includes(from);
    let deleted = await deleteAll(ctx.transfer, deletes, progressOf(ctx, journal, 'deleting', deletes.length), spare);
    if (sweep) for (const id of ids) if (id !== skipDeletesOn && ctx.pool.isUp(id)) deleted += (await dropStrays(ctx.transfer, state.ring, id, copies.failedKeys)) ?? 0;
    const summary = summaryOf(plan, copies, { deleted, settled, tombstones: deletesCopied, converged: 0 }, started);
    ctx.emit({ type: 'move-done', reason, copied: summary.copied, deleted, settled, skipped: summary.skipped, failed: summary.failed, ms: summary.ms });
    return summary;
  } finally {
    watch.stop();
    state.endTransition();
  }
}

async function adoptStoredMarks(ctx: ClusterContext): Promise<void> {
  const loaded = await ctx.state.store.load();
  if (!loaded.ok) throw new ControlPlaneError(loaded.message);
  for (const [node, keys] of Object.entries(loaded.state.suspects)) ctx.pool.adoptSuspects(node, keys, []);
}

/** Waits for every other live process to acknowledge; the processes that did. Throws when they did not. */
async function acknowledged(ctx: ClusterContext, tag: string): Promise<string[]> {
  const acks = await ctx.state.store.awaitAcknowledged(tag, ACK_TIMEOUT_MS);
  if (acks.ok) return acks.processes;
  // Either way the change cannot be coordinated now, and is refused (and rolled back) rather than risk a write.
  throw new ControlPlaneError(acks.error === 'unavailable' ? acks.message : `the change was not acknowledged: ${acks.message}`);
}

/**
 * Brings every key of the ring onto exactly its preference list, from trusted copies only. With `versions`, it
 * then reads every copy of every key and brings the copies that hold an older version than another to the newest
 * (keys times replicas reads: the explicit repair does it, the automatic one after a node returns does not).
 */
export async function runRepair(ctx: ClusterContext, reason = 'repair', { versions = false }: { versions?: boolean } = {}): Promise<MoveSummary> {
  const started = Date.now();
  const settled = (await settleSuspects(ctx.transfer, ctx.state.ring)) + (await dropStraysOfReturnedNodes(ctx));
  const { inventory, tombstones, unreachable } = await inventoryOf(ctx, undefined, { fresh: true });
  const ring = ctx.state.ring;
  const plan = planMoves(ring, ring, inventory, { unavailable: new Set(unreachable) });
  ctx.emit({ type: 'move-planned', reason, keys: plan.keys, copies: plan.copies.length, deletes: plan.deletes.length, primariesMoved: 0, deferred: plan.deferred });
  const copies = await copyAll(ctx.transfer, plan.copies, reason);
  const deletesCopied = await copyTombstones(ctx, ring, ring, tombstones, unreachable);
  const deleted = await deleteAll(
    ctx.transfer,
    plan.deletes.filter((d) => !copies.failedKeys.has(d.key)),
  );
  const converged = versions ? (await convergeVersions(ctx.transfer, ring, listedKeys(inventory, tombstones), true)).divergent : 0;
  const summary = summaryOf(plan, copies, { deleted, settled, tombstones: deletesCopied, converged }, started);
  ctx.emit({ type: 'move-done', reason, copied: summary.copied, deleted, settled, skipped: summary.skipped, failed: summary.failed, ms: summary.ms });
  return summary;
}

/** Gives the nodes of each deleted key's list that lack its tombstone a copy (see planTombstoneCopies); returns how many were made. */
async function copyTombstones(ctx: ClusterContext, before: Ring, after: Ring, tombstones: Inventory, unreachable: readonly string[]): Promise<number> {
  const steps = planTombstoneCopies(before, after, tombstones, { unavailable: new Set(unreachable) });
  return steps.length === 0 ? 0 : (await copyAll(ctx.transfer, steps, null)).copied;
}

/** Nodes back from an absence during a membership change: they may hold keys the ring moved away. */
export function returnedNodes(ctx: ClusterContext): string[] {
  return ctx.state
    .nodes()
    .filter((record) => record.missedMove && ctx.pool.isUp(record.id))
    .map((record) => record.id);
}

/** Deletes, never copies from, what returned nodes hold outside their lists. */
async function dropStraysOfReturnedNodes(ctx: ClusterContext): Promise<number> {
  let dropped = 0;
  for (const id of returnedNodes(ctx)) {
    const count = await dropStrays(ctx.transfer, ctx.state.ring, id);
    if (count === null) continue;
    dropped += count;
    await ctx.state.setHealth(id, { missedMove: false });
  }
  return dropped;
}

/** Saves the phase's progress in the journal now and then (not per key), and honours a crash asked for at a step. */
function progressOf(ctx: ClusterContext, journal: ChangeJournal, phase: ChangePhase, total: number): (done: number) => void {
  let saved = Date.now();
  return (done) => {
    crashPoint(phase, done);
    if (Date.now() - saved < JOURNAL_PROGRESS_MS || done === total) return;
    saved = Date.now();
    ctx.state.noteJournal({ ...journal, phase, progress: { done, total } });
  };
}

function planFigures(plan: ReturnType<typeof planMoves>) {
  return { keys: plan.keys, planned: plan.copies.length, plannedDeletes: plan.deletes.length, primariesMoved: plan.primariesMoved, deferred: plan.deferred };
}

/** What a move or repair did, against what it planned. */
function summaryOf(plan: ReturnType<typeof planMoves>, copies: CopyResult, done: { deleted: number; settled: number; tombstones: number; converged: number }, started: number): MoveSummary {
  return { ...planFigures(plan), copied: copies.copied, skipped: copies.skipped, failed: copies.failedKeys.size, ...done, ms: Date.now() - started };
}
