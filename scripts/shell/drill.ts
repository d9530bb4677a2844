// `ringside drill`: runs named fault scenarios on a throwaway local cluster under load and prints what happened.
import { runDrill, type DrillReport } from '@/lib/drill/drills';
import type { Anomaly } from '@/lib/drill/history';
import { etcdInstalled } from '@/lib/drill/etcd-member';
import { SCENARIOS, scenarioNames } from '@/lib/drill/scenarios';
import { measureSettling, type SettleFigure } from '@/lib/drill/misbehaving';
import { intOption, parseOptions, UsageError, type Word } from './args';
import { table } from './format';

export const drillUsage = `drill [--keys N] [--seconds S] [--deadline MS] [--seed N] [--quiet] <scenario|all|settle>...  (scenarios: ${scenarioNames().join(', ')})`;

export interface DrillRun {
  ok: boolean;
  reports: DrillReport[];
  /** How long calls took to settle against each server fault, when `settle` was asked for. */
  settling: SettleFigure[] | null;
  text: string;
}

/** Runs the scenarios one after another; `ok` when none lost, staled or invented a value, and replication came back whole. */
export async function drillCommand(words: Word[], log: (line: string) => void): Promise<DrillRun> {
  const { options, positionals } = parseOptions(words, { keys: 'value', seconds: 'value', deadline: 'value', seed: 'value', quiet: 'flag', json: 'flag' });
  const asked = positionals.map((w) => w.text);
  const settle = asked.includes('settle') || asked.includes('all');
  // `all` runs the etcd scenarios only where etcd is installed.
  const everything = scenarioNames().filter((name) => !SCENARIOS[name].etcd || etcdInstalled());
  const names = asked.filter((name) => name !== 'settle').flatMap((name) => (name === 'all' ? everything : [name]));
  if (asked.length === 0) throw new UsageError(`usage: ${drillUsage}\n\n${describeScenarios()}`);
  for (const name of names) if (!SCENARIOS[name]) throw new UsageError(`no drill named ${name}: try ${scenarioNames().join(', ')} or all`);
  const keys = intOption(options, 'keys', 1000)!;
  const seconds = intOption(options, 'seconds', 6)!;
  const deadlineMs = intOption(options, 'deadline', 1000)!;
  const seed = intOption(options, 'seed', 1)!;
  if (keys < 1 || keys > 1_000_000) throw new UsageError('--keys must be between 1 and 1000000');
  if (seconds < 1 || seconds > 3600) throw new UsageError('--seconds must be between 1 and 3600');
  if (deadlineMs < 50 || deadlineMs > 60_000) throw new UsageError('--deadline must be between 50 and 60000 ms');

  let settling: SettleFigure[] | null = null;
  if (settle) {
    log(`drill settle: every call to a misbehaving server settles within its ${deadlineMs} ms deadline`);
    settling = await measureSettling(deadlineMs);
  }
  const reports: DrillReport[] = [];
  for (const name of names) {
    log(`drill ${name}: ${SCENARIOS[name].description}`);
    reports.push(await runDrill(name, { keys, durationMs: seconds * 1000, deadlineMs, seed, log: options.quiet ? undefined : (line) => log(`  ${line}`) }));
  }
  const settledInTime = (settling ?? []).every((f) => f.maxMs <= deadlineMs + 200 && !f.errors.includes('none'));
  const ok = reports.every(passed) && settledInTime;
  const parts = [settling ? settleTable(settling) : '', reports.length ? `${summaryTable(reports)}\n\n${reports.map(details).join('\n\n')}` : ''];
  return { ok, reports, settling, text: parts.filter(Boolean).join('\n\n') };
}

export function passed(report: DrillReport): boolean {
  const anomalies = report.lost.length + report.stale.length + report.phantom.length + report.missedReads + report.staleReads + (report.facts.orphans ?? 0);
  return anomalies === 0 && report.replication.complete;
}

function describeScenarios(): string {
  return table(
    ['scenario', 'what happens'],
    [...scenarioNames().map((name) => [name, SCENARIOS[name].description]), ['settle', 'get, set, stats and a key listing against misbehaving servers: each settles within its deadline']],
  );
}

function settleTable(figures: readonly SettleFigure[]): string {
  return table(
    ['server fault', 'slowest call settled in', 'settled with'],
    figures.map((f) => [f.fault, `${f.maxMs} ms`, f.errors.join(', ')]),
  );
}

function summaryTable(reports: readonly DrillReport[]): string {
  return table(
    ['scenario', 'operations', 'acked', 'unknown', 'errors', 'lost', 'stale', 'phantom', 'missed reads', 'slowest call', 'repaired in', 'replication'],
    reports.map((r) => [
      r.scenario,
      String(r.operations),
      String(r.acknowledged),
      String(r.unknown),
      String(Object.values(r.errors).reduce((a, b) => a + b, 0)),
      String(r.lost.length),
      String(r.stale.length),
      String(r.phantom.length),
      String(r.missedReads),
      `${r.latency.max} ms`,
      r.repairMs === null ? '-' : `${r.repairMs} ms`,
      r.replication.complete ? 'full' : `incomplete (${r.replication.missing} missing, ${r.replication.strays} strays, ${r.replication.divergent} divergent)`,
    ]),
  );
}

function details(r: DrillReport): string {
  const lines = [
    `${r.scenario} (${r.nodes} nodes, ${r.keys} keys, ${r.durationMs} ms): ${r.description}`,
    `  latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; slowest call during the fault ${r.faultMaxMs} ms`,
    `  reads failed ${r.failedReads} (${r.failedReadsOfLiveKeys} of keys that held a value); stale reads ${r.staleReads}`,
  ];
  for (const [code, count] of Object.entries(r.errors)) lines.push(`  ${count} x ${code}, e.g. "${r.errorMessages[code]}"`);
  for (const [name, value] of Object.entries(r.facts)) lines.push(`  ${name}: ${value}`);
  for (const kind of ['lost', 'stale', 'phantom'] as const) if (r[kind].length) lines.push(`  ${kind}: ${r[kind].slice(0, 10).join(', ')}${r[kind].length > 10 ? ', ...' : ''}`);
  for (const anomaly of r.anomalies.slice(0, ANOMALIES_SHOWN)) lines.push(...describeAnomaly(anomaly));
  if (r.anomalies.length > ANOMALIES_SHOWN) lines.push(`  (${r.anomalies.length - ANOMALIES_SHOWN} more anomalies with their histories in --json)`);
  lines.push(`  ${passed(r) ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}

const ANOMALIES_SHOWN = 3;
const shown = (value: string | null) => value ?? '(absent)';

/** One anomaly and the key's operations before it, one line each: when, what, what each replica did. */
function describeAnomaly(a: Anomaly): string[] {
  const allowed = [...a.allowed.values.slice(0, 4), ...(a.allowed.values.length > 4 ? ['...'] : []), ...(a.allowed.absent ? ['(absent)'] : [])];
  const lines = [`  ${a.kind} of ${a.key}: ${shown(a.seen)}, where the history allows ${allowed.join(', ') || 'nothing'}`];
  a.history.forEach((op, i) => {
    if (i === 20 && a.omitted > 0) lines.push(`      ... ${a.omitted} operations left out`);
    const what = op.kind === 'put' ? `put ${op.value}` : op.kind === 'delete' ? 'delete' : `get -> ${op.outcome === 'failed' ? 'failed' : shown(op.value)}`;
    const outcome = op.kind === 'get' ? '' : ` ${op.outcome}`;
    const at = op.start < 0 ? 'before the load' : `${op.start.toFixed(1)}-${op.end.toFixed(1)} ms`;
    lines.push(`    ${at}: ${what}${outcome}${op.replicas ? ` (${op.replicas})` : ''}`);
  });
  return lines;
}
