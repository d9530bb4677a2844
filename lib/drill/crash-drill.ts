import 'server-only';
// A crash drill: the process serving a load and running a membership change is SIGKILLed at a phase; the cluster is reopened, recovers, and is checked.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRunningMemcached, stopLocalNode } from '../memcached/local-nodes';
import type { ChangePhase } from '../store/types';
import type { Op } from './history';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-worker.ts');

export interface CrashScenario {
  change: ['add' | 'remove', string];
  /** Where the change dies: a phase, and the steps of it done first (a share of the copies or deletes). */
  phase: ChangePhase;
  share: number;
}

export interface CrashRun {
  /** Every call the killed process began, acknowledged or not (one still in flight at the crash may have taken effect). */
  ops: Op[];
  crashed: boolean;
  /** The memcached processes started for the change, and whether each is on the ring or gone after recovery. */
  startedPid: number | null;
}

/** Runs the worker on `dataDir` (the cluster closed meanwhile) until it dies at the scenario's crash point. */
export async function runCrashingWorker(scenario: CrashScenario, dataDir: string, options: { keys: number; seed: number; afterMs: number; expectedSteps: number }): Promise<CrashRun> {
  const steps = scenario.share === 0 ? 0 : Math.max(1, Math.floor(options.expectedSteps * scenario.share));
  const crashAt = scenario.phase === 'switched' ? 'switched' : `${scenario.phase}:${steps}`;
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', worker, dataDir, String(options.keys), String(options.seed), String(options.afterMs), ...scenario.change], {
    env: { ...process.env, RINGSIDE_CRASH_AT: crashAt },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  let stderr = '';
  const begun = new Map<number, { kind: Op['kind']; key: string; value?: string; start: number }>();
  const ops: Op[] = [];
  let order = 0;
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const text of lines) {
      const record = JSON.parse(text) as { begin?: number; end?: number; kind?: Op['kind']; key?: string; value?: string; ok?: boolean; error?: string };
      if (record.begin !== undefined) begun.set(record.begin, { kind: record.kind!, key: record.key!, value: record.value, start: order++ });
      if (record.end !== undefined) {
        const call = begun.get(record.end)!;
        begun.delete(record.end);
        ops.push(opOf(call, record, order++));
      }
    }
  });
  // 'close', not 'exit': the process can be gone with its last lines still in the pipe, and a call begun there
  // but never read would leave a write in memcached that the history knows nothing of.
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  // Calls in flight at the crash: a write may or may not have landed; a read told nobody anything.
  for (const call of begun.values())
    if (call.kind !== 'get')
      ops.push(
        call.kind === 'put'
          ? { kind: 'put', key: call.key, value: call.value!, outcome: 'unknown', start: call.start, end: Infinity }
          : { kind: 'delete', key: call.key, outcome: 'unknown', start: call.start, end: Infinity },
      );
  ops.sort((a, b) => a.start - b.start);
  const crashed = exit.signal === 'SIGKILL';
  if (!crashed) throw new Error(`the change was expected to die at ${crashAt}, but its process exited with ${exit.code ?? exit.signal}: ${stderr}`);
  const state = JSON.parse(await readFile(path.join(dataDir, 'cluster.json'), 'utf8')) as { health?: Record<string, { local?: { pid: number | null } }> };
  return { ops, crashed, startedPid: scenario.change[0] === 'add' ? (state.health?.[scenario.change[1]]?.local?.pid ?? null) : null };
}

const REFUSED = new Set(['invalid_key', 'invalid_value', 'invalid_ttl', 'no_nodes']);

function opOf(call: { kind: Op['kind']; key: string; value?: string; start: number }, end: { ok?: boolean; error?: string; value?: string }, at: number): Op {
  if (call.kind === 'get') {
    if (end.ok) return { kind: 'get', key: call.key, value: end.value ?? null, outcome: 'ok', start: call.start, end: at };
    return { kind: 'get', key: call.key, value: null, outcome: end.error === 'not_found' ? 'ok' : 'failed', start: call.start, end: at };
  }
  const outcome = end.ok ? 'ok' : REFUSED.has(end.error ?? '') ? 'refused' : 'unknown';
  return call.kind === 'put' ? { kind: 'put', key: call.key, value: call.value!, outcome, start: call.start, end: at } : { kind: 'delete', key: call.key, outcome, start: call.start, end: at };
}

/** Memcached processes started for the change that are neither on the ring nor stopped: they must be none. Stops any found. */
export async function orphansOf(startedPid: number | null, ringPids: readonly (number | null)[]): Promise<number> {
  if (!startedPid || ringPids.includes(startedPid) || !isRunningMemcached(startedPid)) return 0;
  await stopLocalNode(startedPid, 'SIGKILL');
  return 1;
}
