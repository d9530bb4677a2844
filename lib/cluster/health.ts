import 'server-only';
// Health: probes every node's stats, marks nodes down after repeated failures and up when they answer, notices restarts.
import { NodeError } from '../memcached/node-client';
import type { ClusterContext } from './context';

export class Health {
  private probing = false;
  private stopped = false;

  constructor(private readonly ctx: ClusterContext) {}

  /**
   * Asks every node of the ring for its stats. A node that fails twice in a row is marked down; one that
   * answers again, or answers from a new process (restarted, probably empty), needs a repair: the answer.
   */
  async check(): Promise<boolean> {
    if (this.probing || this.stopped) return false;
    this.probing = true;
    let repairNeeded = false;
    const { pool, state } = this.ctx;
    try {
      await Promise.all(
        state.nodes().map(async (record) => {
          if (record.local?.killed) return;
          try {
            const stats = await pool.probeCall(record.id, (client) => client.stats());
            const instance = instanceOf(stats);
            const restarted = record.instance !== undefined && !sameInstance(record.instance, instance);
            const returned = pool.status(record.id) === 'down' || record.down === true;
            // Back from a freeze, a node may still apply writes it was sent before it stopped answering, over a
            // repair's (see WriteFence): it is trusted, and repaired, at the first probe after it has finished with them.
            if (returned && pool.unsettled(record.id)) return;
            pool.markUp(record.id);
            if (restarted || returned || record.instance === undefined) void state.markUp(record.id, instance);
            if (restarted || returned) {
              repairNeeded = true;
              this.ctx.emit({ type: 'node-up', node: record.id, restarted });
            }
          } catch (error) {
            pool.noteFailure(record.id, error instanceof NodeError ? error.code : String(error));
          }
        }),
      );
    } finally {
      this.probing = false;
    }
    return repairNeeded && !this.stopped;
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Which memcached process answers at an address: its pid and start time. */
export function instanceOf(stats: Record<string, string>): string {
  return `${stats.pid}:${Number(stats.time) - Number(stats.uptime)}`;
}

export function sameInstance(a: string, b: string): boolean {
  const [pidA, startA] = a.split(':').map(Number);
  const [pidB, startB] = b.split(':').map(Number);
  // The start time is derived from two clock readings, so it may wobble by a second.
  return pidA === pidB && Math.abs(startA - startB) <= 2;
}
