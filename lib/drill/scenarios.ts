import 'server-only';
// The fault scenarios the drills run: what each does to the cluster, when, and the figures it judges afterwards.
import type { Cluster } from '../cluster/cluster';
import type { ConsistencyLevels, Level } from '../consistency';
import { preferenceList } from '../ring';
import type { CrashScenario } from './crash-drill';
import type { EtcdMember } from './etcd-member';
import type { Op } from './history';
import type { RunningLoad } from './load';
import { QUORUM_SCENARIOS } from './quorum-scenarios';

export interface Context {
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
  /** The drill's own etcd member, for scenarios on etcd. */
  etcd: EtcdMember | null;
  /** Waits until `ready` holds (at most `timeoutMs`), or throws naming `what`. */
  until(what: string, ready: () => boolean, timeoutMs: number): Promise<void>;
  fact(name: string, value: number): void;
  log(line: string): void;
}

export interface Scenario {
  description: string;
  nodes: number;
  /** The cluster keeps its state in an etcd member of the drill's own. */
  etcd?: boolean;
  /** A crash drill: the process serving the load and running this change is killed (lib/drill/crash-drill). */
  crash?: CrashScenario;
  /** The cluster's default levels, set before the keys are seeded; levels the load's writes and reads name in turn. */
  levels?: ConsistencyLevels;
  writes?: readonly Level[];
  reads?: readonly Level[];
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
      // The window judged below holds only calls made and answered while all three were frozen and known
      // down; the calls that waited out their deadlines until then show in the slowest call.
      for (const id of frozen) await c.waitForStatus(id, 'down');
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
      // Frozen until the cluster has noticed: a freeze shorter than two deadlines can pass for a slow node.
      await c.waitForStatus('node-2', 'down');
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
  'crash-copying': {
    description: 'the process serving the load and adding a node SIGKILLed mid-copy; reopened, it rolls the change back',
    nodes: 3,
    crash: { change: ['add', 'node-9'], phase: 'copying', share: 0.3 },
    run: async () => undefined,
  },
  'crash-switched': {
    description: 'the process serving the load and adding a node SIGKILLed just after the ring switch; reopened, it finishes the change',
    nodes: 3,
    crash: { change: ['add', 'node-9'], phase: 'switched', share: 0 },
    run: async () => undefined,
  },
  'crash-deleting': {
    description: 'the process serving the load and adding a node SIGKILLed mid-delete; reopened, it finishes the change',
    nodes: 3,
    crash: { change: ['add', 'node-9'], phase: 'deleting', share: 0.3 },
    run: async () => undefined,
  },
  'etcd-outage': {
    description: 'etcd stopped under load: reads and writes go on with the last ring, changes are refused, and all resumes when it returns',
    nodes: 3,
    etcd: true,
    async run(c) {
      await c.sleep(0.2);
      c.mark('fault');
      await c.etcd!.stop();
      c.log('etcd stopped');
      await c.until('etcd seen unreachable', () => !c.cluster.controlPlane().reachable, 10_000);
      const refused = await c.cluster.addNode({ id: 'node-9' });
      c.fact('changesRefusedWhileAway', !refused.ok && refused.error === 'control_plane_unavailable' ? 1 : 0);
      c.log(refused.ok ? 'a change went through without etcd' : `a change refused: ${refused.message}`);
      await c.sleep(0.3);
      await c.etcd!.start();
      c.log('etcd started again');
      await c.until('etcd seen again', () => c.cluster.controlPlane().reachable, 20_000);
      c.mark('recovered');
      let added = await c.cluster.addNode({ id: 'node-9' });
      for (let tries = 0; !added.ok && added.error === 'control_plane_unavailable' && tries < 20; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        added = await c.cluster.addNode({ id: 'node-9' });
      }
      c.fact('changeAfterReturn', added.ok ? 1 : 0);
    },
  },
  ...QUORUM_SCENARIOS,
};

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}
