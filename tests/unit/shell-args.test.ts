// The shell's word splitting and option parsing, and the offline placement calculator.
import { describe, expect, it } from 'vitest';
import { buildRing, preferenceList } from '@/lib/ring';
import { parseOptions, splitWords, UsageError } from '@/scripts/shell/args';
import { offlineLocate } from '@/scripts/shell/offline-locate';

const texts = (line: string) => splitWords(line).map((w) => w.text);

describe('splitWords', () => {
  it('splits on blanks and groups quoted text', () => {
    expect(texts('put  k "hello world"')).toEqual(['put', 'k', 'hello world']);
    expect(texts("put k 'it''s'")).toEqual(['put', 'k', 'its']);
    expect(texts('put k "say \\"hi\\""')).toEqual(['put', 'k', 'say "hi"']);
    expect(texts('   ')).toEqual([]);
  });

  it('keeps offsets so a command can take the raw rest of the line', () => {
    const line = 'put key   spaced   value ';
    const words = splitWords(line);
    expect(line.slice(words[2].start).trimEnd()).toBe('spaced   value');
  });

  it('refuses an unclosed quote', () => {
    expect(() => splitWords('put k "open')).toThrow(UsageError);
  });
});

describe('parseOptions', () => {
  it('reads declared options before the positionals only', () => {
    const parsed = parseOptions(splitWords('--ttl 60 key --ttl'), { ttl: 'value' });
    expect(parsed.options).toEqual({ ttl: '60' });
    expect(parsed.positionals.map((w) => w.text)).toEqual(['key', '--ttl']);
  });

  it('accepts --name=value and stops at --', () => {
    const parsed = parseOptions(splitWords('--vnodes=8 -- --literal'), { vnodes: 'value' });
    expect(parsed.options).toEqual({ vnodes: '8' });
    expect(parsed.positionals.map((w) => w.text)).toEqual(['--literal']);
  });

  it('refuses unknown options and missing values', () => {
    expect(() => parseOptions(splitWords('--nope x'), {})).toThrow(/unknown option --nope/);
    expect(() => parseOptions(splitWords('--ttl'), { ttl: 'value' })).toThrow(/needs a value/);
  });
});

describe('offline locate', () => {
  const noStdin = async () => '';

  it("prints each key's preference list on the described ring", async () => {
    const { json } = await offlineLocate(splitWords('--nodes a,b,c,d --vnodes 8 --replicas 2 -- k1 k2'), noStdin);
    const ring = buildRing(
      ['a', 'b', 'c', 'd'].map((id) => ({ id, vnodes: 8 })),
      2,
    );
    expect(json).toEqual({ k1: preferenceList(ring, 'k1'), k2: preferenceList(ring, 'k2') });
  });

  it('reads keys from standard input when none are given', async () => {
    const { json } = await offlineLocate(splitWords('--nodes solo'), async () => 'x\ny\n\n');
    expect(json).toEqual({ x: ['solo'], y: ['solo'] });
  });

  it('refuses bad node lists and counts', async () => {
    await expect(offlineLocate(splitWords('k'), noStdin)).rejects.toThrow(/usage/);
    await expect(offlineLocate(splitWords('--nodes a,a k'), noStdin)).rejects.toThrow(/twice/);
    await expect(offlineLocate(splitWords('--nodes "a b" k'), noStdin)).rejects.toThrow(/whitespace/);
    await expect(offlineLocate(splitWords('--nodes a --vnodes 0 k'), noStdin)).rejects.toThrow(/vnodes/);
    await expect(offlineLocate(splitWords('--nodes a --replicas x k'), noStdin)).rejects.toThrow(/whole number/);
  });
});
