// Consistency levels in the `ringside` command: the cluster's default set with `consistency`, overridden per call, bad levels refused.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRingside } from '../support/run-ringside';

let dataDir: string;
const ringside = (args: string[], input?: string) => runRingside(dataDir, args, input);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-shell-levels-'));
});

afterAll(async () => {
  await ringside(['down']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('consistency levels in the shell', () => {
  it('refuses a level that is not one, majority or all before any cluster is opened', async () => {
    for (const args of [
      ['put', '--w', 'quorum', 'k', 'v'],
      ['get', '--r', '2', 'k'],
      ['delete', '--w', 'most', 'k'],
      ['consistency', '--r', 'any'],
    ]) {
      const run = await ringside(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/--[wr] must be one, majority or all/);
    }
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('sets the default, uses it for calls that name no level, and lets a call name its own', async () => {
    const script = [
      'put k v1',
      'consistency',
      'consistency --w majority --r all',
      'put k v2',
      'get k',
      'get --r one k',
      'kill node-2',
      'put --w all k v3',
      'put --w one k v4',
      'get k',
      'get --r majority k',
      'delete --w all k',
    ].join('\n');
    const run = await ringside(['shell'], `${script}\n`);
    const out = run.stdout + run.stderr;
    expect(out).toMatch(/stored k \(2 B\) on .*: 3\/3 acknowledged \(W=one\)/);
    expect(out).toContain('W=one R=one');
    expect(out).toContain('W=majority R=all');
    expect(out).toMatch(/stored k \(2 B\) on .*: 3\/3 acknowledged \(W=majority\)/);
    // At R=all, every replica's answer with its version.
    expect(out).toMatch(/v2\n\(served by node-\d; R=all: node-\d value [0-9a-f.#]+, node-\d value [0-9a-f.#]+, node-\d value [0-9a-f.#]+\)/);
    expect(out).toMatch(/error \(too_few_replicas\): the write of k at W=all needs 3 of 3 replicas \(all\); 2 acknowledged: .*node-2 down.*may still have landed on/);
    expect(out).toMatch(/stored k \(2 B\) on .*: 2\/3 acknowledged \(W=one\)/);
    expect(out).toMatch(/error \(too_few_replicas\): a read of k at R=all needs 3 of 3 replicas \(all\); 2 answered/);
    expect(out).toMatch(/v4\n\(served by node-\d; R=majority: /);
    expect(out).toMatch(/error \(too_few_replicas\): the delete of k at W=all/);
    // Kept in the data directory: the next process starts with the same default.
    const again = await ringside(['consistency', '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ ok: true, consistency: { w: 'majority', r: 'all' } });
  });
});
