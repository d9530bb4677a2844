import 'server-only';
// The wire to a dashboard's shared store (lib/store/relay): JSON calls under a deadline, server-sent events read off a stream, and the changes they carry checked.
import { z } from 'zod';
import { parseConsistency, parseEvent, parseHealth, parseJournal, parseRing } from './records';
import type { StoreChange, StoreState } from './types';

export interface DashboardTarget {
  /** The dashboard's address, as `http(s)://host:port` (a path prefix kept). */
  base: URL;
  /** RINGSIDE_TOKEN of the dashboard, when it has one. */
  token?: string;
  deadlineMs: number;
}

export type Answer = { ok: true; body: Record<string, unknown> } | { ok: false; status: number | null; error: string; message: string; body?: Record<string, unknown> };

export function endpoint(target: DashboardTarget, path: string): URL {
  return new URL(path.replace(/^\//, ''), target.base.href.endsWith('/') ? target.base : new URL(`${target.base.href}/`));
}

export function headersOf(target: DashboardTarget): Record<string, string> {
  return target.token ? { authorization: `Bearer ${target.token}` } : {};
}

/** One POST to /api/store/{op}; `unreachable` when nothing answered in time, the dashboard's own failure otherwise. */
export async function callStore(target: DashboardTarget, op: string, body: object, timeoutMs = target.deadlineMs): Promise<Answer> {
  const url = endpoint(target, `api/store/${op}`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersOf(target) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ok: false, status: null, error: 'unreachable', message: `the dashboard at ${target.base.origin} did not answer (${cause})` };
  }
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    return { ok: false, status: response.status, error: 'not_a_dashboard', message: `${url.origin}${url.pathname} answered HTTP ${response.status} without JSON: is it a Ringside dashboard?` };
  }
  const record = answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : {};
  if (response.ok && record.ok === true) return { ok: true, body: record };
  const error = typeof record.error === 'string' ? record.error : response.status === 404 ? 'not_a_dashboard' : 'failed';
  const message = typeof record.message === 'string' ? record.message : `${url.origin}${url.pathname} answered HTTP ${response.status}: is it a Ringside dashboard of this version?`;
  return { ok: false, status: response.status, error, message, body: record };
}

/** Reads server-sent events until the stream ends or `signal` aborts; `onEvent` gets each event's name and data, `onAny` every chunk (comments too). */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (name: string, data: string) => void, onAny: () => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onAny();
    buffered += decoder.decode(value, { stream: true });
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, data.join('\n'));
    }
  }
}

const keyLists = z.record(z.string(), z.array(z.string()));
const change = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reloaded'), state: z.unknown() }),
  z.object({ type: z.literal('ring'), ring: z.unknown() }),
  z.object({ type: z.literal('health'), node: z.string(), health: z.unknown() }),
  z.object({ type: z.literal('suspects'), node: z.string(), added: z.array(z.string()), cleared: z.array(z.string()), writer: z.string().optional() }),
  z.object({ type: z.literal('leader'), writer: z.string().nullable() }),
  z.object({ type: z.literal('journal'), journal: z.unknown() }),
  z.object({ type: z.literal('event'), event: z.unknown() }),
  z.object({ type: z.literal('consistency'), consistency: z.unknown() }),
  z.object({ type: z.literal('joined'), tag: z.string() }),
]);

/** A change as the dashboard sent it, every record checked; throws on anything a store could not have written. */
export function parseChange(value: unknown): StoreChange {
  const parsed = change.parse(value);
  switch (parsed.type) {
    case 'reloaded':
      return { type: 'reloaded', state: parseState(parsed.state) };
    case 'ring':
      return { type: 'ring', ring: parseRing(parsed.ring) };
    case 'health':
      return { type: 'health', node: parsed.node, health: parsed.health === null ? null : parseHealth(parsed.health) };
    case 'journal':
      return { type: 'journal', journal: parsed.journal === null ? null : parseJournal(parsed.journal) };
    case 'event':
      return { type: 'event', event: parseEvent(parsed.event) };
    case 'consistency':
      return { type: 'consistency', consistency: parseConsistency(parsed.consistency) };
    default:
      return parsed;
  }
}

const stateShape = z.object({
  ring: z.unknown(),
  health: z.record(z.string(), z.unknown()),
  suspects: keyLists,
  journal: z.unknown(),
  events: z.array(z.unknown()),
  consistency: z.unknown().optional(),
});

export function parseState(value: unknown): StoreState {
  const state = stateShape.parse(value);
  return {
    ring: state.ring === null ? null : parseRing(state.ring),
    health: Object.fromEntries(Object.entries(state.health).map(([node, health]) => [node, parseHealth(health)])),
    suspects: state.suspects,
    journal: state.journal === null || state.journal === undefined ? null : parseJournal(state.journal),
    events: state.events.map(parseEvent),
    ...(state.consistency ? { consistency: parseConsistency(state.consistency) } : {}),
  };
}
