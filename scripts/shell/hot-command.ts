// The shell's `hot`: the hottest keys with their counts and error bounds, and the load of each node, over the recent window.
import { DEFAULT_CAPACITY } from '@/lib/hot-keys';
import { DEFAULT_TOP, type HotView } from '@/lib/hot-view';
import { intOption, parseOptions, UsageError } from './args';
import type { Command } from './commands';
import { percent, table } from './format';

export const hotCommand: Command = {
  usage: 'hot [--top N]',
  help: 'the hottest keys (gets, sets and deletes over the last minute, with error bounds) and requests served per node',
  prepare(words) {
    const { options, positionals } = parseOptions(words, { top: 'value' });
    if (positionals.length > 0) throw new UsageError(`usage: ${this.usage}`);
    const top = intOption(options, 'top', DEFAULT_TOP)!;
    if (top < 1 || top > DEFAULT_CAPACITY) throw new UsageError(`--top must be from 1 to ${DEFAULT_CAPACITY}`);
    return async (cluster) => {
      const view = await cluster.hotKeys(top);
      return { ok: true, json: { ok: true, ...view }, text: renderHot(view) };
    };
  },
};

const n = (value: number) => value.toLocaleString('en-US');

export function renderHot(view: HotView): string {
  const seconds = Math.round(view.window.ms / 1000);
  const from = view.processes.length === 1 ? 'this process' : `${view.processes.length} processes`;
  const head = `${n(view.total)} requests over the last ${seconds} s, counted by ${from} (${n(view.ops.get)} gets, ${n(view.ops.set)} sets, ${n(view.ops.delete)} deletes)`;
  if (view.total === 0) return `${head}\nno requests in the last ${view.window.spanMs / 1000} s`;
  const keys = table(
    ['key', 'requests', '± error', 'share', 'gets', 'sets', 'deletes', 'primary'],
    view.keys.map((k) => [k.key, k.count, k.error, percent(k.share), k.gets, k.sets, k.deletes, k.primary ?? '-']),
  );
  const rest = view.unlisted > 0 ? `any other key: at most ${n(view.unlisted)} requests` : 'no other key was requested';
  const nodes = table(
    ['node', 'served', 'as primary'],
    view.nodes.map((node) => [node.id, node.served, node.primary]),
  );
  return [head, keys, rest, '', 'requests per node (served: each replica a request reached; as primary: keys it is primary of)', nodes].join('\n');
}
