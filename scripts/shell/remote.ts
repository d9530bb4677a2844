// The shell's cluster over HTTP: a running dashboard's REST API, answering with the same result values as the in-process Cluster.
import type { StampedEvent } from '@/lib/cluster/events';
import type { ConsistencyLevels, Level } from '@/lib/consistency';
import {
  fail,
  type DeleteResult,
  type ErrorCode,
  type Failure,
  type GetResult,
  type LocateResult,
  type MembershipResult,
  type MoveSummary,
  type NodeView,
  type PutResult,
  type Result,
} from '@/lib/cluster/types';
import type { MovePreview } from '@/lib/cluster/preview';
import type { HotView } from '@/lib/hot-view';
import type { KeyPlacement, NodeKeyCounts } from '@/lib/cluster/views';
import type { LabQuery, LiveLabResult } from '@/lib/cluster/lab';
import type { ClusterPort, FakeResult, RingSummary } from './port';
import { PortFailure } from './port';

export interface RemoteOptions {
  /** Deadline of a read or a single-key write. */
  timeoutMs?: number;
  /** Deadline of a membership change, a repair or a batch of fake keys, which move data and take longer. */
  changeTimeoutMs?: number;
  /** The dashboard's access token, when it has one (default: RINGSIDE_TOKEN). */
  token?: string | null;
}

/** Keys asked for when the caller names no limit: what the dashboard's API gives by default. */
const DEFAULT_KEY_LIMIT = 10_000;
/** The API refuses more fake keys than this in one request. */
const FAKE_BATCH = 100_000;
/** The events stream sends a comment every 15 s; this long without a byte means the connection is dead. */
const EVENTS_IDLE_MS = 40_000;

/** The dashboard's base URL from `--url`, or a message saying what is wrong with it. */
export function parseBaseUrl(text: string): { ok: true; url: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: `--url ${JSON.stringify(text)} is not a URL (expected e.g. http://localhost:3000)` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: `--url must be an http or https URL, not ${url.protocol}` };
  if (url.username || url.password || url.search || url.hash) return { ok: false, message: "--url takes the dashboard's address only: no credentials, query or fragment" };
  return { ok: true, url: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

/** A key or id as one path segment. */
const segment = encodeURIComponent;

/** `.` and `..` cannot be path segments, percent-encoded or not: URL parsers resolve them. */
function unnameable(text: string, what: 'key' | 'node id' = 'key'): Failure | null {
  if (text !== '.' && text !== '..') return null;
  return fail(what === 'key' ? 'invalid_key' : 'invalid_id', `the ${what} ${text} cannot be named in a URL path; use the shell without --url`);
}

export class RemoteCluster implements ClusterPort {
  readonly events: RemoteEvents;
  private readonly timeoutMs: number;
  private readonly changeTimeoutMs: number;
  /** Sent with every request: the access token, when the dashboard has one. */
  readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    options: RemoteOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.changeTimeoutMs = options.changeTimeoutMs ?? 600_000;
    const token = options.token === undefined ? process.env.RINGSIDE_TOKEN || null : options.token;
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
    this.events = new RemoteEvents(this);
  }

  /** One request; every failure (refused, timed out, not Ringside, an error status) comes back as a Failure value. */
  private async call<T extends object>(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<Result<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return this.unreachable(error, timeoutMs);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return this.unreachable(error, timeoutMs);
      return fail('unavailable', `${this.url} answered ${method} ${path} with HTTP ${response.status} and no Ringside JSON: is --url a Ringside dashboard?`);
    }
    const answer = json as { ok?: unknown; error?: unknown; message?: unknown };
    // The snapshot is the one answer without `ok`: any other 2xx object is a success too.
    if (response.ok && typeof json === 'object' && json !== null && answer.ok !== false) return { ...json, ok: true } as Result<T>;
    if (answer?.ok === false && typeof answer.error === 'string') {
      // Request-level codes of the API (invalid_json, invalid_body, too_large) are passed through as they came.
      return fail(answer.error as ErrorCode, typeof answer.message === 'string' ? answer.message : `HTTP ${response.status}`);
    }
    return fail('unavailable', `${this.url} answered ${method} ${path} with HTTP ${response.status}: is --url a Ringside dashboard?`);
  }

  private unreachable(error: unknown, timeoutMs: number): Failure {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if ((error as Error).name === 'TimeoutError') {
      return fail('unavailable', `the dashboard at ${this.url} did not answer within ${timeoutMs / 1000} s (a change may still be running there: see events)`);
    }
    if (cause?.code === 'ECONNREFUSED') return fail('unavailable', `no Ringside dashboard answers at ${this.url}: start it with npm start`);
    return fail('unavailable', `cannot reach the dashboard at ${this.url}: ${cause?.message ?? (error as Error).message}`);
  }

  /** The answer of a call whose in-process twin returns a plain value: a failure is thrown for the shell to show. */
  private async value<T extends object>(path: string): Promise<T> {
    const result = await this.call<T>('GET', path);
    if (!result.ok) throw new PortFailure(result);
    return result;
  }

  async put(key: string, value: string, options: { ttl?: number; w?: Level } = {}) {
    return unnameable(key) ?? this.call<PutResult>('PUT', `/api/keys/${segment(key)}`, { value, ttl: options.ttl, w: options.w });
  }

  async get(key: string, options: { r?: Level } = {}): Promise<Result<GetResult>> {
    const refused = unnameable(key);
    if (refused) return refused;
    const query = options.r ? `?r=${options.r}` : '';
    const result = await this.call<Omit<GetResult, 'value'> & { value: string; encoding: 'utf8' | 'base64' }>('GET', `/api/keys/${segment(key)}${query}`);
    if (!result.ok) return result;
    const { encoding, value, ...rest } = result;
    return { ...rest, value: Buffer.from(value, encoding) };
  }

  async delete(key: string, options: { w?: Level } = {}) {
    return unnameable(key) ?? this.call<DeleteResult>('DELETE', `/api/keys/${segment(key)}${options.w ? `?w=${options.w}` : ''}`);
  }

  async consistency(): Promise<ConsistencyLevels> {
    return (await this.value<{ consistency: ConsistencyLevels }>('/api/consistency')).consistency;
  }

  async setConsistency(levels: { w?: Level; r?: Level }) {
    return this.call<{ consistency: ConsistencyLevels }>('PUT', '/api/consistency', levels);
  }

  addNode(request: { id?: string; address?: string; vnodes?: number }) {
    return this.call<MembershipResult>('POST', '/api/nodes', request, this.changeTimeoutMs);
  }

  async removeNode(id: string) {
    return unnameable(id, 'node id') ?? this.call<MembershipResult>('DELETE', `/api/nodes/${segment(id)}`, undefined, this.changeTimeoutMs);
  }

  async setVnodes(id: string, vnodes: number) {
    return unnameable(id, 'node id') ?? this.call<MembershipResult>('PUT', `/api/nodes/${segment(id)}/vnodes`, { vnodes }, this.changeTimeoutMs);
  }

  async killNode(id: string) {
    return unnameable(id, 'node id') ?? this.call<{ node: NodeView }>('POST', `/api/nodes/${segment(id)}/kill`, undefined, this.changeTimeoutMs);
  }

  async reviveNode(id: string) {
    return unnameable(id, 'node id') ?? this.call<{ node: NodeView; repair: MoveSummary }>('POST', `/api/nodes/${segment(id)}/revive`, undefined, this.changeTimeoutMs);
  }

  async stopLocalNodes(): Promise<Failure> {
    return fail(
      'not_local',
      `down stops the memcached processes of this machine's own cluster; the dashboard at ${this.url} keeps its nodes (remove or kill them one by one, or stop them where it runs)`,
    );
  }

  repair() {
    return this.call<{ repair: MoveSummary }>('POST', '/api/repair', undefined, this.changeTimeoutMs);
  }

  preview(change: { type: 'repair' }) {
    return this.call<{ preview: MovePreview }>('POST', '/api/plan', change);
  }

  keys(nodeId?: string, limit = DEFAULT_KEY_LIMIT) {
    const query = new URLSearchParams({ ...(nodeId === undefined ? {} : { node: nodeId }), limit: String(limit) });
    return this.call<{ keys: KeyPlacement[]; total: number; unreachable: string[] }>('GET', `/api/keys?${query}`);
  }

  async locate(key: string) {
    return unnameable(key) ?? this.call<LocateResult>('GET', `/api/keys/${segment(key)}/locate`);
  }

  async compare(query: LabQuery): Promise<LiveLabResult> {
    return (await this.call<Extract<LiveLabResult, { ok: true }>>('POST', '/api/lab', query, this.changeTimeoutMs)) as LiveLabResult;
  }

  async nodes() {
    const { nodes } = await this.value<{ nodes: (NodeView & { keys?: unknown })[] }>('/api/nodes');
    return nodes.map(({ keys: _keys, ...node }) => node);
  }

  async keyCounts() {
    const { nodes } = await this.value<{ nodes: { id: string; keys: NodeKeyCounts | null }[] }>('/api/nodes');
    return Object.fromEntries(nodes.map((node) => [node.id, node.keys]));
  }

  async ringSummary(): Promise<RingSummary> {
    const { ok: _ok, ...summary } = await this.value<RingSummary & { ok: true }>('/api/ring');
    return summary;
  }

  async hotKeys(top?: number): Promise<HotView> {
    const { ok: _ok, ...view } = await this.value<HotView & { ok: true }>(`/api/hot${top === undefined ? '' : `?top=${top}`}`);
    return view;
  }

  async stats() {
    return (await this.value<{ stats: Record<string, Record<string, string> | null> }>('/api/stats')).stats;
  }

  /** Recent events, as the dashboard's snapshot carries them. */
  async recentEvents(): Promise<StampedEvent[]> {
    const { events } = await this.value<{ events?: StampedEvent[] }>('/api/snapshot');
    if (!Array.isArray(events)) throw new PortFailure(fail('unavailable', `${this.url}/api/snapshot carries no events: is --url a Ringside dashboard?`));
    return events;
  }

  async fake(count: number, options: { ttl: number }): Promise<Result<FakeResult>> {
    const total: FakeResult = { stored: 0, failed: 0, sample: [] };
    for (let left = count; left > 0; left -= FAKE_BATCH) {
      const batch = await this.call<FakeResult>('POST', '/api/keys/fake', { count: Math.min(left, FAKE_BATCH), ttl: options.ttl }, this.changeTimeoutMs);
      if (!batch.ok) return batch;
      total.stored += batch.stored;
      total.failed += batch.failed;
      if (total.sample.length === 0) total.sample = batch.sample;
    }
    return { ok: true, ...total };
  }

  async close(): Promise<void> {
    this.events.stop();
  }
}

/** Events of a remote cluster: recent ones from its snapshot; live ones from its server-sent events while someone listens. */
class RemoteEvents {
  private readonly listeners = new Set<(event: StampedEvent) => void>();
  private controller: AbortController | null = null;

  constructor(private readonly remote: RemoteCluster) {}

  recent(): Promise<StampedEvent[]> {
    return this.remote.recentEvents();
  }

  subscribe(listener: (event: StampedEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.controller) void this.follow((this.controller = new AbortController()));
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  /** Reads the stream until stopped, reconnecting after a drop or a silence longer than the heartbeat allows. */
  private async follow(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      const attempt = new AbortController();
      const abort = () => attempt.abort();
      controller.signal.addEventListener('abort', abort);
      let idle = setTimeout(abort, EVENTS_IDLE_MS);
      try {
        const response = await fetch(`${this.remote.url}/api/events`, { signal: attempt.signal, headers: { ...this.remote.headers, accept: 'text/event-stream' } });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const decoder = new TextDecoder();
        let buffered = '';
        const reader = response.body.getReader();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          clearTimeout(idle);
          idle = setTimeout(abort, EVENTS_IDLE_MS);
          buffered += decoder.decode(chunk.value, { stream: true });
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            this.dispatch(buffered.slice(0, end));
            buffered = buffered.slice(end + 2);
          }
        }
      } catch {
        // Dropped, refused or silent: try again shortly, unless stopped.
      } finally {
        clearTimeout(idle);
        controller.signal.removeEventListener('abort', abort);
      }
      if (!controller.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000).unref());
    }
  }

  private dispatch(message: string): void {
    const lines = message.split('\n');
    const type = lines
      .find((line) => line.startsWith('event:'))
      ?.slice(6)
      .trim();
    const data = lines
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (type !== 'cluster' || !data) return;
    let event: StampedEvent;
    try {
      event = JSON.parse(data) as StampedEvent;
    } catch {
      return;
    }
    for (const listener of this.listeners) listener(event);
  }
}
