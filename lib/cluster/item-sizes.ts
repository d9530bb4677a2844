import 'server-only';
// The size of every key the nodes list, read from their metadump listings: the algorithm lab's balance by bytes on live keys.
import { itemSizes } from '../memcached/metadump-sizes';
import type { ClusterContext } from './context';

/** A listing of a large node takes a while; the lab asks on demand, so it waits as long as a move's listing would. */
const SIZES_DEADLINE_MS = 15_000;

/** Each key's item size on the first node that answers with it (copies of a key have the same value), and the nodes that did not answer. */
export async function itemSizesOf(ctx: ClusterContext): Promise<{ sizes: Map<string, number>; unreachable: string[] }> {
  const sizes = new Map<string, number>();
  const unreachable: string[] = [];
  const ids = ctx.state.ring.nodes.map((n) => n.id);
  const replies = await Promise.all(ids.map((id) => ctx.pool.call(id, (client) => client.metadump(Date.now() + SIZES_DEADLINE_MS))));
  const now = Date.now() / 1000;
  replies.forEach((reply, i) => {
    if (!reply.ok) return void unreachable.push(ids[i]);
    for (const [key, size] of itemSizes(reply.value, now)) if (!sizes.has(key)) sizes.set(key, size);
  });
  return { sizes, unreachable: unreachable.sort() };
}
