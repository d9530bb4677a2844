import 'server-only';
// Opens the state store the environment asks for: etcd when RINGSIDE_ETCD is set, else the data directory's file.
import { clusterExists } from '../cluster/state';
import { storeConfigFromEnv } from './config';
import { EtcdStore, type EtcdStoreOptions } from './etcd-store';
import { FileStore, type FileStoreOptions } from './file-store';
import type { StateStore } from './types';

export type OpenStoreResult = { ok: true; store: StateStore } | { ok: false; error: 'invalid_config'; message: string };

/** etcd is not contacted here: a store that cannot be reached answers `unavailable` per operation. */
export async function openStore(dataDir: string, env: Readonly<Record<string, string | undefined>> = process.env, options: FileStoreOptions & EtcdStoreOptions = {}): Promise<OpenStoreResult> {
  const configured = storeConfigFromEnv(env);
  if (!configured.ok) return configured;
  const { config } = configured;
  if (config.kind === 'etcd') return { ok: true, store: new EtcdStore(config, options) };
  return { ok: true, store: await FileStore.open(dataDir, options) };
}

/** Whether the environment's store holds a cluster, read without opening one (a command that only looks must not create one), and where it looked. */
export async function findCluster(dataDir: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<{ found: boolean; where: string }> {
  const configured = storeConfigFromEnv(env);
  if (!configured.ok) throw new Error(configured.message);
  const { config } = configured;
  if (config.kind === 'file') return { found: await clusterExists(dataDir), where: dataDir };
  const store = new EtcdStore(config, { writer: 'ringside-look' });
  try {
    const loaded = await store.load();
    if (!loaded.ok) throw new Error(`could not read the cluster state: ${loaded.message}`);
    return { found: loaded.state.ring !== null, where: `etcd (${config.endpoints.join(',')}, prefix ${config.prefix})` };
  } finally {
    await store.close();
  }
}
