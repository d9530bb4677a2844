import 'server-only';
// Opening a cluster: its state store claimed, joined and read (a server's or a client's way), then lost local nodes restarted, nodes probed and an interrupted change resolved, as the leader's rounds go on doing.
import { localMemoryFromEnv } from '../memcached/local-nodes';
import { DEFAULT_REPLICAS } from '../ring';
import { storeConfigFromEnv } from '../store/config';
import { openStore } from '../store/open-store';
import type { StateStore, StoreResult, StoreState } from '../store/types';
import { DEFAULT_MAX_VALUE_BYTES } from '../validate';
import { allowedFromEnv } from './allow-list';
import type { Changes } from './changes';
import type { ClusterContext, ClusterOptions, ResolvedOptions } from './context';
import type { EventLog } from './events';
import type { Health } from './health';
import { DEFAULT_HOT_PUBLISH_MS, type HotCounts } from './hot';
import type { LeaderDuty } from './leader';
import type { LocalProcesses } from './local-processes';
import { clusterExists } from './state';

/** A store joined and read: what a cluster is built over, and the join tag it is admitted under. */
export interface Opened {
  store: StateStore;
  state: StoreState;
  resolved: ResolvedOptions;
  replicas: number;
  tag: string;
}

export type ConnectFailure = { ok: false; error: 'invalid_config' | 'no_cluster' | 'in_use' | 'unavailable'; message: string };

/** The modules a cluster's opening and its leader's rounds work with. */
export interface Duties {
  ctx: ClusterContext;
  events: EventLog;
  changes: Changes;
  health: Health;
  local: LocalProcesses;
  hot: HotCounts;
  leader: LeaderDuty;
  closed(): boolean;
}

/**
 * A server's store (`dataDir`'s file, or etcd when RINGSIDE_ETCD is set), joined and read; with the local nodes to
 * start when it holds no cluster yet. Throws when it cannot be opened or read.
 */
export async function openServerStore(options: ClusterOptions): Promise<Opened & { bootstrap: number }> {
  // Read before the store is opened: a bad setting must not leave the data directory claimed.
  const localMemoryMb = options.localMemoryMb ?? localMemoryFromEnv();
  const replicas = options.replicas ?? DEFAULT_REPLICAS;
  const opened = await openStore(options.dataDir, options.env ?? process.env, { replicas, writer: options.writer });
  if (!opened.ok) throw new Error(opened.message);
  const { store } = opened;
  const loaded = await joinAndRead(store);
  if (!loaded.ok) {
    await store.close();
    throw new Error(`could not read the cluster state: ${loaded.message}`);
  }
  const resolved: ResolvedOptions = {
    dataDir: options.dataDir,
    deadlineMs: options.deadlineMs ?? 1000,
    probeIntervalMs: options.probeIntervalMs ?? 1000,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    moveConcurrency: options.moveConcurrency ?? 32,
    allowedHosts: options.allowedHosts ?? allowedFromEnv(),
    localMemoryMb,
    hotPublishMs: options.hotPublishMs ?? DEFAULT_HOT_PUBLISH_MS,
  };
  const bootstrap = loaded.state.ring === null ? (options.bootstrapLocalNodes ?? 0) : 0;
  return { store, state: loaded.state, resolved, replicas, tag: loaded.tag, bootstrap };
}

/** A client's store, claimed only where a cluster is; `absent` is the refusal to give when it holds none. */
export async function claimClientStore(options: ClusterOptions): Promise<{ ok: true; store: StateStore; absent: ConnectFailure } | ConnectFailure> {
  const env = options.env ?? process.env;
  const configured = storeConfigFromEnv(env);
  if (!configured.ok) return configured;
  const { config } = configured;
  const etcd = config.kind === 'etcd';
  const where = config.kind === 'etcd' ? `etcd (${config.endpoints.join(',')}, prefix ${config.prefix})` : options.dataDir;
  const absent: ConnectFailure = { ok: false, error: 'no_cluster', message: `no Ringside cluster in ${where}: start one first (npm start, or the shell's \`add\`)` };
  const claimed = await (async () => {
    // Looked at before the data directory is claimed: a client must not leave one behind where there was none.
    if (!etcd && !(await clusterExists(options.dataDir))) return absent;
    const opened = await openStore(options.dataDir, env, { replicas: options.replicas ?? DEFAULT_REPLICAS, writer: options.writer });
    return opened.ok ? opened : { ok: false as const, error: 'invalid_config' as const, message: opened.message };
  })().catch((error: Error): ConnectFailure => ({ ok: false, error: 'in_use', message: error.message }));
  return claimed.ok ? { ok: true, store: claimed.store, absent } : claimed;
}

/** Joins the cluster kept in `store` as a client, without background work; the store is closed again when it cannot. */
export async function joinAsClient(store: StateStore, options: ClusterOptions, absent: ConnectFailure): Promise<({ ok: true } & Opened) | ConnectFailure> {
  const refuse = async (failure: ConnectFailure) => (await store.close(), failure);
  // Read before joining: a client on an empty prefix leaves nothing there.
  const seen = await store.load();
  if (!seen.ok) return refuse({ ok: false, error: 'unavailable', message: `could not read the cluster state: ${seen.message}` });
  if (seen.state.ring === null) return refuse(absent);
  const loaded = await joinAndRead(store);
  if (!loaded.ok) return refuse({ ok: false, error: 'unavailable', message: `could not read the cluster state: ${loaded.message}` });
  const resolved: ResolvedOptions = {
    dataDir: options.dataDir,
    deadlineMs: options.deadlineMs ?? 1000,
    probeIntervalMs: false,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    moveConcurrency: options.moveConcurrency ?? 32,
    allowedHosts: [],
    localMemoryMb: 0,
    hotPublishMs: DEFAULT_HOT_PUBLISH_MS,
  };
  return { ok: true, store, state: loaded.state, resolved, replicas: options.replicas ?? DEFAULT_REPLICAS, tag: loaded.tag };
}

/** Live before it reads: a change announced from now on waits for this process to follow it. */
async function joinAndRead(store: StateStore): Promise<StoreResult<{ tag: string; state: StoreState }>> {
  const joined = await store.join();
  if (!joined.ok) return joined;
  const loaded = await store.load();
  return loaded.ok ? { ok: true, tag: joined.tag, state: loaded.state } : loaded;
}

/** A server's first round: lost local nodes restarted, every node probed, a change a crash interrupted finished or rolled back. */
export async function startDuties(duties: Duties, bootstrap: number): Promise<void> {
  const { changes, events } = duties;
  const restarted = await changes.restartLost();
  if (!restarted.ok && !quiet(restarted.error)) events.emit({ type: 'error', message: `could not restart the lost local nodes: ${restarted.message}` });
  const repairNeeded = await duties.health.check();
  const recovered = await changes.recover();
  if (!recovered.ok) {
    if (!quiet(recovered.error)) events.emit({ type: 'error', message: `could not recover the last change: ${recovered.message}` });
  } else if (!recovered.recovery && repairNeeded) await repairQuietly(duties);
  await bootstrapNodes(duties, bootstrap);
  duties.hot.start();
  // Long-running processes campaign; the leader probes, repairs and resolves changes whose process died.
  if (duties.ctx.options.probeIntervalMs !== false) duties.leader.start();
}

/** Local nodes for a new cluster; another process starting the same new cluster on etcd at once is left to do it. */
async function bootstrapNodes(duties: Duties, count: number): Promise<void> {
  for (let added = 0; added < count;) {
    const done = await duties.changes.addNode();
    if (done.ok) added++;
    else if (done.error !== 'busy' && done.error !== 'node_exists') throw new Error(`could not start local node ${added + 1}: ${done.message}`);
    else if (added === 0 && duties.ctx.state.ring.nodes.length > 0) return;
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The leader's round: probe every node, repair those back, resolve a change left by a process that died. */
export async function leaderRound(duties: Duties): Promise<void> {
  const { ctx, changes } = duties;
  if (duties.closed()) return;
  const { state, pool } = ctx;
  // A node back, or suspect copies on a node that answers (marked by any process): settled by a repair.
  const marked = state.nodes().some((node) => pool.suspectCount(node.id) > 0 && pool.isUp(node.id));
  if ((await duties.health.check()) || (marked && !changes.busy && !duties.closed())) await repairQuietly(duties);
  const leftBehind = state.journal !== null || state.outsiders().some((id) => duties.local.isRunning(state.healthOf(id)?.local));
  if (duties.closed() || changes.busy || !leftBehind) return;
  const recovered = await changes.recover();
  if (!recovered.ok && !quiet(recovered.error)) duties.events.emit({ type: 'error', message: `could not recover the last change: ${recovered.message}` });
}

export async function repairQuietly(duties: Duties): Promise<void> {
  const done = await duties.changes.repair().catch((error: Error) => ({ ok: false as const, error: 'failed', message: error.message }));
  // Busy: another process holds the change lock (etcd); its change repairs too, and the next probe asks again.
  if (!done.ok && !quiet(done.error)) duties.events.emit({ type: 'error', message: `repair failed: ${done.message}` });
}

/** Background work that meets another process's change, or etcd away, waits for the next round without a word. */
function quiet(error: string): boolean {
  return error === 'busy' || error === 'control_plane_unavailable';
}
