import 'server-only';
// Reads on the data path: at R=one along the preference list (the first replica's answer by callback), at majority or all through quorum.ts; read repair gives replicas found without the key what another holds.
import { describeItemVersion, type Level } from '../consistency';
import type { Decoded } from '../envelope';
import { envelopeOf } from '../memcached/node-client';
import { preferenceList } from '../ring';
import type { HybridClock } from '../version';
import type { ClusterContext } from './context';
import type { RequestCounts } from './data-path';
import { PlainRead } from './plain-calls';
import { describeOutcomes, quorumRead, writeTargets, type QuorumDeps } from './quorum';
import { fail, type GetResult, type ReplicaOutcome, type Result } from './types';

/** Runs a write under the key's lock, tracked so a membership change can wait for it (the data path's). */
export type TrackedWrite = <T>(key: string, write: () => Promise<T>) => Promise<T>;

/** Counts a task among the data path's operations in flight until it settles (without the key's lock). */
export type TrackedTask = (task: Promise<unknown>) => void;

export class ReadPath {
  constructor(
    private readonly ctx: ClusterContext,
    /** This process's write versions: every version read moves it on. */
    private readonly clock: HybridClock,
    private readonly tracked: TrackedWrite,
    private readonly untilSettled: TrackedTask,
    private readonly counts: RequestCounts,
  ) {}

  /** Reads at R=majority and all: the clock and the read repair they share with reads at R=one. */
  private readonly quorum: QuorumDeps = {
    observe: (version) => this.clock.observe(version.wall, version.counter),
    repair: (key, source, nodes) => this.readRepair(key, source, nodes),
    // No caller is left to reject: a bug in the work is reported as an event.
    background: (key, task) =>
      this.untilSettled(task.catch((error: unknown) => this.ctx.emit({ type: 'error', message: `the read repair of ${key} failed: ${error instanceof Error ? error.message : String(error)}` }))),
  };

  /**
   * At R=one, reads along the preference list; a replica found missing the value is given it back. At majority or
   * all, asks that many at once and returns the newest (quorum.ts). The key and level are checked already; the
   * read is counted once its outcome is known.
   */
  read(key: string, r: Level): Promise<Result<GetResult>> {
    if (r !== 'one') return this.counted(key, quorumRead(this.ctx, this.quorum, key, r));
    const { pool } = this.ctx;
    const targets = writeTargets(this.ctx, key);
    // The common case, with one promise: the first replica's answer by callback, and a hit served from it.
    const first = targets[0];
    const link = pool.isSuspect(first, key) ? null : pool.quiet(first, false);
    if (!link || link === 'down') return this.counted(key, this.readAlong(key, targets, 0, [], []));
    return new Promise((resolve) =>
      link.read(
        key,
        new PlainRead(this.ctx, first, (node, error, item) => {
          if (item) resolve(this.counted(key, this.served(key, node, item, [], [])));
          else if (error) resolve(this.counted(key, this.readAlong(key, targets, 1, [{ node, ok: false, error }], [])));
          else resolve(this.counted(key, this.readAlong(key, targets, 1, [{ node, ok: false, error: 'miss' }], [node])));
        }),
        0,
      ),
    );
  }

  /** Counts the read when its outcome is known: at once for a hit served as it came, without another promise. */
  private counted<T extends Result<GetResult> | Promise<Result<GetResult>>>(key: string, result: T): T {
    if (!(result instanceof Promise)) this.counts.countGet(key, result);
    // A read that throws reaches its caller as it is; nothing is counted for it.
    else
      result.then(
        (outcome) => this.counts.countGet(key, outcome),
        () => undefined,
      );
    return result;
  }

  /** Reads `targets` from `from` on, after `tried` (and `missing`, the replicas found without the key). */
  private async readAlong(key: string, targets: readonly string[], from: number, tried: ReplicaOutcome[], missing: string[]): Promise<Result<GetResult>> {
    const { pool, state } = this.ctx;
    // Reads try the same nodes writes reach: during a move, the new list first, then the old.
    for (let i = from; i < targets.length; i++) {
      const node = targets[i];
      if (pool.isSuspect(node, key)) {
        tried.push({ node, ok: false, error: 'suspect' });
        continue;
      }
      const outcome = await pool.call(node, (client) => client.getVersioned(key));
      if (!outcome.ok) tried.push({ node, ok: false, error: outcome.error });
      else if (!outcome.value) {
        tried.push({ node, ok: false, error: 'miss' });
        missing.push(node);
      } else return this.served(key, node, outcome.value, tried, missing);
    }
    // A miss is only believed from a majority of the current list: one empty newcomer proves nothing.
    const authoritative = preferenceList(state.ring, key);
    const misses = missing.filter((node) => authoritative.includes(node)).length;
    if (misses > 0 && misses * 2 > authoritative.length) return fail('not_found', `no key ${key} is stored`);
    return fail('unavailable', `no replica of ${key} could be read: ${describeOutcomes(tried)}`);
  }

  /** A read that found the key on `node`: given back first to the replicas found `missing` it. */
  private served(key: string, node: string, item: Served, tried: ReplicaOutcome[], missing: string[]): Result<GetResult> | Promise<Result<GetResult>> {
    if (item.version) this.clock.observe(item.version.wall, item.version.counter);
    if (missing.length === 0 || this.ctx.state.transition) return answer(key, node, item, tried, []);
    return this.readRepair(key, node, missing).then((repaired) => answer(key, node, item, tried, repaired));
  }

  /**
   * Gives `missing` nodes what `source` holds (a value or a delete), with its remaining TTL. The write is
   * conditional, so it never lands over a newer write made meanwhile.
   */
  private readRepair(key: string, source: string, missing: readonly string[]): Promise<string[]> {
    const { pool, state } = this.ctx;
    return this.tracked(key, async () => {
      if (state.transition) return [];
      const read = await pool.call(source, async (client) => ({ item: await client.getVersioned(key), ttl: await client.ttl(key) }));
      if (!read.ok || !read.value.item || read.value.ttl === null) return [];
      const { item, ttl } = read.value;
      const repaired: string[] = [];
      for (const node of missing) {
        const outcome = await pool.call(node, (client) => client.storeIfNewer(key, envelopeOf(item), ttl < 0 ? 0 : ttl));
        if (outcome.ok && outcome.value.outcome === 'stored') repaired.push(node);
      }
      if (repaired.length > 0) this.ctx.changed();
      return repaired;
    });
  }
}

/** What a read served needs of the item found. */
type Served = Pick<Decoded, 'kind' | 'version' | 'bytes'>;

function answer(key: string, node: string, item: Served, tried: ReplicaOutcome[], repaired: string[]): Result<GetResult> {
  // A tombstone is a recorded delete, not an empty node: believed from the first replica that holds it.
  if (item.kind === 'tombstone') return fail('not_found', `no key ${key} is stored (${node} holds its delete)`);
  const version = describeItemVersion(item.version);
  tried.push({ node, ok: true, held: item.kind, version });
  return { ok: true, key, value: item.bytes, servedBy: node, tried, repaired, r: 'one', version };
}
