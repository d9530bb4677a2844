import 'server-only';
// The control plane as the cluster shows it: which store, whether it answers, who leads; and the refusal of a change while it cannot be reached.
import type { StateStore } from '../store/types';
import type { WriteMode } from './sole-writer';
import { fail, type Failure } from './types';

export interface ControlPlaneStatus {
  kind: StateStore['kind'];
  /** The store answered its last call: false while etcd cannot be reached (changes are refused, data goes on). */
  reachable: boolean;
  /** The process that probes, repairs and finishes interrupted changes (its writer id), if one is known. */
  leader: string | null;
  /** This process's writer id. */
  self: string;
  /** Whether its puts are plain SETs (alone) or conditional writes (beside other processes), and how many went each way. */
  writes: WriteMode;
}

export function controlPlaneOf(store: StateStore, writes: WriteMode): ControlPlaneStatus {
  return { kind: store.kind, reachable: store.reachable, leader: store.leader, self: store.writer, writes };
}

/** A change could not go on because the store did not answer: refused as `control_plane_unavailable`. */
export class ControlPlaneError extends Error {}

export function controlPlaneUnavailable(reason: string, ringVersion: number): Failure {
  return fail(
    'control_plane_unavailable',
    `membership changes are refused while the control plane cannot be reached (${reason}); reads and writes go on with the last ring known (version ${ringVersion})`,
  );
}
