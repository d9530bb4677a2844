// Whether a key is under-replicated or moving: judged against the current ring and, during a change, the ring keys move to.
import { preferenceListAt, type Ring } from '../ring';

/** A membership change in flight, as far as judging keys goes. */
export interface ChangeInFlight {
  /** The ring keys are moving to. */
  to: Ring;
  /** Nodes the change copies nothing to (unreachable when it was planned). */
  unavailable: ReadonlySet<string>;
  /** Keys whose plan gives a copy back to nodes of their current list that had lost it, with those nodes. */
  refills: ReadonlyMap<string, readonly string[]>;
}

const NONE: readonly string[] = [];

/**
 * The nodes of the key's current list that lack it while nothing is bringing it: what "under-replicated" means.
 * During a change a key is moving, not missing: none while its current holders still hold it, and none once every
 * node of its new list holds it or has a planned copy on the way (the old copies are being deleted then). So a
 * listing read across the ring switch, half before and half after, never makes a moving key look lost.
 */
export function missingReplicas(ring: Ring, change: ChangeInFlight | null, key: string, position: number, holds: (node: string) => boolean): readonly string[] {
  const current = preferenceListAt(ring, position);
  // Most keys are on every node of their list: answered without allocating anything.
  if (current.every(holds)) return NONE;
  const target = change ? preferenceListAt(change.to, position) : null;
  const coming = (node: string) => change !== null && target!.includes(node) && !change.unavailable.has(node) && (!current.includes(node) || (change.refills.get(key)?.includes(node) ?? false));
  const lacks = (node: string) => !holds(node) && !coming(node);
  if (!current.some(lacks)) return NONE;
  if (target !== null && !target.some(lacks)) return NONE;
  return current.filter(lacks);
}

/** The key's list in the ring a change moves it to, when that differs from its current list; null when it stays. */
export function targetOf(ring: Ring, change: ChangeInFlight | null, position: number): readonly string[] | null {
  if (!change) return null;
  const current = preferenceListAt(ring, position);
  const target = preferenceListAt(change.to, position);
  return target.length === current.length && target.every((node, i) => node === current[i]) ? null : target;
}
