// Writes to memcached nodes from another OS process, as a plain client there would, while this one waits: a write that lands at an exact point of a change.
import { execFileSync } from 'node:child_process';
import type { Envelope } from '@/lib/envelope';

export interface RawWrite {
  /** host:port of the node. */
  address: string;
  key: string;
  envelope: Envelope;
}

// Text-protocol sets, one connection per write; exits non-zero unless every one is STORED.
const SCRIPT = `
const net = require('node:net');
for (const { address, key, flags, value } of JSON.parse(process.argv[1])) {
  const at = address.lastIndexOf(':');
  const socket = net.connect(Number(address.slice(at + 1)), address.slice(0, at));
  const bytes = Buffer.from(value, 'base64');
  let reply = '';
  socket.on('data', (chunk) => {
    reply += chunk;
    if (!reply.endsWith('\\r\\n')) return;
    if (reply !== 'STORED\\r\\n') (console.error(key, reply), (process.exitCode = 1));
    socket.end();
  });
  socket.on('error', (error) => (console.error(key, error.message), (process.exitCode = 1)));
  socket.write(Buffer.concat([Buffer.from('set ' + key + ' ' + flags + ' 0 ' + bytes.length + '\\r\\n'), bytes, Buffer.from('\\r\\n')]));
}
`;

/** Runs the writes in a child process and returns once it has exited: this process does nothing meanwhile. Throws when one failed. */
export function writeFromAnotherProcess(writes: readonly RawWrite[]): void {
  const payload = writes.map(({ address, key, envelope }) => ({ address, key, flags: envelope.flags, value: envelope.value.toString('base64') }));
  execFileSync(process.execPath, ['-e', SCRIPT, JSON.stringify(payload)], { timeout: 20_000, stdio: ['ignore', 'ignore', 'pipe'] });
}
