// From etcd's keys and values to the store's state and changes: pure, so the watch and the load agree.
import { joinTag, parseKey, type KeyLayout } from './etcd-keys';
import { parseConsistency, parseEvent, parseHealth, parseJournal, parseRing } from './records';
import type { StoreChange, StoreState } from './types';

export interface Entry {
  key: string;
  value: string;
}

export interface WatchEvent extends Entry {
  type: 'Put' | 'Delete';
  /** The lease the key is held under ('0': none). */
  lease?: string;
}

/** A heartbeat seen by the watch: its writer's join tag, or null when the key went (the process left or its session lapsed). */
export interface Heartbeat {
  writer: string;
  tag: string | null;
}

/** The state held by a consistent read of every key under the prefix, in key order. */
export function assembleState(layout: KeyLayout, entries: readonly Entry[]): StoreState {
  const state: StoreState = { ring: null, health: {}, suspects: {}, journal: null, events: [] };
  for (const { key, value } of entries) {
    const of = parseKey(layout, key);
    switch (of.kind) {
      case 'ring':
        state.ring = parseRing(JSON.parse(value));
        break;
      case 'health':
        state.health[of.node] = parseHealth(JSON.parse(value));
        break;
      case 'suspect':
        (state.suspects[of.node] ??= []).push(of.key);
        break;
      case 'journal':
        state.journal = parseJournal(JSON.parse(value));
        break;
      case 'consistency':
        state.consistency = parseConsistency(JSON.parse(value));
        break;
      case 'event':
        // Keys are write versions: key order is event order.
        state.events.push(parseEvent(JSON.parse(value)));
        break;
    }
  }
  return state;
}

/** What one watch response changed; `heartbeats` are the heartbeat keys it carried, written or gone. */
export function changesOf(layout: KeyLayout, events: readonly WatchEvent[]): { changes: StoreChange[]; heartbeats: Heartbeat[] } {
  const changes: StoreChange[] = [];
  const heartbeats: Heartbeat[] = [];
  // Marks added are grouped by node and writer (the value names it), cleared ones by node.
  const suspects = new Map<string, { node: string; writer?: string; added: string[]; cleared: string[] }>();
  for (const { type, key, value, lease } of events) {
    const of = parseKey(layout, key);
    const put = type === 'Put';
    switch (of.kind) {
      case 'ring':
        if (put) changes.push({ type: 'ring', ring: parseRing(JSON.parse(value)) });
        break;
      case 'health':
        changes.push({ type: 'health', node: of.node, health: put ? parseHealth(JSON.parse(value)) : null });
        break;
      case 'suspect': {
        const writer = put ? value || undefined : undefined;
        const group = `${of.node}\u0000${writer ?? ''}`;
        const entry = suspects.get(group) ?? suspects.set(group, { node: of.node, writer, added: [], cleared: [] }).get(group)!;
        (put ? entry.added : entry.cleared).push(of.key);
        break;
      }
      case 'leader':
        changes.push({ type: 'leader', writer: put ? leaderOf(value) : null });
        break;
      case 'journal':
        changes.push({ type: 'journal', journal: put ? parseJournal(JSON.parse(value)) : null });
        break;
      case 'consistency':
        if (put) changes.push({ type: 'consistency', consistency: parseConsistency(JSON.parse(value)) });
        break;
      case 'event':
        // Deletes are the log being trimmed, not news.
        if (put) changes.push({ type: 'event', event: parseEvent(JSON.parse(value)) });
        break;
      case 'heartbeat':
        heartbeats.push({ writer: of.writer, tag: put ? joinTag(of.writer, lease ?? '0') : null });
        break;
    }
  }
  for (const { node, writer, added, cleared } of suspects.values()) changes.push(writer ? { type: 'suspects', node, added, cleared, writer } : { type: 'suspects', node, added, cleared });
  return { changes, heartbeats };
}

/** The writer named by the leader key's value. */
export function leaderOf(value: string): string | null {
  try {
    const writer = (JSON.parse(value) as { writer?: unknown }).writer;
    return typeof writer === 'string' && writer ? writer : null;
  } catch {
    return null;
  }
}

/** The write versions a change carries, for the clock to move past. */
export function stampsOf(change: StoreChange): string[] {
  switch (change.type) {
    case 'ring':
      return [change.ring.stamp];
    case 'health':
      return change.health ? [change.health.stamp] : [];
    case 'journal':
      return change.journal ? [change.journal.stamp] : [];
    case 'event':
      return [change.event.stamp];
    case 'consistency':
      return [change.consistency.stamp];
    case 'reloaded': {
      const { ring, journal, health, events, consistency } = change.state;
      return [ring?.stamp, journal?.stamp, consistency?.stamp, ...Object.values(health).map((h) => h.stamp), ...events.map((e) => e.stamp)].filter((s): s is string => Boolean(s));
    }
    default:
      return [];
  }
}
