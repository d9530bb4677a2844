// The file store on a data directory: opens what Ringside wrote before the store, writes what it still reads, one owner.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadState, saveState } from '@/lib/cluster/state';
import { FileStore } from '@/lib/store/file-store';
import { openStore } from '@/lib/store/open-store';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const legacy = {
  version: 7,
  replicas: 3,
  nodes: [
    { id: 'node-1', host: '127.0.0.1', port: 40001, vnodes: 160, local: { pid: 123, killed: false }, instance: '123:1700000000', itemSizeMax: 1048576 },
    { id: 'node-2', host: '127.0.0.1', port: 40002, vnodes: 80, down: true, missedMove: true },
  ],
  hints: { 'node-2': ['user:{1}:cart', 'page:/'] },
};

describe('the file store', () => {
  it("opens a data directory written before the store, and leaves a file today's loader reads", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-filestore-'));
    await saveState(dir, legacy);
    const store = await FileStore.open(dir, { writer: 'w' });
    const loaded = await store.load();
    if (!loaded.ok) throw new Error(loaded.message);
    expect(loaded.state.ring).toMatchObject({ version: 7, replicas: 3, nodes: legacy.nodes.map(({ id, host, port, vnodes }) => ({ id, host, port, vnodes })) });
    expect(loaded.state.health['node-1']).toMatchObject({ down: false, local: { pid: 123, killed: false }, instance: '123:1700000000', itemSizeMax: 1048576 });
    expect(loaded.state.health['node-2']).toMatchObject({ down: true, missedMove: true });
    expect(loaded.state.suspects).toEqual(legacy.hints);

    expect((await store.commitRing(7, { version: 8, replicas: 3, nodes: [...loaded.state.ring!.nodes, { id: 'node-3', host: '127.0.0.1', port: 40003, vnodes: 160 }] })).ok).toBe(true);
    expect((await store.setHealth('node-3', { down: false, local: { pid: 456, killed: false } })).ok).toBe(true);
    expect((await store.appendEvent({ type: 'node-added', node: 'node-3', address: '127.0.0.1:40003', local: true })).ok).toBe(true);
    await store.close();

    const old = await loadState(dir);
    expect(old).toMatchObject({ version: 8, replicas: 3, hints: legacy.hints });
    expect(old?.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(old?.nodes[2]).toMatchObject({ down: false, local: { pid: 456, killed: false } });
    expect(old?.nodes[1]).toMatchObject({ down: true, missedMove: true });

    // And back again: stamps and events survive a reopen.
    const again = await FileStore.open(dir, { writer: 'w' });
    const reread = await again.load();
    expect(reread.ok && reread.state.events.map((e) => e.type)).toEqual(['node-added']);
    expect(reread.ok && reread.state.ring?.version).toBe(8);
    await again.close();
  });

  it('is owned by one process: a second open on the same directory is refused until the first closes', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-filestore-'));
    const first = await FileStore.open(dir);
    // Another live process holding the claim (this test's parent stands in for a running dashboard).
    await writeFile(path.join(dir, 'owner.pid'), String(process.ppid));
    await expect(FileStore.open(dir)).rejects.toThrow(/in use by process/);
    await first.close();
    const second = await FileStore.open(dir);
    expect(await readFile(path.join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
    await second.close();
  });

  it('rejects a corrupt file with its path, and a failed write of a ring switch leaves the old ring', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-filestore-'));
    await writeFile(path.join(dir, 'cluster.json'), '{"version": -1}');
    await expect(FileStore.open(dir)).rejects.toThrow(/cluster\.json is not a valid Ringside state/);
    await rm(path.join(dir, 'cluster.json'));
    await rm(path.join(dir, 'owner.pid'), { force: true });

    const store = await FileStore.open(dir);
    expect((await store.commitRing(0, { version: 1, replicas: 3, nodes: [] })).ok).toBe(true);
    // A directory where the file should go: the rename fails, as a full or read-only disk would.
    await rm(path.join(dir, 'cluster.json'));
    await mkdir(path.join(dir, 'cluster.json'));
    const failed = await store.commitRing(1, { version: 2, replicas: 3, nodes: [] });
    expect(failed).toMatchObject({ ok: false, error: 'unavailable', message: expect.stringContaining('could not write') });
    const loaded = await store.load();
    expect(loaded.ok && loaded.state.ring?.version).toBe(1);
    await rm(path.join(dir, 'cluster.json'), { recursive: true });
    await store.close();
  });

  it('is what openStore gives without RINGSIDE_ETCD, and a bad RINGSIDE_ETCD is refused with the reason', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ringside-filestore-'));
    const opened = await openStore(dir, {});
    expect(opened.ok && opened.store.kind).toBe('file');
    if (opened.ok) await opened.store.close();
    const bad = await openStore(dir, { RINGSIDE_ETCD: 'etcd:2379' });
    expect(bad).toMatchObject({ ok: false, error: 'invalid_config', message: expect.stringContaining('RINGSIDE_ETCD') });
    const etcd = await openStore(dir, { RINGSIDE_ETCD: 'http://127.0.0.1:1' });
    expect(etcd.ok && etcd.store.kind).toBe('etcd');
    if (etcd.ok) await etcd.store.close();
  });
});
