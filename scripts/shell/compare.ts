// The `compare` command: the algorithm lab (lib/lab) on given nodes and keys, or on the cluster's, as a table or JSON.
import type { LabQuery, LiveLabResult } from '@/lib/cluster/lab';
import { applyChange, belowMinimum, compareAlgorithms, describeChange, MAX_LAB_KEYS, syntheticKeys, type LabChange, type LabKey, type LabReport } from '@/lib/lab';
import { intOption, parseOptions, UsageError, type Word } from './args';
import { bytes, table } from './format';
import type { ClusterPort } from './port';
import type { Output, Prepared } from './commands';

export const compareUsage =
  'compare [--nodes ID,ID,... [--weights W,W,...]] [--keys N [--zipf S]] [--add ID[=W] | --remove ID | --reweight ID=W] [--vnodes N] [--try-vnodes N,N] [--replicas R] [--algorithms A,B] [--capacity C] [--rounds N]';

const OPTIONS = {
  nodes: 'value',
  weights: 'value',
  keys: 'value',
  zipf: 'value',
  add: 'value',
  remove: 'value',
  reweight: 'value',
  vnodes: 'value',
  'try-vnodes': 'value',
  replicas: 'value',
  algorithms: 'value',
  capacity: 'value',
  rounds: 'value',
} as const;

/** Failures that mean the input was wrong: exit status 2, as for any usage mistake. */
const INPUT_ERRORS = new Set(['invalid_lab', 'invalid_id', 'invalid_key', 'invalid_vnodes', 'unknown_node', 'node_exists', 'last_node']);

function number(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${what} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

const list = (text: string) => text.split(',').filter((item) => item.length > 0);

function changeOf(options: Record<string, string | true>): LabChange | undefined {
  const given = (['add', 'remove', 'reweight'] as const).filter((name) => typeof options[name] === 'string');
  if (given.length > 1) throw new UsageError('give one change at most: --add, --remove or --reweight');
  if (typeof options.remove === 'string') return { remove: options.remove };
  const [name] = given;
  if (!name) return undefined;
  const text = options[name] as string;
  const at = text.lastIndexOf('=');
  if (name === 'reweight' && at < 0) throw new UsageError('--reweight takes ID=WEIGHT, e.g. --reweight node-2=2');
  if (at < 0) return { add: text };
  const [id, weight] = [text.slice(0, at), number(text.slice(at + 1), `--${name} ${text}: the weight`)];
  return name === 'add' ? { add: id, weight } : { weight: id, to: weight };
}

/** Keys from standard input, one per line; a key given several times is a request log, its lines its requests. */
function keysFromLines(text: string): LabKey[] {
  const counts = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) if (line.length > 0) counts.set(line, (counts.get(line) ?? 0) + 1);
  const log = [...counts.values()].some((count) => count > 1);
  return [...counts].map(([key, count]) => (log ? { key, requests: count } : { key }));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks the words; with --nodes the result needs no cluster (it is marked `offline` and never opens one). */
export function prepareCompare(words: Word[], line: string | null): Prepared {
  const { options, positionals } = parseOptions(words, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`usage: ${compareUsage}`);
  const ids = typeof options.nodes === 'string' ? list(options.nodes) : undefined;
  if (options.weights !== undefined && !ids) throw new UsageError('--weights goes with --nodes');
  const weights = typeof options.weights === 'string' ? list(options.weights).map((w) => number(w, 'a weight')) : undefined;
  if (ids && weights && weights.length !== ids.length) throw new UsageError(`--weights gives ${weights.length} weights for ${ids.length} nodes`);
  const keyCount = intOption(options, 'keys');
  if (keyCount !== undefined && (keyCount < 1 || keyCount > MAX_LAB_KEYS)) throw new UsageError(`--keys must be from 1 to ${MAX_LAB_KEYS}`);
  if (options.zipf !== undefined && keyCount === undefined) throw new UsageError('--zipf shapes the requests of generated keys: give --keys N');
  const query: LabQuery = {
    change: changeOf(options),
    vnodes: intOption(options, 'vnodes'),
    tryVnodes: typeof options['try-vnodes'] === 'string' ? list(options['try-vnodes']).map((v) => number(v, 'a --try-vnodes count')) : undefined,
    replicas: intOption(options, 'replicas'),
    algorithms: typeof options.algorithms === 'string' ? list(options.algorithms) : undefined,
    capacityFactor: typeof options.capacity === 'string' ? number(options.capacity, '--capacity') : undefined,
    timingRounds: intOption(options, 'rounds'),
    keys: keyCount,
    zipf: typeof options.zipf === 'string' ? number(options.zipf, '--zipf') : undefined,
  };
  if (!ids) return async (cluster: ClusterPort) => compareOutput(await cluster.compare(query));

  const nodes = ids.map((id, i) => ({ id, weight: weights?.[i] ?? 1 }));
  // A change that cannot be made is said before any key is read.
  const changed = query.change ? applyChange(nodes, query.change) : nodes;
  if (!Array.isArray(changed)) throw new UsageError(`error (${changed.error}): ${changed.message}`);
  if (keyCount === undefined && line !== null) throw new UsageError('give --keys N: in the shell, standard input holds the commands');
  if (keyCount === undefined && process.stdin.isTTY) throw new UsageError('give --keys N, or pipe keys one per line on standard input');
  const run: Prepared = async () => {
    const keys = keyCount !== undefined ? syntheticKeys(keyCount, { zipf: query.zipf }) : keysFromLines(await readStdin());
    if (keys.length === 0) return inputFailure('invalid_lab', 'no keys on standard input: pipe keys one per line, or give --keys N');
    return compareOutput(compareAlgorithms({ ...query, nodes, keys }));
  };
  return Object.assign(run, { offline: true as const });
}

function inputFailure(error: string, message: string): Output {
  return { ok: false, json: { ok: false, error, message }, text: `error (${error}): ${message}`, status: 2 };
}

const fixed = (value: number | null | undefined, digits = 3) => (value === null || value === undefined ? '-' : value.toFixed(digits));

export function compareOutput(result: LiveLabResult | ReturnType<typeof compareAlgorithms>): Output {
  if (!result.ok) return INPUT_ERRORS.has(result.error) ? inputFailure(result.error, result.message) : { ok: false, json: result, text: `error (${result.error}): ${result.message}` };
  return { ok: true, json: result, text: renderReport(result) };
}

/** The report as the shell prints it: one row per algorithm, then what each row's figures mean. */
function renderReport(report: LabReport & { origin?: { keysFrom: string; unreachable: string[] } }): string {
  const rows = Object.values(report.algorithms);
  const change = report.change;
  const header = ['algorithm', 'balance', 'bytes', 'requests', 'copies'];
  if (change) header.push('after', 'moved', 'copies moved', 'vs fair share');
  header.push('lookup ns', 'memory');
  const body = rows.map((a) => {
    const row: (string | number)[] = [a.id, fixed(a.balance), fixed(a.current.bytes), fixed(a.current.requests), fixed(a.current.copies)];
    if (change) row.push(fixed(a.after?.keys), a.moved ?? '-', a.copiesMoved ?? '-', a.minimum ? `${(a.moved! / a.minimum).toFixed(2)}x` : '-');
    row.push(a.lookupNs === null ? '-' : Math.round(a.lookupNs), bytes(a.memoryBytes));
    return row;
  });
  const lines = [
    `${report.keys} keys on ${report.nodes.length} nodes, ${report.replicas} copies each${report.origin ? ` (keys from the ${report.origin.keysFrom})` : ''}${change ? `; change: ${describeChange(change, report.nodes)}` : ''}`,
    table(header, body),
    'balance: the most loaded node over its fair share, by primary keys (bytes, requests, copies likewise; - when unknown)',
  ];
  if (report.minimum) {
    lines.push(
      `fair-share minimum: ${report.minimum.primaries} primaries, ${report.minimum.copies} copies, what the change moves if every node holds its fair share before and after; vs fair share: moved over it`,
    );
    const fewer = belowMinimum(report);
    if (fewer.length > 0)
      lines.push(
        `under 1.00x: ${fewer.map((a) => `${a.id} (balance ${fixed(a.balance)} -> ${fixed(a.after?.keys)})`).join(', ')} moved fewer keys, their nodes being off fair shares: a node that loses keys held less than its share, or one that gains keys takes less`,
      );
  }
  for (const a of rows) {
    if (!a.workaround) continue;
    const { description, moved, copiesMoved, rebuilt } = a.workaround;
    lines.push(`${a.id}: ${description} It moves ${moved} primaries, ${copiesMoved} copies; renumbering instead would move ${rebuilt.moved} primaries, ${rebuilt.copiesMoved} copies`);
  }
  if (report.origin?.unreachable.length) lines.push(`not listed: ${report.origin.unreachable.join(', ')} did not answer`);
  return lines.join('\n');
}
