import 'server-only';
// The data directory: where it is, its one owning process, and cluster.json as Ringside wrote it before the state store (still read and written by it).
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const DEFAULT_DATA_DIR = '.ringside';

const nodeRecord = z.object({
  id: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  vnodes: z.number().int().min(1),
  /** Present for a memcached process Ringside started itself. */
  local: z.object({ pid: z.number().int().nullable(), killed: z.boolean() }).optional(),
  /** The memcached process last seen behind the address (`pid:startTime`), to notice a restart. */
  instance: z.string().optional(),
  /** Whether the node was last seen down, so a later process knows to repair it on return. */
  down: z.boolean().optional(),
  /** Unreachable during a membership change: it may hold keys the ring moved away, to delete on return. */
  missedMove: z.boolean().optional(),
  /** memcached's largest item (`item_size_max`), which bounds the values the ring can take. */
  itemSizeMax: z.number().int().positive().optional(),
});

const clusterState = z.object({
  version: z.number().int().min(0),
  replicas: z.number().int().min(1),
  nodes: z.array(nodeRecord),
  /** Keys written or deleted while a replica was unreachable, by node: that replica's copy is suspect. */
  hints: z.record(z.string(), z.array(z.string())).default({}),
});

export type NodeRecord = z.infer<typeof nodeRecord>;
export type ClusterState = z.infer<typeof clusterState>;

export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  // The data directory is chosen at run time, never a file of the build: keep the bundler from tracing it.
  return path.resolve(/*turbopackIgnore: true*/ env.RINGSIDE_DATA_DIR || DEFAULT_DATA_DIR);
}

function statePath(dataDir: string): string {
  return path.join(dataDir, 'cluster.json');
}

/** The saved state, or null when this data directory has never held a cluster. */
export async function loadState(dataDir: string): Promise<ClusterState | null> {
  let text: string;
  try {
    text = await readFile(statePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = clusterState.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${statePath(dataDir)} is not a valid Ringside state: ${parsed.error.message}`);
  return parsed.data;
}

/** Whether this data directory holds a cluster (a command that only looks must not create one). */
export async function clusterExists(dataDir: string): Promise<boolean> {
  return (await loadState(dataDir)) !== null;
}

/** Writes atomically (temporary file, then rename) so a crash never leaves half a state behind. */
export async function saveState(dataDir: string, state: ClusterState): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const target = statePath(dataDir);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, target);
}

/**
 * Claims the data directory for this process: two processes driving one cluster would probe, repair and
 * move keys against each other. A claim whose process is gone is taken over. Returns the release.
 */
export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lock = path.join(dataDir, 'owner.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return async () => {
        await unlink(lock).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (owner && owner !== process.pid && processExists(owner)) {
        throw new Error(`the cluster in ${dataDir} is in use by process ${owner} (a dashboard or shell); drive it through that process (e.g. --url http://127.0.0.1:3000), or stop it first`);
      }
      await unlink(lock).catch(() => undefined);
    }
  }
  throw new Error(`could not claim ${dataDir}`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
