import 'server-only';
// The state store on etcd, shared by every process of a cluster: compare-and-set ring switches, leases, watches.
import type { Etcd3, IRequestOp } from 'etcd3';
import type { ClusterEvent } from '../cluster/events';
import type { ConsistencyLevels } from '../consistency';
import { encodeVersion, HybridClock } from '../version';
import type { EtcdConfig } from './config';
import { connectEtcd, within } from './etcd-client';
import { assembleState, leaderOf, stampsOf, type Entry } from './etcd-decode';
import { keyLayout, prefixEnd } from './etcd-keys';
import { claimKey, type HeldLease, type LeaseTarget } from './etcd-leases';
import { EtcdSession } from './etcd-session';
import { StoreWatch } from './etcd-watch';
import { processWriter } from './writer-id';
import { checkNextVersion, parseHotReport, parseRing } from './records';
import type { HotReport } from '../hot-window';
import {
  DEFAULT_EVENT_LIMIT,
  unavailable,
  type AckResult,
  type AckTopic,
  type ChangeJournal,
  type ChangeLock,
  type CommitResult,
  type ConsistencyRecord,
  type Leadership,
  type LockResult,
  type Membership,
  type NodeHealth,
  type Presence,
  type StateStore,
  type StoreChange,
  type StoredEvent,
  type StoreResult,
  type StoreState,
} from './types';

export interface EtcdStoreOptions {
  writer?: string;
  /** Every operation answers within this, or fails as `unavailable`. */
  deadlineMs?: number;
  /** Lease of the change lock and of leadership: how long a dead holder keeps them. */
  leaseTtlSec?: number;
  heartbeatMs?: number;
  stallMs?: number;
  eventLimit?: number;
  clock?: () => number;
}

/** etcd refuses a transaction over 128 operations and a request over 1.5 MiB. */
const BATCH_OPS = 100;
const BATCH_BYTES = 512 * 1024;
const PAGE = 2000;

const bytes = (text: string) => Buffer.from(text);

export class EtcdStore implements StateStore {
  readonly kind = 'etcd';
  private readonly client: Etcd3;
  private readonly clock: HybridClock;
  private readonly layout;
  private readonly target: LeaseTarget & { endpoints: string[] };
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly held = new Set<HeldLease>();
  private watching: StoreWatch | null = null;
  /** Its heartbeat and acknowledgements, held under a session lease, so a process that dies leaves none behind. */
  private readonly session: EtcdSession;
  private closed = false;
  private reachable_ = true;
  private leader_: string | null = null;
  private readonly reachabilityListeners = new Set<(reachable: boolean) => void>();

  constructor(
    private readonly config: EtcdConfig,
    private readonly options: EtcdStoreOptions = {},
  ) {
    this.clock = new HybridClock(options.writer ?? processWriter(), options.clock ?? Date.now);
    this.layout = keyLayout(config.prefix);
    const deadlineMs = options.deadlineMs ?? 2000;
    this.client = connectEtcd(config, deadlineMs);
    this.target = { client: this.client, endpoints: config.endpoints, deadlineMs, ttlSec: options.leaseTtlSec ?? 5 };
    this.session = new EtcdSession({
      client: this.client,
      layout: this.layout,
      writer: this.writer,
      ttlSec: this.target.ttlSec,
      target: this.target,
      call: (what, op) => this.call(what, op),
      closed: () => this.closed,
    });
  }

  get writer(): string {
    return this.clock.writer;
  }

  /** Where the state is, for a client to connect to it: members and prefix, and whether they need credentials (never the credentials). */
  where(): { endpoints: string[]; prefix: string; credentials: boolean } {
    return { endpoints: [...this.config.endpoints], prefix: this.config.prefix, credentials: Boolean(this.config.auth || this.config.tls) };
  }

  get reachable(): boolean {
    return this.reachable_;
  }

  get leader(): string | null {
    return this.leader_;
  }

  onReachability(listener: (reachable: boolean) => void): () => void {
    this.reachabilityListeners.add(listener);
    return () => this.reachabilityListeners.delete(listener);
  }

  join(): Promise<StoreResult<{ tag: string }>> {
    return this.session.join();
  }

  acknowledge(tag: string, topic?: AckTopic): Promise<StoreResult> {
    return this.session.acknowledge(tag, topic);
  }

  awaitAcknowledged(tag: string, timeoutMs: number, topic?: AckTopic): Promise<AckResult> {
    return this.session.awaitAcknowledged(tag, timeoutMs, topic);
  }

  presence(): Promise<Presence> {
    return this.session.presence();
  }

  /** How many times the watch re-read everything after a stall or a broken watch. */
  get watchResyncs(): number {
    return this.watching?.resyncs ?? 0;
  }

  async load(): Promise<StoreResult<{ state: StoreState }>> {
    const loaded = await this.reload();
    return loaded.ok ? { ok: true, state: loaded.state } : loaded;
  }

  async commitRing(expectedVersion: number, next: Membership): Promise<CommitResult> {
    checkNextVersion(expectedVersion, next);
    const record = { ...structuredClone(next), stamp: this.stamp() };
    const version = bytes(this.layout.ringVersion);
    const done = await this.call('commit the ring', () =>
      this.client.kv.txn({
        // The version key absent is version 0: a store that never held a ring.
        compare: [expectedVersion === 0 ? { key: version, target: 'Version', result: 'Equal', version: 0 } : { key: version, target: 'Value', result: 'Equal', value: bytes(String(expectedVersion)) }],
        success: [{ request_put: { key: version, value: bytes(String(next.version)) } }, { request_put: { key: bytes(this.layout.ring), value: bytes(JSON.stringify(record)) } }],
        failure: [{ request_range: { key: bytes(this.layout.ring) } }],
      }),
    );
    if (!done.ok) return done;
    if (done.value.succeeded) return { ok: true, ring: record };
    const kv = done.value.responses[0]?.response_range?.kvs[0];
    const current = kv ? parseRing(JSON.parse(kv.value.toString())) : null;
    // A retry whose first attempt did commit finds its own ring.
    if (current?.stamp === record.stamp) return { ok: true, ring: record };
    if (current) this.clock.receiveEncoded(current.stamp);
    return { ok: false, error: 'conflict', message: `the ring is at version ${current?.version ?? 0}, not ${expectedVersion}: another process changed it`, current };
  }

  async setHealth(node: string, health: NodeHealth | null): Promise<StoreResult> {
    const key = bytes(this.layout.health(node));
    const done = health
      ? await this.call(`record the health of ${node}`, () => this.client.kv.put({ key, value: bytes(JSON.stringify({ ...health, stamp: this.stamp() })) }))
      : await this.call(`forget the health of ${node}`, () => this.client.kv.deleteRange({ key }));
    return done.ok ? { ok: true } : done;
  }

  async addSuspects(node: string, keys: readonly string[]): Promise<StoreResult> {
    // The value names the writer, so a process's watch tells its own marks from others'.
    const writer = bytes(this.writer);
    const ops = [...new Set(keys)].map((key): IRequestOp => ({ request_put: { key: bytes(this.layout.suspect(node, key)), value: writer } }));
    return this.runBatches(`mark suspect keys on ${node}`, ops);
  }

  async clearSuspects(node: string, keys?: readonly string[]): Promise<StoreResult> {
    if (!keys) {
      const start = bytes(this.layout.suspectsOf(node));
      const done = await this.call(`clear the suspect keys of ${node}`, () => this.client.kv.deleteRange({ key: start, range_end: prefixEnd(start) }));
      return done.ok ? { ok: true } : done;
    }
    const ops = [...new Set(keys)].map((key): IRequestOp => ({ request_delete_range: { key: bytes(this.layout.suspect(node, key)) } }));
    return this.runBatches(`clear suspect keys on ${node}`, ops);
  }

  async writeJournal(journal: ChangeJournal | null): Promise<StoreResult> {
    const key = bytes(this.layout.journal);
    const done = journal
      ? await this.call('write the change journal', () => this.client.kv.put({ key, value: bytes(JSON.stringify({ ...journal, stamp: this.stamp() })) }))
      : await this.call('clear the change journal', () => this.client.kv.deleteRange({ key }));
    return done.ok ? { ok: true } : done;
  }

  async setConsistency(levels: ConsistencyLevels): Promise<StoreResult<{ consistency: ConsistencyRecord }>> {
    const consistency = { w: levels.w, r: levels.r, stamp: this.stamp() };
    const done = await this.call('save the consistency levels', () => this.client.kv.put({ key: bytes(this.layout.consistency), value: bytes(JSON.stringify(consistency)) }));
    return done.ok ? { ok: true, consistency } : done;
  }

  async appendEvent(event: ClusterEvent): Promise<StoreResult<{ event: StoredEvent }>> {
    const stored = { ...event, at: Date.now(), stamp: this.stamp() } as StoredEvent;
    const done = await this.call('append an event', () => this.client.kv.put({ key: bytes(this.layout.event(stored.stamp)), value: bytes(JSON.stringify(stored)) }));
    if (!done.ok) return done;
    const trimmed = await this.call('trim the event log', () => this.trimEvents());
    return trimmed.ok ? { ok: true, event: stored } : trimmed;
  }

  async lockChange(owner: string): Promise<LockResult> {
    if (this.closed) return unavailable('the state store is closed');
    const claim = await claimKey(this.target, this.layout.changeLock, JSON.stringify({ owner, writer: this.writer, since: Date.now() }), 'take the change lock');
    if (!claim.ok) {
      if (claim.error !== 'busy') return claim;
      const holder = holderOf(claim.holder, 'owner');
      return { ok: false, error: 'busy', message: `a membership change is already running (${holder})`, holder };
    }
    const held = this.keep(claim.held);
    const lock: ChangeLock = {
      owner,
      get lost() {
        return held.lost;
      },
      onLost: (listener) => held.onLost(listener),
      release: () => held.revoke('released'),
    };
    return { ok: true, lock };
  }

  async campaign(onLost: (reason: string) => void): Promise<StoreResult<{ leadership: Leadership }>> {
    const leader = bytes(this.layout.leader);
    while (!this.closed) {
      // A cheap read first: a process waiting behind a live leader writes nothing.
      const seen = await this.call('look for a leader', () => this.client.kv.range({ key: leader, count_only: true }));
      if (seen.ok && Number(seen.value.count) === 0) {
        const claim = await claimKey(this.target, this.layout.leader, JSON.stringify({ writer: this.writer, since: Date.now() }), 'campaign for leadership');
        if (claim.ok && this.closed) await claim.held.revoke('the state store was closed');
        else if (claim.ok) {
          const held = this.keep(claim.held);
          this.leader_ = this.writer;
          held.onLost((reason) => {
            if (this.leader_ === this.writer) this.leader_ = null;
            onLost(reason);
          });
          const leadership: Leadership = {
            get lost() {
              return held.lost;
            },
            resign: () => held.revoke('resigned'),
          };
          return { ok: true, leadership };
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return unavailable('the state store was closed before this process was elected');
  }

  async publishHot(report: HotReport): Promise<StoreResult> {
    return this.session.putUnderSession('publish the request counts', this.layout.hot(this.writer), JSON.stringify(report));
  }

  async readHot(): Promise<StoreResult<{ reports: HotReport[] }>> {
    const read = await this.call('read the request counts', () => this.session.rangeOf(this.layout.hotPrefix));
    if (!read.ok) return read;
    const reports: HotReport[] = [];
    for (const { value } of read.value) {
      let parsed: HotReport | null = null;
      try {
        parsed = parseHotReport(JSON.parse(value));
      } catch {
        // Not JSON: another version's record, or a torn one; the others still count.
      }
      if (parsed) reports.push(parsed);
    }
    return { ok: true, reports };
  }

  watch(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    if (this.watching) {
      // A later subscriber starts, like the first, from the whole state.
      void this.load().then((loaded) => loaded.ok && this.listeners.has(listener) && listener({ type: 'reloaded', state: loaded.state }));
    } else {
      this.watching = new StoreWatch({
        layout: this.layout,
        writer: this.writer,
        connect: () => connectEtcd(this.config, this.target.deadlineMs),
        reload: () => this.reload(),
        beat: () => this.session.beat(),
        deliver: (change) => this.deliver(change),
        heard: (heartbeats) => {
          for (const tag of this.session.joinsHeard(heartbeats)) this.deliver({ type: 'joined', tag });
        },
        heartbeatMs: this.options.heartbeatMs ?? 500,
        stallMs: this.options.stallMs ?? 2000,
      });
      this.watching.start();
    }
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watching?.stop();
    await Promise.all([...this.held].map((held) => held.revoke('the state store was closed')));
    await this.session.revoke();
    this.listeners.clear();
    this.client.close();
  }

  private deliver(change: StoreChange): void {
    if (change.type === 'leader') this.leader_ = change.writer;
    for (const stamp of stampsOf(change)) this.clock.receiveEncoded(stamp);
    for (const each of this.listeners) each(change);
  }

  private setReachable(reachable: boolean): void {
    if (reachable === this.reachable_ || this.closed) return;
    this.reachable_ = reachable;
    for (const listener of this.reachabilityListeners) listener(reachable);
  }

  private keep(held: HeldLease): HeldLease {
    this.held.add(held);
    held.onLost(() => this.held.delete(held));
    return held;
  }

  private stamp(): string {
    return encodeVersion(this.clock.now());
  }

  private async call<T>(what: string, op: () => Promise<T>) {
    if (this.closed) return unavailable('the state store is closed');
    const done = await within(this.target, what, op);
    this.setReachable(done.ok);
    return done;
  }

  /** Every key under the prefix at one revision, page by page. */
  private async reload(): Promise<StoreResult<{ state: StoreState; revision: string }>> {
    const read = await this.call('read the cluster state', async () => {
      const entries: Entry[] = [];
      const end = prefixEnd(bytes(this.layout.prefix));
      let start = bytes(this.layout.prefix);
      let revision: string | undefined;
      for (;;) {
        const page = await this.client.kv.range({ key: start, range_end: end, limit: PAGE, revision });
        revision ??= page.header.revision;
        for (const kv of page.kvs) entries.push({ key: kv.key.toString(), value: kv.value.toString() });
        if (!page.more || page.kvs.length === 0) break;
        start = Buffer.concat([page.kvs[page.kvs.length - 1].key, Buffer.from([0])]);
      }
      const leader = entries.find((entry) => entry.key === this.layout.leader);
      return { state: assembleState(this.layout, entries), revision: revision!, leader: leader ? leaderOf(leader.value) : null };
    });
    if (!read.ok) return read;
    this.leader_ = read.value.leader;
    for (const stamp of stampsOf({ type: 'reloaded', state: read.value.state })) this.clock.receiveEncoded(stamp);
    return { ok: true, state: read.value.state, revision: read.value.revision };
  }

  private async runBatches(what: string, ops: IRequestOp[]): Promise<StoreResult> {
    const batches: IRequestOp[][] = [];
    let size = 0;
    for (const op of ops) {
      const opBytes = (op.request_put?.key?.length ?? op.request_delete_range?.key?.length ?? 0) + 64;
      if (!batches.length || batches[batches.length - 1].length >= BATCH_OPS || size + opBytes > BATCH_BYTES) {
        batches.push([]);
        size = 0;
      }
      batches[batches.length - 1].push(op);
      size += opBytes;
    }
    // A few transactions in flight at once: each is one raft entry, each stays far below etcd's limits.
    let next = 0;
    let failure: StoreResult | null = null;
    const worker = async () => {
      while (next < batches.length && !failure) {
        const batch = batches[next++];
        const done = await this.call(`${what} (${ops.length} keys)`, () => this.client.kv.txn({ compare: [], success: batch }));
        if (!done.ok) failure = done;
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, batches.length) }, worker));
    return failure ?? { ok: true };
  }

  private async trimEvents(): Promise<void> {
    const start = bytes(this.layout.eventsPrefix);
    const end = prefixEnd(start);
    const limit = this.options.eventLimit ?? DEFAULT_EVENT_LIMIT;
    const counted = await this.client.kv.range({ key: start, range_end: end, count_only: true });
    const excess = Number(counted.count) - limit;
    if (excess <= 0) return;
    const oldest = await this.client.kv.range({ key: start, range_end: end, keys_only: true, limit: excess, sort_order: 'Ascend', sort_target: 'Key' });
    const last = oldest.kvs[oldest.kvs.length - 1]?.key;
    if (last) await this.client.kv.deleteRange({ key: start, range_end: Buffer.concat([last, Buffer.from([0])]) });
  }
}

function holderOf(value: string, field: string): string {
  try {
    return String((JSON.parse(value) as Record<string, unknown>)[field] ?? value);
  } catch {
    return value || 'unknown';
  }
}
