import 'server-only';
// A client's state store when it connects by URL: the dashboard's own store, reached through its API (lib/store/relay), with a session kept alive by heartbeats.
import { randomBytes } from 'node:crypto';
import type { ClusterEvent } from '../cluster/events';
import { callStore, endpoint, headersOf, parseChange, parseState, readEvents, type Answer, type DashboardTarget } from './dashboard-http';
import {
  unavailable,
  type AckResult,
  type AckTopic,
  type CommitResult,
  type ConsistencyRecord,
  type Leadership,
  type LockResult,
  type NodeHealth,
  type Presence,
  type StateStore,
  type StoreChange,
  type StoredEvent,
  type StoreResult,
  type StoreState,
} from './types';
import { hostLabel } from './writer-id';

/** How often the session is renewed; the dashboard lets it lapse after FOLLOWER_LEASE_MS (5 s) without one. */
const BEAT_MS = 1000;
/** The dashboard writes on the watch every second: this long without a line, the connection is taken for dead and opened again. */
const WATCH_SILENCE_MS = 3500;
const WATCH_RETRY_MS = 250;

const MEMBERSHIP = 'a client connected by URL makes no membership or level changes: make them on the dashboard';

export class DashboardStore implements StateStore {
  readonly kind = 'dashboard';
  readonly writer: string;
  readonly leader = null;
  private session: string | null = null;
  private reachable_ = true;
  private closed = false;
  private beating: NodeJS.Timeout | null = null;
  private watching: AbortController | null = null;
  private rejoining: Promise<void> | null = null;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly reachabilityListeners = new Set<(reachable: boolean) => void>();

  constructor(
    private readonly target: DashboardTarget,
    writer?: string,
  ) {
    this.writer = writer ?? clientWriter();
  }

  get reachable(): boolean {
    return this.reachable_;
  }

  onReachability(listener: (reachable: boolean) => void): () => void {
    this.reachabilityListeners.add(listener);
    return () => this.reachabilityListeners.delete(listener);
  }

  /** Opens a session on the dashboard (present, waited for by its changes) and keeps it alive. */
  async join(): Promise<StoreResult<{ tag: string }>> {
    const joined = await this.call('join', { writer: this.writer }, false);
    if (!joined.ok) return joined;
    this.session = String(joined.body.session);
    this.beating ??= setInterval(() => void this.beat(), BEAT_MS);
    this.beating.unref();
    return { ok: true, tag: this.session };
  }

  acknowledge(tag: string, topic: AckTopic = 'change'): Promise<StoreResult> {
    return this.call('acknowledge', { tag, topic });
  }

  async awaitAcknowledged(tag: string, timeoutMs: number, topic: AckTopic = 'change'): Promise<AckResult> {
    const waited = await this.call('await', { tag, topic, timeoutMs }, true, timeoutMs + this.target.deadlineMs);
    if (!waited.ok) return waited;
    const processes = (waited.body.processes as string[]) ?? [];
    return waited.body.acknowledged ? { ok: true, processes } : { ok: false, error: 'unacknowledged', message: String(waited.body.message), processes };
  }

  async presence(): Promise<Presence> {
    const sentAt = performance.now();
    const seen = await this.call('presence', {});
    if (!seen.ok) return seen;
    return { ok: true, others: (seen.body.others as string[]) ?? [], vouchedUntil: sentAt + Number(seen.body.leaseMs) };
  }

  async load(): Promise<StoreResult<{ state: StoreState }>> {
    const read = await this.call('state', {});
    if (!read.ok) return read;
    try {
      return { ok: true, state: parseState(read.body.state) };
    } catch (error) {
      return unavailable(`the dashboard sent a state this client cannot read: ${(error as Error).message}`);
    }
  }

  setHealth(node: string, health: NodeHealth | null): Promise<StoreResult> {
    // Forgetting a node belongs to the change that removed it, on the dashboard.
    return health ? this.call('health', { node, health }) : Promise.resolve({ ok: true });
  }

  addSuspects(node: string, keys: readonly string[]): Promise<StoreResult> {
    return keys.length ? this.call('suspects', { node, keys }) : Promise.resolve({ ok: true });
  }

  clearSuspects(node: string, keys?: readonly string[]): Promise<StoreResult> {
    if (keys?.length === 0) return Promise.resolve({ ok: true });
    return this.call('clear', keys ? { node, keys } : { node });
  }

  async appendEvent(event: ClusterEvent): Promise<StoreResult<{ event: StoredEvent }>> {
    const appended = await this.call('event', { event });
    return appended.ok ? { ok: true, event: appended.body.event as StoredEvent } : appended;
  }

  async commitRing(): Promise<CommitResult> {
    return unavailable(MEMBERSHIP);
  }

  async writeJournal(): Promise<StoreResult> {
    return unavailable(MEMBERSHIP);
  }

  async setConsistency(): Promise<StoreResult<{ consistency: ConsistencyRecord }>> {
    return unavailable(MEMBERSHIP);
  }

  async lockChange(): Promise<LockResult> {
    return unavailable(MEMBERSHIP);
  }

  async campaign(): Promise<StoreResult<{ leadership: Leadership }>> {
    return unavailable('a client connected by URL never leads: the dashboard does');
  }

  /** The dashboard counts its own requests only (the file store holds one process's counts). */
  async publishHot(): Promise<StoreResult> {
    return { ok: true };
  }

  async readHot() {
    return { ok: true as const, reports: [] };
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    if (!this.watching) void this.follow();
    return () => this.listeners.delete(listener);
  }

  /** Ends the session at once (its acknowledgements go with it), so the dashboard writes alone again. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.beating) clearInterval(this.beating);
    this.watching?.abort();
    this.listeners.clear();
    if (this.session) await this.call('leave', {});
  }

  /** The watch, opened again whenever it ends or falls silent; each opening starts from the whole state. */
  private async follow(): Promise<void> {
    while (!this.closed) {
      const controller = new AbortController();
      this.watching = controller;
      let silence: NodeJS.Timeout | undefined;
      const heard = () => {
        this.setReachable(true);
        clearTimeout(silence);
        silence = setTimeout(() => controller.abort(), WATCH_SILENCE_MS);
      };
      try {
        heard();
        const url = endpoint(this.target, 'api/store/watch');
        url.searchParams.set('session', this.session ?? '');
        const response = await fetch(url, { headers: headersOf(this.target), signal: controller.signal });
        if (!response.ok || !response.body) {
          if (response.status === 410) await this.rejoin();
          throw new Error(`HTTP ${response.status}`);
        }
        await readEvents(
          response.body,
          (name, data) => {
            if (name !== 'change') return;
            const change = parseChange(JSON.parse(data));
            for (const listener of this.listeners) listener(change);
          },
          heard,
        );
      } catch {
        // Cut, silent, refused or unreadable: opened again below, from the whole state.
      } finally {
        clearTimeout(silence);
      }
      if (this.closed) return;
      this.setReachable(false);
      await new Promise((resolve) => setTimeout(resolve, WATCH_RETRY_MS));
    }
  }

  private async beat(): Promise<void> {
    if (this.closed || !this.session) return;
    await this.call('beat', {});
  }

  /** The session lapsed (the dashboard did not hear from this client for too long, or restarted): a new one. */
  private rejoin(): Promise<void> {
    this.rejoining ??= (this.closed ? Promise.resolve() : this.join().then(() => undefined)).finally(() => (this.rejoining = null));
    return this.rejoining;
  }

  /** One store call in this client's session; a session the dashboard no longer knows is opened again for the next call. */
  private async call(op: string, body: object, inSession = true, timeoutMs?: number): Promise<Extract<Answer, { ok: true }> | ReturnType<typeof unavailable>> {
    if (this.closed && op !== 'leave') return unavailable('the Ringside client is closed');
    const answer = await callStore(this.target, op, inSession && this.session ? { session: this.session, ...body } : body, timeoutMs);
    if (answer.ok) {
      this.setReachable(true);
      return answer;
    }
    if (answer.error === 'unknown_session' && op !== 'leave') void this.rejoin();
    this.setReachable(answer.status !== null);
    return unavailable(answer.message);
  }

  private setReachable(reachable: boolean): void {
    if (reachable === this.reachable_ || this.closed) return;
    this.reachable_ = reachable;
    for (const listener of this.reachabilityListeners) listener(reachable);
  }
}

/** A client's writer id: host and pid, and a few random bytes, since the pid may repeat in containers and the process may hold a cluster of its own. */
export function clientWriter(): string {
  return `${hostLabel(32)}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
