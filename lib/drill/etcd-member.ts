// One etcd member of a drill's own, on free loopback ports and a temporary data directory: started, stopped and started again by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port';

const binary = () => process.env.RINGSIDE_ETCD_BINARY || ['/usr/bin/etcd', '/usr/local/bin/etcd'].find(existsSync) || null;

/** Whether an etcd binary is installed here, for drills that need one. */
export function etcdInstalled(): boolean {
  return binary() !== null;
}

export interface EtcdMember {
  endpoint: string;
  /** Stops the member (SIGTERM) and waits for it to exit; its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  cleanup(): Promise<void>;
}

export async function startEtcdMember(): Promise<EtcdMember> {
  const etcd = binary();
  if (!etcd) throw new Error('etcd is not installed (apt-get install etcd-server)');
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringside-drill-etcd-'));
  let child: ChildProcess | null = null;
  // etcd reads ETCD_* variables as flags: none from the environment may change this member.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ETCD_'))) as NodeJS.ProcessEnv;
  const args = [
    '--name',
    'drill',
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `drill=${peerUrl}`,
    '--log-level',
    'error',
  ];
  const member: EtcdMember = {
    endpoint,
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    async start() {
      if (child) return;
      child = spawn(etcd, args, { env, stdio: 'ignore' });
      const deadline = Date.now() + 20_000;
      while (!(await healthy(endpoint))) {
        if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} did not answer within 20 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async cleanup() {
      await member.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await member.start();
  return member;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}
