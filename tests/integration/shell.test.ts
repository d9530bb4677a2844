// The `ringside` command as a user runs it: one-shot commands, JSON output, piped shell input, exit codes.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRingside } from '../support/run-ringside';
import { NodeClient } from '@/lib/memcached/node-client';
import { buildRing, preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';

let dataDir: string;

const ringside = (args: string[], input?: string) => runRingside(dataDir, args, input);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-shell-'));
});

afterAll(async () => {
  await ringside(['down']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('offline calculator', () => {
  it('prints preference lists as JSON for keys given after --', async () => {
    const run = await ringside(['locate', '--nodes', 'node-1,node-2,node-3', '--json', '--', 'key-0', 'user:{42}:cart']);
    expect(run.code).toBe(0);
    const ring = buildRing(['node-1', 'node-2', 'node-3'].map((id) => ({ id, vnodes: 160 })));
    expect(JSON.parse(run.stdout)).toEqual({ 'key-0': preferenceList(ring, 'key-0'), 'user:{42}:cart': preferenceList(ring, 'user:{42}:cart') });
    expect(JSON.parse(run.stdout)['key-0']).toEqual(['node-1', 'node-3', 'node-2']);
  });

  it('reads keys from standard input', async () => {
    const run = await ringside(['locate', '--nodes', 'a,b', '--vnodes', '4', '--replicas', '1', '--json'], 'x\ny\n');
    expect(Object.keys(JSON.parse(run.stdout))).toEqual(['x', 'y']);
  });
});

describe('mistakes and looks before there is a cluster', () => {
  it('answers an unknown command or a usage mistake with exit status 2, starting nothing', async () => {
    for (const args of [['frobnicate'], ['get'], ['put', 'only-a-key'], ['keys', '--limit', 'many'], ['remove', 'a', 'b']]) {
      const run = await ringside(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/unknown command|usage|--limit/);
    }
    const json = await ringside(['frobnicate', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: 'usage' });
    await expect(stat(dataDir).then(() => readdir(dataDir))).resolves.toEqual([]);
  });

  it('says how to start a cluster when a command only looks, and creates none', async () => {
    for (const args of [['nodes'], ['ring'], ['keys'], ['locate', 'k'], ['stats'], ['repair'], ['down'], ['compare']]) {
      const run = await ringside(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toContain(`no cluster in ${dataDir} yet`);
    }
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe('one-shot commands on local memcached nodes', () => {
  it('starts a cluster of three local nodes on the first put and reports them', async () => {
    expect((await ringside(['put', 'welcome', 'value'])).code).toBe(0);
    const run = await ringside(['nodes', '--json']);
    expect(run.code).toBe(0);
    const { nodes } = JSON.parse(run.stdout);
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    for (const node of nodes) {
      expect(node.status).toBe('up');
      expect(node.pid).toBeGreaterThan(0);
      expect(node.address).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it('puts, gets, locates and deletes, with JSON and exit codes', async () => {
    const put = await ringside(['put', 'greeting', 'hello', 'there', '--json']);
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout).acknowledged).toBe(3);

    const get = await ringside(['get', 'greeting', '--json']);
    expect(JSON.parse(get.stdout)).toMatchObject({ ok: true, value: 'hello there', encoding: 'utf8' });

    const located = JSON.parse((await ringside(['locate', 'greeting', '--json'])).stdout);
    expect(located.replicas.map((r: { holds: boolean }) => r.holds)).toEqual([true, true, true]);

    expect((await ringside(['put', 'greeting-2', 'hi'])).code).toBe(0);
    const listed = await ringside(['keys', '--limit', '1']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('greeting ');
    expect(listed.stdout).toMatch(/the first 1 of \d+ keys \(--limit N for more\)/);
    expect((await ringside(['keys', '--limit', 'many'])).code).toBe(2);

    expect((await ringside(['delete', 'greeting'])).code).toBe(0);
    const missing = await ringside(['get', 'greeting', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toBe('not_found');
  });

  it('previews a repair with --dry-run, changing nothing, then repairs', async () => {
    expect((await ringside(['put', 'mended', 'v'])).code).toBe(0);
    expect((await ringside(['repair', '--dry-run'])).stdout).toMatch(/^repair would change nothing: all \d+ keys are on exactly their replicas/);
    const { nodes } = JSON.parse((await ringside(['nodes', '--json'])).stdout);
    const replica = JSON.parse((await ringside(['locate', 'mended', '--json'])).stdout).replicas[2].node;
    const parsed = parseAddress(nodes.find((n: { id: string }) => n.id === replica).address);
    if (!parsed.ok) throw new Error(parsed.message);
    const client = new NodeClient(parsed.address, { deadlineMs: 2000 });
    try {
      expect(await client.delete('mended')).toBe(true);
      const dry = await ringside(['repair', '--dry-run', '--json']);
      expect(dry.code).toBe(0);
      expect(JSON.parse(dry.stdout).preview).toMatchObject({ copies: 1, keysCopied: 1, deletes: 0 });
      expect(await client.get('mended')).toBeNull();
      expect((await ringside(['repair', '--dry-run'])).stdout).toMatch(/^repair would make 1 copies to 1 of \d+ keys, 0 deletes/);
      expect((await ringside(['repair'])).stdout).toMatch(/ 1 copies /);
      expect((await client.getVersioned('mended'))?.bytes.toString()).toBe('v');
    } finally {
      client.close();
    }
    expect((await ringside(['repair', 'now'])).code).toBe(2);
  });

  it('stores a value of several arguments exactly as the words were given, quotes and backslashes included', async () => {
    expect((await ringside(['put', 'quoted', 'say "hi"', 'C:\\dir'])).code).toBe(0);
    expect(JSON.parse((await ringside(['get', 'quoted', '--json'])).stdout).value).toBe('say "hi" C:\\dir');
  });

  it('runs one command per line piped into the shell', async () => {
    const run = await ringside(['shell', '--json'], 'put a 1\nput b 2\nget a\nget b\nring\n');
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.ok)).toEqual([true, true, true, true, true]);
    expect(lines[2].value).toBe('1');
    expect(lines[4].nodes).toHaveLength(3);
  });

  it('says what is wrong, changes nothing, and exits non-zero on bad input', async () => {
    const before = JSON.parse((await ringside(['ring', '--json'])).stdout).checksum;
    const badKey = await ringside(['put', 'k'.repeat(300), 'v']);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/invalid_key.*250/);
    const unknown = await ringside(['remove', 'node-42']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no node "node-42"/);
    const usage = await ringside(['get']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: get <key>/);
    const command = await ringside(['frobnicate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command/);
    expect(JSON.parse((await ringside(['ring', '--json'])).stdout).checksum).toBe(before);
  });
});
