import 'server-only';
// Local memcached processes, the embedded default: started detached on free loopback ports, stopped by pid.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../free-port';
import { asciiCommand } from './ascii';

export interface LocalProcess {
  pid: number;
  host: string;
  port: number;
}

export interface LocalNodeOptions {
  /** Port to listen on; a free one is chosen when absent or 0. */
  port?: number;
  /** Item memory in MiB. */
  memoryMb?: number;
  /** Largest item (memcached's -I). */
  maxItemSize?: string;
  /** Simultaneous connections (memcached's -c). */
  maxConnections?: number;
}

const HOST = '127.0.0.1';
const READY_MS = 5000;

export const DEFAULT_MEMORY_MB = 64;

/** Item memory of each local node in MiB: RINGSIDE_NODE_MEMORY_MB, else 64. */
export function localMemoryFromEnv(env: Record<string, string | undefined> = process.env): number {
  const text = env.RINGSIDE_NODE_MEMORY_MB?.trim();
  if (!text) return DEFAULT_MEMORY_MB;
  // memcached itself takes any -m, but below a few MiB every slab class's first page already exceeds it.
  if (!/^\d+$/.test(text) || Number(text) < 8 || Number(text) > 1_048_576) {
    throw new Error(`RINGSIDE_NODE_MEMORY_MB must be a whole number of MiB from 8 to 1048576, not ${JSON.stringify(env.RINGSIDE_NODE_MEMORY_MB)}`);
  }
  return Number(text);
}

/** The memcached binary: RINGSIDE_MEMCACHED, else the first on PATH. */
export function memcachedBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RINGSIDE_MEMCACHED) return env.RINGSIDE_MEMCACHED;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'memcached');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error('memcached is not installed: run `apt-get install memcached` (Debian, Ubuntu) or `brew install memcached` (macOS), or set RINGSIDE_MEMCACHED to its path');
}

/**
 * Flags: loopback only, no UDP; -m item memory; -I largest item; -c connections; -M refuses writes
 * when memory is full instead of evicting, because a DHT must never lose a key silently.
 */
function memcachedArgs(port: number, options: LocalNodeOptions): string[] {
  const args = ['-l', HOST, '-p', String(port), '-U', '0', '-m', String(options.memoryMb ?? DEFAULT_MEMORY_MB), '-M', '-I', options.maxItemSize ?? '1m', '-c', String(options.maxConnections ?? 1024)];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  return args;
}

/** Starts memcached detached, so it outlives this process, and resolves once it answers. */
export async function startLocalNode(options: LocalNodeOptions = {}): Promise<LocalProcess> {
  const binary = memcachedBinary();
  const attempts = options.port ? 1 : 5;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await launch(binary, port, options);
    } catch (error) {
      lastError = error as Error;
    }
  }
  throw lastError!;
}

async function launch(binary: string, port: number, options: LocalNodeOptions): Promise<LocalProcess> {
  const child = spawn(binary, memcachedArgs(port, options), { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let exited: string | null = null;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.once('exit', (code, signal) => (exited = `exited (${signal ?? `code ${code}`})`));
  child.once('error', (error) => (exited = error.message));
  const started = Date.now();
  while (Date.now() - started < READY_MS) {
    if (exited) break;
    const answer = await asciiCommand({ host: HOST, port }, 'stats', (tail) => tail.endsWith('END\r\n'), 250).catch(() => null);
    // Only our own child counts: another memcached already on the port would answer too.
    if (answer?.includes(`STAT pid ${child.pid}\r\n`) && !exited) {
      // Stop listening to it and let it run on its own.
      child.stderr!.destroy();
      child.unref();
      return { pid: child.pid!, host: HOST, port };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!exited && child.pid) await stopLocalNode(child.pid, 'SIGKILL');
  throw new Error(`memcached on ${HOST}:${port} did not start: ${exited ?? 'no answer'}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
}

/** True while the process runs (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/** A recorded pid still running memcached (after a reboot the number may belong to another program). */
export function isRunningMemcached(pid: number): boolean {
  return isAlive(pid) && isMemcached(pid);
}

/** Whether `pid` is still a memcached process, so a recycled pid is never signalled. */
function isMemcached(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].endsWith('memcached');
  } catch {
    return true; // no /proc: trust the recorded pid
  }
}

/** Signals a memcached process Ringside started and waits (up to 5 s, then SIGKILL) until it is gone. */
export async function stopLocalNode(pid: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid) || !isMemcached(pid)) return;
  process.kill(pid, signal);
  // A frozen (SIGSTOPped) process only acts on SIGTERM once it runs again.
  if (signal === 'SIGTERM') process.kill(pid, 'SIGCONT');
  const started = Date.now();
  while (isAlive(pid)) {
    if (Date.now() - started > 5000) {
      process.kill(pid, 'SIGKILL');
      if (Date.now() - started > 10_000) throw new Error(`memcached pid ${pid} did not stop`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
