import 'server-only';
// Local memcached processes the cluster started itself: starting, relaunching lost ones, stopping them by pid.
import { isRunningMemcached, startLocalNode, stopLocalNode, type LocalProcess } from '../memcached/local-nodes';
import type { ClusterContext } from './context';

export class LocalProcesses {
  constructor(private readonly ctx: ClusterContext) {}

  /** A new memcached process on a free loopback port. Throws when it does not start. */
  start(): Promise<LocalProcess> {
    return startLocalNode({ memoryMb: this.ctx.options.localMemoryMb });
  }

  /** Signals a process Ringside started; a pid no longer running memcached is left alone. */
  async stop(pid: number | null | undefined, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (pid) await stopLocalNode(pid, signal);
  }

  isRunning(pid: number | null | undefined): boolean {
    return Boolean(pid && isRunningMemcached(pid));
  }

  /** A local node of the ring whose process is gone (not killed on purpose) is started again on its port. */
  async restartLost(): Promise<void> {
    for (const record of this.ctx.state.nodes()) {
      if (!record.local || record.local.killed || this.isRunning(record.local.pid)) continue;
      await this.relaunch(record.id);
    }
  }

  /**
   * Starts a node's process again, empty: on its old port, or on a new one when that is taken (the node keeps
   * its id, and so its place on the ring; the new address is a ring change). Marked down, so the next probe
   * sees it return and repairs it.
   */
  async relaunch(id: string): Promise<LocalProcess> {
    const { state, pool } = this.ctx;
    const record = state.record(id);
    if (!record) throw new Error(`no node ${id}`);
    let started: LocalProcess;
    try {
      started = await startLocalNode({ port: record.port, memoryMb: this.ctx.options.localMemoryMb });
    } catch {
      started = await startLocalNode({ memoryMb: this.ctx.options.localMemoryMb });
    }
    await state.setHealth(id, { local: { pid: started.pid, killed: false }, down: true, instance: undefined });
    if (started.port !== record.port || started.host !== record.host) {
      await state.commitRing(state.members.nodes.map((n) => (n.id === id ? { ...n, host: started.host, port: started.port } : n)));
    }
    pool.track(id, started, 'down');
    return started;
  }

  /** Stops every local process of the ring (their keys are gone); returns the nodes stopped. */
  async stopAll(): Promise<string[]> {
    const stopped: string[] = [];
    for (const record of this.ctx.state.nodes()) {
      if (!record.local?.pid) continue;
      await this.stop(record.local.pid, 'SIGTERM');
      await this.ctx.state.setHealth(record.id, { local: { pid: null, killed: false } });
      this.ctx.pool.markDown(record.id, 'stopped');
      stopped.push(record.id);
    }
    return stopped;
  }
}
