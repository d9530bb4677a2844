import 'server-only';
// A node about to join: a local process started (and recorded before any key moves), or an existing server flushed empty.
import { NodeClient } from '../memcached/node-client';
import type { MemberRecord } from '../store/types';
import { formatAddress } from '../validate';
import type { ClusterContext } from './context';
import { instanceOf, sameInstance } from './health';
import { THIS_HOST, type LocalProcesses } from './local-processes';
import { fail, type Failure } from './types';

/**
 * Starts a local memcached process for a new node. Its pid is saved before anything else happens, so a
 * restart after a crash finds and stops a process that never made it onto the ring.
 */
export async function joinLocal(ctx: ClusterContext, local: LocalProcesses, id: string, vnodes: number): Promise<MemberRecord | Failure> {
  let started;
  try {
    started = await local.start();
  } catch (error) {
    return fail('local_start_failed', (error as Error).message);
  }
  const record = { pid: started.pid, killed: false, host: THIS_HOST };
  await ctx.state.setHealth(id, { down: false, local: record });
  return welcome(ctx, { id, host: started.host, port: started.port, vnodes }, () => local.stop(record, 'SIGKILL'));
}

/** An existing server joins empty: it must hold only what the ring places on it. */
export async function joinExternal(ctx: ClusterContext, id: string, address: { host: string; port: number }, vnodes: number): Promise<MemberRecord | Failure> {
  const { deadlineMs } = ctx.options;
  const client = new NodeClient(address, { deadlineMs });
  const asked = Date.now();
  try {
    const stats = await client.stats();
    const instance = instanceOf(stats);
    const same = ctx.state.nodes().find((n) => n.instance !== undefined && sameInstance(n.instance, instance));
    if (same) return fail('node_exists', `${formatAddress(address)} is the same memcached as ${same.id} (${formatAddress(same)})`);
    const items = Number(stats.curr_items ?? 0);
    if (items > 0) {
      await client.flush();
      ctx.emit({ type: 'node-flushed', node: id, items });
    }
  } catch {
    // One message, after one delay, for refused, filtered and silent ports alike: the answer must not map the network.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, asked + deadlineMs - Date.now())));
    return fail('node_unreachable', `no memcached answered at ${formatAddress(address)}`);
  } finally {
    client.close();
  }
  await ctx.state.setHealth(id, { down: false });
  return welcome(ctx, { id, ...address, vnodes }, async () => undefined);
}

/** Tracks the node and remembers which process answers, so a restart behind Ringside's back is noticed even by a later process. */
async function welcome(ctx: ClusterContext, member: MemberRecord, abandon: () => Promise<void>): Promise<MemberRecord | Failure> {
  const { pool, state } = ctx;
  pool.track(member.id, member, 'up');
  const stats = await pool.call(member.id, async (client) => ({ general: await client.stats(), settings: await client.stats('settings') }));
  if (!stats.ok) {
    pool.forget(member.id);
    await abandon();
    await state.forgetHealth(member.id);
    return fail('node_unreachable', `${member.id} stopped answering as it joined (${stats.error})`);
  }
  await state.setHealth(member.id, { instance: instanceOf(stats.value.general), itemSizeMax: Number(stats.value.settings.item_size_max) || undefined });
  return member;
}
