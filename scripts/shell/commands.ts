// The shell's commands: each parses its words, makes one call into the cluster (in process or remote) and renders text or JSON.
import { storeFakeEntries } from '@/lib/fake-data';
import { parseAddress } from '@/lib/validate';
import type { StampedEvent } from '@/lib/cluster/events';
import type { GetResult, MoveSummary, Result } from '@/lib/cluster/types';
import { intOption, parseOptions, UsageError, type Word } from './args';
import { describeValue } from '@/lib/value-text';
import { bytes, duration, memoryOf, percent, table } from './format';
import { compareUsage, prepareCompare } from './compare';
import { describeReads, levelOption } from './levels';
import { hotCommand } from './hot-command';
import type { ClusterPort, FakeResult } from './port';

export interface Output {
  ok: boolean;
  json: unknown;
  text: string;
  /** Exit status of a one-shot command, when not 0 for success and 1 for failure (2: the input was wrong). */
  status?: number;
}

/**
 * A command's words, checked: what is left is the call into the cluster. `offline`: it never uses the cluster
 * (`compare --nodes`), so a one-shot run opens none.
 */
export type Prepared = ((cluster: ClusterPort) => Promise<Output>) & { offline?: true };

export interface Command {
  usage: string;
  help: string;
  /**
   * Worth starting a new cluster for (a put, an add): any other command run where there is no cluster would
   * only create one to show it empty, or to undo what it just made.
   */
  startsCluster?: boolean;
  /**
   * Checks the words and returns the call to make, so a usage mistake is found before any cluster is opened.
   * `line` is the typed line when there is one (the shell), null for words from the command line.
   */
  prepare(words: Word[], line: string | null): Prepared;
}

const ok = (json: unknown, text: string): Output => ({ ok: true, json, text });

/** A cluster result as output: failures print their message, successes through `render`. */
function output<T extends object>(result: Result<T>, render: (value: T) => string): Output {
  if (!result.ok) return { ok: false, json: result, text: `error (${result.error}): ${result.message}` };
  return ok(result, render(result));
}

function expect(words: Word[], min: number, max: number, usage: string): void {
  if (words.length < min || words.length > max) throw new UsageError(`usage: ${usage}`);
}

function moveLine(m: MoveSummary): string {
  const perKey = m.keys === 0 ? 0 : m.copied / m.keys;
  const parts = [
    `${m.keys} keys: ${m.primariesMoved} primaries moved (${percent(m.keys ? m.primariesMoved / m.keys : 0)})`,
    `${m.copied} copies (${perKey.toFixed(2)} per key)`,
    `${m.deleted} deletes`,
  ];
  if (m.settled) parts.push(`${m.settled} suspect or stray copies settled`);
  if (m.skipped) parts.push(`${m.skipped} skipped (rewritten or expired meanwhile)`);
  if (m.failed) parts.push(`${m.failed} failed (left for repair)`);
  if (m.deferred) parts.push(`${m.deferred} copies owed to unreachable nodes`);
  if (m.tombstones) parts.push(`${m.tombstones} deletes (tombstones) copied`);
  if (m.converged) parts.push(`${m.converged} keys brought to their newest version`);
  return `${parts.join(', ')} in ${m.ms} ms`;
}

/** A read's value as text (or base64), with the replicas tried and repaired. */
function getOutput(result: Result<GetResult>): Output {
  if (!result.ok) return output(result, () => '');
  const value = describeValue(result.value);
  const json = { ...result, value: value.text, encoding: value.encoding };
  const notes = [`served by ${result.servedBy}`];
  // At majority or all, every replica asked answered with its version: that is the point of the level.
  if (result.r !== 'one') notes.push(`R=${result.r}: ${describeReads(result.tried)}`);
  else if (result.tried.length > 1) notes.push(`tried ${result.tried.map((t) => `${t.node}${t.ok ? '' : ` (${t.error})`}`).join(', ')}`);
  if (result.repaired.length) notes.push(`repaired ${result.repaired.join(', ')}`);
  return ok(json, `${value.encoding === 'base64' ? `base64:${value.text}` : value.text}\n(${notes.join('; ')})`);
}

export const commands: Record<string, Command> = {
  put: {
    usage: 'put [--ttl SECONDS] [--w one|majority|all] <key> <value...>',
    help: "store a value on the key's primary and replicas; says which acknowledged (at least W, or it fails)",
    startsCluster: true,
    prepare(words, line) {
      const { options, positionals } = parseOptions(words, { ttl: 'value', w: 'value' });
      if (positionals.length < 2) throw new UsageError(`usage: ${this.usage}`);
      // Typed in the shell, the value is the rest of the line as typed, so its spacing survives.
      const rest = positionals.slice(1);
      const value = rest.length === 1 ? rest[0].text : line === null ? rest.map((w) => w.text).join(' ') : line.slice(rest[0].start).trimEnd();
      const ttl = intOption(options, 'ttl', 0);
      const w = levelOption(options, 'w');
      return async (cluster) =>
        output(
          await cluster.put(positionals[0].text, value, { ttl, w }),
          (r) =>
            `stored ${r.key} (${bytes(r.bytes)}${r.ttl ? `, ttl ${r.ttl}s` : ''}) on ${r.replicas.map((o) => (o.ok ? o.node : `${o.node} (${o.error})`)).join(', ')}: ${r.acknowledged}/${r.replicas.length} acknowledged (W=${r.w})`,
        );
    },
  },
  get: {
    usage: 'get [--r one|majority|all] <key>',
    help: 'read a value, falling back along the preference list (R=one), or the newest of R replicas; repairs a replica missing it',
    prepare(words) {
      const { options, positionals } = parseOptions(words, { r: 'value' });
      expect(positionals, 1, 1, this.usage);
      const r = levelOption(options, 'r');
      return async (cluster) => getOutput(await cluster.get(positionals[0].text, { r }));
    },
  },
  delete: {
    usage: 'delete [--w one|majority|all] <key>',
    help: 'delete a key from every replica',
    prepare(words) {
      const { options, positionals } = parseOptions(words, { w: 'value' });
      expect(positionals, 1, 1, this.usage);
      const w = levelOption(options, 'w');
      return async (cluster) =>
        output(
          await cluster.delete(positionals[0].text, { w }),
          (r) => `${r.deleted ? 'deleted' : 'no such key:'} ${r.key} (${r.replicas.map((o) => `${o.node} ${o.ok ? 'ok' : o.error}`).join(', ')})`,
        );
    },
  },
  add: {
    usage: 'add [--vnodes N] [<id>] [<host:port>]',
    help: 'add a node: a new local memcached, or an existing server; moves only the keys it now owns',
    startsCluster: true,
    prepare(words) {
      const { options, positionals } = parseOptions(words, { vnodes: 'value' });
      expect(positionals, 0, 2, this.usage);
      let [id, address] = positionals.map((w) => w.text);
      // One argument that reads as host:port is the address; ids rarely look like one, and can be given with it.
      if (positionals.length === 1 && parseAddress(id).ok) [id, address] = [undefined as unknown as string, id];
      const vnodes = intOption(options, 'vnodes');
      return async (cluster) =>
        output(await cluster.addNode({ id, address, vnodes }), (r) => `added ${r.node.id} at ${r.node.address}${r.node.pid ? ` (pid ${r.node.pid})` : ''}, ${r.node.vnodes} vnodes\n${moveLine(r)}`);
    },
  },
  remove: {
    usage: 'remove <id>',
    help: 'remove a node gracefully: its keys move to their new owners first',
    prepare(words) {
      expect(words, 1, 1, this.usage);
      return async (cluster) => output(await cluster.removeNode(words[0].text), (r) => `removed ${r.node.id}\n${moveLine(r)}`);
    },
  },
  vnodes: {
    usage: 'vnodes <id> <count>',
    help: "change a node's number of virtual nodes (its weight)",
    prepare(words) {
      expect(words, 2, 2, this.usage);
      const count = Number(words[1].text);
      if (!/^\d+$/.test(words[1].text)) throw new UsageError('the vnode count must be a whole number');
      return async (cluster) => output(await cluster.setVnodes(words[0].text, count), (r) => `${r.node.id} now has ${r.node.vnodes} vnodes\n${moveLine(r)}`);
    },
  },
  kill: {
    usage: 'kill <id>',
    help: 'failure drill: SIGKILL a local node (it stays on the ring, down)',
    prepare(words) {
      expect(words, 1, 1, this.usage);
      return async (cluster) => output(await cluster.killNode(words[0].text), (r) => `killed ${r.node.id}; its keys are served by the replicas`);
    },
  },
  revive: {
    usage: 'revive <id>',
    help: 'restart a killed local node, empty, and refill it from the replicas',
    prepare(words) {
      expect(words, 1, 1, this.usage);
      return async (cluster) => output(await cluster.reviveNode(words[0].text), (r) => `revived ${r.node.id} at ${r.node.address} (pid ${r.node.pid})\nrepair: ${moveLine(r.repair)}`);
    },
  },
  down: {
    usage: 'down',
    help: 'stop every local memcached process (their keys are lost; the next start brings them back empty)',
    prepare(words) {
      expect(words, 0, 0, this.usage);
      return async (cluster) => output(await cluster.stopLocalNodes(), (r) => (r.stopped.length ? `stopped ${r.stopped.join(', ')}` : 'no local node was running'));
    },
  },
  repair: {
    usage: 'repair [--dry-run]',
    help: 'bring every key back to its full preference list now, each copy at its newest version; --dry-run says what it would copy and delete',
    prepare(words) {
      const { options, positionals } = parseOptions(words, { 'dry-run': 'flag' });
      expect(positionals, 0, 0, this.usage);
      if (!options['dry-run']) return async (cluster) => output(await cluster.repair(), (r) => `repair: ${moveLine(r.repair)}`);
      return async (cluster) =>
        output(await cluster.preview({ type: 'repair' }), ({ preview: p }) => {
          const parts = [`${p.copies} copies to ${p.keysCopied} of ${p.keys} keys`, `${p.deletes} deletes`];
          if (p.settles) parts.push(`${p.settles} suspect or stray copies settled first`);
          if (p.deferred) parts.push(`${p.deferred} copies owed to unreachable nodes`);
          if (p.divergent) parts.push(`${p.divergent} keys whose copies hold different versions brought to the newest`);
          const nothing = p.copies + p.deletes + p.settles + p.deferred + (p.divergent ?? 0) === 0;
          return nothing ? `repair would change nothing: all ${p.keys} keys are on exactly their replicas, each with one version` : `repair would make ${parts.join(', ')}`;
        });
    },
  },
  consistency: {
    usage: 'consistency [--w one|majority|all] [--r one|majority|all]',
    help: 'the levels puts (W) and gets (R) use when they name none; with options, set them for every process of the cluster',
    prepare(words) {
      const { options, positionals } = parseOptions(words, { w: 'value', r: 'value' });
      expect(positionals, 0, 0, this.usage);
      const levels = { w: levelOption(options, 'w'), r: levelOption(options, 'r') };
      const render = ({ consistency: c }: { consistency: { w: string; r: string } }) => `W=${c.w} R=${c.r}`;
      if (levels.w || levels.r) return async (cluster) => output(await cluster.setConsistency(levels), render);
      return async (cluster) => {
        const consistency = await cluster.consistency();
        return ok({ ok: true, consistency }, render({ consistency }));
      };
    },
  },
  nodes: {
    usage: 'nodes',
    help: 'nodes with address, status, vnodes, primary and replica key counts, and pid of local ones',
    prepare(words) {
      expect(words, 0, 0, this.usage);
      return async (cluster) => {
        const [views, counts] = await Promise.all([cluster.nodes(), cluster.keyCounts()]);
        const nodes = views.map((n) => ({ ...n, keys: counts[n.id] ?? null }));
        const rows = nodes.map((n) => [n.id, n.address, n.status, n.vnodes, n.keys?.primary ?? '-', n.keys?.replica ?? '-', n.local ? (n.pid ?? (n.killed ? 'killed' : '-')) : 'external']);
        return ok({ ok: true, nodes }, nodes.length ? table(['id', 'address', 'status', 'vnodes', 'primary', 'replica', 'pid'], rows) : 'no nodes: add one with `add`');
      };
    },
  },
  keys: {
    usage: 'keys [--limit N] [<id>]',
    help: 'keys in order with their preference list and holders (only those on one node if given; the first 1000 unless --limit)',
    prepare(words) {
      const { options, positionals } = parseOptions(words, { limit: 'value' });
      expect(positionals, 0, 1, this.usage);
      const limit = intOption(options, 'limit', 1000)!;
      if (limit < 1) throw new UsageError('--limit must be at least 1');
      return async (cluster) =>
        output(await cluster.keys(positionals[0]?.text, limit), (r) => {
          const rows = r.keys.map((k) => [k.key, k.preference.join(','), k.missing.length ? `missing on ${k.missing.join(',')}` : 'ok']);
          const count = r.total > r.keys.length ? `the first ${r.keys.length} of ${r.total} keys (--limit N for more)` : `${r.total} keys`;
          const lines = [rows.length ? table(['key', 'preference list', 'replicas'], rows) : 'no keys', count];
          if (r.unreachable.length) lines.push(`not listed: ${r.unreachable.join(', ')} did not answer`);
          return lines.join('\n');
        });
    },
  },
  locate: {
    usage: 'locate <key>',
    help: 'where a key lives: hash, ring position, owner vnode, preference list and which replicas hold it',
    prepare(words) {
      expect(words, 1, 1, this.usage);
      return async (cluster) =>
        output(await cluster.locate(words[0].text), (r) =>
          [
            `key ${r.key}${r.hashedPart !== r.key ? ` (hash tag {${r.hashedPart}})` : ''}`,
            `hash ${r.position} (0x${r.position.toString(16).padStart(8, '0')}), ${percent(r.position / 2 ** 32, 2)} round the ring`,
            `owner vnode ${r.vnode.node}#${r.vnode.index} at ${r.vnode.position}`,
            table(
              ['rank', 'node', 'status', 'holds'],
              r.replicas.map((p, i) => [`${i + 1} ${p.role}`, p.node, p.status, p.holds === null ? 'unknown' : p.holds ? 'yes' : 'no']),
            ),
          ].join('\n'),
        );
    },
  },
  ring: {
    usage: 'ring',
    help: "ring version, checksum, vnodes and each node's share of the hash space",
    prepare(words) {
      expect(words, 0, 0, this.usage);
      return async (cluster) => {
        const ring = await cluster.ringSummary();
        const even = ring.nodes.length ? 1 / ring.nodes.length : 0;
        return ok(
          { ok: true, ...ring },
          [
            `version ${ring.version}, checksum ${ring.checksum}, ${ring.vnodes} vnodes, ${ring.replicas} replicas per key (W=${ring.consistency.w}, R=${ring.consistency.r} by default)`,
            table(
              ['node', 'vnodes', 'share', 'vs even'],
              ring.nodes.map((n) => [n.id, n.vnodes, percent(n.share, 2), `${(n.share / even).toFixed(3)}x`]),
            ),
            `max/mean ${ring.shareSpread.maxOverMean.toFixed(3)}, deviation ${percent(ring.shareSpread.relativeDeviation)}`,
          ].join('\n'),
        );
      };
    },
  },
  stats: {
    usage: 'stats',
    help: 'memcached statistics of every node: items, bytes, memory of its limit (and a full slab class), hit ratio, evictions, uptime',
    prepare(words) {
      expect(words, 0, 0, this.usage);
      return async (cluster) => {
        const stats = await cluster.stats();
        const rows = Object.entries(stats).map(([id, s]) => {
          if (!s) return [id, '-', '-', '-', '-', '-', '-', 'no answer'];
          const hits = Number(s.get_hits);
          const lookups = hits + Number(s.get_misses);
          return [id, Number(s.curr_items), bytes(Number(s.bytes)), memoryOf(s), lookups ? percent(hits / lookups) : '-', Number(s.evictions), Number(s.curr_connections), duration(Number(s.uptime))];
        });
        return ok({ ok: true, stats }, table(['node', 'items', 'bytes', 'memory', 'hit ratio', 'evictions', 'connections', 'uptime'], rows));
      };
    },
  },
  fake: {
    usage: 'fake [--ttl SECONDS] <count>',
    help: 'store <count> realistic keys and values (users, carts, sessions, products, pages)',
    startsCluster: true,
    prepare(words) {
      const { options, positionals } = parseOptions(words, { ttl: 'value' });
      expect(positionals, 1, 1, this.usage);
      const count = Number(positionals[0].text);
      if (!/^\d+$/.test(positionals[0].text) || count < 1 || count > 1_000_000) throw new UsageError('the count must be a whole number from 1 to 1000000');
      const ttl = intOption(options, 'ttl', 0)!;
      return async (cluster) => {
        // A remote cluster stores them in one request; in process, puts run 64 at a time.
        if (cluster.fake) return output(await cluster.fake(count, { ttl }), (r) => `stored ${r.stored} of ${count} fake keys`);
        const { failures, ...outcome } = await storeFakeEntries((key, value, o) => Promise.resolve(cluster.put(key, value, o)), count, ttl);
        const json: { ok: boolean } & FakeResult = { ok: outcome.failed === 0, ...outcome };
        return { ok: json.ok, json, text: `stored ${json.stored} of ${count} fake keys${failures.length ? `\n${failures.join('\n')}` : ''}` };
      };
    },
  },
  compare: {
    usage: compareUsage,
    help: "compare hashing algorithms (Ringside, ketama, jump, rendezvous, Maglev, multi-probe, bounded loads) on these nodes and keys, or the cluster's: balance, keys moved by a change against the minimum, lookup time, memory",
    prepare: prepareCompare,
  },
  hot: hotCommand,
  events: {
    usage: 'events',
    help: 'what happened in this session: membership, node down/up, moves, repairs, errors',
    prepare(words) {
      expect(words, 0, 0, this.usage);
      return async (cluster) => {
        const events = await cluster.events.recent();
        return ok({ ok: true, events }, events.map((e) => `${new Date(e.at).toISOString().slice(11, 19)} ${describeEvent(e)}`).join('\n') || 'no events yet');
      };
    },
  },
};

const aliases: Record<string, string> = { del: 'delete', rm: 'remove', ls: 'keys', where: 'locate' };

export function findCommand(name: string): Command | undefined {
  return commands[aliases[name] ?? name];
}

export function helpText(): string {
  const rows = Object.values(commands).map((c) => [c.usage, c.help]);
  rows.push(['help', 'this list'], ['exit', 'leave the shell (local nodes keep running and keep their keys)']);
  return table(['command', 'what it does'], rows);
}

export function describeEvent(event: StampedEvent): string {
  switch (event.type) {
    case 'node-added':
      return `${event.node} added at ${event.address}`;
    case 'node-removed':
      return `${event.node} removed`;
    case 'node-vnodes':
      return `${event.node} now has ${event.vnodes} vnodes`;
    case 'node-down':
      return `${event.node} is down (${event.reason})`;
    case 'node-up':
      return `${event.node} is up${event.restarted ? ' (restarted)' : ''}`;
    case 'node-killed':
      return `${event.node} killed (pid ${event.pid})`;
    case 'node-revived':
      return `${event.node} revived at ${event.address} (pid ${event.pid})`;
    case 'node-flushed':
      return `${event.node} held ${event.items} items before joining; flushed`;
    case 'move-planned':
      return `${event.reason}: ${event.keys} keys, ${event.copies} copies and ${event.deletes} deletes planned`;
    case 'move-progress':
      return `${event.reason}: ${event.done}/${event.total} copies`;
    case 'move-done':
      return `${event.reason}: ${event.copied} copied, ${event.deleted} deleted${event.settled ? `, ${event.settled} suspect copies settled` : ''}, ${event.failed} failed in ${event.ms} ms`;
    case 'ring-changed':
      return `ring version ${event.version} (checksum ${event.checksum})`;
    case 'error':
      return `error: ${event.message}`;
  }
}
