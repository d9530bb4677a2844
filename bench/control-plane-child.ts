// The other process of bench/control-plane.ts: a long-running Ringside process on the etcd named by RINGSIDE_ETCD.
// It prints a JSON line when it holds a new ring version and when it starts or stops leading, with the wall time.
import os from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { Cluster } from '../lib/cluster/cluster';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-bench-child-'));
  const cluster = await Cluster.open({ dataDir, probeIntervalMs: 500, localMemoryMb: 16 });
  let version = cluster.version;
  let leading = cluster.leading;
  const say = (record: object) => process.stdout.write(`${JSON.stringify({ ...record, at: Date.now() })}\n`);
  say({ ready: true, version });
  cluster.onChange(() => {
    if (cluster.version !== version) say({ version: (version = cluster.version) });
    if (cluster.leading !== leading) say({ leading: (leading = cluster.leading) });
  });
  setInterval(() => cluster.leading !== leading && say({ leading: (leading = cluster.leading) }), 20);
}

void main();
