// The real dashboard for tests: a production build of our own, served by `next start` on a free loopback port with its own data directory.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '@/lib/free-port';
import type { Body } from './answers';

const root = path.resolve(__dirname, '../..');
const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

export interface Dashboard {
  url: string;
  pid: number;
  /** Everything the server printed, for a failing test to show. */
  output(): string;
  /** Stops the server, then the local memcached nodes its cluster started (their pids are in cluster.json). */
  stop(): Promise<void>;
}

/** Not sources of the dashboard; `package-lock.json` stays out so Next keeps the project's root, and its node_modules. */
const NOT_COPIED = new Set(['node_modules', '.next', '.git', '.ringside', 'test-results', 'playwright-report', 'tests', 'e2e', 'bench', 'docs', 'package-lock.json', 'tsconfig.tsbuildinfo']);

/**
 * `next build` of a private copy of the sources, returning its directory. Other engineers and Playwright
 * build into the project's `.next`: building there would wait for their lock, and rebuild files under a
 * server they run. The copy sits in `.ringside/` (ignored by git and tsc), inside the project, so modules
 * resolve from the project's node_modules.
 */
export async function buildDashboard(timeoutMs: number): Promise<string> {
  const parent = path.join(root, '.ringside', 'test-builds');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, 'build-'));
  for (const entry of await readdir(root)) {
    if (!NOT_COPIED.has(entry)) await cp(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [nextBin, 'build', dir], { cwd: dir, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`next build failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  }).catch(async (error: unknown) => {
    await removeBuild(dir);
    throw error;
  });
  return dir;
}

export async function removeBuild(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Starts `next start` on a build from `buildDashboard` and waits until the API answers; `extraEnv` such as RINGSIDE_TOKEN. */
export async function startDashboard(buildDir: string, dataDir: string, extraEnv: Record<string, string> = {}, readyTimeoutMs = 60_000): Promise<Dashboard> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Its own process group, so stopping it by its pid reaches any worker it forks.
  const child = spawn(process.execPath, [nextBin, 'start', buildDir, '-H', '127.0.0.1', '-p', String(port)], {
    cwd: buildDir,
    env: { ...env, RINGSIDE_DATA_DIR: dataDir, RINGSIDE_BOOTSTRAP_NODES: '3', ...extraEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const dashboard: Dashboard = {
    url,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
      await stopLocalNodes(dataDir);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    const headers: Record<string, string> = extraEnv.RINGSIDE_TOKEN ? { authorization: `Bearer ${extraEnv.RINGSIDE_TOKEN}` } : {};
    const answered = await fetch(`${url}/api/ring`, { headers, signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (answered) return dashboard;
    if (Date.now() > deadline) {
      await dashboard.stop();
      throw new Error(`the dashboard did not answer at ${url} within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stopLocalNodes(dataDir: string): Promise<void> {
  const text = await readFile(path.join(dataDir, 'cluster.json'), 'utf8').catch(() => null);
  if (!text) return;
  const state = JSON.parse(text) as { nodes: { local?: { pid: number | null } }[] };
  for (const node of state.nodes) {
    const pid = node.local?.pid;
    // Only a memcached: a pid long dead may have been given to another process.
    if (!pid || !(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('memcached')) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** One call to a served dashboard's REST API: its status and JSON body (`body`, when given, is sent as JSON). */
export async function apiCall<T = object>(dashboard: Dashboard, method: string, pathname: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; json: Body<T> }> {
  const response = await fetch(`${dashboard.url}${pathname}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, json: (await response.json()) as Body<T> };
}
