// After the run: stop the memcached processes the app started (their pids are in the data directory's cluster.json), delete it and the build copy.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

function isMemcached(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].endsWith('memcached');
  } catch {
    return false;
  }
}

function cleanUp(dir: string): void {
  let pids: number[] = [];
  try {
    const state = JSON.parse(readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as { nodes?: { local?: { pid?: number | null } }[] };
    pids = (state.nodes ?? []).map((n) => n.local?.pid).filter((pid): pid is number => typeof pid === 'number');
  } catch {
    // no state: the app never started a cluster here
  }
  // Only our own pids, and only while they still run memcached: a recycled pid is never signalled.
  for (const pid of pids) if (isMemcached(pid)) process.kill(pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

export default function globalTeardown(): void {
  const dir = process.env.E2E_DATA_DIR;
  const build = process.env.E2E_BUILD_DIR;
  if (dir && path.basename(dir).startsWith('ringside-e2e-')) cleanUp(dir);
  // The app server is stopped after this teardown (and may save its state once more): clean again when the runner exits.
  process.once('exit', () => {
    if (dir && path.basename(dir).startsWith('ringside-e2e-')) cleanUp(dir);
    if (build && path.basename(build).startsWith('ringside-e2e-build-')) rmSync(build, { recursive: true, force: true });
  });
}
