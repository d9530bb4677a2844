import 'server-only';
// Runs a named fault scenario against a throwaway local cluster under load, ending in a checked history and a replication audit.
import { randomUUID } from 'node:crypto';
import { Cluster } from '../cluster/cluster';
import { mapLimit } from '../concurrency';
import type { StampedEvent } from '../cluster/events';
import { openThrowaway } from '../cluster/throwaway';
import { startLocalNode, stopLocalNode } from '../memcached/local-nodes';
import { parseAddress } from '../validate';
import { orphansOf, runCrashingWorker } from './crash-drill';
import { startEtcdMember } from './etcd-member';
import { crash, freeze, thaw } from './faults';
import { checkHistory, type HistoryReport, type Op } from './history';
import { SCENARIOS, scenarioNames, type Context } from './scenarios';
import { startLoad } from './load';
import { checkReplication, type ReplicationCheck } from './replication';

export interface DrillOptions {
  keys?: number;
  concurrency?: number;
  /** Length of the scenario's timeline in ms; faults happen at fixed fractions of it. */
  durationMs?: number;
  /** Deadline of each call to a node. */
  deadlineMs?: number;
  seed?: number;
  /** Called with each step as it happens, for a live log. */
  log?: (line: string) => void;
}

export interface DrillReport extends HistoryReport {
  scenario: string;
  description: string;
  nodes: number;
  keys: number;
  durationMs: number;
  errors: Record<string, number>;
  /** The first message of each error code, as the caller saw it. */
  errorMessages: Record<string, string>;
  /** Latency of every operation, ms. */
  latency: { p50: number; p99: number; max: number };
  /** Slowest operation that ran while the fault lasted (an operation in flight when it began included), ms. */
  faultMaxMs: number;
  /**
   * From the fault's end to the end of the repair that followed it, ms: the time to full replication
   * under load (null when no repair ran). `replication` then shows whether it really was full.
   */
  repairMs: number | null;
  replication: ReplicationCheck;
  /** Scenario-specific figures. */
  facts: Record<string, number>;
}

const percentile = (sorted: readonly number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
const round = (ms: number) => Math.round(ms);

/** Runs one scenario on a fresh local cluster in a temporary directory, and removes everything it started. */
export async function runDrill(name: string, options: DrillOptions = {}): Promise<DrillReport> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no drill named ${name}: try ${scenarioNames().join(', ')}`);
  if (scenario.crash) return runCrashDrill(name, options);
  const { keys = 500, concurrency = 32, durationMs = 4000, deadlineMs = 1000, seed = 1, log = () => undefined } = options;
  const etcd = scenario.etcd ? await startEtcdMember() : null;
  const env: Record<string, string> = etcd ? { RINGSIDE_ETCD: etcd.endpoint, RINGSIDE_ETCD_PREFIX: `/ringside-drill/${randomUUID()}/` } : {};
  const throwaway = await openThrowaway('drill', { bootstrapLocalNodes: scenario.nodes, probeIntervalMs: 250, deadlineMs, localMemoryMb: 16, env }).catch(async (error: unknown) => {
    await etcd?.cleanup();
    throw error;
  });
  const cluster = throwaway.cluster;
  const started: number[] = [];
  const events: { at: number; event: StampedEvent }[] = [];
  try {
    if (scenario.levels) {
      const set = await cluster.setConsistency(scenario.levels);
      if (!set.ok) throw new Error(`could not set the consistency levels: ${set.message}`);
    }
    // Every key holds a value before the fault, so there is something to lose.
    const names = Array.from({ length: keys }, (_, i) => `drill:${i}`);
    const seedOps = await mapLimit(names, 64, async (key): Promise<Op> => {
      const result = await cluster.put(key, `${key}=seed`);
      return { kind: 'put', key, value: `${key}=seed`, outcome: result.ok ? 'ok' : 'unknown', start: -1, end: -1 };
    });
    const load = startLoad(cluster, { keys, concurrency, seed, writes: scenario.writes, reads: scenario.reads });
    const unsubscribe = cluster.events.subscribe((event) => events.push({ at: load.now(), event }));
    const window = { fault: Infinity, recovered: Infinity };
    const facts: Record<string, number> = {};
    const record = (id: string) => {
      const node = cluster.nodes().find((n) => n.id === id);
      if (!node) throw new Error(`no node ${id}`);
      return node;
    };
    const pids = new Map<string, number>();
    const pidOf = (id: string) => pids.get(id) ?? record(id).pid!;
    const context: Context = {
      cluster,
      load,
      deadlineMs,
      sleep: (fraction) => new Promise((resolve) => setTimeout(resolve, fraction * durationMs)),
      mark(moment) {
        window[moment] = load.now();
        log(`${round(load.now())} ms: ${moment}`);
      },
      async crash(id) {
        log(`${round(load.now())} ms: SIGKILL ${id} (pid ${pidOf(id)})`);
        await crash(pidOf(id));
      },
      async restartEmpty(id) {
        const parsed = parseAddress(record(id).address);
        if (!parsed.ok) throw new Error(parsed.message);
        const restarted = await startLocalNode({ port: parsed.address.port, memoryMb: 16 });
        started.push(restarted.pid);
        pids.set(id, restarted.pid);
        log(`${round(load.now())} ms: ${id} restarted empty (pid ${restarted.pid})`);
      },
      frozen: new Set(),
      etcd,
      async until(what, ready, timeoutMs) {
        const since = Date.now();
        while (!ready()) {
          if (Date.now() - since > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      async freeze(id) {
        context.frozen.add(id);
        log(`${round(load.now())} ms: SIGSTOP ${id}`);
        await freeze(pidOf(id));
      },
      thaw(id) {
        log(`${round(load.now())} ms: SIGCONT ${id}`);
        thaw(pidOf(id));
      },
      async waitForStatus(id, status) {
        const since = Date.now();
        while (record(id).status !== status) {
          if (Date.now() - since > 10_000) throw new Error(`${id} was not marked ${status} within 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        log(`${round(load.now())} ms: ${id} marked ${status}`);
      },
      fact: (factName, value) => void (facts[factName] = value),
      log,
    };

    await scenario.run(context);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, durationMs - load.now())));
    await load.stop();
    log(`${round(load.now())} ms: load stopped after ${load.ops.length} operations`);

    const replication = await waitForReplication(cluster, log);
    const repairAfterRecovery = () => events.find(({ at, event }) => at >= window.recovered && event.type === 'move-done' && event.reason === 'repair');
    // A node back from the fault is repaired once a probe sees it, which may come after the load's own writes
    // have already refreshed its copies: the drill waits for that repair rather than ending before it.
    const returned = events.some(({ at, event }) => at >= window.fault && event.type === 'node-down' && cluster.nodes().some((n) => n.id === event.node));
    if (returned && !repairAfterRecovery()) await context.until('the repair after the fault', () => repairAfterRecovery() !== undefined, 20_000).catch((error: Error) => log(error.message));
    unsubscribe();
    const repair = repairAfterRecovery();

    // What a client reads at the end, for every key written and every key any node holds.
    const final = new Map<string, string | null>();
    const listed = await cluster.keys();
    const everyKey = [...new Set([...names, ...(listed.ok ? listed.keys.map((k) => k.key) : [])])];
    await mapLimit(everyKey, 64, async (key) => {
      const read = await cluster.get(key);
      if (!read.ok && read.error !== 'not_found') throw new Error(`the final read of ${key} failed: ${read.message}`);
      final.set(key, read.ok ? read.value.toString('utf8') : null);
    });
    const history = checkHistory([...seedOps, ...load.ops], final);
    scenario.judge?.(load.ops, context, window);

    const latencies = load.ops.map((op) => op.end - op.start).sort((a, b) => a - b);
    const faultMaxMs = load.ops.reduce((max, op) => (op.end >= window.fault && op.start <= window.recovered ? Math.max(max, op.end - op.start) : max), 0);
    return {
      scenario: name,
      description: scenario.description,
      nodes: scenario.nodes,
      keys,
      durationMs: round(load.now()),
      ...history,
      errors: Object.fromEntries(load.errors),
      errorMessages: Object.fromEntries(load.messages),
      latency: { p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), max: round(latencies.at(-1) ?? 0) },
      faultMaxMs: round(faultMaxMs),
      repairMs: repair ? round(repair.at - window.recovered) : null,
      replication,
      facts,
    };
  } finally {
    for (const node of cluster.nodes()) if (node.pid) thawQuietly(node.pid);
    for (const pid of started) thawQuietly(pid);
    await etcd?.start();
    await throwaway.dispose();
    await etcd?.cleanup();
    for (const pid of started) await stopLocalNode(pid, 'SIGKILL');
  }
}

/**
 * A crash drill: seeds a fresh cluster, hands its data directory to a process that serves a load and runs the
 * change until it is SIGKILLed at the scenario's point, reopens the cluster here (which finishes or rolls the change
 * back), runs ordinary traffic, then checks the whole history, the nodes and that no memcached process is orphaned.
 */
async function runCrashDrill(name: string, options: DrillOptions): Promise<DrillReport> {
  const scenario = SCENARIOS[name];
  const spec = scenario.crash!;
  const { keys = 500, concurrency = 32, durationMs = 4000, deadlineMs = 1000, seed = 1, log = () => undefined } = options;
  const throwaway = await openThrowaway('drill', { bootstrapLocalNodes: scenario.nodes, probeIntervalMs: false, deadlineMs, localMemoryMb: 16 });
  let cluster = throwaway.cluster;
  const { dataDir } = throwaway;
  let startedPid: number | null = null;
  try {
    const names = Array.from({ length: keys }, (_, i) => `drill:${i}`);
    const seedOps = await mapLimit(names, 64, async (key): Promise<Op> => {
      const result = await cluster.put(key, `${key}=seed`);
      return { kind: 'put', key, value: `${key}=seed`, outcome: result.ok ? 'ok' : 'unknown', start: -1, end: -1 };
    });
    await cluster.close();
    log(`${spec.change.join(' ')} in a process of its own under load, to be SIGKILLed at ${spec.phase}`);
    // About three copies in four move when a fourth node joins three, and as many old copies go.
    const crashed = await runCrashingWorker(spec, dataDir, { keys, seed, afterMs: durationMs * 0.25, expectedSteps: Math.round(keys * 0.6) });
    startedPid = crashed.startedPid;
    log(`the process died after ${crashed.ops.length} calls; reopening the cluster`);
    const reopenedAt = Date.now();
    cluster = await Cluster.open({ dataDir, probeIntervalMs: 250, deadlineMs, localMemoryMb: 16 });
    throwaway.cluster = cluster;
    const recoveredMs = Date.now() - reopenedAt;
    log(`reopened and recovered in ${recoveredMs} ms: ring v${cluster.version} with ${cluster.currentRing.nodes.map((n) => n.id).join(', ')}`);

    const load = startLoad(cluster, { keys, concurrency, seed: seed + 1 });
    await new Promise((resolve) => setTimeout(resolve, durationMs * 0.5));
    await load.stop();
    const orphans = await orphansOf(
      startedPid,
      cluster.nodes().map((n) => n.pid),
    );
    const replication = await waitForReplication(cluster, log);
    const final = new Map<string, string | null>();
    const listed = await cluster.keys();
    const everyKey = [...new Set([...names, ...(listed.ok ? listed.keys.map((k) => k.key) : [])])];
    await mapLimit(everyKey, 64, async (key) => {
      const read = await cluster.get(key);
      if (!read.ok && read.error !== 'not_found') throw new Error(`the final read of ${key} failed: ${read.message}`);
      final.set(key, read.ok ? read.value.toString('utf8') : null);
    });
    const history = checkHistory([...seedOps, ...crashed.ops, ...load.ops], final);
    const latencies = load.ops.map((op) => op.end - op.start).sort((a, b) => a - b);
    return {
      scenario: name,
      description: scenario.description,
      nodes: scenario.nodes,
      keys,
      durationMs: round(durationMs),
      ...history,
      errors: Object.fromEntries(load.errors),
      errorMessages: Object.fromEntries(load.messages),
      latency: { p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)), max: round(latencies.at(-1) ?? 0) },
      faultMaxMs: 0,
      repairMs: null,
      replication,
      facts: { callsBeforeCrash: crashed.ops.length, recoveredMs, orphans, joined: cluster.currentRing.nodes.some((n) => n.id === spec.change[1]) ? 1 : 0 },
    };
  } finally {
    await throwaway.dispose();
    if (startedPid) await orphansOf(startedPid, []);
  }
}

function thawQuietly(pid: number): void {
  try {
    thaw(pid);
  } catch {
    // already gone
  }
}

/** Once no change or repair runs, polls the nodes until every key sits on exactly its preference list (at most 30 s). */
async function waitForReplication(cluster: Cluster, log: (line: string) => void): Promise<ReplicationCheck> {
  const giveUp = Date.now() + 30_000;
  for (;;) {
    if (!cluster.busy) {
      const check = await checkReplication(cluster.currentRing, cluster.nodes());
      if (check.complete || Date.now() > giveUp) {
        log(check.complete ? `every key on its full preference list (${check.keys} keys)` : `replication incomplete: ${JSON.stringify(check)}`);
        return check;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
