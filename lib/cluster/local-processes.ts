import 'server-only';
// Local memcached processes the cluster started itself: starting, relaunching lost ones, stopping them by pid, only on the machine that started them.
import os from 'node:os';
import { isRunningMemcached, startLocalNode, stopLocalNode, type LocalProcess } from '../memcached/local-nodes';
import type { NodeHealth } from '../store/types';
import type { ClusterContext } from './context';

type LocalRecord = NonNullable<NodeHealth['local']>;

/** This machine's name in health records: a pid means something only on the machine that started it. */
export const THIS_HOST = os.hostname() || 'localhost';

export class LocalProcesses {
  constructor(private readonly ctx: ClusterContext) {}

  /** A new memcached process on a free loopback port. Throws when it does not start. */
  start(): Promise<LocalProcess> {
    return startLocalNode({ memoryMb: this.ctx.options.localMemoryMb });
  }

  /** The record of a process started here (records from before hosts were kept are this machine's). */
  isMine(local: LocalRecord | undefined): boolean {
    return Boolean(local && (local.host === undefined || local.host === THIS_HOST));
  }

  /** Signals a process Ringside started on this machine; a pid no longer running memcached, or another machine's, is left alone. */
  async stop(local: LocalRecord | undefined, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (local?.pid && this.isMine(local)) await stopLocalNode(local.pid, signal);
  }

  isRunning(local: LocalRecord | undefined): boolean {
    return Boolean(local?.pid && this.isMine(local) && isRunningMemcached(local.pid));
  }

  /** A local node of the ring whose process on this machine is gone (not killed on purpose) is started again on its port. */
  async restartLost(): Promise<void> {
    for (const record of this.ctx.state.nodes()) {
      if (!record.local || !this.isMine(record.local) || record.local.killed || this.isRunning(record.local)) continue;
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
    await state.setHealth(id, { local: { pid: started.pid, killed: false, host: THIS_HOST }, down: true, instance: undefined });
    if (started.port !== record.port || started.host !== record.host) {
      await state.commitRing(state.members.nodes.map((n) => (n.id === id ? { ...n, host: started.host, port: started.port } : n)));
    }
    pool.track(id, started, 'down');
    return started;
  }

  /** Stops every local process of the ring started on this machine (their keys are gone); returns the nodes stopped. */
  async stopAll(): Promise<string[]> {
    const stopped: string[] = [];
    for (const record of this.ctx.state.nodes()) {
      if (!record.local?.pid || !this.isMine(record.local)) continue;
      await this.stop(record.local, 'SIGTERM');
      await this.ctx.state.setHealth(record.id, { local: { pid: null, killed: false, host: THIS_HOST } });
      this.ctx.pool.markDown(record.id, 'stopped');
      stopped.push(record.id);
    }
    return stopped;
  }
}
