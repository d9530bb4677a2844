// Two dashboards on one etcd, each its own `next start` of the build under test: a node added through one is drawn within a second by a browser open on the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startEtcdMember, type EtcdMember } from '../lib/drill/etcd-member';
import { freePort } from '../lib/free-port';
import { shoot, vnodeCounts } from './support';

const children: ChildProcess[] = [];
const dirs: string[] = [];
const memcached = new Set<number>();
const members: EtcdMember[] = [];

function tempDir(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ringside-e2e-${name}-`));
  dirs.push(dir);
  return dir;
}

async function until(what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `next start` on the build the Playwright server serves, with its cluster state in etcd. */
async function startDashboard(endpoint: string): Promise<string> {
  const build = process.env.E2E_BUILD_DIR!;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', RINGSIDE_DATA_DIR: tempDir('data'), RINGSIDE_BOOTSTRAP_NODES: '3', RINGSIDE_ETCD: endpoint, RINGSIDE_ETCD_PREFIX: '/ringside-e2e/' };
  children.push(
    spawn(process.execPath, [path.join(build, 'node_modules/next/dist/bin/next'), 'start', build, '-H', '127.0.0.1', '-p', String(port)], { cwd: build, env, stdio: 'ignore', detached: true }),
  );
  await until(`the dashboard at ${url}`, async () => (await fetch(`${url}/api/ring`)).ok, 60_000);
  return url;
}

async function ringVersion(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/ring`)).json()) as { version: number }).version;
}

test.afterAll(async () => {
  for (const child of children.splice(0).reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The dashboards run in their own process group (their workers with them).
    if (child.spawnargs.includes('start')) process.kill(-child.pid!, 'SIGTERM');
    else child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
  // Only memcached processes the dashboards reported, and only while they still run memcached.
  for (const pid of memcached) {
    const command = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (command.includes('memcached')) process.kill(pid, 'SIGTERM');
  }
  for (const member of members.splice(0)) await member.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('a node added through one dashboard is drawn by a browser open on the other within a second', async ({ page }) => {
  test.setTimeout(180_000);
  const member = await startEtcdMember();
  members.push(member);
  const etcd = member.endpoint;
  const a = await startDashboard(etcd);
  const b = await startDashboard(etcd);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

  await page.goto(`${b}/`);
  await expect(page.locator('[data-connection="live"]')).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('[data-control-plane="etcd"]')).toBeVisible();
  expect(await vnodeCounts(page)).toEqual({ 'node-1': 160, 'node-2': 160, 'node-3': 160 });

  const target = (await ringVersion(a)) + 1;
  const added = fetch(`${a}/api/nodes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'node-4' }) });
  const switched = (async () => {
    while ((await ringVersion(a)) < target) await new Promise((resolve) => setTimeout(resolve, 5));
    return Date.now();
  })();
  const drawn = page
    .waitForFunction(() => document.querySelectorAll('svg[aria-label="Hash ring"] [data-vnode][data-node="node-4"]').length === 160, null, { timeout: 30_000, polling: 10 })
    .then(() => Date.now());
  const [switchedAt, drawnAt] = await Promise.all([switched, drawn]);
  console.log(`node-4's vnodes drawn on the other dashboard ${drawnAt - switchedAt} ms after the ring switched in the first`);
  expect(drawnAt - switchedAt).toBeLessThan(1000);
  expect((await added).status).toBe(201);
  await expect(page.locator('[data-node-card="node-4"]')).toBeVisible();
  await shoot(page, 'k-two-dashboards-node-added-elsewhere');

  for (const url of [a, b]) {
    const nodes = (await (await fetch(`${url}/api/nodes`)).json()) as { nodes: { pid: number | null }[] };
    for (const node of nodes.nodes) if (node.pid) memcached.add(node.pid);
  }
  expect(errors).toEqual([]);
});
