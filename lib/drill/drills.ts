import 'server-only';
// Named fault scenarios run against a throwaway local cluster under load, each ending in a checked history and a replication audit.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../cluster/cluster';
import { mapLimit } from '../concurrency';
import type { StampedEvent } from '../cluster/events';
import { startLocalNode, stopLocalNode } from '../memcached/local-nodes';
import { preferenceList } from '../ring';
import { parseAddress } from '../validate';
import { crash, freeze, thaw } from './faults';
import { checkHistory, type HistoryReport, type Op } from './history';
import { startLoad, type RunningLoad } from './load';
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
  /** Slowest operation that began while the fault lasted, ms. */
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

interface Context {
  cluster: Cluster;
  load: RunningLoad;
  deadlineMs: number;
  sleep(fraction: number): Promise<void>;
  mark(moment: 'fault' | 'recovered'): void;
  crash(id: string): Promise<void>;
  restartEmpty(id: string): Promise<void>;
  freeze(id: string): Promise<void>;
  thaw(id: string): void;
  waitForStatus(id: string, status: 'up' | 'down'): Promise<void>;
  /** Nodes frozen at some point of the drill. */
  frozen: Set<string>;
  fact(name: string, value: number): void;
  log(line: string): void;
}

interface Scenario {
  description: string;
  nodes: number;
  run(context: Context): Promise<void>;
  /** Figures computed from the history once the load has stopped. */
  judge?(ops: readonly Op[], context: Context, window: { fault: number; recovered: number }): void;
}

export const SCENARIOS: Record<string, Scenario> = {
  'kill-restart': {
    description: 'a node SIGKILLed during a burst of writes, then restarted empty on its port',
    nodes: 5,
    async run(c) {
      await c.sleep(0.25);
      c.mark('fault');
      await c.crash('node-2');
      await c.waitForStatus('node-2', 'down');
      await c.sleep(0.25);
      await c.restartEmpty('node-2');
      c.mark('recovered');
    },
  },
  'two-down': {
    description: 'two of three replicas crash; writes go on to the third; both come back empty',
    nodes: 3,
    async run(c) {
      await c.sleep(0.25);
      c.mark('fault');
      await Promise.all([c.crash('node-1'), c.crash('node-2')]);
      await Promise.all([c.waitForStatus('node-1', 'down'), c.waitForStatus('node-2', 'down')]);
      await c.sleep(0.25);
      await c.restartEmpty('node-1');
      await c.restartEmpty('node-2');
      c.mark('recovered');
    },
  },
  'all-down': {
    description: 'all three replicas of some keys frozen: those keys fail with a clear error, the others are unaffected',
    nodes: 5,
    async run(c) {
      await c.sleep(0.25);
      const frozen = ['node-1', 'node-2', 'node-3'];
      for (const id of frozen) await c.freeze(id);
      // The window judged below holds only calls made and answered while all three were frozen.
      c.mark('fault');
      await c.sleep(0.3);
      c.mark('recovered');
      for (const id of frozen) c.thaw(id);
    },
    judge(ops, c, window) {
      const frozen = c.frozen;
      const ring = c.cluster.currentRing;
      let unaffectedFailed = 0;
      let unaffected = 0;
      let allDownWrites = 0;
      let allDownRefused = 0;
      const keysAllDown = new Set<string>();
      for (const op of ops) {
        if (op.kind === 'get' || op.start < window.fault || op.end > window.recovered) continue;
        const everyReplicaFrozen = preferenceList(ring, op.key).every((node) => frozen.has(node));
        if (everyReplicaFrozen) {
          keysAllDown.add(op.key);
          allDownWrites++;
          if (op.outcome !== 'ok') allDownRefused++;
        } else {
          unaffected++;
          if (op.outcome !== 'ok') unaffectedFailed++;
        }
      }
      c.fact('keysWithEveryReplicaFrozen', keysAllDown.size);
      c.fact('writesToThoseKeys', allDownWrites);
      c.fact('writesToThoseKeysFailed', allDownRefused);
      c.fact('writesToOtherKeys', unaffected);
      c.fact('writesToOtherKeysFailed', unaffectedFailed);
    },
  },
  freeze: {
    description: 'a node frozen with SIGSTOP under load, then thawed',
    nodes: 3,
    async run(c) {
      await c.sleep(0.25);
      c.mark('fault');
      await c.freeze('node-2');
      await c.sleep(0.3);
      c.thaw('node-2');
      c.mark('recovered');
    },
  },
  'add-remove': {
    description: 'a node added and another removed while writes, deletes and reads run',
    nodes: 4,
    async run(c) {
      await c.sleep(0.2);
      c.mark('fault');
      const added = await c.cluster.addNode({ id: 'node-9' });
      if (!added.ok) throw new Error(`add failed: ${added.message}`);
      c.fact('addCopied', added.copied);
      const removed = await c.cluster.removeNode('node-2');
      if (!removed.ok) throw new Error(`remove failed: ${removed.message}`);
      c.fact('removeCopied', removed.copied);
      c.mark('recovered');
    },
  },
  'remove-unreachable': {
    description: 'a node crashes and is removed while unreachable: its keys are rebuilt from the surviving copies',
    nodes: 4,
    async run(c) {
      await c.sleep(0.2);
      c.mark('fault');
      await c.crash('node-2');
      await c.waitForStatus('node-2', 'down');
      const removed = await c.cluster.removeNode('node-2');
      if (!removed.ok) throw new Error(`remove failed: ${removed.message}`);
      c.fact('rebuiltCopies', removed.copied);
      c.mark('recovered');
    },
  },
};

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

const percentile = (sorted: readonly number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
const round = (ms: number) => Math.round(ms);

/** Runs one scenario on a fresh local cluster in a temporary directory, and removes everything it started. */
export async function runDrill(name: string, options: DrillOptions = {}): Promise<DrillReport> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no drill named ${name}: try ${scenarioNames().join(', ')}`);
  const { keys = 500, concurrency = 32, durationMs = 4000, deadlineMs = 1000, seed = 1, log = () => undefined } = options;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-drill-'));
  const cluster = await Cluster.open({ dataDir, bootstrapLocalNodes: scenario.nodes, probeIntervalMs: 250, deadlineMs, localMemoryMb: 16 });
  const started: number[] = [];
  const events: { at: number; event: StampedEvent }[] = [];
  try {
    // Every key holds a value before the fault, so there is something to lose.
    const names = Array.from({ length: keys }, (_, i) => `drill:${i}`);
    const seedOps = await mapLimit(names, 64, async (key): Promise<Op> => {
      const result = await cluster.put(key, `${key}=seed`);
      return { kind: 'put', key, value: `${key}=seed`, outcome: result.ok ? 'ok' : 'unknown', start: -1, end: -1 };
    });
    const load = startLoad(cluster, { keys, concurrency, seed });
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
    unsubscribe();
    log(`${round(load.now())} ms: load stopped after ${load.ops.length} operations`);

    const replication = await waitForReplication(cluster, log);
    const repair = events.find(({ at, event }) => at >= window.recovered && event.type === 'move-done' && event.reason === 'repair');

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
    const faultMaxMs = load.ops.reduce((max, op) => (op.start >= window.fault && op.start <= window.recovered ? Math.max(max, op.end - op.start) : max), 0);
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
    await cluster.stopLocalNodes();
    await cluster.close();
    for (const pid of started) await stopLocalNode(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
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
