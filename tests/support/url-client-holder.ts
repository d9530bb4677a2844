// A separate process connected to a dashboard by URL (ringside/client), that writes once and then holds on until stopped or killed.
// Usage: tsx --conditions=react-server tests/support/url-client-holder.ts <dashboard url>
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../../lib/client';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');

/** Starts the client and resolves once it is connected and wrote its key. */
export async function startUrlClient(url: string): Promise<ChildProcess> {
  // tsx as a loader in this very process: its launcher would leave the real process running when killed.
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', self, url], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the client exited (${code}) before it was ready: ${out}`)));
  });
  return child;
}

async function main(): Promise<void> {
  const client = await connect({ url: process.argv[2] });
  const put = await client.set(`holder:${process.pid}`, 'here');
  if (!put.ok) throw new Error(put.message);
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1000);
}

if (process.argv[1] === self) void main();
