// The dashboard under load, in headless Chromium: 10 nodes x 160 vnodes and 10,000 keys, a node added.
// Prints frames per second while keys travel (against the same page idle, in the same run) and the time
// from a put in the form to the key's mark on the ring.
// Run: npx tsx bench/dashboard-fps.ts [--keys N] [--json]   (builds the dashboard first when needed)
import { execFileSync, spawn } from 'node:child_process';
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

/** Frames the page paints in `ms`, counted with requestAnimationFrame, while `during` runs. */
async function framesPerSecond(page: Page, ms: number, during: () => Promise<unknown> = async () => undefined): Promise<number> {
  // Scripts go to the page as text: tsx's helpers (e.g. __name) do not exist there.
  await page.evaluate(`(() => {
    window.__frames = 0;
    window.__counting = true;
    const tick = () => { if (!window.__counting) return; window.__frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    setTimeout(() => { window.__counting = false; }, ${ms});
  })()`);
  const started = Date.now();
  await during();
  await page.waitForTimeout(Math.max(0, ms - (Date.now() - started)) + 50);
  const frames = (await page.evaluate('window.__frames')) as number;
  return frames / (ms / 1000);
}

// A benchmark must end by itself: past this deadline the browser is closed and everything cleaned up.
const WATCHDOG_MS = 4 * 60_000;
let watchdog: NodeJS.Timeout | undefined;

const step = (what: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${what}\n`);

async function main() {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) execFileSync('npx', ['next', 'build'], { cwd: root, stdio: 'inherit' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-fps-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn('npx', ['next', 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: root,
    env: { ...process.env, RINGSIDE_DATA_DIR: dataDir, RINGSIDE_BOOTSTRAP_NODES: String(NODES) },
    stdio: 'ignore',
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
    step('waiting for the dashboard');
    await waitForServer(`${base}/api/snapshot`, 120_000);
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
    const moving = await framesPerSecond(page, SAMPLE_MS, () => page.getByRole('button', { name: 'Apply' }).click());
    await page.getByText(/done/).first().waitFor({ timeout: 60_000 });
    step('timing a put');

    // Put to visible: from the click on Put to the key's mark in the ring, timed inside the page.
    const key = `bench:visible:${Date.now()}`;
    await page.getByLabel('Key', { exact: true }).fill(key);
    await page.getByLabel('Value', { exact: true }).fill('hello');
    const visibleMs = (await page.evaluate(`new Promise((resolve) => {
      const selector = 'svg[aria-label="Hash ring"] [data-key="' + CSS.escape(${JSON.stringify('KEY')}) + '"]';
      const started = performance.now();
      const observer = new MutationObserver(() => {
        if (document.querySelector(selector)) { observer.disconnect(); resolve(performance.now() - started); }
      });
      observer.observe(document.body, { subtree: true, childList: true });
      setTimeout(() => { observer.disconnect(); resolve(-1); }, 20000);
      [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Put').click();
    })`.replace('"KEY"', JSON.stringify(key)))) as number;

    const rows = [
      { measure: 'frames/s, page idle (peer)', value: Math.round(idle * 10) / 10 },
      { measure: 'frames/s, node added, keys travelling', value: Math.round(moving * 10) / 10 },
      { measure: 'put to mark visible, ms', value: Math.round(visibleMs) },
    ];
    if (wantsJson()) console.log(JSON.stringify({ nodes: NODES, keys: KEYS, marks, idleFps: idle, movingFps: moving, putToVisibleMs: visibleMs }));
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
  }
}

main()
  .finally(() => clearTimeout(watchdog))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
