// The tombstone planner: copies of deletes to the nodes of each key's new list that lack them.
import { keyPosition } from './hash';
import { recordOf, type Inventory } from './key-columns';
import { rankSources, type CopyStep, type PlanOptions } from './plan';
import { preferenceListAt, type Ring } from './ring';

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
