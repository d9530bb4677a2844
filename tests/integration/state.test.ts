// The data directory: one owning process at a time, state written atomically.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, loadState, saveState } from '@/lib/cluster/state';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the data directory', () => {
  it('refuses a second owner while the first runs, and is taken over once it is gone', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-state-'));
    // Another process holding the claim, as a running dashboard would.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await writeFile(path.join(dir, 'owner.pid'), String(holder.pid));
    await expect(claimDataDir(dir)).rejects.toThrow(new RegExp(`in use by process ${holder.pid}.*--url`));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const release = await claimDataDir(dir);
    expect(await readFile(path.join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
    await release();
    await expect(readFile(path.join(dir, 'owner.pid'))).rejects.toThrow();
  });

  it('saves and loads the state, and rejects a corrupt file with its path', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-state-'));
    expect(await loadState(dir)).toBeNull();
    const state = { version: 4, replicas: 3, nodes: [{ id: 'node-1', host: '127.0.0.1', port: 11211, vnodes: 160 }], hints: { 'node-1': ['k'] } };
    await saveState(dir, state);
    expect(await loadState(dir)).toEqual(state);
    await writeFile(path.join(dir, 'cluster.json'), '{"version": -1}');
    await expect(loadState(dir)).rejects.toThrow(/cluster\.json is not a valid Ringside state/);
  });
});
