// `ringside compare` as a user runs it: offline on given nodes (no cluster opened or created), and on a cluster of real local memcached nodes.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRingside } from '../support/run-ringside';
import type { LabReport } from '@/lib/lab';

let dataDir: string;

const ringside = (args: string[], input?: string) => runRingside(dataDir, args, input);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-lab-shell-'));
});

afterAll(async () => {
  await ringside(['down']);
  await rm(dataDir, { recursive: true, force: true });
});

const ALL = ['ringside', 'ketama', 'jump', 'rendezvous', 'maglev', 'multi-probe', 'bounded-loads'];

describe('compare --nodes (offline)', () => {
  it('prints balance, moved, minimum and lookup time per algorithm as JSON, and opens no cluster', async () => {
    const run = await ringside(['compare', '--nodes', 'a,b,c', '--weights', '1,1,2', '--keys', '3000', '--add', 'd', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as LabReport;
    expect(Object.keys(report.algorithms)).toEqual(ALL);
    // d's even share of 3000 keys at weight 1 of 5; of the 9000 copies, c (weight 2) can hold only 3000, one of
    // each key, so a, b and d share the other 6000.
    expect(report.minimum).toEqual({ primaries: 600, copies: 2000 });
    for (const id of ALL) {
      const a = report.algorithms[id];
      expect(a.balance).toBeGreaterThanOrEqual(1);
      expect(a.moved).toBeGreaterThan(0);
      expect(a.minimum).toBe(600);
      expect(a.lookupNs).toBeGreaterThan(0);
    }
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('reads keys from standard input (repeated lines count as requests) and prints a table without --json', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `user:${i}`);
    const json = await ringside(['compare', '--nodes', 'a,b,c,d', '--remove', 'b', '--json', '--rounds', '0'], [...keys, 'user:1', 'user:1'].join('\n'));
    const report = JSON.parse(json.stdout) as LabReport;
    expect(report.keys).toBe(500);
    expect(report.algorithms.jump.rebuilt!.moved).toBeGreaterThan(report.algorithms.jump.moved!);
    expect(report.algorithms.ringside.current.requests).not.toBeNull();
    const text = await ringside(['compare', '--nodes', 'a,b,c,d', '--remove', 'b', '--try-vnodes', '40', '--rounds', '0'], keys.join('\n'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^algorithm +balance/m);
    expect(text.stdout).toMatch(/^ringside@40 /m);
    expect(text.stdout).toContain('fair-share minimum: 125 primaries');
    expect(text.stdout).toMatch(/^jump: Jump can only remove its last bucket, and b is not last: .* renumbering instead would move \d+ primaries/m);
    expect(text.stdout).toMatch(/ vs fair share /);
    // Under the fair-share minimum (0.94x and less here): named, with their balance before and after.
    expect(text.stdout).toMatch(/^under 1\.00x: ketama \(balance [\d.]+ -> [\d.]+\), rendezvous \(balance [\d.]+ -> [\d.]+\), maglev .* moved fewer keys/m);
  });

  it('answers bad input with a clear error and exit status 2, creating nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--nodes', 'a,b', '--keys', '10', '--remove', 'z'], /no node z/],
      [['--nodes', 'a,b', '--keys', '10', '--add', 'a'], /already one of the nodes/],
      [['--nodes', 'a,b', '--keys', '10', '--weights', '1'], /1 weights for 2 nodes/],
      [['--nodes', 'a,a', '--keys', '10'], /listed twice/],
      [['--nodes', 'a,b', '--keys', '10', '--weights', '1,0'], /weight must be a number above 0/],
      [['--nodes', 'a,b', '--keys', 'many'], /--keys must be a whole number/],
      [['--nodes', 'a,b', '--keys', '10', '--algorithms', 'crc32'], /unknown algorithm crc32/],
      [['--nodes', 'a,b', '--keys', '10', '--add', 'c', '--remove', 'a'], /one change at most/],
      [['--nodes', 'a,b'], /no keys on standard input/],
    ];
    for (const [args, message] of cases) {
      const run = await ringside(['compare', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe('compare on the cluster', () => {
  it("uses the cluster's nodes and keys by default, and its ring as configured", async () => {
    expect((await ringside(['fake', '300'])).code).toBe(0);
    const listed = JSON.parse((await ringside(['keys', '--limit', '1000', '--json'])).stdout) as { total: number };
    const run = await ringside(['compare', '--remove', 'node-2', '--rounds', '1', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as LabReport & { origin: { keysFrom: string } };
    expect(report.origin.keysFrom).toBe('cluster');
    expect(report.keys).toBe(listed.total);
    expect(report.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(report.vnodes).toBe(160);
    // Three nodes and three copies: every node holds every key, and removing one leaves two copies to keep.
    expect(report.minimum!.copies).toBe(0);
    expect(report.algorithms.ringside.copiesMoved).toBe(0);
    const missing = await ringside(['compare', '--remove', 'node-9']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no node node-9 to remove/);
  });
});
