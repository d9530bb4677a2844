import 'server-only';
// Membership changes, one at a time cluster-wide (the store's change lock): add, remove, weight, kill, revive, stop, repair, recovery.
import { Mutex } from '../concurrency';
import { DEFAULT_VNODES } from '../ring';
import { checkNodeId, checkVnodes, formatAddress, parseAddress } from '../validate';
import { checkAllowedHost } from './allow-list';
import type { ClusterContext } from './context';
import type { DataPath } from './data-path';
import { joinExternal, joinLocal } from './joining';
import { ControlPlaneError, controlPlaneUnavailable } from './control-plane';
import { THIS_HOST, type LocalProcesses } from './local-processes';
import { runMove, runRepair } from './move';
import { unknownNode, viewOf } from './queries';
import { recoverChange, type Recovery } from './recovery';
import { fail, type Failure, type MembershipResult, type MoveSummary, type NodeView, type Result } from './types';

export class Changes {
  private readonly mutex = new Mutex();

  constructor(
    private readonly ctx: ClusterContext,
    private readonly data: DataPath,
    private readonly local: LocalProcesses,
    /** Reads the whole state from the store and applies it. */
    private readonly refresh: () => Promise<{ ok: true } | { ok: false; message: string }>,
  ) {}

  get busy(): boolean {
    return this.mutex.locked;
  }

  /** Adds a node: a new local memcached process, or an existing server at `address`; then moves its keys onto it. */
  async addNode(request: { id?: string; address?: string; vnodes?: number } = {}): Promise<Result<MembershipResult>> {
    const { state } = this.ctx;
    const vnodes = request.vnodes ?? DEFAULT_VNODES;
    const badId = checkNodeId(request.id ?? nextNodeId(state.ring.nodes));
    if (badId) return fail('invalid_id', badId);
    if (checkVnodes(vnodes)) return fail('invalid_vnodes', checkVnodes(vnodes)!);
    if (request.id !== undefined && state.record(request.id)) return fail('node_exists', `a node named ${request.id} is already in the ring`);
    let address: { host: string; port: number } | undefined;
    if (request.address !== undefined) {
      const parsed = parseAddress(request.address);
      if (!parsed.ok) return fail('invalid_address', parsed.message);
      const allowed = await checkAllowedHost(parsed.address.host, this.ctx.options.allowedHosts);
      if (!allowed.ok) return fail('address_not_allowed', allowed.message);
      address = { host: allowed.host, port: parsed.address.port };
      const taken = state.nodes().find((n) => n.host === address!.host && n.port === address!.port);
      if (taken) return fail('node_exists', `${request.address} is already in the ring as ${taken.id}`);
    }
    return this.exclusive(async () => {
      // Checked again on the ring as the store holds it now: another process may have changed it meanwhile.
      const id = request.id ?? nextNodeId(state.ring.nodes);
      if (state.record(id)) return fail('node_exists', `a node named ${id} is already in the ring`);
      const taken = address && state.nodes().find((n) => n.host === address.host && n.port === address.port);
      if (taken) return fail('node_exists', `${request.address} is already in the ring as ${taken.id}`);
      const member = address ? await joinExternal(this.ctx, id, address, vnodes) : await joinLocal(this.ctx, this.local, id, vnodes);
      if ('ok' in member) return member;
      const summary = await this.journaled(() => runMove(this.ctx, this.data, [...state.members.nodes, member], `add ${id}`));
      const record = state.record(id)!;
      this.ctx.emit({ type: 'node-added', node: id, address: formatAddress(record), local: Boolean(record.local) });
      return { ok: true, node: viewOf(this.ctx, record), ...summary };
    });
  }

  /** Removes a node gracefully: its keys move to their new owners first (from surviving copies if it is down). */
  async removeNode(id: string): Promise<Result<MembershipResult>> {
    const { state, pool } = this.ctx;
    const record = state.record(id);
    if (!record) return unknownNode(this.ctx, id);
    if (state.ring.nodes.length === 1) return fail('last_node', `${id} is the last node: the ring would hold no keys; add another node first`);
    return this.exclusive(async () => {
      if (!state.nodes().some((n) => n.id === id)) return unknownNode(this.ctx, id);
      if (state.ring.nodes.length === 1) return fail('last_node', `${id} is the last node: the ring would hold no keys; add another node first`);
      const summary = await this.journaled(async () => {
        const next = state.members.nodes.filter((n) => n.id !== id);
        // A local process is stopped afterwards, so deleting its keys one by one would be wasted work.
        const moved = await runMove(this.ctx, this.data, next, `remove ${id}`, record.local ? id : undefined);
        await this.local.stop(record.local, 'SIGTERM');
        pool.forget(id);
        await state.forgetHealth(id);
        return moved;
      });
      this.ctx.emit({ type: 'node-removed', node: id });
      return { ok: true, node: { ...viewOf(this.ctx, record), status: 'down' as const }, ...summary };
    });
  }

  /** Changes a node's weight; keys move as for an add or remove, only between it and its neighbours. */
  async setVnodes(id: string, vnodes: number): Promise<Result<MembershipResult>> {
    const { state } = this.ctx;
    if (!state.record(id)) return unknownNode(this.ctx, id);
    if (checkVnodes(vnodes)) return fail('invalid_vnodes', checkVnodes(vnodes)!);
    return this.exclusive(async () => {
      if (!state.nodes().some((n) => n.id === id)) return unknownNode(this.ctx, id);
      const next = state.members.nodes.map((n) => (n.id === id ? { ...n, vnodes } : n));
      const summary = await this.journaled(() => runMove(this.ctx, this.data, next, `vnodes ${id} ${vnodes}`));
      this.ctx.emit({ type: 'node-vnodes', node: id, vnodes });
      return { ok: true, node: viewOf(this.ctx, state.record(id)!), ...summary };
    });
  }

  /** Failure drill: SIGKILLs a local node. It stays in the ring, marked down, until revived or removed. */
  async killNode(id: string): Promise<Result<{ node: NodeView }>> {
    const { state, pool } = this.ctx;
    const record = state.record(id);
    if (!record) return unknownNode(this.ctx, id);
    if (!record.local) return fail('not_local', `${id} is not a local node: Ringside only kills processes it started`);
    if (!this.local.isMine(record.local)) return elsewhere(id, record.local.host);
    if (record.local.killed || !record.local.pid) return fail('node_down', `${id} is not running; use \`revive ${id}\``);
    const local = record.local;
    return this.exclusive(async () => {
      await this.local.stop(local, 'SIGKILL');
      await state.setHealth(id, { local: { pid: null, killed: true, host: THIS_HOST } });
      pool.markDown(id, 'killed');
      this.ctx.emit({ type: 'node-killed', node: id, pid: local.pid! });
      return { ok: true, node: viewOf(this.ctx, state.record(id)!) };
    });
  }

  /** Restarts a killed local node (empty, on its old port when free) and refills it from the replicas. */
  async reviveNode(id: string): Promise<Result<{ node: NodeView; repair: MoveSummary }>> {
    const { state, pool } = this.ctx;
    const record = state.record(id);
    if (!record) return unknownNode(this.ctx, id);
    if (!record.local) return fail('not_local', `${id} is not a local node: restart that server yourself, Ringside notices it return`);
    if (!this.local.isMine(record.local)) return elsewhere(id, record.local.host);
    if (this.local.isRunning(record.local)) return fail('node_alive', `${id} is running (pid ${record.local.pid})`);
    return this.exclusive(async () => {
      const started = await this.local.relaunch(id);
      // Marked up here rather than by a probe: the probe would queue its repair behind this very change.
      pool.markUp(id);
      await state.setHealth(id, { down: false });
      this.ctx.emit({ type: 'node-revived', node: id, pid: started.pid, address: formatAddress(started) });
      this.ctx.emit({ type: 'node-up', node: id, restarted: true });
      const repair = await runRepair(this.ctx);
      return { ok: true, node: viewOf(this.ctx, state.record(id)!), repair };
    });
  }

  /** Stops every local memcached process (their keys are gone; the next start brings the nodes back empty). */
  stopLocalNodes(): Promise<Result<{ stopped: string[] }>> {
    return this.exclusive(async () => ({ ok: true, stopped: await this.local.stopAll() }));
  }

  /** Starts again the local processes of this machine that are gone (a reboot); another process's change is waited for. */
  restartLost(): Promise<Result<object>> {
    return this.locked('wait', async () => {
      await this.local.restartLost();
      return { ok: true };
    });
  }

  /** Brings every key back to its full preference list and removes copies that do not belong (and, with `versions`, brings every copy to its key's newest version); waits its turn. */
  repair(options: { versions?: boolean } = {}): Promise<Result<{ repair: MoveSummary }>> {
    return this.locked('wait', async () => ({ ok: true, repair: await runRepair(this.ctx, 'repair', options) }));
  }

  /** Resolves a change journaled by a process that died, and stops this machine's processes of nodes outside the ring. */
  recover(): Promise<Result<{ recovery: (Recovery & { repair: MoveSummary }) | null }>> {
    return this.locked('wait', async () => ({ ok: true, recovery: await recoverChange(this.ctx, this.local) }), false);
  }

  /** Resolves once no change runs in this process. */
  async idle(): Promise<void> {
    await this.mutex.run(async () => undefined);
  }

  /** Runs a change's steps; if they throw, the change is rolled back or finished here from its journal, then the error goes on. */
  private async journaled<T>(steps: () => Promise<T>): Promise<T> {
    try {
      const result = await steps();
      await this.ctx.state.writeJournal(null);
      return result;
    } catch (error) {
      await recoverChange(this.ctx, this.local).catch(() => undefined);
      throw error;
    }
  }

  private exclusive<T extends object>(work: () => Promise<Result<T>>): Promise<Result<T>> {
    return this.locked('refuse', work);
  }

  /**
   * Holds this process's lock and the store's change lock, refusing (`busy`) or waiting for the first while held.
   * Under them it reads the store again (the watch may not have brought the last change yet) and first resolves a
   * change whose process died. A store that cannot be reached refuses the change: `control_plane_unavailable`.
   */
  private async locked<T extends object>(when: 'refuse' | 'wait', work: () => Promise<Result<T>>, recoverFirst = true): Promise<Result<T>> {
    const { state } = this.ctx;
    const guarded = async (): Promise<Result<T>> => {
      const lock = await state.store.lockChange(state.store.writer);
      if (!lock.ok)
        return lock.error === 'busy' ? fail('busy', `another membership change is running (${lock.holder}); try again when it has finished`) : controlPlaneUnavailable(lock.message, state.version);
      try {
        const fresh = await this.refresh();
        if (!fresh.ok) return controlPlaneUnavailable(fresh.message, state.version);
        if (recoverFirst && state.journal) await recoverChange(this.ctx, this.local);
        return await work();
      } catch (error) {
        if (error instanceof ControlPlaneError) return controlPlaneUnavailable(error.message, state.version);
        throw error;
      } finally {
        await lock.lock.release();
      }
    };
    const running = when === 'refuse' ? this.mutex.tryRun(guarded) : this.mutex.run(guarded);
    if (!running) return fail('busy', 'another membership change is running; try again when it has finished');
    // The end of a change is a change too: snapshots show whether one is running.
    return running.finally(() => this.ctx.changed());
  }
}

function elsewhere(id: string, host: string | undefined): Failure {
  return fail('not_local', `${id} is a local node of another machine (${host}): only a Ringside process there starts or stops it`);
}

export function nextNodeId(nodes: readonly { id: string }[]): string {
  const used = new Set(nodes.map((n) => n.id));
  let n = 1;
  while (used.has(`node-${n}`)) n++;
  return `node-${n}`;
}
