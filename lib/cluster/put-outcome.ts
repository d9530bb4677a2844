import 'server-only';
// A put's outcome once every target answered: judged against W, or the failure that names why too few took it (too large, out of memory, unreachable).
import type { Level } from '../consistency';
import { encodeVersion, type WriteVersion } from '../version';
import type { ClusterContext } from './context';
import { describeOutcomes, listOf, tooFewForWrite, writeMeets, type KeyLists } from './quorum';
import { fail, type Failure, type PutResult, type ReplicaOutcome, type Result } from './types';

/** A put judged against W once every target answered. */
export function putOutcome(
  ctx: ClusterContext,
  key: string,
  bytes: number,
  ttl: number,
  w: Level,
  lists: KeyLists,
  replicas: ReplicaOutcome[],
  version: WriteVersion,
): Result<PutResult> | Promise<Failure> {
  let acknowledged = 0;
  for (let i = 0; i < replicas.length; i++) if (replicas[i].ok) acknowledged++;
  if (acknowledged > 0 && (w === 'one' || writeMeets(w, lists, replicas))) return { ok: true, key, bytes, ttl, acknowledged, replicas, version: encodeVersion(version), w };
  if (acknowledged > 0) return tooFewForWrite('write', key, w, lists, replicas);
  if (replicas.every((r) => r.error === 'too_large')) return fail('invalid_value', `the value of ${key} is larger than the nodes' item size`);
  if (refusedForMemory(replicas)) return outOfMemory(ctx, key, replicas);
  return fail('unavailable', `no replica acknowledged the write of ${key}: ${describeOutcomes(replicas)}`);
}

/** Names the full nodes with their memory limit, and the ways to make room. */
async function outOfMemory(ctx: ClusterContext, key: string, replicas: readonly ReplicaOutcome[]): Promise<Failure> {
  const full = replicas.filter((r) => r.error === 'out_of_memory').map((r) => r.node);
  const limits = await Promise.all(full.map((node) => ctx.pool.call(node, (client) => client.stats())));
  const named = full.map((node, i) => {
    const limit = limits[i].ok ? Number(limits[i].value.limit_maxbytes) : NaN;
    return limit > 0 ? `${node} (limit ${formatMiB(limit)})` : node;
  });
  const local = full.some((node) => ctx.state.record(node)?.local);
  const suggestedMb = Math.max(256, ctx.options.localMemoryMb * 4);
  const more = local ? `start local nodes with more memory (RINGSIDE_NODE_MEMORY_MB=${suggestedMb})` : 'give the servers more memory (memcached -m)';
  const others = replicas.filter((r) => r.error !== 'out_of_memory');
  return fail(
    'out_of_memory',
    `no replica acknowledged the write of ${key}: ${listOf(named)} ${full.length === 1 ? 'is' : 'are'} out of memory` +
      `${others.length ? ` (${describeOutcomes(others)})` : ''}. ` +
      `Add a node, delete keys, or ${more}. Nodes refuse writes when full rather than evict, and a refused write also drops the key's previous value there.`,
  );
}

/** Every replica that answered refused for want of memory (the others did not answer at all). */
function refusedForMemory(outcomes: readonly ReplicaOutcome[]): boolean {
  const unanswered = new Set(['down', 'timeout', 'unreachable', 'closed']);
  return outcomes.some((o) => o.error === 'out_of_memory') && outcomes.every((o) => o.error === 'out_of_memory' || unanswered.has(o.error ?? ''));
}

function formatMiB(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}
