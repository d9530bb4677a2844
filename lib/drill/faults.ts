import 'server-only';
// Fault injection on memcached processes this program started: crash, freeze and thaw, waiting for the kernel to act.
import { readFileSync } from 'node:fs';
import { isAlive } from '../memcached/local-nodes';

function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0];
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 2000; waited += 5) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(what);
}

/** SIGSTOP, then wait until the process is reported stopped: delivery is asynchronous. */
export async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await until(() => state(pid) === 'T', `pid ${pid} did not stop`);
}

export function thaw(pid: number): void {
  process.kill(pid, 'SIGCONT');
}

/** SIGKILL, as a crash would, and wait until the process is gone. */
export async function crash(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await until(() => !isAlive(pid), `pid ${pid} did not die`);
}
