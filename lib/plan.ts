// The move planner: from what each node really holds to what the target ring wants, the exact copies and deletes.
import { keyPosition } from './hash';
import { Holdings } from './holdings';
import { recordOf, type Inventory, type KeyEntry } from './key-columns';
import { ownerVnode, preferenceListAt, type Ring } from './ring';

export type { Inventory, KeyEntry } from './key-columns';

export interface CopyStep {
  key: string;
  to: string;
  /** Nodes holding the key, best source first (the old preference order). */
  sources: readonly string[];
  exp: number;
  /** The target is on the key's old list too: the copy gives back a replica it had lost, rather than moving the key. */
  refill?: true;
  /** A copy of the key's delete (see planTombstoneCopies). */
  tombstone?: true;
}

export interface DeleteStep {
  key: string;
  from: string;
}

export interface MovePlan {
  /** Distinct keys in the inventory. */
  keys: number;
  copies: CopyStep[];
  deletes: DeleteStep[];
  /** Keys whose primary differs between the two rings. */
  primariesMoved: number;
  /** Copies owed to nodes that could not be reached; they are made when the node returns. */
  deferred: number;
  /** Copies the ring change itself requires for these keys (new list less old list), whatever they hold. */
  minimumCopies: number;
}

export interface PlanOptions {
  /** Nodes that cannot be written now: nothing is copied to or deleted from them. */
  unavailable?: ReadonlySet<string>;
}

/**
 * Plans the change from `before` to `after`. For every key it copies to the target nodes that lack it
 * and deletes it from the nodes that hold it outside the target list, so when the inventory matches
 * `before` the plan is the minimum the ring change requires; when it does not (a crash, a restart
 * empty), the same plan is the repair. A copy outside the key's `before` list (left by an interrupted
 * change, or by a node that missed one) may be stale: it is overwritten or deleted, never a source; a
 * key held only by such copies is deleted, as reads, which try only its list, already find it absent.
 */
export function planMoves(before: Ring, after: Ring, inventory: Inventory, options: PlanOptions = {}): MovePlan {
  const unavailable = options.unavailable ?? new Set<string>();
  const plan: MovePlan = { keys: 0, copies: [], deletes: [], primariesMoved: 0, deferred: 0, minimumCopies: 0 };
  const holdings = new Holdings(inventory);
  const nodeIndex = new Map(holdings.nodes.map((id, n) => [id, n]));
  // Each target list once as holdings' node numbers (-1: a node not listed), so checking a key looks up no id.
  const targetNumbers = after.preferences.map((list) => Int32Array.from(list, (id) => nodeIndex.get(id) ?? -1));
  const onTarget = (k: number, numbers: Int32Array, target: readonly string[], old: readonly string[]) => {
    for (let i = 0; i < numbers.length; i++) if (numbers[i] < 0 || !holdings.holds(k, numbers[i]) || (old !== target && !old.includes(target[i]))) return false;
    return true;
  };
  for (let k = 0; k < holdings.size; k++) {
    const key = holdings.keys[k];
    plan.keys++;
    const position = keyPosition(key);
    const old = preferenceListAt(before, position);
    const v = ownerVnode(after, position);
    const target = v < 0 ? old.slice(0, 0) : after.preferences[v];
    if (old[0] !== target[0]) plan.primariesMoved++;
    if (old !== target) for (const node of target) if (!old.includes(node)) plan.minimumCopies++;
    // Most keys already sit exactly on their target list: nothing to copy, nothing to delete.
    if (holdings.count(k) === target.length && (v < 0 || onTarget(k, targetNumbers[v], target, old))) continue;

    const holders = holdings.holders(k);
    // Only copies on the key's old list are kept current by writes: any other may be stale, so it is neither counted nor copied from.
    const trusted = holders.filter((holder) => old.includes(holder));
    const exp = holdings.exp(k);
    let sources: string[] | null = null;
    let deferred = false;
    const copiedTo: string[] = [];
    for (const node of target) {
      if (trusted.includes(node)) continue;
      if (unavailable.has(node)) {
        deferred = true;
        plan.deferred++;
      } else if (trusted.length > 0) {
        sources ??= rankSources(
          trusted.filter((holder) => !unavailable.has(holder)),
          old,
        );
        copiedTo.push(node);
        plan.copies.push(old.includes(node) ? { key, to: node, sources, exp, refill: true } : { key, to: node, sources, exp });
      }
    }
    for (const node of holders) {
      if (unavailable.has(node) || copiedTo.includes(node)) continue;
      const isTrusted = trusted.includes(node);
      if (isTrusted && target.includes(node)) continue;
      // While a copy is owed to an unreachable node, the old holders keep theirs: they may be the only ones left.
      if (isTrusted && deferred) continue;
      plan.deletes.push({ key, from: node });
    }
  }
  return plan;
}

/**
 * Copies of deletes for a change from `before` to `after` (a repair when they are the same ring): each key's
 * tombstone goes to the reachable nodes of its new list that lack it, from the nodes of its old list, so a write
 * older than the delete that reaches one of them later still loses. Tombstones are not keys: they are not counted,
 * and never deleted (they expire by themselves).
 */
export function planTombstoneCopies(before: Ring, after: Ring, tombstones: Inventory, options: PlanOptions = {}): CopyStep[] {
  const unavailable = options.unavailable ?? new Set<string>();
  const holders = new Map<string, { nodes: string[]; exp: number }>();
  for (const [node, entries] of Object.entries(recordOf(tombstones))) {
    for (const { key, exp } of entries) {
      const held = holders.get(key) ?? holders.set(key, { nodes: [], exp }).get(key)!;
      held.nodes.push(node);
      held.exp = Math.max(held.exp, exp);
    }
  }
  const copies: CopyStep[] = [];
  for (const [key, { nodes, exp }] of holders) {
    const position = keyPosition(key);
    const old = preferenceListAt(before, position);
    const trusted = nodes.filter((node) => old.includes(node) && !unavailable.has(node));
    if (trusted.length === 0) continue;
    const sources = rankSources(trusted, old);
    for (const node of preferenceListAt(after, position)) if (!nodes.includes(node) && !unavailable.has(node)) copies.push({ key, to: node, sources, exp, tombstone: true });
  }
  return copies;
}

/** Holders in the old preference order: the primary is the likeliest to have the newest value. */
function rankSources(holders: readonly string[], old: readonly string[]): string[] {
  return [...holders].sort((a, b) => old.indexOf(a) - old.indexOf(b));
}

/** The copies a ring change needs at the least: for each key, the nodes of its new list not in its old one. */
export function minimumCopies(before: Ring, after: Ring, keys: Iterable<string>): number {
  let copies = 0;
  for (const key of keys) {
    const position = keyPosition(key);
    const old = preferenceListAt(before, position);
    for (const node of preferenceListAt(after, position)) if (!old.includes(node)) copies++;
  }
  return copies;
}

/** The inventory a ring implies: every key on exactly its preference list (for tests and benchmarks). */
export function inventoryOf(ring: Ring, keys: Iterable<string>, exp = -1): Record<string, KeyEntry[]> {
  const inventory: Record<string, KeyEntry[]> = Object.fromEntries(ring.nodes.map((n) => [n.id, []]));
  for (const key of keys) for (const node of preferenceListAt(ring, keyPosition(key))) inventory[node].push({ key, exp });
  return inventory;
}
