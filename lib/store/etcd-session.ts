import 'server-only';
// This process's presence in etcd: its heartbeat under a session lease, its acknowledgements, and who else is present.
import type { Etcd3, Lease } from 'etcd3';
import { within } from './etcd-client';
import type { Heartbeat } from './etcd-decode';
import { joinTag, prefixEnd, type KeyLayout } from './etcd-keys';
import { unavailable, type AckResult, type AckTopic, type Presence, type StoreFailure, type StoreResult } from './types';

/** A heartbeat (written every half second) older than this is not a live process's, for a change's acknowledgements. */
const LIVE_BEAT_MS = 3000;
/** Joins acknowledged, newest last: more than ever join at once; a newcomer pushed out only waits out its bound. */
const JOIN_ACKS_KEPT = 32;
/** Kept between etcd's expiry of the session lease and the time this process vouches it is present until. */
const LEASE_MARGIN_MS = 1000;

export interface SessionDeps {
  client: Etcd3;
  layout: KeyLayout;
  writer: string;
  ttlSec: number;
  target: { endpoints: string[]; deadlineMs: number };
  /** One store call under the store's deadline, noting whether etcd answered. */
  call<T>(what: string, op: () => Promise<T>): Promise<{ ok: true; value: T } | StoreFailure>;
  closed(): boolean;
}

interface Held {
  key: string;
  value: string;
  lease: string;
}

export class EtcdSession {
  private lease: Lease | null = null;
  /** performance.now() before which etcd cannot have expired the session lease: its grant or last keepalive asked, plus its TTL. */
  private safeUntil = 0;
  private joinAcks: string[] = [];
  /** The join tag of each other process whose heartbeat the watch carried: a new one is a join. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly deps: SessionDeps) {}

  async join(): Promise<StoreResult<{ tag: string }>> {
    const done = await this.beat();
    if (!done.ok) return done;
    const id = await this.deps.call('read the session lease', () => this.current().grant());
    return id.ok ? { ok: true, tag: joinTag(this.deps.writer, id.value) } : id;
  }

  beat() {
    const session = this.current();
    return this.deps.call('heartbeat', () => session.put(this.deps.layout.heartbeat(this.deps.writer)).value(String(Date.now())).exec());
  }

  /** Writes `key` under the session lease: it goes with this process (request counts, say). */
  async putUnderSession(what: string, key: string, value: string): Promise<StoreResult> {
    const session = this.current();
    const done = await this.deps.call(what, () => session.put(key).value(value).exec());
    return done.ok ? { ok: true } : done;
  }

  async acknowledge(tag: string, topic: AckTopic = 'change'): Promise<StoreResult> {
    const session = this.current();
    const { layout, writer } = this.deps;
    if (topic === 'join') this.joinAcks = [...this.joinAcks.filter((t) => t !== tag), tag].slice(-JOIN_ACKS_KEPT);
    // Each write carries every join acknowledged so far, so acknowledgements written at once never drop one another.
    const [key, value] = topic === 'join' ? [layout.joinAck(writer), JSON.stringify(this.joinAcks)] : [layout.ack(writer), tag];
    const done = await this.deps.call(`acknowledge a ${topic}`, () => session.put(key).value(value).exec());
    return done.ok ? { ok: true } : done;
  }

  async awaitAcknowledged(tag: string, timeoutMs: number, topic: AckTopic = 'change'): Promise<AckResult> {
    const { layout, writer: self } = this.deps;
    const acksPrefix = topic === 'join' ? layout.joinAcksPrefix : layout.acksPrefix;
    // Elapsed time, not the wall clock: a join's wait must last its full bound whatever the clock does.
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const read = await this.deps.call('read the acknowledgements', async () => {
        const [beats, acks] = await Promise.all([this.rangeOf(layout.heartbeatPrefix), this.rangeOf(acksPrefix)]);
        return { beats, acks };
      });
      // A member failing over (etcd's own leader changing) answers again within the time given.
      if (!read.ok && performance.now() < deadline && !this.deps.closed()) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (!read.ok) return read;
      const acked = new Map(read.value.acks.map(({ key, value }) => [key.slice(acksPrefix.length), value]));
      // For a change, a heartbeat older than LIVE_BEAT_MS is a process that died (its session lease has yet to lapse) or
      // lost etcd. A join counts every process present: only its session bounds how long it may still write alone.
      const live = read.value.beats
        .filter(({ value }) => topic === 'join' || Math.abs(Date.now() - Number(value)) < LIVE_BEAT_MS)
        .map(({ key }) => key.slice(layout.heartbeatPrefix.length))
        .filter((writer) => writer !== self);
      const waiting = live.filter((writer) => !holds(acked.get(writer), tag, topic));
      if (waiting.length === 0) return { ok: true, processes: live };
      if (performance.now() >= deadline || this.deps.closed()) {
        return { ok: false, error: 'unacknowledged', processes: waiting, message: `${waiting.join(', ')} did not acknowledge the ${topic} within ${timeoutMs} ms` };
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * The others present, and until when this process is present for them: its heartbeat must be held under the
   * current session lease, which etcd cannot expire before `safeUntil`. Present, a process is waited for by every
   * newcomer, so what it concludes from this read holds until then at most.
   */
  async presence(): Promise<Presence> {
    if (this.deps.closed()) return unavailable('the state store is closed');
    const session = this.current();
    const read = await this.deps.call('read who is present', async () => ({ id: await session.grant(), beats: await this.rangeOf(this.deps.layout.heartbeatPrefix) }));
    if (!read.ok) return read;
    const own = this.deps.layout.heartbeat(this.deps.writer);
    const held = read.value.beats.some((beat) => beat.key === own && beat.lease === read.value.id);
    const others = read.value.beats.filter((beat) => beat.key !== own).map((beat) => joinTag(beat.key.slice(this.deps.layout.heartbeatPrefix.length), beat.lease));
    return { ok: true, others, vouchedUntil: held && session === this.lease && !session.revoked() ? this.safeUntil - LEASE_MARGIN_MS : 0 };
  }

  /** The joins among heartbeats the watch carried: each other process's first heartbeat under a new session. */
  joinsHeard(heartbeats: readonly Heartbeat[]): string[] {
    const joins: string[] = [];
    for (const { writer, tag } of heartbeats) {
      if (writer === this.deps.writer) continue;
      if (tag === null) this.seen.delete(writer);
      else if (this.seen.get(writer) !== tag) {
        this.seen.set(writer, tag);
        joins.push(tag);
      }
    }
    return joins;
  }

  /** Ends the session: its heartbeat and acknowledgements go at once. */
  async revoke(): Promise<void> {
    const session = this.lease;
    if (session) await within(this.deps.target, 'end the session', () => session.revoke());
  }

  private current(): Lease {
    if (this.lease && !this.lease.revoked()) return this.lease;
    const askedAt = performance.now();
    const lease = this.deps.client.lease(Math.max(10, this.deps.ttlSec));
    this.lease = lease;
    // etcd starts the TTL when it grants the lease, and again on each keepalive it receives: never before they were asked.
    this.safeUntil = askedAt + Math.max(10, this.deps.ttlSec) * 1000;
    const fired: number[] = [];
    lease.on('lost', () => undefined);
    lease.on('keepaliveEstablished', () => (fired.length = 0));
    lease.on('keepaliveFired', () => fired.push(performance.now()));
    lease.on('keepaliveSucceeded', (res) => {
      const at = fired.shift();
      if (at !== undefined && this.lease === lease) this.safeUntil = Math.max(this.safeUntil, at + Number(res.TTL) * 1000);
    });
    return lease;
  }

  /** Every key under `prefix`, with the lease each is held under. */
  async rangeOf(prefix: string): Promise<Held[]> {
    const start = Buffer.from(prefix);
    const page = await this.deps.client.kv.range({ key: start, range_end: prefixEnd(start) });
    return page.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), lease: String(kv.lease ?? '0') }));
  }
}

function holds(acknowledged: string | undefined, tag: string, topic: AckTopic): boolean {
  if (acknowledged === undefined) return false;
  if (topic === 'change') return acknowledged === tag;
  try {
    const tags: unknown = JSON.parse(acknowledged);
    return Array.isArray(tags) && tags.includes(tag);
  } catch {
    return false;
  }
}
