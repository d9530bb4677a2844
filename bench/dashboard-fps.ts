// The dashboard under load, in headless Chromium: 10 nodes x 160 vnodes and 10,000 keys, a node added.
// Prints frames per second while keys travel (against the same page idle, in the same run) and the time from a put
// in the form to the key's mark on the ring (p50 and p95 of 20 puts); each figure as the median of N runs and their spread.
// Run: npx tsx bench/dashboard-fps.ts [--runs N] [--puts N] [--keys N] [--json] [--trace FILE]
// (builds the current sources and serves a private copy, as the e2e tests do; one build and one cluster serve every run)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { buttonEnabled, clickButton, framesPerSecond, markSelector, recordFrames, stopFrames, timePut, until } from './dashboard-probes';
import { formatTable, wantsJson } from './timing';

const root = path.resolve(import.meta.dirname, '..');
const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const KEYS = option('--keys', 10_000);
const RUNS = option('--runs', 5);
const PUTS = option('--puts', 20);
const NODES = 10;
const SAMPLE_MS = 2000;
// --trace FILE: a Chromium performance trace of the first run (open it in DevTools' Performance panel), from Apply until the keys have settled.
const traceArg = process.argv.indexOf('--trace');
const TRACE = traceArg > 0 ? path.resolve(process.argv[traceArg + 1]) : null;

/** One run's figures; null where the run did not see it (no travel, say). */
type Figures = Record<string, number | null>;

/** What each figure is, in the order printed; `better` says which way is good. */
const FIGURES: Record<string, { label: string; better: 'higher' | 'lower' }> = {
  idleFps: { label: 'frames/s, page idle (peer)', better: 'higher' },
  windowFps: { label: `frames/s, first ${SAMPLE_MS / 1000} s after Apply`, better: 'higher' },
  travelFps: { label: 'frames/s, while keys travel', better: 'higher' },
  travelLongestFrameMs: { label: 'longest frame while keys travel, ms', better: 'lower' },
  longestFrameMs: { label: 'longest frame, Apply to settled, ms', better: 'lower' },
  travelMs: { label: 'travel, ms', better: 'lower' },
  putVisibleP50Ms: { label: `put to mark visible, p50 of ${PUTS}, ms`, better: 'lower' },
  putVisibleP95Ms: { label: `put to mark visible, p95 of ${PUTS}, ms`, better: 'lower' },
  putActionP50Ms: { label: '  the server action alone, p50, ms', better: 'lower' },
};

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
/** Nearest rank: the smallest value at least `p` of the values do not exceed. */
const percentile = (values: number[], p: number) => sorted(values)[Math.max(0, Math.ceil(p * values.length) - 1)];
const median = (values: number[]) => {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  runs: (number | null)[];
}

function spreadOf(runs: (number | null)[]): Spread {
  const seen = runs.filter((v): v is number => v !== null && v >= 0);
  if (seen.length === 0) return { median: null, min: null, max: null, runs };
  return { median: median(seen), min: Math.min(...seen), max: Math.max(...seen), runs };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, ms: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the dashboard did not answer at ${url}`);
}

const step = (what: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const nodeIds = async (base: string) => ((await (await fetch(`${base}/api/snapshot`)).json()) as { nodes: { id: string }[] }).nodes.map((n) => n.id);

/** One run on a fresh page: idle frames, a node added and its keys travelling, then `PUTS` puts; the node is removed again at the end. */
async function measure(browser: Browser, base: string, run: number): Promise<Figures & { marks: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000);
  page.on('crash', () => console.error('the page crashed'));
  const before = await nodeIds(base);
  try {
    await page.goto(base);
    await page.locator('[data-connection="live"]').waitFor({ timeout: 30_000 });
    // The marks are painted on a canvas; their hidden list says when they are there.
    await page.locator('svg[aria-label="Hash ring"] [data-key]').first().waitFor({ state: 'attached', timeout: 30_000 });
    const marks = await page.locator('svg[aria-label="Hash ring"] [data-key]').count();

    step(`run ${run}: idle frames`);
    const idleFps = await framesPerSecond(page, SAMPLE_MS);
    step(`run ${run}: adding a node`);
    await page.getByRole('button', { name: 'Add node', exact: true }).click();
    await buttonEnabled(page, 'Apply');
    const tracing = TRACE !== null && run === 1;
    if (tracing)
      await browser.startTracing(page, {
        path: TRACE,
        screenshots: false,
        categories: [
          'devtools.timeline',
          'disabled-by-default-devtools.timeline',
          'disabled-by-default-devtools.timeline.frame',
          'v8.execute',
          'blink.user_timing',
          'disabled-by-default-v8.cpu_profiler',
        ],
      });
    await recordFrames(page);
    await clickButton(page, 'Apply');
    // Travel begins when the new ring arrives and lasts about 1.2 s: wait until it has ended (or never began), and the move is done.
    await until(page, 'window.__record.travel.some((t) => t.end !== undefined)', 60_000).catch(() => step('no keys seen travelling'));
    await until(page, `performance.now() > window.__record.started + ${SAMPLE_MS + 50} && document.querySelector('[data-move-summary]') !== null`, 60_000).catch(async (error: Error) => {
      const card = await page
        .getByRole('region', { name: 'Nodes' })
        .innerText()
        .catch(() => '(no Nodes region)');
      throw new Error(`run ${run}: the added node's move did not finish: ${error.message}\n${card.slice(0, 2000)}`);
    });
    const moving = await stopFrames(page, SAMPLE_MS);
    if (tracing) await browser.stopTracing();

    step(`run ${run}: ${PUTS} puts`);
    const puts = [];
    for (let i = 0; i < PUTS; i++) {
      const key = `bench:visible:${run}:${i}:${Date.now()}`;
      await page.getByLabel('Key', { exact: true }).fill(key);
      await page.getByLabel('Value', { exact: true }).fill('hello');
      await page.waitForTimeout(100);
      puts.push(await timePut(page, key));
      // Deleted again, so every put brings the ring to exactly KEYS, the most it draws one by one.
      await fetch(`${base}/api/keys/${encodeURIComponent(key)}`, { method: 'DELETE' });
      await until(page, `document.querySelector(${JSON.stringify(markSelector(key))}) === null`, 30_000);
    }
    const visible = puts.map((p) => p.visibleMs).filter((ms) => ms >= 0);
    const actions = puts.map((p) => p.actionMs).filter((ms): ms is number => ms !== null);
    if (visible.length < puts.length) step(`run ${run}: ${puts.length - visible.length} puts never showed their mark`);
    return {
      marks,
      idleFps,
      ...moving,
      putVisibleP50Ms: visible.length ? percentile(visible, 0.5) : null,
      putVisibleP95Ms: visible.length ? percentile(visible, 0.95) : null,
      putActionP50Ms: actions.length ? percentile(actions, 0.5) : null,
    };
  } finally {
    await page.close();
    // The same 10 nodes for the next run.
    for (const id of (await nodeIds(base)).filter((id) => !before.includes(id))) await fetch(`${base}/api/nodes/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }
}

// A benchmark must end by itself: past this deadline the browser is closed and everything cleaned up.
const WATCHDOG_MS = (10 + 3 * RUNS) * 60_000;
let watchdog: NodeJS.Timeout | undefined;

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-fps-'));
  const buildDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-fps-build-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The e2e tests' server: `next build`, then `next start` on a private copy, so a build elsewhere cannot change it mid-run.
  const server = spawn(process.execPath, [path.join(root, 'e2e', 'serve-build.mjs')], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', E2E_PORT: String(port), E2E_BUILD_DIR: buildDir, RINGSIDE_DATA_DIR: dataDir, RINGSIDE_BOOTSTRAP_NODES: String(NODES) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const browser = await chromium.launch({
    executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // Closing the browser fails whatever step is stuck, and the finally block below cleans up.
  watchdog = setTimeout(() => {
    step(`gave up after ${WATCHDOG_MS / 1000} s`);
    void browser.close();
  }, WATCHDOG_MS);
  try {
    step('building and starting the dashboard');
    await waitForServer(`${base}/api/snapshot`, 400_000);
    // One key fewer than measured: each timed put brings the ring to exactly KEYS.
    step(`generating ${KEYS - 1} keys`);
    const fake = await fetch(`${base}/api/keys/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: KEYS - 1 }) });
    if (!fake.ok) throw new Error(`generating keys failed: ${fake.status} ${await fake.text()}`);

    const runs: (Figures & { marks: number })[] = [];
    for (let run = 1; run <= RUNS; run++) runs.push(await measure(browser, base, run));
    const figures = Object.fromEntries(Object.keys(FIGURES).map((name) => [name, spreadOf(runs.map((r) => r[name] ?? null))]));
    const load = os.loadavg().map((l) => Math.round(l * 100) / 100);
    if (wantsJson()) console.log(JSON.stringify({ nodes: NODES, keys: KEYS, marks: runs[0].marks, runs: RUNS, puts: PUTS, load, figures }));
    else {
      console.log(
        `Dashboard in headless Chromium at 1280x800: ${NODES} nodes x 160 vnodes, ${KEYS.toLocaleString('en-US')} keys (${runs[0].marks.toLocaleString('en-US')} key marks drawn), ${RUNS} runs; load average ${load.join(', ')}\n`,
      );
      const shown = (v: number | null) => (v === null ? '-' : Math.round(v * 10) / 10);
      console.log(
        formatTable(
          Object.entries(FIGURES).map(([name, { label }]) => ({
            measure: label,
            median: shown(figures[name].median),
            min: shown(figures[name].min),
            max: shown(figures[name].max),
            runs: figures[name].runs.map((v) => (v === null ? '-' : Math.round(v))).join(' '),
          })),
        ),
      );
    }
  } finally {
    await browser.close();
    const state = JSON.parse(await readFile(path.join(dataDir, 'cluster.json'), 'utf8').catch(() => '{"nodes":[]}')) as { nodes: { local?: { pid: number | null } }[] };
    for (const node of state.nodes) if (node.local?.pid) process.kill(node.local.pid, 'SIGTERM');
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
    await rm(buildDir, { recursive: true, force: true });
  }
}

main()
  .finally(() => clearTimeout(watchdog))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
