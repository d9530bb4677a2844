// A separate process that leads and holds the change lock on an etcd store until it is killed: the crash the store must survive.
// Usage: tsx --conditions=react-server tests/support/etcd-holder.ts <endpoints> <prefix> <lease ttl s>
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdStore } from '../../lib/store/etcd-store';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');

/** Starts the holder and resolves once it leads and holds the lock. */
export async function startHolder(endpoints: string[], prefix: string, ttlSec: number): Promise<ChildProcess> {
  // tsx as a loader in this very process: its launcher would leave the real process running when killed.
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', self, endpoints.join(','), prefix, String(ttlSec)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before it was ready: ${out}`)));
  });
  return child;
}

async function main(): Promise<void> {
  const [endpoints, prefix, ttl] = process.argv.slice(2);
  const store = new EtcdStore({ kind: 'etcd', endpoints: endpoints.split(','), prefix }, { writer: `holder:${process.pid}`, leaseTtlSec: Number(ttl) });
  const elected = await store.campaign(() => undefined);
  if (!elected.ok) throw new Error(elected.message);
  const locked = await store.lockChange(`holder ${process.pid}`);
  if (!locked.ok) throw new Error(locked.message);
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1000);
}

if (process.argv[1] === self) void main();
