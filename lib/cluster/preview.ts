// Dry runs: what a membership change or a repair would copy and delete, planned as the change itself plans it; nothing moves.
import { ringShares } from '../balance';
import { keyPosition } from '../hash';
import { recordOf } from '../key-columns';
import { planMoves, type Inventory, type KeyEntry } from '../plan';
import { preferenceListAt, type Ring } from '../ring';

export interface MovePreview {
  keys: number;
  primariesMoved: number;
  copies: number;
  /** Keys that would get at least one copy. */
  keysCopied: number;
  deletes: number;
  /** The copies the ring change requires at the least, for keys on their lists. */
  minimumCopies: number;
  /** Share of primaries that would move, and the ring's own share of the change (what consistent hashing promises). */
  movedShare: number;
  theoreticalShare: number;
  /** Copies owed to unreachable nodes: made when they return. */
  deferred: number;
  /** Suspect copies, and stray copies on nodes back from an absence, brought in line before the plan. */
  settles: number;
  /** A repair's only: keys whose copies hold different versions, which it brings to the newest (every copy is read to count them). */
  divergent?: number;
}

/** What besides the listings shapes a plan: the nodes that cannot be reached, the suspect marks, the nodes back from an absence. */
export interface PlanState {
  unavailable?: ReadonlySet<string>;
  /** Suspect copies by node (left out of the listings). */
  suspects?: Readonly<Record<string, readonly string[]>>;
  /** Nodes that were unreachable during a change and are back: a repair first deletes their copies outside their lists. */
  returned?: readonly string[];
}

/**
 * What a change from `from` to `to` would move (a repair when they are the same ring), without moving anything.
 * As the change does, suspect copies are first settled against their trusted replicas: given the value when one
 * holds it and the node is on the key's list, else deleted; and a repair first drops the strays of returned nodes.
 */
export function previewOf(from: Ring, to: Ring, inventory: Inventory, state: PlanState = {}): MovePreview {
  const { listed, settles } = afterSettling(from, inventory, state);
  const plan = planMoves(from, to, listed, { unavailable: state.unavailable });
  const before = ringShares(from);
  const after = ringShares(to);
  // The hash space whose owner changes: half the total variation between the two share tables.
  const ids = new Set([...Object.keys(before), ...Object.keys(after)]);
  let variation = 0;
  for (const id of ids) variation += Math.abs((after[id] ?? 0) - (before[id] ?? 0));
  let keysCopied = 0;
  // The planner lists each key's copies together.
  plan.copies.forEach((copy, i) => {
    if (i === 0 || plan.copies[i - 1].key !== copy.key) keysCopied++;
  });
  return {
    keys: plan.keys,
    primariesMoved: plan.primariesMoved,
    copies: plan.copies.length,
    keysCopied,
    deletes: plan.deletes.length,
    minimumCopies: plan.minimumCopies,
    movedShare: plan.keys === 0 ? 0 : plan.primariesMoved / plan.keys,
    theoreticalShare: variation / 2,
    deferred: plan.deferred,
    settles,
  };
}

/** The listings as they will be once suspect and stray copies are settled, and how many would be. */
function afterSettling(ring: Ring, columns: Inventory, { suspects = {}, returned = [] }: PlanState): { listed: Inventory; settles: number } {
  // Nothing to settle (the usual case): the listings are planned as they are, columns and all.
  if (returned.length === 0 && Object.values(suspects).every((keys) => keys.length === 0)) return { listed: columns, settles: 0 };
  const inventory = recordOf(columns);
  const listed: Record<string, readonly KeyEntry[]> = { ...inventory };
  const onList = (key: string, node: string) => preferenceListAt(ring, keyPosition(key)).includes(node);
  const isSuspect = (node: string, key: string) => suspects[node]?.includes(key) ?? false;
  const suspectKeys = new Set(Object.values(suspects).flat());
  // Who holds each suspect key, and until when, from the trusted listings.
  const held = new Map<string, Map<string, number>>();
  for (const [node, entries] of Object.entries(inventory)) {
    for (const { key, exp } of entries) if (suspectKeys.has(key)) (held.get(key) ?? held.set(key, new Map()).get(key)!).set(node, exp);
  }
  let settles = 0;
  for (const [node, keys] of Object.entries(suspects)) {
    if (!inventory[node]) continue; // unreachable: settled when it returns
    const given: KeyEntry[] = [];
    for (const key of keys) {
      const trusted = preferenceListAt(ring, keyPosition(key)).filter((other) => other !== node && !isSuspect(other, key));
      // With no trusted replica, or none answering, the copy stays suspect (see settleSuspects).
      if (!trusted.some((other) => inventory[other])) continue;
      settles++;
      const holder = trusted.find((other) => held.get(key)?.has(other));
      if (holder !== undefined && onList(key, node)) given.push({ key, exp: held.get(key)!.get(holder)! });
    }
    if (given.length > 0) listed[node] = [...inventory[node], ...given];
  }
  for (const node of returned) {
    const entries = listed[node];
    if (!entries) continue;
    const kept = entries.filter(({ key }) => onList(key, node));
    settles += entries.length - kept.length;
    listed[node] = kept;
  }
  return { listed, settles };
}
