// Real etcd members for the store tests: one or three on free loopback ports, stopped, paused and restarted by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/free-port';

const ETCD = process.env.RINGSIDE_ETCD_BINARY || '/usr/bin/etcd';
const HOST = '127.0.0.1';

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** The running process, or null while the member is stopped. */
  process: ChildProcess | null;
  /** The last lines etcd wrote, for a failing test's message. */
  log: string[];
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Client URLs of every member, as RINGSIDE_ETCD takes them. */
  endpoints: string[];
  /** Kills a member (SIGTERM, or SIGKILL) and waits for it to exit; its data directory and ports stay. */
  stop(member: EtcdMember, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a stopped member again on the same directory and ports, and waits until it is healthy. */
  restart(member: EtcdMember): Promise<void>;
  /** SIGSTOP: the member keeps its sockets open but answers nothing, like a hung machine. */
  pause(member: EtcdMember): void;
  resume(member: EtcdMember): void;
  /** The member that is the raft leader now. */
  leader(): Promise<EtcdMember>;
  waitHealthy(members?: EtcdMember[], timeoutMs?: number): Promise<void>;
  /** Kills every member this helper started (only those pids) and removes their data directories. */
  cleanup(): Promise<void>;
}

const started = new Set<ChildProcess>();
// A test run that dies must not leave etcd members behind: kill ours, by pid, on the way out.
process.once('exit', () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `size` members as one new cluster (a unique token, fresh data directories) and waits until all are healthy. */
export async function startEtcd(size = 1): Promise<EtcdCluster> {
  const token = `ringside-test-${randomUUID()}`;
  const members: EtcdMember[] = [];
  for (let n = 0; n < size; n++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    members.push({
      name: `m${n + 1}`,
      clientUrl: `http://${HOST}:${clientPort}`,
      peerUrl: `http://${HOST}:${peerPort}`,
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'ringside-etcd-')),
      process: null,
      log: [],
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const launch = (member: EtcdMember) => {
    const args = [
      '--name',
      member.name,
      '--data-dir',
      member.dataDir,
      '--listen-client-urls',
      member.clientUrl,
      '--advertise-client-urls',
      member.clientUrl,
      '--listen-peer-urls',
      member.peerUrl,
      '--initial-advertise-peer-urls',
      member.peerUrl,
      '--initial-cluster',
      initialCluster,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      token,
      '--logger',
      'zap',
      '--log-level',
      'warn',
    ];
    // etcd reads ETCD_* variables as flags: none from the environment may change these members.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ETCD_'))) as NodeJS.ProcessEnv;
    const child = spawn(ETCD, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    started.add(child);
    child.once('exit', () => started.delete(child));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      member.log.push(...text.split('\n').filter(Boolean));
      if (member.log.length > 40) member.log.splice(0, member.log.length - 40);
    });
    member.process = child;
  };

  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl),
    async stop(member, signal = 'SIGTERM') {
      const child = member.process;
      if (!child) return;
      member.process = null;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill(signal);
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killTimer);
    },
    async restart(member) {
      if (member.process) throw new Error(`etcd member ${member.name} is still running`);
      launch(member);
      await cluster.waitHealthy([member]);
    },
    pause(member) {
      member.process?.kill('SIGSTOP');
    },
    resume(member) {
      member.process?.kill('SIGCONT');
    },
    async leader() {
      for (const member of members.filter((m) => m.process)) {
        const status = await maintenanceStatus(member).catch(() => null);
        if (!status) continue;
        const leader = members.find((m) => m.name === status.leaderName);
        if (leader) return leader;
      }
      throw new Error('no etcd member reports a leader');
    },
    async waitHealthy(which = members, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (const member of which) {
        while (!(await healthy(member))) {
          if (!member.process || member.process.exitCode !== null) throw new Error(`etcd member ${member.name} exited: ${member.log.join('\n')}`);
          if (Date.now() > deadline) throw new Error(`etcd member ${member.name} not healthy after ${timeoutMs} ms: ${member.log.slice(-10).join('\n')}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async cleanup() {
      await Promise.all(members.map((m) => cluster.stop(m, 'SIGKILL')));
      for (const member of members) rmSync(member.dataDir, { recursive: true, force: true });
    },
  };

  members.forEach(launch);
  try {
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.cleanup();
    throw error;
  }
  return cluster;
}

async function healthy(member: EtcdMember): Promise<boolean> {
  try {
    const response = await fetch(`${member.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    return ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** etcd's gRPC gateway: which member this one believes leads, by name. */
async function maintenanceStatus(member: EtcdMember): Promise<{ leaderName: string }> {
  const post = async (route: string) => {
    const response = await fetch(`${member.clientUrl}${route}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
    return (await response.json()) as Record<string, unknown>;
  };
  const status = (await post('/v3/maintenance/status')) as { leader?: string };
  const list = (await post('/v3/cluster/member/list')) as { members?: { ID: string; name: string }[] };
  const leader = list.members?.find((m) => m.ID === status.leader);
  if (!leader) throw new Error(`member ${member.name} knows no leader`);
  return { leaderName: leader.name };
}
