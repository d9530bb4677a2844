// The move or repair in progress, folded from cluster events: what was planned, how many copies are done, how it ended.
import type { StampedEvent } from '@/lib/cluster/events';

export interface MoveState {
  reason: string;
  phase: 'copying' | 'done';
  done: number;
  total: number;
  planned: { keys: number; copies: number; deletes: number; primariesMoved: number; deferred: number } | null;
  result: { copied: number; deleted: number; settled: number; skipped: number; failed: number; ms: number } | null;
  /** Sequence number of the event that began it, so a stale progress event never resurrects an old move. */
  seq: number;
}

export function nextMove(move: MoveState | null, event: StampedEvent): MoveState | null {
  switch (event.type) {
    case 'move-planned': {
      const { keys, copies, deletes, primariesMoved, deferred } = event;
      return { reason: event.reason, phase: 'copying', done: 0, total: copies, planned: { keys, copies, deletes, primariesMoved, deferred }, result: null, seq: event.seq };
    }
    case 'move-progress':
      if (move && move.reason === event.reason && move.phase === 'copying') return { ...move, done: event.done, total: event.total };
      return { reason: event.reason, phase: 'copying', done: event.done, total: event.total, planned: null, result: null, seq: event.seq };
    case 'move-done': {
      const { copied, deleted, settled, skipped, failed, ms } = event;
      const base = move && move.reason === event.reason ? move : { reason: event.reason, planned: null, seq: event.seq, total: copied };
      return { ...base, phase: 'done', done: base.total, result: { copied, deleted, settled, skipped, failed, ms } };
    }
    default:
      return move;
  }
}
