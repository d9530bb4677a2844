// The dashboard under load, in headless Chromium: 10 nodes x 160 vnodes and 10,000 keys, a node added.
// Prints frames per second while keys travel (against the same page idle, in the same run) and the time
// from a put in the form to the key's mark on the ring.
// Run: npx tsx bench/dashboard-fps.ts [--keys N] [--json] [--trace FILE]   (builds the current sources and serves a private copy, as the e2e tests do)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { formatTable, wantsJson } from './timing';

const root = path.resolve(import.meta.dirname, '..');
const keysArg = process.argv.indexOf('--keys');
const KEYS = keysArg > 0 ? Number(process.argv[keysArg + 1]) : 10_000;
const NODES = 10;
const SAMPLE_MS = 2000;
const round = (n: number) => Math.round(n * 10) / 10;
// --trace FILE: a Chromium performance trace (open it in DevTools' Performance panel) from Apply until the keys have settled.
const traceArg = process.argv.indexOf('--trace');
const TRACE = traceArg > 0 ? path.resolve(process.argv[traceArg + 1]) : null;

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
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the dashboard did not answer at ${url}`);
}

/** Starts recording, inside the page, every frame's time and when the ring is marked `data-animating` (keys travelling). */
async function recordFrames(page: Page): Promise<void> {
  // Scripts go to the page as text: tsx's helpers (e.g. __name) do not exist there.
  await page.evaluate(`(() => {
    const record = { frames: [], travel: [] };
    window.__record = record;
    const tick = () => { record.frames.push(performance.now()); if (!record.stopped) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const svg = document.querySelector('svg[aria-label="Hash ring"]');
    new MutationObserver(() => {
      const on = svg.getAttribute('data-animating') === 'true';
      const last = record.travel[record.travel.length - 1];
      if (on && (!last || last.end !== undefined)) record.travel.push({ start: performance.now() });
      if (!on && last && last.end === undefined) last.end = performance.now();
    }).observe(svg, { attributes: true, attributeFilter: ['data-animating'] });
    record.started = performance.now();
  })()`);
}

interface FrameReport {
  /** Frames per second over the first `ms` after recording began. */
  windowFps: number;
  /** Frames per second while keys travelled (null when they never did), and the travel's length. */
  travelFps: number | null;
  travelMs: number | null;
  /** The longest gap between two frames while keys travelled, and over the whole recording. */
  travelLongestFrameMs: number | null;
  longestFrameMs: number;
}

async function stopFrames(page: Page, ms: number): Promise<FrameReport> {
  const record = (await page.evaluate('(() => { window.__record.stopped = true; return window.__record; })()')) as {
    frames: number[];
    travel: { start: number; end?: number }[];
    started: number;
  };
  const { frames, started } = record;
  const windowFps = frames.filter((t) => t >= started && t < started + ms).length / (ms / 1000);
  const gaps = (list: number[]) => list.slice(1).map((t, i) => t - list[i]);
  const longestFrameMs = Math.max(0, ...gaps(frames));
  const travel = record.travel.find((t) => t.end !== undefined);
  if (!travel) return { windowFps, travelFps: null, travelMs: null, travelLongestFrameMs: null, longestFrameMs };
  const during = frames.filter((t) => t >= travel.start && t <= travel.end!);
  const travelMs = travel.end! - travel.start;
  return { windowFps, travelFps: during.length / (travelMs / 1000), travelMs, travelLongestFrameMs: Math.max(0, ...gaps(during)), longestFrameMs };
}

/** Frames the page paints in `ms`, counted with requestAnimationFrame. */
async function framesPerSecond(page: Page, ms: number): Promise<number> {
  await recordFrames(page);
  await page.waitForTimeout(ms + 50);
  return (await stopFrames(page, ms)).windowFps;
}

// A benchmark must end by itself: past this deadline the browser is closed and everything cleaned up.
const WATCHDOG_MS = 10 * 60_000;
let watchdog: NodeJS.Timeout | undefined;

const step = (what: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${what}\n`);

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
    // One key fewer than measured: the put below brings the ring to exactly KEYS, the most it draws one by one.
    step(`generating ${KEYS - 1} keys`);
    const fake = await fetch(`${base}/api/keys/fake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: KEYS - 1 }) });
    if (!fake.ok) throw new Error(`generating keys failed: ${fake.status} ${await fake.text()}`);

    step('opening the page');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(60_000);
    page.on('crash', () => console.error('the page crashed'));
    await page.goto(base);
    await page.locator('[data-connection="live"]').waitFor({ timeout: 30_000 });
    await page.locator('svg[aria-label="Hash ring"] [data-key]').first().waitFor({ timeout: 30_000 });
    const marks = await page.locator('svg[aria-label="Hash ring"] [data-key]').count();

    step('measuring idle frames');
    const idle = await framesPerSecond(page, SAMPLE_MS);
    step('adding a node');
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.getByRole('button', { name: 'Apply' }).waitFor();
    if (TRACE) await browser.startTracing(page, { path: TRACE, screenshots: false, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'v8.execute', 'blink.user_timing', 'disabled-by-default-v8.cpu_profiler'] });
    await recordFrames(page);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/done/).first().waitFor({ timeout: 60_000 });
    // Travel begins when the new ring arrives and lasts about 1.2 s: wait until it has ended (or never began).
    await page.waitForFunction('window.__record.travel.some((t) => t.end !== undefined)', undefined, { timeout: 30_000 }).catch(() => step('no keys seen travelling'));
    await page.waitForFunction(`performance.now() > window.__record.started + ${SAMPLE_MS + 50}`, undefined, { timeout: 30_000 });
    const moving = await stopFrames(page, SAMPLE_MS);
    if (TRACE) await browser.stopTracing();
    step('timing a put');

    // Put to visible: from the click on Put to the key's mark in the ring, timed inside the page.
    const key = `bench:visible:${Date.now()}`;
    await page.getByLabel('Key', { exact: true }).fill(key);
    await page.getByLabel('Value', { exact: true }).fill('hello');
    // Where the time goes (resource timing): the server action's round trip, and the requests that brought the key
    // before it showed (the lookup of the selected key, or a snapshot), '-' for one that did not finish in time.
    const put = (await page.evaluate(`new Promise((resolve) => {
      const selector = 'svg[aria-label="Hash ring"] [data-key="' + CSS.escape(${JSON.stringify('KEY')}) + '"]';
      const started = performance.now();
      const done = (visible) => {
        const requests = performance.getEntriesByType('resource').filter((e) => e.startTime >= started && e.responseEnd <= started + visible);
        const action = requests.find((e) => !e.name.includes('/api/'));
        const last = (part) => requests.filter((e) => e.name.includes(part)).at(-1);
        const took = (e) => (e ? e.responseEnd - e.startTime : null);
        resolve({ visible, actionMs: took(action), locateMs: took(last('/locate')), snapshotMs: took(last('/api/snapshot')) });
      };
      const observer = new MutationObserver(() => {
        if (document.querySelector(selector)) { observer.disconnect(); done(performance.now() - started); }
      });
      observer.observe(document.body, { subtree: true, childList: true });
      setTimeout(() => { observer.disconnect(); resolve({ visible: -1, actionMs: null, locateMs: null, snapshotMs: null }); }, 20000);
      [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Put').click();
    })`.replace('"KEY"', JSON.stringify(key)))) as { visible: number; actionMs: number | null; locateMs: number | null; snapshotMs: number | null };
    const visibleMs = put.visible;
    const ms = (value: number | null) => (value === null ? '-' : Math.round(value));

    const rows = [
      { measure: 'frames/s, page idle (peer)', value: Math.round(idle * 10) / 10 },
      { measure: `frames/s, first ${SAMPLE_MS / 1000} s after Apply`, value: round(moving.windowFps) },
      { measure: 'frames/s, while keys travel', value: moving.travelFps === null ? 'no travel seen' : round(moving.travelFps) },
      { measure: 'longest frame while keys travel, ms', value: moving.travelLongestFrameMs === null ? '-' : Math.round(moving.travelLongestFrameMs) },
      { measure: 'longest frame, Apply to settled, ms', value: Math.round(moving.longestFrameMs) },
      { measure: 'put to mark visible, ms', value: Math.round(visibleMs) },
      { measure: '  of which the put (server action), ms', value: ms(put.actionMs) },
      { measure: '  the lookup of the selected key, ms', value: ms(put.locateMs) },
      { measure: '  a snapshot request, ms', value: ms(put.snapshotMs) },
    ];
    if (wantsJson()) console.log(JSON.stringify({ nodes: NODES, keys: KEYS, marks, idleFps: idle, ...moving, putToVisibleMs: visibleMs, putActionMs: put.actionMs, putLocateMs: put.locateMs, putSnapshotMs: put.snapshotMs }));
    else {
      console.log(`Dashboard in headless Chromium at 1280x800: ${NODES} nodes x 160 vnodes, ${KEYS.toLocaleString('en-US')} keys (${marks.toLocaleString('en-US')} key marks drawn)\n`);
      console.log(formatTable(rows));
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
