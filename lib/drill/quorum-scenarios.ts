import 'server-only';
// Drills of the consistency levels: W=majority surviving a minority's loss, majority reads through a freeze and an empty restart, W=all against a dead replica.
import type { Level } from '../consistency';
import type { Op } from './history';
import type { Context, Scenario } from './scenarios';

/** Per level, the reads made while the fault lasted (`window`) and those that failed. */
/** The operations that began and ended within the fault. */
function duringFault(ops: readonly Op[], window: { fault: number; recovered: number }, keep: (op: Op) => boolean): Op[] {
  return ops.filter((op) => keep(op) && op.start >= window.fault && op.end <= window.recovered);
}

function countByLevel(ops: readonly Op[], c: Context, window: { fault: number; recovered: number }, kind: 'get' | 'put', levels: readonly Level[]): void {
  for (const level of levels) {
    const during = duringFault(ops, window, (op) => op.kind === kind && op.level === level);
    const name = `${kind === 'get' ? 'reads' : 'writes'}At${level[0].toUpperCase()}${level.slice(1)}`;
    c.fact(`${name}DuringFault`, during.length);
    c.fact(`${name}FailedDuringFault`, during.filter((op) => op.outcome !== 'ok').length);
  }
}

/** node-2 SIGKILLed; judged from when the cluster knows it gone for `fraction` of the drill, then restarted empty. */
async function killNode2For(c: Context, fraction: number): Promise<void> {
  await c.sleep(0.2);
  await c.crash('node-2');
  await c.waitForStatus('node-2', 'down');
  c.mark('fault');
  await c.sleep(fraction);
  c.mark('recovered');
  await c.restartEmpty('node-2');
}

export const QUORUM_SCENARIOS: Record<string, Scenario> = {
  'quorum-kill': {
    description: 'writes at W=majority; one of three replicas SIGKILLed, later restarted empty; reads at R=one and R=majority see the acknowledged value or newer',
    nodes: 3,
    levels: { w: 'majority', r: 'one' },
    reads: ['one', 'majority'],
    // Judged: every write and read while node-2 is known to be gone.
    run: (c) => killNode2For(c, 0.35),
    judge(ops, c, window) {
      countByLevel(ops, c, window, 'get', ['one', 'majority']);
      const writes = duringFault(ops, window, (op) => op.kind !== 'get');
      c.fact('writesDuringFault', writes.length);
      c.fact('writesFailedDuringFault', writes.filter((op) => op.outcome !== 'ok').length);
    },
  },
  'quorum-freeze-restart': {
    description: 'writes at W=majority and reads at R=majority while one replica is frozen (SIGSTOP), then another SIGKILLed and restarted empty',
    nodes: 3,
    levels: { w: 'majority', r: 'majority' },
    reads: ['majority'],
    async run(c) {
      await c.sleep(0.15);
      c.mark('fault');
      await c.freeze('node-1');
      await c.waitForStatus('node-1', 'down');
      await c.sleep(0.15);
      c.thaw('node-1');
      // One replica at a time: node-1 back and given every write it missed before node-3 goes.
      const node1 = () => c.cluster.nodes().find((n) => n.id === 'node-1');
      await c.until('node-1 up and repaired', () => node1()?.status === 'up' && node1()?.suspectKeys === 0 && !c.cluster.busy, 20_000);
      c.log('node-1 up and repaired');
      await c.crash('node-3');
      await c.restartEmpty('node-3');
      await c.sleep(0.15);
      c.mark('recovered');
    },
    judge(ops, c, window) {
      countByLevel(ops, c, window, 'get', ['majority']);
      const writes = duringFault(ops, window, (op) => op.kind !== 'get');
      c.fact('writesDuringFault', writes.length);
      c.fact('writesFailedDuringFault', writes.filter((op) => op.outcome !== 'ok').length);
    },
  },
  'write-all-down': {
    description: 'a replica SIGKILLed while writes alternate W=all and W=one: W=all fails naming the replicas, W=one succeeds',
    nodes: 3,
    writes: ['all', 'one'],
    run: (c) => killNode2For(c, 0.3),
    judge(ops, c, window) {
      countByLevel(ops, c, window, 'put', ['all', 'one']);
    },
  },
};
