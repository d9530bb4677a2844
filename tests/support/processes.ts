// Fault injection on processes the tests started: freeze (SIGSTOP) and thaw, waiting for the kernel to act.
import { readFileSync } from 'node:fs';

function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0];
}

/** SIGSTOP, then wait until the process is reported stopped: delivery is asynchronous. */
export async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  for (let waited = 0; waited < 2000; waited += 5) {
    if (state(pid) === 'T') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`pid ${pid} did not stop`);
}

export function thaw(pid: number): void {
  process.kill(pid, 'SIGCONT');
}
