// Who writes to a cluster kept in one process's file store: that process, and the clients that joined through its API, each under a lease.
import type { AckResult, AckTopic } from './types';

/** A client's session lapses this long after its last heartbeat: it is then no longer waited for, nor present. */
export const FOLLOWER_LEASE_MS = 5000;
/** For a change's acknowledgements, a heartbeat older than this is a client that died or lost the dashboard (as on etcd). */
const LIVE_BEAT_MS = 3000;
/** Joins acknowledged, newest last (as on etcd): a newcomer pushed out only waits out its bound. */
const JOIN_ACKS_KEPT = 32;

interface Participant {
  writer: string;
  tag: string;
  /** performance.now() of the last heartbeat; the lease runs FOLLOWER_LEASE_MS from it. */
  beat: number;
  change: string | null;
  joins: string[];
}

/** Stands, in `others`, for clients that may still be writing after the store's process restarted. */
export const RETURNING = 'clients-from-before-a-restart';

export type JoinOutcome = { ok: true; tag: string } | { ok: false; holder: string };

/**
 * The store's own process is present for as long as it runs (the clients reach the store through it); a client is
 * present while its lease holds. Acknowledgements live with the session that gave them, so a client gone leaves none.
 */
export class Participants {
  private readonly byTag = new Map<string, Participant>();
  private sessions = 0;
  /** clock() until which clients connected before a restart may still write without a session. */
  private returningUntil = -Infinity;

  constructor(
    private readonly self: string,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.byTag.set(self, { writer: self, tag: self, beat: Infinity, change: null, joins: [] });
  }

  /**
   * The store's process restarted while clients were connected: they keep writing until a heartbeat finds their session
   * gone (one a second) and they join again. Until then, or a lease at most, this process must not count itself alone.
   */
  expectReturning(): void {
    this.returningUntil = this.clock() + FOLLOWER_LEASE_MS;
  }

  /** A new session for `writer`, refused while another session of the same writer id is present. */
  join(writer: string): JoinOutcome {
    const holder = this.present().find((p) => p.writer === writer);
    if (holder) return { ok: false, holder: holder.tag };
    const tag = `${writer}#${++this.sessions}`;
    this.byTag.set(tag, { writer, tag, beat: this.clock(), change: null, joins: [] });
    return { ok: true, tag };
  }

  /** The writer of a session that holds, or null once it lapsed or left. */
  writerOf(tag: string): string | null {
    return this.live(tag)?.writer ?? null;
  }

  /** Renews a client's lease; false when it had already lapsed (the client must join again). */
  beat(tag: string): boolean {
    const participant = this.live(tag);
    if (!participant || tag === this.self) return participant !== undefined;
    participant.beat = this.clock();
    return true;
  }

  leave(tag: string): boolean {
    return tag !== this.self && this.byTag.delete(tag);
  }

  /** How long a session still holds, in ms from now (Infinity for the store's own process). */
  remaining(tag: string): number {
    const participant = this.live(tag);
    return participant ? participant.beat + FOLLOWER_LEASE_MS - this.clock() : 0;
  }

  acknowledge(by: string, tag: string, topic: AckTopic): boolean {
    const participant = this.live(by);
    if (!participant) return false;
    if (topic === 'change') participant.change = tag;
    else participant.joins = [...participant.joins.filter((t) => t !== tag), tag].slice(-JOIN_ACKS_KEPT);
    return true;
  }

  /** The tags of the others present, as `by` sees them. */
  others(by: string): string[] {
    const tags = this.present()
      .filter((p) => p.tag !== by)
      .map((p) => p.tag);
    // Not waited for (they cannot acknowledge without a session): they only keep writes conditional meanwhile.
    return this.clock() < this.returningUntil ? [...tags, RETURNING] : tags;
  }

  /**
   * Which other processes `by` waits for and which of them have not acknowledged `tag`: for a change, those with a
   * fresh heartbeat; for a join, every one present.
   */
  pending(by: string, tag: string, topic: AckTopic): { live: string[]; waiting: string[] } {
    const now = this.clock();
    const live = this.present().filter((p) => p.tag !== by && (topic === 'join' || now - p.beat < LIVE_BEAT_MS));
    const waiting = live.filter((p) => (topic === 'change' ? p.change !== tag : !p.joins.includes(tag)));
    return { live: live.map((p) => p.writer), waiting: waiting.map((p) => p.writer) };
  }

  /** Polls `pending` (in memory) until nobody is waited for, the time given has passed, or `stop()` says so. */
  async awaitAcknowledged(by: string, tag: string, timeoutMs: number, topic: AckTopic, stop: () => boolean): Promise<AckResult> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { live, waiting } = this.pending(by, tag, topic);
      if (waiting.length === 0) return { ok: true, processes: live };
      if (performance.now() >= deadline || stop()) {
        return { ok: false, error: 'unacknowledged', processes: waiting, message: `${waiting.join(', ')} did not acknowledge the ${topic} within ${timeoutMs} ms` };
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private present(): Participant[] {
    const now = this.clock();
    for (const [tag, p] of this.byTag) if (p.beat + FOLLOWER_LEASE_MS <= now) this.byTag.delete(tag);
    return [...this.byTag.values()];
  }

  private live(tag: string): Participant | undefined {
    return this.present().find((p) => p.tag === tag);
  }
}
