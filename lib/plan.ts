// The move planner: from what each node really holds to what the target ring wants, the exact copies and deletes.
import { keyPosition } from './hash';
import { columnsOf, type Inventory, type KeyEntry } from './key-columns';
import { addListedCas, gatherHolders } from './plan-columns';
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
  /** A copy of the key's delete (see planTombstoneCopies, ./plan-tombstones). */
  tombstone?: true;
}

export interface DeleteStep {
  key: string;
  from: string;
  /**
   * Set on the delete of a copy on the key's new list (one no node of its old list held when listed): the nodes of
   * the new list that were on the old one. A value found on one of them when the delete runs means the copy is a
   * write made between two listings, not a stale one, and it stays.
   */
  peers?: readonly string[];
  /** The CAS the copy was listed with, when known: the delete is refused once a write has replaced it. */
  cas?: number;
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
 * key held only by such copies is deleted, as reads, which try only its list, already find it absent. A delete of a
 * copy on the key's new list is conditional (see DeleteStep): it may be a write the listings caught in between.
 */
export function planMoves(before: Ring, after: Ring, inventory: Inventory, options: PlanOptions = {}): MovePlan {
  const unavailable = options.unavailable ?? new Set<string>();
  const plan: MovePlan = { keys: 0, copies: [], deletes: [], primariesMoved: 0, deferred: 0, minimumCopies: 0 };
  const columns = columnsOf(inventory);
  const { keys, positions, nodes } = columns;
  const size = keys.length;
  plan.keys = size;
  // Every node of either ring or the listings numbered once: lists become typed arrays, and checking a key compares numbers.
  const numberOf = new Map<string, number>();
  for (const id of [...nodes, ...before.nodes.map((n) => n.id), ...after.nodes.map((n) => n.id)]) if (!numberOf.has(id)) numberOf.set(id, numberOf.size);
  const oldLists = before.preferences.map((list) => Int32Array.from(list, (id) => numberOf.get(id)!));
  const newLists = after.preferences.map((list) => Int32Array.from(list, (id) => numberOf.get(id)!));
  const oldOwners = new Int32Array(size);
  const newOwners = new Int32Array(size);
  // Per key, the nodes of its target list that were on its old list too, packed three to a number (10 bits each, plus
  // one): the pass over every listed item below then reads one array per item, not four (it is bound by memory).
  const packed = numberOf.size < 1023 && after.preferences.every((list) => list.length <= 3) ? new Int32Array(size) : null;
  for (let k = 0; k < size; k++) {
    oldOwners[k] = ownerVnode(before, positions[k]);
    newOwners[k] = ownerVnode(after, positions[k]);
    const old = oldOwners[k] < 0 ? NO_LIST : oldLists[oldOwners[k]];
    const target = newOwners[k] < 0 ? NO_LIST : newLists[newOwners[k]];
    if (old[0] !== target[0]) plan.primariesMoved++;
    let pack = 0;
    for (let i = 0, shift = 0; i < target.length; i++) {
      if (!has(old, target[i])) plan.minimumCopies++;
      else if (packed) {
        pack |= (target[i] + 1) << shift;
        shift += 10;
      }
    }
    if (packed) packed[k] = pack;
  }
  // Per key, its holders (low 16 bits) and those on its target list that were on its old list too (above): a key
  // held by exactly its target list, every holder trusted, has nothing to copy or delete (most keys).
  const tally = new Uint32Array(size);
  for (let n = 0; n < nodes.length; n++) {
    const ids = columns.column(nodes[n])!.ids;
    const tag = n + 1;
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i];
      if (packed) {
        const pack = packed[k];
        tally[k] += (pack & 1023) === tag || ((pack >>> 10) & 1023) === tag || pack >>> 20 === tag ? 0x10001 : 1;
      } else {
        const settled = newOwners[k] >= 0 && oldOwners[k] >= 0 && has(newLists[newOwners[k]], n) && has(oldLists[oldOwners[k]], n);
        tally[k] += settled ? 0x10001 : 1;
      }
    }
  }
  const slots = new Int32Array(size).fill(-1);
  let wanted = 0;
  for (let k = 0; k < size; k++) {
    const targetLength = newOwners[k] < 0 ? 0 : newLists[newOwners[k]].length;
    if (tally[k] !== targetLength * 0x10001) slots[k] = wanted++;
  }
  const counts = (k: number) => tally[k] & 0xffff;
  const held = gatherHolders(columns, slots, counts, wanted);
  const onNewList: { k: number; step: DeleteStep }[] = [];
  for (let k = 0; k < size; k++) {
    if (slots[k] < 0) continue;
    const key = keys[k];
    const old = preferenceListAt(before, positions[k]);
    const target = newOwners[k] < 0 ? old.slice(0, 0) : after.preferences[newOwners[k]];
    const { holders, exp } = held(k);
    // Only copies on the key's old list are kept current by writes: any other may be stale, so it is neither counted nor copied from.
    const trusted = holders.filter((holder) => old.includes(holder));
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
      const step: DeleteStep = { key, from: node };
      if (target.includes(node)) {
        step.peers = target.filter((peer) => old.includes(peer) && !unavailable.has(peer));
        onNewList.push({ k, step });
      }
      plan.deletes.push(step);
    }
  }
  if (onNewList.length > 0) addListedCas(columns, onNewList);
  return plan;
}

const NO_LIST = new Int32Array(0);

/** A list holds a node number (a loop: the typed arrays' own includes is a call V8 does not inline). */
function has(list: Int32Array, n: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === n) return true;
  return false;
}

/** Holders in the old preference order: the primary is the likeliest to have the newest value. */
export function rankSources(holders: readonly string[], old: readonly string[]): string[] {
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
