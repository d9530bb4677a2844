// The control plane measured: how soon a ring change shows in another process, leader takeover after SIGKILL, and the data path with etcd configured against without.
// Run: npx tsx --conditions=react-server bench/control-plane.ts [--changes N] [--takeovers N] [--runs N] [--rounds N] [--ops N] [--json]   (needs etcd installed)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Cluster } from '../lib/cluster/cluster';
import { openThrowaway, type Throwaway } from '../lib/cluster/throwaway';
import { mapLimit } from '../lib/concurrency';
import { startEtcdMember, type EtcdMember } from '../lib/drill/etcd-member';
import { formatTable, wantsJson } from './timing';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const CHANGES = argument('--changes', 20);
const TAKEOVERS = argument('--takeovers', 5);
const RUNS = argument('--runs', 7);
const ROUNDS = argument('--rounds', 3);
const OPS = argument('--ops', 20_000);
const IN_FLIGHT = 64;
const child = path.join(import.meta.dirname, 'control-plane-child.ts');
/**
 * The data path measured without etcd; with etcd configured, this process alone (plain SETs); with another process
 * live on the same cluster (conditional writes); and with etcd stopped, once this process has fallen back to
 * conditional writes (it cannot prove it is alone without etcd).
 */
const KINDS = ['file', 'etcd', 'etcd-shared', 'etcd-stopped'] as const;
/** The goal: with etcd configured and nobody else live, puts run within this of file mode. */
const PUT_GOAL = 0.05;
type Kind = (typeof KINDS)[number];

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const envOf = (etcd: EtcdMember) => ({ RINGSIDE_ETCD: etcd.endpoint, RINGSIDE_ETCD_PREFIX: `/ringside-bench/${randomUUID()}/` });

/** A Ringside process of its own; resolves once it printed `ready`, with its lines as they come. */
async function startChild(env: Record<string, string>): Promise<{ process: ChildProcess; lines: { version?: number; leading?: boolean; at: number }[] }> {
  const proc = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', child], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: { version?: number; leading?: boolean; at: number }[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`the other process exited (${code}) before it was ready`)));
    proc.stdout!.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const part of parts) {
        const line = JSON.parse(part) as { ready?: boolean; version?: number; leading?: boolean; at: number };
        if (line.ready) resolve();
        else lines.push(line);
      }
    });
  });
  return { process: proc, lines };
}

const waitFor = async (ready: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** From the ring switch in this process to the other process holding the new ring, over `CHANGES` weight changes. */
async function changeVisibility(etcd: EtcdMember): Promise<number[]> {
  const env = envOf(etcd);
  const own = await openThrowaway('bench-cp', { env, bootstrapLocalNodes: 3, probeIntervalMs: false, localMemoryMb: 16 });
  const other = await startChild(env);
  const delays: number[] = [];
  try {
    await mapLimit(
      Array.from({ length: 2000 }, (_, i) => i),
      64,
      (i) => own.cluster.put(`cp:${i}`, 'v'),
    );
    for (let n = 0; n < CHANGES; n++) {
      let switchedAt = 0;
      const target = own.cluster.version + 1;
      const stop = own.cluster.onChange(() => own.cluster.version >= target && (switchedAt ||= Date.now()));
      // The other process may hold the change lock a moment (its leader's repair of a node it saw return): wait for it.
      let changed = await own.cluster.setVnodes('node-1', n % 2 ? 160 : 150);
      for (let tries = 0; !changed.ok && changed.error === 'busy' && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        changed = await own.cluster.setVnodes('node-1', n % 2 ? 160 : 150);
      }
      stop();
      if (!changed.ok) throw new Error(changed.message);
      await waitFor(() => other.lines.some((l) => (l.version ?? 0) >= target), 10_000, 'the other process follows');
      delays.push(other.lines.find((l) => (l.version ?? 0) >= target)!.at - switchedAt);
    }
  } finally {
    other.process.kill('SIGTERM');
    await own.dispose();
  }
  return delays;
}

/** SIGKILL of the leading process to this one leading, `TAKEOVERS` times. */
async function takeovers(etcd: EtcdMember): Promise<number[]> {
  const times: number[] = [];
  for (let n = 0; n < TAKEOVERS; n++) {
    const env = envOf(etcd);
    const leader = await startChild(env);
    await waitFor(() => leader.lines.some((l) => l.leading === true), 15_000, 'the other process leads');
    const own = await openThrowaway('bench-cp', { env, bootstrapLocalNodes: 0, probeIntervalMs: 500, localMemoryMb: 16 });
    try {
      const killedAt = Date.now();
      leader.process.kill('SIGKILL');
      await waitFor(() => own.cluster.leading, 30_000, 'this process takes over');
      times.push(Date.now() - killedAt);
    } finally {
      await own.dispose();
    }
  }
  return times;
}

/**
 * Puts, then gets, per second on a fresh cluster of 3 local nodes, 64 in flight, each the median of `ROUNDS` rounds
 * over the same keys (one round lasts well under a second: a median of several steadies it); and the share of puts
 * written as plain SETs.
 */
async function dataPath(cluster: Cluster): Promise<{ puts: number; gets: number; plain: number }> {
  const before = cluster.controlPlane().writes;
  const keys = Array.from({ length: OPS }, (_, i) => `dp:${i}`);
  const rate = async (op: (key: string) => Promise<boolean>) => {
    const started = performance.now();
    await mapLimit(keys, IN_FLIGHT, async (key) => {
      if (!(await op(key))) throw new Error(`an operation on ${key} failed`);
    });
    return OPS / ((performance.now() - started) / 1000);
  };
  const puts: number[] = [];
  const gets: number[] = [];
  for (let round = 0; round < ROUNDS; round++) puts.push(await rate(async (key) => (await cluster.put(key, 'value')).ok));
  const after = cluster.controlPlane().writes;
  for (let round = 0; round < ROUNDS; round++) gets.push(await rate(async (key) => (await cluster.get(key)).ok));
  return { puts: median(puts), gets: median(gets), plain: (after.plainPuts - before.plainPuts) / (OPS * ROUNDS) };
}

async function main(): Promise<void> {
  const etcd = await startEtcdMember();
  try {
    const visible = await changeVisibility(etcd);
    const takeover = await takeovers(etcd);
    const rates = Object.fromEntries(KINDS.map((kind) => [kind, { puts: [] as number[], gets: [] as number[], plain: [] as number[] }])) as Record<
      Kind,
      { puts: number[]; gets: number[]; plain: number[] }
    >;
    // Alternated, each run starting one kind further on, so the machine's other work (and what the kind before left
    // behind: etcd restarting, a process exiting) falls on all alike.
    for (let run = 0; run < RUNS; run++) {
      for (const kind of [...KINDS.slice(run % KINDS.length), ...KINDS.slice(0, run % KINDS.length)]) {
        const env = kind === 'file' ? {} : envOf(etcd);
        const throwaway: Throwaway = await openThrowaway('bench-dp', { env, bootstrapLocalNodes: 3, probeIntervalMs: 1000, localMemoryMb: 64 });
        const other = kind === 'etcd-shared' ? await startChild(env) : null;
        try {
          const writes = () => throwaway.cluster.controlPlane().writes;
          if (kind === 'etcd-shared') await waitFor(() => !writes().alone, 5000, 'the other process is seen');
          // With etcd stopped for the whole run: the data path goes on, with conditional writes once its permission lapsed.
          if (kind === 'etcd-stopped') await etcd.stop();
          if (kind === 'etcd-stopped') await waitFor(() => !writes().alone, 5000, 'the fallback to conditional writes');
          if (kind === 'etcd') await waitFor(() => writes().alone, 5000, 'this process writing alone');
          const { puts, gets, plain } = await dataPath(throwaway.cluster);
          rates[kind].puts.push(puts);
          rates[kind].gets.push(gets);
          rates[kind].plain.push(plain);
        } finally {
          // The other process is gone before the next kind is measured: its closing must not fall on that one.
          if (other && other.process.exitCode === null) {
            const exited = new Promise((resolve) => other.process.once('exit', resolve));
            other.process.kill('SIGTERM');
            await exited;
          }
          await etcd.start();
          await throwaway.dispose();
        }
      }
    }
    const spread = (values: number[]) => `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`;
    const result = {
      changeVisibleMs: { p50: median(visible), max: Math.max(...visible), changes: visible.length },
      takeoverMs: { median: median(takeover), min: Math.min(...takeover), max: Math.max(...takeover), runs: takeover.length },
      dataPath: Object.fromEntries(
        KINDS.map((kind) => [
          kind,
          {
            putsPerSec: Math.round(median(rates[kind].puts)),
            getsPerSec: Math.round(median(rates[kind].gets)),
            puts: spread(rates[kind].puts),
            gets: spread(rates[kind].gets),
            plainShare: Math.min(...rates[kind].plain),
          },
        ]),
      ),
    };
    const putsAgainstFile = result.dataPath.etcd.putsPerSec / result.dataPath.file.putsPerSec - 1;
    const goal = { putsAgainstFile: Number((putsAgainstFile * 100).toFixed(1)), within: PUT_GOAL * 100, met: putsAgainstFile >= -PUT_GOAL };
    if (wantsJson()) return void console.log(JSON.stringify({ ...result, goal }));
    console.log(`a ring change showed in the other process after p50 ${result.changeVisibleMs.p50} ms, max ${result.changeVisibleMs.max} ms (${visible.length} changes)`);
    console.log(`leader takeover after SIGKILL: median ${result.takeoverMs.median} ms (${takeover.join(', ')} ms; lease 5 s)\n`);
    console.log(
      formatTable(
        KINDS.map((kind) => ({
          state: {
            file: 'file (no etcd)',
            etcd: 'etcd configured, alone',
            'etcd-shared': 'etcd configured, another process live',
            'etcd-stopped': 'etcd configured, stopped (after the fallback)',
          }[kind],
          'plain puts': `${Math.round(result.dataPath[kind].plainShare * 100)}%`,
          'puts/s (median)': result.dataPath[kind].putsPerSec,
          'puts/s (range)': result.dataPath[kind].puts,
          'gets/s (median)': result.dataPath[kind].getsPerSec,
          'gets/s (range)': result.dataPath[kind].gets,
        })),
      ),
    );
    const ratio = (of: Kind, to: Kind, figure: 'putsPerSec' | 'getsPerSec') => ((result.dataPath[of][figure] / result.dataPath[to][figure] - 1) * 100).toFixed(1);
    console.log(
      `\netcd against file: puts ${ratio('etcd', 'file', 'putsPerSec')}%, gets ${ratio('etcd', 'file', 'getsPerSec')}% (${RUNS} runs, each the median of ${ROUNDS} rounds of ${OPS} operations, ${IN_FLIGHT} in flight)`,
    );
    console.log(`goal, puts with etcd alone within ${goal.within}% of file: ${goal.met ? 'met' : 'missed'} (${goal.putsAgainstFile}%)`);
    console.log(`another process live against alone: puts ${ratio('etcd-shared', 'etcd', 'putsPerSec')}%, gets ${ratio('etcd-shared', 'etcd', 'getsPerSec')}%`);
    console.log(`etcd stopped against running: puts ${ratio('etcd-stopped', 'etcd', 'putsPerSec')}%, gets ${ratio('etcd-stopped', 'etcd', 'getsPerSec')}%`);
    console.log(
      '(a process alone writes plain SETs; beside another live process, or unable to prove it is alone, each put is a conditional write: a read and a compare-and-set per replica, see docs/consistency.md)',
    );
  } finally {
    await etcd.cleanup();
  }
}

void main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);
