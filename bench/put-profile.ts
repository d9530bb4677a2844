// Puts (or gets) only, on 5 local memcached nodes at RF=1, 64 in flight: the driver for `node --cpu-prof` (see docs/profiles.md).
// Run: npx tsx --conditions=react-server bench/put-profile.ts [put|get] [--replicas N] [--profile FILE.cpuprofile]
// (--profile records the timed rounds alone with the inspector: no module loading or setup in it; see bench/cpu-profile.ts.)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../lib/cluster/cluster';
import { mapLimit } from '../lib/concurrency';
import { startLocalNode, stopLocalNode, type LocalProcess } from '../lib/memcached/local-nodes';

const op = process.argv[2] === 'get' ? 'get' : 'put';
const at = process.argv.indexOf('--replicas');
const replicas = at > 0 ? Number(process.argv[at + 1]) : 1;
const profileAt = process.argv.indexOf('--profile');
const profileFile = profileAt > 0 ? process.argv[profileAt + 1] : null;
const VALUE = Buffer.alloc(100, 'v');
const keys = Array.from({ length: 20_000 }, (_, i) => `profile:${i}`);

async function main() {
  const servers: LocalProcess[] = [];
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-profile-'));
  try {
    for (let n = 0; n < 5; n++) servers.push(await startLocalNode({ memoryMb: 64 }));
    const cluster = await Cluster.open({ dataDir, replicas, probeIntervalMs: false });
    for (const [i, s] of servers.entries()) await cluster.addNode({ id: `node-${i + 1}`, address: `${s.host}:${s.port}` });
    await mapLimit(keys, 64, (key) => cluster.put(key, VALUE));
    const session = profileFile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let round = 0; round < 5; round++) await mapLimit(keys, 64, (key) => (op === 'put' ? cluster.put(key, VALUE) : cluster.get(key)).then(() => undefined));
    const used = process.cpuUsage(cpu);
    if (session && profileFile) await writeFile(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile));
    const count = keys.length * 5;
    console.log(`${op} RF=${replicas}: ${Math.round((count * 1000) / (performance.now() - started))} ops/s, ${((used.user + used.system) / count).toFixed(1)} CPU us/op`);
    await cluster.close();
  } finally {
    for (const s of servers) await stopLocalNode(s.pid);
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
