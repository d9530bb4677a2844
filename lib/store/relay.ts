import 'server-only';
// The dashboard's file store shared with the clients that connect to it by URL: their sessions, acknowledgements, writes and watch, as checked operations.
import { z } from 'zod';
import { fail, type Failure, type Result } from '../cluster/types';
import { isWriterId } from '../version';
import type { FileStore } from './file-store';
import { FOLLOWER_LEASE_MS } from './participants';
import { healthFields } from './records';
import type { StoreResult } from './types';

/** The longest a client may ask the dashboard to wait for acknowledgements in one call. */
export const MAX_AWAIT_MS = 10_000;
/** A line on the watch this often, so a client notices a dashboard gone (or a connection cut) within a few seconds. */
export const WATCH_KEEPALIVE_MS = 1000;
/** memcached's own limit on a key, and on how many marks one call carries. */
const MAX_KEY = 250;
const MAX_KEYS = 10_000;

const session = z.string().min(1).max(200);
const nodeId = z.string().min(1).max(200);
const keys = z.array(z.string().min(1).max(MAX_KEY)).min(1).max(MAX_KEYS);
const topic = z.enum(['change', 'join']);

/** Each operation's body; anything else is refused before it reaches the store. */
const requests = {
  join: z.strictObject({ writer: z.string().refine(isWriterId, 'a writer id is 1 to 64 of A-Z a-z 0-9 . _ : -') }),
  beat: z.strictObject({ session }),
  leave: z.strictObject({ session }),
  // Read before joining too: a client first looks whether there is a cluster at all.
  state: z.strictObject({ session: session.optional() }),
  presence: z.strictObject({ session }),
  acknowledge: z.strictObject({ session, tag: z.string().min(1).max(300), topic }),
  await: z.strictObject({ session, tag: z.string().min(1).max(300), topic, timeoutMs: z.number().int().min(0).max(MAX_AWAIT_MS) }),
  health: z.strictObject({ session, node: nodeId, health: z.strictObject(healthFields) }),
  suspects: z.strictObject({ session, node: nodeId, keys }),
  clear: z.strictObject({ session, node: nodeId, keys: keys.optional() }),
  // What a client's data path reports: a node it found down, and an error it met.
  event: z.strictObject({
    session,
    event: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('node-down'), node: nodeId, reason: z.string().max(1000) }),
      z.strictObject({ type: z.literal('error'), message: z.string().max(2000) }),
    ]),
  }),
};

export type RelayOperation = keyof typeof requests;

export function isRelayOperation(op: string): op is RelayOperation {
  return Object.hasOwn(requests, op);
}

type Answer = Result<Record<string, unknown>>;

export class StoreRelay {
  private readonly streams = new Set<() => void>();

  constructor(private readonly store: FileStore) {}

  /** One operation of a client, its body checked first: bad input changes nothing. */
  async call(op: string, body: unknown): Promise<Answer> {
    if (!isRelayOperation(op)) return fail('invalid_request', `no store operation ${JSON.stringify(op)}: one of ${Object.keys(requests).join(', ')}`);
    const parsed = requests[op].safeParse(body);
    if (!parsed.success) return fail('invalid_request', `bad ${op} request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    const request = parsed.data as Record<string, unknown> & { session?: string };
    if (op === 'join') return this.join(request.writer as string);
    if (op === 'state') return stored(await this.store.load());
    const writer = this.store.participants.writerOf(request.session!);
    if (writer === null) return lapsed(request.session!);
    return this.run(op, writer, request as never);
  }

  /** The watch of a client: the whole state, then every change, as server-sent events; `signal` ends it. */
  watch(sessionTag: string | null, signal: AbortSignal): Result<{ stream: ReadableStream<Uint8Array> }> {
    const writer = sessionTag === null ? null : this.store.participants.writerOf(sessionTag);
    if (writer === null) return lapsed(sessionTag ?? '');
    const encoder = new TextEncoder();
    let stop = () => undefined as void;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        // Its own join is not news to the client.
        const unwatch = this.store.watch((change) => (change.type === 'joined' && writerOfTag(change.tag) === writer) || send(`event: change\ndata: ${JSON.stringify(change)}\n\n`));
        const keepalive = setInterval(() => send(': keep-alive\n\n'), WATCH_KEEPALIVE_MS);
        stop = () => {
          unwatch();
          clearInterval(keepalive);
          this.streams.delete(stop);
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        this.streams.add(stop);
        signal.addEventListener('abort', () => stop());
      },
      cancel: () => stop(),
    });
    return { ok: true, stream };
  }

  /** Ends every watch: the dashboard is closing. */
  close(): void {
    for (const stop of [...this.streams]) stop();
  }

  private join(writer: string): Answer {
    if (writer === this.store.writer) return fail('writer_in_use', `${writer} is the dashboard's own writer id: connect with another`);
    const joined = this.store.joinFollower(writer);
    if (!joined.ok) return fail('writer_in_use', `a client with writer id ${writer} is connected already (${joined.holder}): connect with another`);
    return { ok: true, session: joined.tag, leaseMs: FOLLOWER_LEASE_MS, dashboard: this.store.writer };
  }

  private async run(op: Exclude<RelayOperation, 'join' | 'state'>, writer: string, request: Record<string, never>): Promise<Answer> {
    const { store } = this;
    const { participants } = store;
    const tag: string = request.session;
    switch (op) {
      case 'beat':
        participants.beat(tag);
        return { ok: true, leaseMs: participants.remaining(tag) };
      case 'leave':
        participants.leave(tag);
        return { ok: true };
      case 'presence':
        return { ok: true, others: participants.others(tag), leaseMs: participants.remaining(tag) };
      case 'acknowledge':
        participants.acknowledge(tag, request.tag, request.topic);
        return { ok: true };
      case 'await': {
        const acks = await store.awaitAcknowledgedBy(tag, request.tag, request.timeoutMs, request.topic);
        // Not acknowledged in time is an answer, not a failure of the call: the client decides what it means.
        return acks.ok || acks.error === 'unacknowledged' ? { ok: true, acknowledged: acks.ok, processes: acks.processes, message: acks.ok ? '' : acks.message } : stored(acks);
      }
      case 'health': {
        const known = this.knownNode(request.node);
        return known ?? stored(await store.setHealth(request.node, request.health, writer));
      }
      case 'suspects': {
        const known = this.knownNode(request.node);
        return known ?? stored(await store.addSuspects(request.node, request.keys, writer));
      }
      case 'clear':
        return stored(await store.clearSuspects(request.node, request.keys));
      case 'event':
        return stored(await store.appendEvent(request.event, writer));
    }
  }

  /** Health and marks are about the ring's nodes, or those of the change in flight. */
  private knownNode(node: string): Failure | null {
    const { ring, journal } = this.store.peek();
    const known = [...(ring?.nodes ?? []), ...(journal?.to.nodes ?? [])].some((n) => n.id === node);
    return known ? null : fail('unknown_node', `${node} is not on the ring, nor joining it`);
  }
}

/** A join tag is `writer#session` (lib/store/participants). */
function writerOfTag(tag: string): string {
  const at = tag.lastIndexOf('#');
  return at < 0 ? tag : tag.slice(0, at);
}

function lapsed(tag: string): Failure {
  return fail('unknown_session', `no client session ${JSON.stringify(tag)} is open on this dashboard (it lapsed or was closed): join again`);
}

function stored<T extends object>(result: StoreResult<T>): Answer {
  return result.ok ? (result as Answer) : fail('unavailable', result.message);
}
