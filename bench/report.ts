// Every benchmark in one command: runs each script (the quick ones several times, taking medians) and writes
// docs/benchmarks.md with its tables, the goals met or missed, and SVG plots in docs/benchmarks/.
// Run: npm run bench [-- --quick] [--only name,... | --skip name,...] [--render]   (names: lookup, throughput, balance, movement, rebalance, scale, dashboard, control-plane, lab)
// --render rewrites the page from the last run's figures (docs/benchmarks/results.json) without measuring again; a
// benchmark left out by --only or --skip is shown as recorded last time.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BalanceRun, ControlPlaneRun, DashboardRun, DashboardSpread, LookupRun, MovementRun, RebalanceRun, ScaleRun, ThroughputRun } from './results';
import { labMarkdown, type LabRun } from './lab-table';
import { barChart, type Bar } from './svg';

const root = path.resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const renderOnly = process.argv.includes('--render');
const resultsFile = path.join(root, 'docs/benchmarks/results.json');
const skipAt = process.argv.indexOf('--skip');
const skipped = new Set(skipAt > 0 ? process.argv[skipAt + 1].split(',') : []);
const onlyAt = process.argv.indexOf('--only');
const only = new Set(onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : []);

interface Bench {
  script: string;
  /** Runs whose median is reported: the scripts time their own rounds too. */
  runs: number;
  args?: string[];
  env?: Record<string, string>;
}

const BENCHES: Record<string, Bench> = {
  lookup: { script: 'bench/lookup.ts', runs: 3 },
  throughput: { script: 'bench/throughput.ts', runs: quick ? 1 : 5, args: quick ? ['--keys', '5000', '--rounds', '3'] : [] },
  balance: { script: 'bench/balance.ts', runs: 1 },
  movement: { script: 'bench/movement.ts', runs: 3 },
  rebalance: { script: 'bench/rebalance.ts', runs: quick ? 1 : 3, args: quick ? ['--keys', '20000'] : [] },
  scale: { script: 'bench/scale.ts', runs: 1, args: quick ? ['--nodes', '16', '--keys', '100000'] : ['--runs', '3'], env: { NODE_OPTIONS: '--expose-gc' } },
  dashboard: { script: 'bench/dashboard-fps.ts', runs: 1, args: quick ? ['--keys', '2000'] : [] },
  'control-plane': { script: 'bench/control-plane.ts', runs: 1, args: quick ? ['--changes', '10', '--takeovers', '3', '--runs', '3', '--ops', '5000'] : [] },
  lab: { script: 'bench/lab.ts', runs: 1, args: quick ? ['--keys', '20000', '--runs', '3'] : [] },
};

function run(name: string, bench: Bench): Promise<unknown> {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      ['--conditions=react-server', bench.script, '--json', ...(bench.args ?? [])],
      { cwd: root, env: { ...process.env, ...bench.env }, maxBuffer: 64 * 1024 * 1024, timeout: 45 * 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${name} failed: ${error.message}\n${stderr.slice(-2000)}`));
        // Some scripts print their JSON pretty, others on one line after progress lines.
        for (const text of [stdout, stdout.trim().split('\n').at(-1) ?? '']) {
          try {
            return resolve(JSON.parse(text));
          } catch {
            // try the next reading
          }
        }
        reject(new Error(`${name} printed no JSON:\n${stdout.slice(-2000)}`));
      },
    );
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const n = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const x = (ratio: number) => `${ratio.toFixed(2)}x`;
const table = (header: string[], rows: (string | number)[][]) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

type Section = { markdown: string; plots: Record<string, string>; goals: Goal[] };

function lookupSection(runs: LookupRun[]): Section {
  const ops = runs[0].lookups.map((row, i) => ({
    operation: row.operation,
    ringside: median(runs.map((r) => r.lookups[i].ringsideOps)),
    hashring: median(runs.map((r) => r.lookups[i].hashringOps)),
    ratio: median(runs.map((r) => r.lookups[i].ratio)),
  }));
  const targets = [12, 10];
  const goals = ops.map((o, i) => ({ goal: `lookups, ${o.operation}: at least ${targets[i]}x hashring`, measured: x(o.ratio), met: o.ratio >= targets[i] }));
  const bars: Bar[] = ops.flatMap((o) => [
    { label: `ringside, ${o.operation}`, value: o.ringside, ours: true },
    { label: `hashring, ${o.operation}`, value: o.hashring },
  ]);
  return {
    markdown: [
      `## Lookups`,
      `${runs[0].nodes} nodes x ${runs[0].vnodesPerNode} vnodes, ${n(runs[0].keys)} distinct keys, median of ${runs.length} runs (each the median of ${runs[0].rounds} rounds). The peer is the npm \`hashring\` package (ketama, md5): \`get\` for the primary, \`range(key, 3)\` for the preference list.`,
      table(
        ['operation', 'ringside ops/s', 'hashring ops/s', 'ratio'],
        ops.map((o) => [o.operation, n(o.ringside), n(o.hashring), x(o.ratio)]),
      ),
      `![lookups](benchmarks/lookups.svg)`,
    ].join('\n\n'),
    plots: { 'lookups.svg': barChart({ title: 'Ring lookups per second (higher is better)', unit: 'lookups per second', bars }) },
    goals,
  };
}

/** Each run's figures, as the median of the runs with their spread (lowest – highest). */
function throughputSection(runs: ThroughputRun[]): Section {
  const data = runs[runs.length - 1];
  const spreadOf = (values: number[], digits: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { median: median(sorted), text: sorted.length > 1 ? `${n(sorted[0], digits)} – ${n(sorted.at(-1)!, digits)}` : '-' };
  };
  const systems = data.results.map((r) => r.system);
  const figure = (system: string, field: 'set' | 'get' | 'setCpuUs' | 'getCpuUs') =>
    spreadOf(
      runs.flatMap((run) => run.results.filter((r) => r.system === system).map((r) => r[field])),
      field.endsWith('CpuUs') ? 1 : 0,
    );
  const goalRows = data.goals.map((g) => {
    const ratios = spreadOf(
      runs.flatMap((run) => run.goals.filter((h) => h.goal === g.goal && h.ratio !== null).map((h) => h.ratio!)),
      2,
    );
    return { goal: g.goal, target: g.target, ...ratios, met: ratios.median >= g.target };
  });
  const goals = goalRows.map((g) => ({ goal: `throughput, ${g.goal}: at least ${g.target}`, measured: `${x(g.median)} (median of ${runs.length}; ${g.text})`, met: g.met }));
  const rf1 = figure('ringside RF=1', 'set');
  const viaClient = systems.includes('twemproxy, npm memcached') ? { set: figure('twemproxy, npm memcached', 'set').median, get: figure('twemproxy, npm memcached', 'get').median } : null;
  const alsoAgainst = viaClient
    ? `Against twemproxy driven by the npm \`memcached\` client instead, RF=1 is ${x(rf1.median / viaClient.set)} on sets and ${x(figure('ringside RF=1', 'get').median / viaClient.get)} on gets. `
    : '';
  const bars = (op: 'set' | 'get'): Bar[] => systems.map((system) => ({ label: system, value: figure(system, op).median, ours: system.startsWith('ringside') }));
  const cell = (system: string, field: 'set' | 'get' | 'setCpuUs' | 'getCpuUs') => {
    const f = figure(system, field);
    return `${n(f.median, field.endsWith('CpuUs') ? 1 : 0)} (${f.text})`;
  };
  return {
    markdown: [
      `## Put/get throughput`,
      `${data.nodes} local memcached nodes, ${n(data.keys)} keys of ${data.valueBytes} bytes, ${data.inFlight} operations in flight, every system in the same run; each run takes the median of ${data.rounds} rounds after a warm-up, and each figure here is the median of ${runs.length} run${runs.length > 1 ? 's' : ''} with their spread (lowest – highest). CPU is the client process's own time per operation. twemproxy is Debian's \`nutcracker\` with ketama over the same five servers; "memcached client" is the npm \`memcached\` package hashing over them itself; one memjs socket is a single server's ceiling for this client library.`,
      table(
        ['system', 'set ops/s', 'get ops/s', 'set CPU µs/op', 'get CPU µs/op'],
        systems.map((system) => [system, cell(system, 'set'), cell(system, 'get'), cell(system, 'setCpuUs'), cell(system, 'getCpuUs')]),
      ),
      table(
        ['goal', 'ratio (median)', 'spread', 'target', 'met'],
        goalRows.map((g) => [g.goal, g.median.toFixed(2), g.text, g.target, g.met ? 'yes' : 'no']),
      ),
      `The goals take the stronger twemproxy driver, the pipelined text client. ${alsoAgainst}Where a put's time goes: [profiles.md](profiles.md).`,
      `![set throughput](benchmarks/throughput-set.svg)\n![get throughput](benchmarks/throughput-get.svg)`,
    ].join('\n\n'),
    plots: {
      'throughput-set.svg': barChart({ title: 'Sets per second, 64 in flight (higher is better)', unit: 'sets per second', bars: bars('set') }),
      'throughput-get.svg': barChart({ title: 'Gets per second, 64 in flight (higher is better)', unit: 'gets per second', bars: bars('get') }),
    },
    goals,
  };
}

function balanceSection(data: BalanceRun): Section {
  const bars: Bar[] = data.rows.map((r) => ({
    label: `${r.nodes} nodes, ${r.placement.split(' (')[0]}`,
    value: r.maxOverMean,
    text: r.maxOverMean.toFixed(3),
    ours: r.placement.startsWith('ringside'),
  }));
  return {
    markdown: [
      `## Balance`,
      `Primaries of ${n(data.keys)} keys per node. "chance" throws the same keys at exactly equal shares with a uniform generator: the spread no ring can beat, only sampling noise.`,
      table(
        ['nodes', 'placement', 'max / mean', 'std dev / mean', 'min keys', 'max keys'],
        data.rows.map((r) => [r.nodes, r.placement, r.maxOverMean.toFixed(3), r.relativeDeviation.toFixed(3), n(r.min), n(r.max)]),
      ),
      `![balance](benchmarks/balance.svg)`,
    ].join('\n\n'),
    plots: { 'balance.svg': barChart({ title: 'Largest node over the mean (1 is perfectly even; lower is better)', unit: 'max / mean keys per node', bars, marker: { value: 1, label: 'even' } }) },
    goals: [],
  };
}

function movementSection(runs: MovementRun[]): Section {
  const data = runs[0];
  const rows = data.scenarios.map((s, i) => ({ ...s, planMs: median(runs.map((r) => r.scenarios[i].planMs ?? NaN)) }));
  const ours = rows.filter((r) => r.scenario.startsWith('ringside'));
  const goals = ours.map((r) => ({ goal: `movement, ${r.scenario}: copies planned equal the minimum`, measured: `${n(r.copies)} of ${n(r.minimum)}`, met: r.copies === r.minimum }));
  const bars: Bar[] = rows.map((r) => ({
    label: r.scenario.replace(/ \(.*\)$/, ''),
    value: r.copies / data.keys,
    text: `${(r.copies / data.keys).toFixed(3)} copies/key`,
    ours: r.scenario.startsWith('ringside'),
  }));
  return {
    markdown: [
      `## Movement`,
      `${n(data.keys)} keys, ${data.replicas} replicas, ${data.vnodesPerNode} vnodes per node. A sixth node must take a sixth of the primaries and, being new to ${data.replicas}/6 of the preference lists, ${data.ideal.copiesPerKey} new copies per key. "minimum" is the copies the ring change itself requires; Ringside's planner emits exactly those.`,
      table(
        ['scenario', 'primaries moved', 'share (ideal 0.167)', 'copies', 'minimum', 'copies per key', 'deletes', 'plan ms'],
        rows.map((r) => [
          r.scenario,
          n(r.primariesMoved),
          (r.primariesMoved / data.keys).toFixed(3),
          n(r.copies),
          n(r.minimum),
          (r.copies / data.keys).toFixed(3),
          n(r.deletes),
          Number.isNaN(r.planMs) ? '-' : n(r.planMs, 1),
        ]),
      ),
      `![movement](benchmarks/movement.svg)`,
    ].join('\n\n'),
    plots: {
      'movement.svg': barChart({
        title: 'Copies per key when a sixth node joins or one of six leaves (lower is better)',
        unit: 'copies per key',
        bars,
        marker: { value: data.ideal.copiesPerKey, label: 'ideal 0.5' },
      }),
    },
    goals,
  };
}

function rebalanceSection(runs: RebalanceRun[]): Section {
  const rows = runs[0].rows.map((row, i) => ({ ...row, ms: median(runs.map((r) => r.rows[i]['total ms'])), rate: median(runs.map((r) => r.rows[i]['copies/s'])) }));
  const goals = rows.map((r) => ({
    goal: `rebalance, ${r.change}: copies executed equal the minimum`,
    measured: `${n(r['copies executed'])} of ${n(r['minimum copies'])}`,
    met: r['copies executed'] === r['minimum copies'] && r.failed === 0,
  }));
  return {
    markdown: [
      `## Rebalance on real memcached`,
      `5 local memcached nodes holding ${n(runs[0].keys)} keys x 3 replicas; a sixth added, then removed again. Median of ${runs.length} runs.`,
      table(
        ['change', 'keys', 'primaries moved', 'copies executed', 'minimum', 'deletes', 'failed', 'time', 'copies/s'],
        rows.map((r) => [r.change, n(r.keys), n(r['primaries moved']), n(r['copies executed']), n(r['minimum copies']), n(r.deletes), r.failed, `${n(r.ms / 1000, 2)} s`, n(r.rate)]),
      ),
    ].join('\n\n'),
    plots: {},
    goals,
  };
}

/** The scale goals: a step's time (by the start of its name) or the process's memory at the end, at most `limit`. */
const SCALE_GOALS: { goal: string; step: string | null; limit: number }[] = [
  { goal: 'scale: process memory (RSS) at the end at most 600 MiB', step: null, limit: 600 },
  { goal: 'scale: move plan for a node added within 1 s', step: 'move plan', limit: 1 },
  { goal: 'scale: dashboard snapshot within 1 s', step: 'dashboard snapshot', limit: 1 },
  { goal: 'scale: dashboard preview of an add within 1 s', step: 'dashboard preview', limit: 1 },
];

function scaleSection(data: ScaleRun): Section {
  const runs = data.runs ?? 1;
  const seconds = (ms: number) => `${n(ms / 1000, 2)} s`;
  const spread = (min: number | undefined, max: number | undefined, show: (v: number) => string) => (runs > 1 && min !== undefined && max !== undefined ? `${show(min)} – ${show(max)}` : '-');
  const of = runs > 1 ? 'median of ' + runs : '1 run';
  const goals: Goal[] = SCALE_GOALS.flatMap(({ goal, step, limit }) => {
    if (step === null) {
      const rss = data.rss;
      return [{ goal, measured: `${n(data.rssMb)} MiB (${of}${rss && runs > 1 ? `; ${n(rss.min)} – ${n(rss.max)}` : ''})`, met: data.rssMb <= limit }];
    }
    const row = data.rows.find((r) => r.step.startsWith(step));
    if (!row) return [];
    const range = spread(row.min, row.max, seconds);
    return [{ goal, measured: `${seconds(row.ms)} (${of}${range === '-' ? '' : `; ${range}`})`, met: row.ms / 1000 <= limit }];
  });
  const bars: Bar[] = data.rows.filter((r) => !r.step.startsWith('load')).map((r) => ({ label: r.step.replace(/ \(.*$/, ''), value: r.ms / 1000, text: `${n(r.ms / 1000, 2)} s`, ours: true }));
  const memory =
    runs > 1 && data.rss
      ? `the process's resident memory at the end was ${n(data.rssMb)} MiB (median; ${n(data.rss.min)} – ${n(data.rss.max)})`
      : `the process's resident memory at the end was ${n(data.rssMb)} MiB`;
  const load = data.load ? ` The load average at the end was ${data.load.map((l) => l.toFixed(1)).join(', ')} on ${os.cpus().length} cores: other work on the machine shows in the spread.` : '';
  return {
    markdown: [
      `## Scale`,
      `${data.nodes} local memcached nodes and ${n(data.keys)} keys x 3 replicas (${n(data.items)} items) on this machine (bench/scale.ts), ${runs > 1 ? `${runs} runs, each a process of its own with fresh nodes; each time is the median of the runs, with their spread (lowest – highest)` : 'one run'}; ${memory}.${load}`,
      `The snapshot and the preview read the key inventory this process keeps (lib/cluster/key-inventory.ts): each node's last listing with this process's own writes since folded in, listed again only when its \`stats\` counters show a write this process did not make (another client's, an eviction, a restart). The inventory step is a first listing of every node; the snapshot and the preview after it find every node's counters as this process left them, and list nothing.`,
      table(
        ['step', 'time', 'spread', 'detail'],
        data.rows.map((r) => [r.step, seconds(r.ms), spread(r.min, r.max, seconds), r.detail]),
      ),
      `![scale](benchmarks/scale.svg)`,
    ].join('\n\n'),
    plots: { 'scale.svg': barChart({ title: `${data.nodes} nodes, ${n(data.keys)} keys: time per step (lower is better)`, unit: 'seconds', bars }) },
    goals,
  };
}

const DASHBOARD_FIGURES: Record<string, string> = {
  idleFps: 'frames per second, idle (the peer)',
  windowFps: 'frames per second, the 2 s after "Apply"',
  travelFps: 'frames per second while keys travel',
  travelLongestFrameMs: 'longest frame while keys travel, ms',
  longestFrameMs: 'longest frame from "Apply" to settled, ms',
  travelMs: 'travel, ms',
  putVisibleP50Ms: 'from "Put" to the key\'s mark on the ring, p50, ms',
  putVisibleP95Ms: 'from "Put" to the key\'s mark on the ring, p95, ms',
  putActionP50Ms: '... of which the server action, p50, ms',
};

function controlPlaneSection(data: ControlPlaneRun): Section {
  const change = (kind: 'putsPerSec' | 'getsPerSec') => data.dataPath.etcd[kind] / data.dataPath.file[kind] - 1;
  const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
  const goals: Goal[] = [
    { goal: 'control plane: a ring change shows in another process within 1 s (max)', measured: `${n(data.changeVisibleMs.max)} ms`, met: data.changeVisibleMs.max < 1000 },
    { goal: 'control plane: leader taken over within 10 s of SIGKILL (median)', measured: `${n(data.takeoverMs.median)} ms`, met: data.takeoverMs.median < 10_000 },
    { goal: 'control plane: puts with etcd configured within 5% of without', measured: pct(change('putsPerSec')), met: Math.abs(change('putsPerSec')) <= 0.05 },
    { goal: 'control plane: gets with etcd configured within 5% of without', measured: pct(change('getsPerSec')), met: Math.abs(change('getsPerSec')) <= 0.05 },
  ];
  const stopped = data.dataPath['etcd-stopped'];
  if (stopped) {
    // Cut off from etcd a process cannot prove it writes alone: its puts are conditional (docs/consistency.md), its gets unchanged.
    const apart = stopped.getsPerSec / data.dataPath.etcd.getsPerSec - 1;
    // What the goal guards is a data path that waits on etcd: gets slower once it is gone. Faster is noise, not a failure.
    goals.push({ goal: 'control plane: gets with etcd stopped at most 5% slower than running', measured: `${pct(Math.abs(apart))} ${apart >= 0 ? 'faster' : 'slower'}`, met: apart >= -0.05 });
  }
  return {
    markdown: [
      `## Control plane (etcd)`,
      `One etcd member. A ring change made in this process, seen in another OS process: p50 ${n(data.changeVisibleMs.p50)} ms, max ${n(data.changeVisibleMs.max)} ms over ${data.changeVisibleMs.changes} changes. Leader takeover after SIGKILL of the leading process: median ${n(data.takeoverMs.median)} ms (${n(data.takeoverMs.min)}-${n(data.takeoverMs.max)} over ${data.takeoverMs.runs}; the lease is 5 s). The data path with etcd configured against the file store, 3 local nodes, 64 in flight; each run takes the median of its rounds, and each figure is the median of the runs with their range:`,
      table(
        ['state', 'plain puts', 'puts/s', 'range', 'gets/s', 'range'],
        (['file', 'etcd', 'etcd-shared', 'etcd-stopped'] as const).flatMap((kind) => {
          const row = data.dataPath[kind];
          const label = { file: 'file', etcd: 'etcd configured, alone', 'etcd-shared': 'etcd configured, another process live', 'etcd-stopped': 'etcd configured, stopped' }[kind];
          return row ? [[label, row.plainShare === undefined ? '-' : `${Math.round(row.plainShare * 100)}%`, n(row.putsPerSec), row.puts, n(row.getsPerSec), row.gets]] : [];
        }),
      ),
      'A process that can prove it is the only writer puts with plain SETs; beside another live process, or cut off from etcd, each put is a conditional write (a read and a compare-and-set per replica): see docs/consistency.md, "Writing alone".',
    ].join('\n\n'),
    plots: {},
    goals,
  };
}

const DASHBOARD_GOALS: { figure: string; goal: string; met: (v: number) => boolean; unit: string }[] = [
  { figure: 'travelFps', goal: 'dashboard: at least 55 frames/s while keys travel', met: (v) => v >= 55, unit: 'frames/s' },
  { figure: 'travelLongestFrameMs', goal: 'dashboard: no frame over 50 ms while keys travel', met: (v) => v <= 50, unit: 'ms' },
  { figure: 'putVisibleP50Ms', goal: 'dashboard: "Put" to mark at most 100 ms, p50', met: (v) => v <= 100, unit: 'ms' },
  { figure: 'putVisibleP95Ms', goal: 'dashboard: "Put" to mark at most 150 ms, p95', met: (v) => v <= 150, unit: 'ms' },
];

/** The script's figures, each the median of its runs and their spread; a result from before it ran several times counts as one run. */
function dashboardFigures(data: DashboardRun): Record<string, DashboardSpread> {
  if (data.figures) return data.figures;
  const single = (value: unknown): DashboardSpread => (typeof value === 'number' ? { median: value, min: value, max: value, runs: [value] } : { median: null, min: null, max: null, runs: [] });
  return Object.fromEntries(Object.keys(DASHBOARD_FIGURES).map((key) => [key, single(data[key] ?? (key === 'putVisibleP50Ms' ? data.putToVisibleMs : undefined))]));
}

function dashboardSection(data: DashboardRun): Section {
  const figures = dashboardFigures(data);
  const runs = data.runs ?? 1;
  const rows = Object.entries(DASHBOARD_FIGURES).filter(([key]) => figures[key]?.median !== null && figures[key] !== undefined);
  const spread = (f: DashboardSpread) => (f.runs.length > 1 ? `${n(f.min!, 1)} – ${n(f.max!, 1)}` : '-');
  const goals = DASHBOARD_GOALS.filter((g) => figures[g.figure]?.median != null).map((g) => {
    const f = figures[g.figure];
    return { goal: g.goal, measured: `${n(f.median!, 1)} ${g.unit} (median of ${runs}; ${spread(f)})`, met: g.met(f.median!) };
  });
  const fps = (key: string) => figures[key]?.median ?? 0;
  const bars: Bar[] = [
    { label: 'idle', value: fps('idleFps'), text: `${fps('idleFps').toFixed(1)} fps` },
    { label: 'while keys travel', value: fps('travelFps'), text: `${fps('travelFps').toFixed(1)} fps`, ours: true },
  ];
  const load = data.load
    ? ` The load average at the end was ${data.load.map((l: number) => l.toFixed(1)).join(', ')} on ${os.cpus().length} cores: other work on the machine shows in the spread.`
    : '';
  return {
    markdown: [
      `## Dashboard`,
      `Headless Chromium at 1280x800, ${data.nodes} nodes x 160 vnodes, ${n(data.keys)} keys (${n(data.marks)} marks drawn), a node added while frames are counted, then ${data.puts ?? 1} puts each timed from the click to the frame that paints its mark (bench/dashboard-fps.ts). Each figure is the median of ${runs} run${runs > 1 ? 's' : ''} on a fresh page, with the spread (lowest – highest) of the runs; the longest frame while keys travel includes the frame they set off in. The peer is the same page idle, in the same run.${load}`,
      table(
        ['figure', 'median', 'spread'],
        rows.map(([key, label]) => [label, n(figures[key].median!, 1), spread(figures[key])]),
      ),
      `![dashboard frame rate](benchmarks/dashboard.svg)`,
    ].join('\n\n'),
    plots: { 'dashboard.svg': barChart({ title: 'Dashboard frames per second, 10,000 keys (higher is better)', unit: 'frames per second', bars, marker: { value: 60, label: '60 fps' } }) },
    goals,
  };
}

async function main() {
  const sections: Section[] = [];
  const failures: string[] = [];
  // Benchmarks not measured now (--render, --skip) are shown as recorded last time.
  const previous: Record<string, unknown[]> = existsSync(resultsFile) ? JSON.parse(await readFile(resultsFile, 'utf8')) : {};
  const results: Record<string, unknown[]> = {};
  // Each script's JSON is taken to be the shape bench/results.ts gives it: the scripts and that file change together.
  const collect = async <Run>(name: string, render: (runs: Run[]) => Section) => {
    const measure = !renderOnly && !skipped.has(name) && (only.size === 0 || only.has(name));
    if (!measure && !previous[name]) return;
    const bench = BENCHES[name];
    if (measure) console.error(`bench: ${name} (${bench.runs} run${bench.runs > 1 ? 's' : ''})`);
    try {
      const runs = (measure ? [] : previous[name]) as Run[];
      for (let i = runs.length; i < bench.runs && measure; i++) runs.push((await run(name, bench)) as Run);
      results[name] = runs;
      sections.push(render(runs));
    } catch (error) {
      failures.push((error as Error).message);
      console.error((error as Error).message);
    }
  };
  await collect('lookup', lookupSection);
  await collect('throughput', throughputSection);
  await collect('balance', (runs: BalanceRun[]) => balanceSection(runs[0]));
  await collect('movement', movementSection);
  await collect('rebalance', rebalanceSection);
  await collect('scale', (runs: ScaleRun[]) => scaleSection(runs[0]));
  await collect('dashboard', (runs: DashboardRun[]) => dashboardSection(runs[0]));
  await collect('control-plane', (runs: ControlPlaneRun[]) => controlPlaneSection(runs[0]));
  await collect('lab', (runs: LabRun[]) => ({ markdown: `## Hashing algorithms (the lab)\n\n${labMarkdown(runs[0])}`, plots: {}, goals: [] }));

  const goals = sections.flatMap((s) => s.goals);
  const cpu = os.cpus();
  const markdown = [
    `# Benchmarks`,
    `Generated by \`npm run bench\`${quick ? ' (--quick)' : ''} on ${new Date().toISOString().slice(0, 10)}: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${n(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}. Every figure compares against a peer measured in the same run on the same machine. Where time goes: [profiles.md](profiles.md).`,
    `## Goals`,
    table(
      ['goal', 'measured', 'met'],
      goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : '**no**']),
    ),
    ...sections.map((s) => s.markdown),
    ...(failures.length ? [`## Not measured in this run`, failures.map((f) => `- ${f.split('\n')[0]}`).join('\n')] : []),
  ].join('\n\n');
  await mkdir(path.join(root, 'docs/benchmarks'), { recursive: true });
  for (const section of sections) for (const [file, svg] of Object.entries(section.plots)) await writeFile(path.join(root, 'docs/benchmarks', file), `${svg}\n`);
  await writeFile(path.join(root, 'docs/benchmarks.md'), `${markdown}\n`);
  await writeFile(resultsFile, `${JSON.stringify(results, null, 1)}\n`);
  console.error(`bench: wrote docs/benchmarks.md (${goals.filter((g) => g.met).length} of ${goals.length} goals met${failures.length ? `, ${failures.length} benchmarks failed` : ''})`);
  if (failures.length) process.exitCode = 1;
}

void main();
