// Put/get throughput on 5 local memcached nodes, 64 operations in flight: Ringside RF=1 and RF=3 against twemproxy, the npm memcached client and one memjs socket.
// Run: npx tsx --conditions=react-server bench/throughput.ts [--keys N] [--rounds N] [--only name,...] [--json]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Memcached from 'memcached';
import memjs from 'memjs';
import { Cluster } from '../lib/cluster/cluster';
import { mapLimit } from '../lib/concurrency';
import { freePort } from '../lib/free-port';
import { startLocalNode, stopLocalNode, type LocalProcess } from '../lib/memcached/local-nodes';
import { TextClient } from './text-client';
import { formatTable, wantsJson } from './timing';

const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const KEYS = Number(argument('--keys', '20000'));
const ROUNDS = Number(argument('--rounds', '5'));
const ONLY = argument('--only', '').split(',').filter(Boolean);
const IN_FLIGHT = 64;
const VALUE = Buffer.alloc(100, 'v');
const NODES = 5;

/** One system under test: a set and a get that throw unless memcached stored or returned the value. */
interface Driver {
  name: string;
  set(key: string): Promise<void>;
  get(key: string): Promise<void>;
  close(): Promise<void> | void;
}

const checkValue = (key: string, value: Buffer | null | undefined) => {
  if (!value || value.length !== VALUE.length) throw new Error(`get ${key} returned ${value ? `${value.length} bytes` : 'nothing'}`);
};

const callback =
  <T>(resolve: (value: T) => void, reject: (error: Error) => void) =>
  (error: Error | undefined, value: T) =>
    error ? reject(error) : resolve(value);

async function ringside(replicas: number, servers: readonly LocalProcess[], dataDirs: string[]): Promise<Driver> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-throughput-'));
  dataDirs.push(dataDir);
  const cluster = await Cluster.open({ dataDir, replicas, probeIntervalMs: false });
  for (const [i, server] of servers.entries()) {
    const added = await cluster.addNode({ id: `node-${i + 1}`, address: `${server.host}:${server.port}` });
    if (!added.ok) throw new Error(added.message);
  }
  return {
    name: `ringside RF=${replicas}`,
    async set(key) {
      const put = await cluster.put(key, VALUE);
      if (!put.ok || put.acknowledged !== replicas) throw new Error(`put ${key}: ${JSON.stringify(put)}`);
    },
    async get(key) {
      const got = await cluster.get(key);
      if (!got.ok) throw new Error(`get ${key}: ${got.message}`);
      checkValue(key, got.value);
    },
    close: () => cluster.close(),
  };
}

function npmMemcached(name: string, locations: string[]): Driver {
  // Its defaults, as a user would start it: up to 10 connections per server, 5 retries to get one while they open.
  const client = new Memcached(locations, { timeout: 2000 });
  return {
    name,
    set: (key) =>
      new Promise<void>((resolve, reject) =>
        client.set(
          key,
          VALUE,
          0,
          callback(() => resolve(), reject),
        ),
      ),
    get: (key) => new Promise<unknown>((resolve, reject) => client.get(key, callback(resolve, reject))).then((value) => checkValue(key, value as Buffer)),
    close: () => client.end(),
  };
}

async function textProtocol(name: string, host: string, port: number): Promise<Driver> {
  const client = await TextClient.connect(host, port);
  return {
    name,
    set: (key) => client.set(key, VALUE),
    get: async (key) => checkValue(key, await client.get(key)),
    close: () => client.close(),
  };
}

function memjsSocket(server: LocalProcess): Driver {
  const client = new memjs.Client([new memjs.Server(server.host, server.port)], { retries: 0, logger: { log: () => undefined } });
  return {
    name: 'memjs, one socket to one node',
    set: async (key) => {
      if (!(await client.set(key, VALUE, { expires: 0 }))) throw new Error(`set ${key} was refused`);
    },
    get: async (key) => checkValue(key, (await client.get(key)).value),
    close: () => client.close(),
  };
}

/** twemproxy's binary: Debian's nutcracker, installed here when missing (as root). */
function nutcrackerBinary(): string {
  const found = ['/usr/sbin/nutcracker', '/usr/bin/nutcracker'].find((candidate) => existsSync(candidate));
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('nutcracker is not installed: run `apt-get install -y nutcracker` as root');
  const install = () => spawnSync('apt-get', ['install', '-y', 'nutcracker'], { stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (!install()) throw new Error('apt-get install -y nutcracker failed');
  }
  return nutcrackerBinary();
}

async function startNutcracker(servers: readonly LocalProcess[], dir: string): Promise<{ child: ChildProcess; port: number }> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'nutcracker.yml');
  // The same servers, weight 1 each, ketama over the default fnv1a_64 hash; one connection per server (its default).
  const lines = ['ringside:', `  listen: 127.0.0.1:${port}`, '  hash: fnv1a_64', '  distribution: ketama', '  timeout: 2000', '  servers:'];
  for (const server of servers) lines.push(`    - ${server.host}:${server.port}:1`);
  await writeFile(conf, `${lines.join('\n')}\n`);
  const args = ['-c', conf, '-s', String(statsPort), '-a', '127.0.0.1', '-o', path.join(dir, 'nutcracker.log'), '-p', path.join(dir, 'nutcracker.pid')];
  const child = spawn(nutcrackerBinary(), args, { stdio: 'ignore' });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nutcracker exited with code ${child.exitCode}: see ${dir}/nutcracker.log`);
    const listening = await new Promise<boolean>((resolve) => {
      const probe = net.connect({ host: '127.0.0.1', port }, () => resolve(true)).once('error', () => resolve(false));
      probe.once('connect', () => probe.destroy());
    });
    if (listening) return { child, port };
    if (Date.now() - started > 5000) throw new Error('nutcracker did not start listening within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGTERM');
  await exited;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Every key once, `IN_FLIGHT` at a time: operations per second, and this process's CPU time per operation
 * in microseconds (the client's own cost, which the other programs sharing the machine do not inflate).
 */
async function round(keys: readonly string[], op: (key: string) => Promise<void>): Promise<{ rate: number; cpuUs: number }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await mapLimit(keys, IN_FLIGHT, op);
  const used = process.cpuUsage(cpu);
  return { rate: (keys.length * 1e9) / Number(process.hrtime.bigint() - start), cpuUs: (used.user + used.system) / keys.length };
}

async function main() {
  const servers: LocalProcess[] = [];
  const drivers: Driver[] = [];
  const dataDirs: string[] = [];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'ringside-twemproxy-'));
  let proxy: ChildProcess | undefined;
  try {
    for (let n = 0; n < NODES; n++) servers.push(await startLocalNode({ memoryMb: 256 }));
    const locations = servers.map((s) => `${s.host}:${s.port}`);
    const wanted = (name: string) => ONLY.length === 0 || ONLY.some((part) => name.includes(part));
    // Both clusters join the servers while they are still empty, so joining moves nothing.
    if (wanted('ringside RF=1')) drivers.push(await ringside(1, servers, dataDirs));
    if (wanted('ringside RF=3')) drivers.push(await ringside(3, servers, dataDirs));
    if (wanted('twemproxy')) {
      const started = await startNutcracker(servers, scratch);
      proxy = started.child;
      drivers.push(await textProtocol('twemproxy, text client', '127.0.0.1', started.port));
      drivers.push(npmMemcached('twemproxy, npm memcached', [`127.0.0.1:${started.port}`]));
    }
    if (wanted('npm memcached, own hashing')) drivers.push(npmMemcached('npm memcached, own hashing', locations));
    if (wanted('memjs')) drivers.push(memjsSocket(servers[0]));

    const keys = Array.from({ length: KEYS }, (_, i) => `throughput:${i}`);
    const samples = new Map(drivers.map((d) => [d.name, { set: [] as number[], get: [] as number[], setCpu: [] as number[], getCpu: [] as number[] }]));
    // Rounds interleave the systems, so a slow moment of the machine does not fall on one system only.
    for (let r = -1; r < ROUNDS; r++) {
      for (const driver of drivers) {
        const set = await round(keys, driver.set);
        const get = await round(keys, driver.get);
        if (r < 0) continue;
        const sample = samples.get(driver.name)!;
        sample.set.push(set.rate);
        sample.get.push(get.rate);
        sample.setCpu.push(set.cpuUs);
        sample.getCpu.push(get.cpuUs);
      }
    }

    const results = drivers.map((d) => {
      const sample = samples.get(d.name)!;
      const cpu = (values: number[]) => Math.round(median(values) * 10) / 10;
      return { system: d.name, set: Math.round(median(sample.set)), get: Math.round(median(sample.get)), setCpuUs: cpu(sample.setCpu), getCpuUs: cpu(sample.getCpu) };
    });
    const of = (name: string) => results.find((r) => r.system === name);
    const rf1 = of('ringside RF=1');
    const rf3 = of('ringside RF=3');
    // The stronger of the two twemproxy drivers is the one to beat.
    const proxies = results.filter((r) => r.system.startsWith('twemproxy'));
    const twemproxy = proxies.length ? { set: Math.max(...proxies.map((p) => p.set)), get: Math.max(...proxies.map((p) => p.get)) } : undefined;
    const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Math.round((a / b) * 1000) / 1000 : null);
    const goals = [
      { goal: 'RF=1 set / twemproxy set', ratio: ratio(rf1?.set, twemproxy?.set), target: 1.1 },
      { goal: 'RF=1 get / twemproxy get', ratio: ratio(rf1?.get, twemproxy?.get), target: 1.3 },
      { goal: 'RF=3 set / RF=1 set', ratio: ratio(rf3?.set, rf1?.set), target: 0.5 },
      { goal: 'RF=3 get / RF=1 get', ratio: ratio(rf3?.get, rf1?.get), target: 0.95 },
    ].map((g) => ({ ...g, target: Math.round(g.target * 1000) / 1000, met: g.ratio === null ? null : g.ratio >= g.target }));

    if (wantsJson()) console.log(JSON.stringify({ keys: KEYS, valueBytes: VALUE.length, inFlight: IN_FLIGHT, nodes: NODES, rounds: ROUNDS, results, goals }));
    else {
      console.log(
        `Put/get throughput: ${KEYS.toLocaleString('en-US')} keys of ${VALUE.length} bytes, ${IN_FLIGHT} in flight, ${NODES} local memcached nodes, median of ${ROUNDS} rounds after a warm-up\n`,
      );
      const rows = results.map((r) => ({ system: r.system, 'set ops/s': r.set, 'get ops/s': r.get, 'set CPU us/op': r.setCpuUs.toFixed(1), 'get CPU us/op': r.getCpuUs.toFixed(1) }));
      console.log(formatTable(rows));
      console.log('');
      console.log(formatTable(goals.map((g) => ({ goal: g.goal, ratio: g.ratio ?? 'n/a', target: g.target, met: g.met === null ? 'n/a' : g.met ? 'yes' : 'NO' }))));
    }
  } finally {
    for (const driver of drivers) await driver.close();
    if (proxy) await stopProcess(proxy);
    for (const server of servers) await stopLocalNode(server.pid);
    for (const dir of [...dataDirs, scratch]) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
