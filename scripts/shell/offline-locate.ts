// The offline placement calculator: preference lists for keys on a hypothetical ring, no cluster needed.
import { buildRing, DEFAULT_REPLICAS, DEFAULT_VNODES, preferenceList } from '@/lib/ring';
import { checkNodeId, checkVnodes } from '@/lib/validate';
import { intOption, parseOptions, UsageError, type Word } from './args';
import { table } from './format';

export const offlineUsage = 'locate --nodes <id,id,...> [--vnodes N] [--replicas R] [--json] [--] [<key>...]  (keys from standard input, one per line, when none are given)';

/** `{ key: [primary, replica, ...] }` for every key, in the order given. */
export async function offlineLocate(words: Word[], readStdin: () => Promise<string>): Promise<{ json: Record<string, readonly string[]>; text: string }> {
  const { options, positionals } = parseOptions(words, { nodes: 'value', vnodes: 'value', replicas: 'value', json: 'flag' });
  if (typeof options.nodes !== 'string') throw new UsageError(`usage: ${offlineUsage}`);
  const ids = options.nodes.split(',');
  for (const id of ids) {
    const bad = checkNodeId(id);
    if (bad) throw new UsageError(`--nodes: ${bad}`);
  }
  if (new Set(ids).size !== ids.length) throw new UsageError('--nodes: a node id is listed twice');
  const vnodes = intOption(options, 'vnodes', DEFAULT_VNODES)!;
  if (checkVnodes(vnodes)) throw new UsageError(`--vnodes: ${checkVnodes(vnodes)}`);
  const replicas = intOption(options, 'replicas', DEFAULT_REPLICAS)!;
  if (replicas < 1) throw new UsageError('--replicas must be at least 1');

  const keys = positionals.length > 0 ? positionals.map((w) => w.text) : (await readStdin()).split(/\r?\n/).filter((line) => line.length > 0);
  const ring = buildRing(
    ids.map((id) => ({ id, vnodes })),
    replicas,
  );
  const json: Record<string, readonly string[]> = {};
  for (const key of keys) json[key] = preferenceList(ring, key);
  return {
    json,
    text: table(
      ['key', 'preference list'],
      keys.map((key) => [key, json[key].join(', ')]),
    ),
  };
}
