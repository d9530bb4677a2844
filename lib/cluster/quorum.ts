import 'server-only';
// Consistency levels on the data path: writes judged against W, and reads at R=majority or all, compared by version and repaired.
import { describeItemVersion, describeNeed, meets, newestOf, olderThan, type Level, type ReplicaRead } from '../consistency';
import type { ItemVersion } from '../envelope';
import type { VersionedItem } from '../memcached/node-client';
import { preferenceList } from '../ring';
import type { ClusterContext } from './context';
import { fail, type Failure, type GetResult, type ReplicaOutcome, type Result } from './types';

/** A key's list, and during a move the list it moves to (N is that one's length then). */
export interface KeyLists {
  current: readonly string[];
  next: readonly string[] | null;
}

export function listsOf(ctx: ClusterContext, key: string): KeyLists {
  const { ring, transition } = ctx.state;
  return { current: preferenceList(ring, key), next: transition ? preferenceList(transition.to, key) : null };
}

/** Every node a key's writes reach, which R=one reads try in turn: during a move, the new list first, then the old. */
export function writeTargets(ctx: ClusterContext, key: string): readonly string[] {
  const { ring, transition } = ctx.state;
  const current = preferenceList(ring, key);
  if (!transition) return current;
  return [...new Set([...preferenceList(transition.to, key), ...current])];
}

/** Whether the acknowledged targets meet W. */
export function writeMeets(level: Level, lists: KeyLists, outcomes: readonly ReplicaOutcome[]): boolean {
  return meets(level, new Set(outcomes.filter((o) => o.ok).map((o) => o.node)), lists);
}

/**
 * A write some replicas acknowledged, fewer than W needs. It is not undone: it stays where it landed (reads may
 * find it there, and a repair spreads the newest version), so the caller must treat its outcome as unknown.
 */
export function tooFewForWrite(what: 'write' | 'delete', key: string, level: Level, lists: KeyLists, outcomes: readonly ReplicaOutcome[]): Failure {
  const landed = outcomes.filter((o) => o.ok).map((o) => o.node);
  return {
    ...fail(
      'too_few_replicas',
      `the ${what} of ${key} at W=${level} needs ${describeNeed(level, lists)}; ${landed.length} acknowledged: ${describeOutcomes(outcomes)}. ` +
        `It may still have landed on ${listOf(landed)}, where reads can find it until a newer write replaces it; ` +
        `the replicas that missed it are marked suspect and repaired once they answer.`,
    ),
    replicas: [...outcomes],
  };
}

export interface QuorumDeps {
  /** Moves this process's clock past a version read from a node. */
  observe(version: ItemVersion): void;
  /** Gives `nodes` what `source` holds, with a conditional write; resolves to the nodes that took it. */
  repair(key: string, source: string, nodes: readonly string[]): Promise<string[]>;
  /** Work a read leaves running after it returns, counted among the operations in flight (close and changes wait for it). */
  background(key: string, task: Promise<unknown>): void;
}

type Answer = ReplicaRead & { item: VersionedItem | null };

/**
 * A read at R=majority or R=all: every node the key's writes reach is asked at once, and the read settles as soon
 * as enough have answered (absent counts as an answer). The newest answer wins, a tombstone included (the key is
 * deleted); answers older than it, or absent, are given it with the conditional write. Suspect copies are asked
 * and compared like any other: a stale one never wins over a newer answer. Answers that come in after the read
 * settled are compared with what it returned all the same, and the older or empty ones given it in the background.
 */
export async function quorumRead(ctx: ClusterContext, deps: QuorumDeps, key: string, level: Level): Promise<Result<GetResult>> {
  const lists = listsOf(ctx, key);
  const targets = [...new Set([...(lists.next ?? []), ...lists.current])];
  const asked = askEvery(ctx, key, targets, (answered) => meets(level, answered, lists));
  await asked.enough;
  const { outcomes, reads, answered } = asked;
  const tried = targets.filter((node) => outcomes.has(node)).map((node) => outcomes.get(node)!);
  if (!meets(level, answered, lists)) {
    return { ...fail('too_few_replicas', `a read of ${key} at R=${level} needs ${describeNeed(level, lists)}; ${answered.size} answered: ${describeOutcomes(tried)}`), replicas: tried };
  }
  // In list order, so a tie goes to the replica a read at R=one would have asked first.
  reads.sort((a, b) => targets.indexOf(a.node) - targets.indexOf(b.node));
  for (const read of reads) if (read.version) deps.observe(read.version);
  const newest = newestOf(reads);
  if (!newest) return { ...fail('not_found', `no key ${key} is stored (${answered.size} replicas answered, none holds it)`), replicas: tried };
  // A replica slower than the others holds a copy as likely to be stale as theirs: it is compared once it answers.
  if (outcomes.size < targets.length && !ctx.state.transition) {
    const late = asked.all.then(() => repairLate(deps, key, newest, asked.late));
    deps.background(key, late);
  }
  const stale = olderThan(reads, newest).map((read) => read.node);
  const repaired = stale.length > 0 && !ctx.state.transition ? await deps.repair(key, newest.node, stale) : [];
  for (const node of repaired) outcomes.set(node, { ...outcomes.get(node)!, repaired: true });
  const final = targets.filter((node) => outcomes.has(node)).map((node) => outcomes.get(node)!);
  const version = describeItemVersion(newest.version);
  if (newest.held === 'tombstone') return { ...fail('not_found', `no key ${key} is stored (${newest.node} holds its delete, the newest of ${answered.size} answers)`), replicas: final };
  return { ok: true, key, value: newest.item!.bytes, servedBy: newest.node, tried: final, repaired, r: level, version };
}

/** The answers that came in after the read returned `newest`: those older than it, or empty, are given it. */
async function repairLate(deps: QuorumDeps, key: string, newest: Answer, late: readonly Answer[]): Promise<void> {
  for (const read of late) if (read.version) deps.observe(read.version);
  const stale = olderThan(late, newest).map((read) => read.node);
  if (stale.length > 0) await deps.repair(key, newest.node, stale);
}

/**
 * Asks every target for its copy at once. `enough` resolves once `isEnough` holds of the replicas that answered, or
 * every target has answered or failed; `all` once every target has. Answers after `enough` go to `late` alone.
 */
function askEvery(ctx: ClusterContext, key: string, targets: readonly string[], isEnough: (answered: ReadonlySet<string>) => boolean) {
  const outcomes = new Map<string, ReplicaOutcome>();
  const reads: Answer[] = [];
  const late: Answer[] = [];
  const answered = new Set<string>();
  let settled = false;
  let settle!: () => void;
  let reject!: (error: unknown) => void;
  const enough = new Promise<void>((resolve, rejectEnough) => {
    settle = () => {
      settled = true;
      resolve();
    };
    reject = rejectEnough;
  });
  const all = Promise.all(
    targets.map((node) =>
      ctx.pool
        .call(node, (client) => client.getVersioned(key))
        .then((outcome) => {
          if (!outcome.ok) {
            if (!settled) outcomes.set(node, { node, ok: false, error: outcome.error });
            return;
          }
          const item = outcome.value;
          const read: Answer = { node, held: item ? item.kind : 'absent', version: item?.version ?? null, item };
          if (settled) return void late.push(read);
          reads.push(read);
          answered.add(node);
          outcomes.set(node, { node, ok: true, held: read.held, version: describeItemVersion(read.version) });
          if (isEnough(answered)) settle();
        }),
    ),
  );
  // A bug in a call (anything but a node's error, which is an outcome) rejects the read, as it would at R=one.
  all.then(settle, reject);
  return { outcomes, reads, late, answered, enough, all };
}

export function describeOutcomes(outcomes: readonly ReplicaOutcome[]): string {
  const what = (o: ReplicaOutcome) => (!o.ok ? o.error : o.held ? `${o.held}${o.version ? ` ${o.version}` : ''}` : 'ok');
  return outcomes.map((o) => `${o.node} ${what(o)}`).join(', ') || 'no replicas';
}

export function listOf(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
