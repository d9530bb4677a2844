import 'server-only';
// The cluster's state in memory (ring, node health, the change in flight), changed only by named operations persisted through the state store.
import { DEFAULT_LEVELS, type ConsistencyLevels } from '../consistency';
import { buildRing, type Ring } from '../ring';
import type { ChangeJournal, ConsistencyRecord, MemberRecord, Membership, NodeHealth, StateStore, StoreResult, StoreState } from '../store/types';
import { ControlPlaneError } from './control-plane';
import type { ClusterEvent } from './events';
import type { ChangeInFlight } from './replication';

/** A node as the rest of the cluster reads it: its place on the ring and what is known of its health. */
export type NodeRecord = MemberRecord & Omit<NodeHealth, 'down'> & { down?: boolean };

/** A membership change in flight: writes reach both rings' lists, reads try both; snapshots judge keys against both. */
export interface Transition extends ChangeInFlight {
  to: Ring;
  nodes: readonly MemberRecord[];
  /** Keys written or deleted since the change began: their copies are already in place. */
  dirty: Set<string>;
  unavailable: Set<string>;
  refills: Map<string, string[]>;
  /** Another process's change (its tag), followed from the store's journal; absent for this process's own. */
  foreign?: string;
}

/** How long suspect marks gather before they are saved together. */
const SUSPECT_BATCH_MS = 20;
/** How soon marks the store did not take are sent again. */
const SUSPECT_RETRY_MS = 250;

export class ClusterState {
  private membership: Membership;
  private readonly health = new Map<string, NodeHealth>();
  private ringNow: Ring;
  private records_: NodeRecord[] | null = null;
  private transition_: Transition | null = null;
  private journal_: ChangeJournal | null;
  /** The cluster's default levels and the stamp of the record they came from (empty: never set). */
  private consistency_: { levels: ConsistencyLevels; stamp: string };
  /** Store writes, chained per record so they land in the order they were made. */
  private readonly queues = new Map<string, Promise<boolean>>();
  private readonly suspects = new Map<string, { clearAll: boolean; keys: Map<string, boolean> }>();
  private suspectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Whether the pool holds a suspect mark (set once the pool exists): what a retried write must still say. */
  markHeld: (node: string, key: string) => boolean = () => false;
  /** Marks this process sent to the store whose echo has not come back: an older clear seen meanwhile must not drop them. */
  private readonly unechoed = new Map<string, number>();

  constructor(
    readonly store: StateStore,
    loaded: StoreState,
    replicas: number,
    /** Emits an event in this process only (a store failure must not be appended to the failing store). */
    private readonly report: (event: ClusterEvent) => void,
  ) {
    this.membership = loaded.ring ? { version: loaded.ring.version, replicas: loaded.ring.replicas, nodes: loaded.ring.nodes } : { version: 0, replicas, nodes: [] };
    for (const [id, record] of Object.entries(loaded.health)) this.health.set(id, withoutStamp(record));
    this.journal_ = loaded.journal ? withoutStamp(loaded.journal) : null;
    this.consistency_ = { levels: DEFAULT_LEVELS, stamp: '' };
    if (loaded.consistency) this.adoptConsistency(loaded.consistency);
    this.ringNow = this.ringOf(this.membership.nodes);
  }

  get version(): number {
    return this.membership.version;
  }

  get replicas(): number {
    return this.membership.replicas;
  }

  get ring(): Ring {
    return this.ringNow;
  }

  /** The ring's membership as committed, for journals and plans. */
  get members(): Membership {
    return structuredClone(this.membership);
  }

  get transition(): Transition | null {
    return this.transition_;
  }

  get journal(): ChangeJournal | null {
    return this.journal_;
  }

  /** The write and read levels a call uses when it names none. */
  get consistency(): ConsistencyLevels {
    return this.consistency_.levels;
  }

  /** Saves new default levels and takes them once the store has them (so a restart, or another process, finds the same). */
  async setConsistency(levels: ConsistencyLevels): Promise<StoreResult<{ consistency: ConsistencyRecord }>> {
    const saved = await this.store.setConsistency(levels);
    if (saved.ok) this.adoptConsistency(saved.consistency);
    return saved;
  }

  /** Levels read from the store; a late echo of an older record (stamps sort as versions) does not turn them back. */
  adoptConsistency(record: ConsistencyRecord): void {
    if (record.stamp <= this.consistency_.stamp) return;
    this.consistency_ = { levels: { w: record.w, r: record.r }, stamp: record.stamp };
  }

  /** The ring's nodes. */
  nodes(): NodeRecord[] {
    return this.records().filter((record) => this.membership.nodes.some((n) => n.id === record.id));
  }

  /** Every node, the ring's and any joining one. */
  records(): NodeRecord[] {
    if (this.records_) return this.records_;
    const members = [...this.membership.nodes];
    for (const node of this.transition_?.nodes ?? []) if (!members.some((m) => m.id === node.id)) members.push(node);
    this.records_ = members.map((member) => ({ ...this.health.get(member.id), ...member }));
    return this.records_;
  }

  record(id: string): NodeRecord | undefined {
    return this.records().find((n) => n.id === id);
  }

  healthOf(id: string): NodeHealth | undefined {
    return this.health.get(id);
  }

  /** Nodes with a health record but no place on the ring or in the change in flight. */
  outsiders(): string[] {
    return [...this.health.keys()].filter((id) => !this.records().some((n) => n.id === id));
  }

  ringOf(nodes: readonly MemberRecord[]): Ring {
    return buildRing(
      nodes.map(({ id, vnodes }) => ({ id, vnodes })),
      this.membership.replicas,
    );
  }

  beginTransition(nodes: readonly MemberRecord[], foreign?: string): Transition {
    this.transition_ = { to: this.ringOf(nodes), nodes: nodes.map(memberOf), dirty: new Set(), unavailable: new Set(), refills: new Map(), ...(foreign ? { foreign } : {}) };
    this.records_ = null;
    return this.transition_;
  }

  endTransition(): void {
    this.transition_ = null;
    this.records_ = null;
  }

  /**
   * Switches the ring: a compare-and-set on the version this process holds. Throws when the store refuses or
   * cannot confirm it, and the ring here stays as it was: a restart must find the ring the keys are on.
   */
  async commitRing(nodes: readonly MemberRecord[]): Promise<void> {
    await this.flushed();
    const next: Membership = { version: this.membership.version + 1, replicas: this.membership.replicas, nodes: nodes.map(memberOf) };
    const committed = await this.store.commitRing(this.membership.version, next);
    if (!committed.ok) {
      const message = `could not switch the ring to version ${next.version}: ${committed.message}`;
      throw committed.error === 'unavailable' ? new ControlPlaneError(message) : new Error(message);
    }
    this.adoptRing(next);
  }

  /** A ring committed elsewhere (another process, read from the store). */
  adoptRing(next: Membership): void {
    this.membership = structuredClone(next);
    this.ringNow = this.ringOf(next.nodes);
    this.records_ = null;
  }

  /** Merges `patch` into the node's health; the store write is queued, and a failure to save is reported, not thrown. */
  setHealth(id: string, patch: Partial<NodeHealth>): Promise<boolean> {
    const merged: NodeHealth = { down: false, ...this.health.get(id), ...patch };
    for (const field of Object.keys(merged) as (keyof NodeHealth)[]) if (merged[field] === undefined) delete merged[field];
    this.health.set(id, merged);
    this.records_ = null;
    return this.queue(`health:${id}`, 'save the health of ' + id, () => this.store.setHealth(id, this.health.get(id) ?? null));
  }

  markDown(id: string): Promise<boolean> {
    return this.setHealth(id, { down: true });
  }

  markUp(id: string, instance: string): Promise<boolean> {
    return this.setHealth(id, { down: false, instance });
  }

  forgetHealth(id: string): Promise<boolean> {
    this.health.delete(id);
    this.records_ = null;
    return this.queue(`health:${id}`, 'forget ' + id, () => this.store.setHealth(id, null));
  }

  /** Whether a health write of this process for the node is still on its way to the store. */
  savingHealth(id: string): boolean {
    return this.queues.has(`health:${id}`);
  }

  /** Health read from the store (written by another process). */
  adoptHealth(id: string, health: NodeHealth | null): void {
    if (health) this.health.set(id, health);
    else this.health.delete(id);
    this.records_ = null;
  }

  /** Writes (or, with null, clears) the change journal and waits for it; throws when it could not be saved. */
  async writeJournal(journal: ChangeJournal | null): Promise<void> {
    this.journal_ = journal ? structuredClone(journal) : null;
    const saved = await this.queue('journal', 'save the change journal', () => this.store.writeJournal(this.journal_));
    if (!saved) throw new ControlPlaneError('could not save the change journal: the state store did not take it');
  }

  /** A journal update that need not be waited for (progress). */
  noteJournal(journal: ChangeJournal): void {
    this.journal_ = structuredClone(journal);
    void this.queue('journal', 'save the change journal', () => this.store.writeJournal(this.journal_));
  }

  adoptJournal(journal: ChangeJournal | null): void {
    this.journal_ = journal;
  }

  /**
   * Records suspect marks made or cleared on the data path; they reach the store in batches, after the
   * call that made them, so no read or write ever waits for the store.
   */
  noteSuspects(node: string, added: readonly string[], cleared: readonly string[] | 'all'): void {
    const pending = this.suspects.get(node) ?? this.suspects.set(node, { clearAll: false, keys: new Map() }).get(node)!;
    if (cleared === 'all') Object.assign(pending, { clearAll: true, keys: new Map() });
    else for (const key of cleared) pending.keys.set(key, false);
    for (const key of added) pending.keys.set(key, true);
    this.suspectTimer ??= setTimeout(() => this.flushSuspects(), SUSPECT_BATCH_MS);
  }

  private flushSuspects(): void {
    clearTimeout(this.suspectTimer);
    this.suspectTimer = undefined;
    for (const [node, { clearAll, keys }] of this.suspects) {
      const added = [...keys].filter(([, add]) => add).map(([key]) => key);
      const cleared = [...keys].filter(([, add]) => !add).map(([key]) => key);
      const what = `save the suspect copies of ${node}`;
      if (clearAll) void this.queue(`suspects:${node}`, what, () => this.store.clearSuspects(node));
      if (cleared.length) void this.queue(`suspects:${node}`, what, () => this.store.clearSuspects(node, cleared)).then((saved) => saved || this.retry(node, [], cleared));
      if (added.length) {
        for (const key of added) this.unechoed.set(`${node}\u0000${key}`, (this.unechoed.get(`${node}\u0000${key}`) ?? 0) + 1);
        void this.queue(`suspects:${node}`, what, () => this.store.addSuspects(node, added)).then((saved) => {
          if (saved) return;
          this.echoed(node, added);
          this.retry(node, added, []);
        });
      }
    }
    this.suspects.clear();
  }

  /**
   * Marks the store did not take (etcd away) go back into the next batch at once, so they count as this process's
   * own until the store has them (a whole state read again meanwhile must not drop them), and are sent again a
   * second later, as far as the pool still says the same.
   */
  private retry(node: string, added: readonly string[], cleared: readonly string[]): void {
    if (this.closed) return;
    const pending = this.suspects.get(node) ?? this.suspects.set(node, { clearAll: false, keys: new Map() }).get(node)!;
    for (const key of cleared) if (!pending.keys.has(key) && !this.markHeld(node, key)) pending.keys.set(key, false);
    for (const key of added) if (!pending.keys.has(key) && this.markHeld(node, key)) pending.keys.set(key, true);
    if (this.suspectTimer === undefined) {
      this.suspectTimer = setTimeout(() => this.flushSuspects(), SUSPECT_RETRY_MS);
      this.suspectTimer.unref();
    }
  }

  /** No more store writes are retried (the cluster is closing). */
  close(): void {
    this.closed = true;
  }

  /** This process's own marks came back from the store (or will not: the write failed). */
  echoed(node: string, keys: readonly string[]): void {
    for (const key of keys) {
      const id = `${node}\u0000${key}`;
      const left = (this.unechoed.get(id) ?? 0) - 1;
      if (left > 0) this.unechoed.set(id, left);
      else this.unechoed.delete(id);
    }
  }

  /** Marks this process made that the store may not show yet: a clear read from it is older, or a whole state read lacks them. */
  ownPendingMarks(node: string): Set<string> {
    const pending = new Set<string>();
    for (const [key, add] of this.suspects.get(node)?.keys ?? []) if (add) pending.add(key);
    const prefix = `${node}\u0000`;
    for (const id of this.unechoed.keys()) if (id.startsWith(prefix)) pending.add(id.slice(prefix.length));
    return pending;
  }

  appendEvent(event: ClusterEvent): void {
    void this.queue('events', 'save an event', () => this.store.appendEvent(event));
  }

  /** Sends the suspect marks made so far and waits for the store; true when it took every one of them. */
  async marksSaved(): Promise<boolean> {
    this.flushSuspects();
    await Promise.all([...this.queues].filter(([record]) => record.startsWith('suspects:')).map(([, write]) => write));
    return this.suspects.size === 0;
  }

  /** Resolves once every queued store write has been answered. */
  async flushed(): Promise<void> {
    this.flushSuspects();
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }

  /** Runs `write` after the earlier writes of the same record; false (and an error event) when the store did not take it. */
  queue(record: string, what: string, write: () => Promise<StoreResult>): Promise<boolean> {
    const previous = this.queues.get(record) ?? Promise.resolve(true);
    const next = previous.then(async () => {
      const result = await write().catch((error: Error) => ({ ok: false as const, message: error.message }));
      if (!result.ok && record !== 'events') this.report({ type: 'error', message: `could not ${what}: ${result.message}` });
      return result.ok;
    });
    this.queues.set(record, next);
    void next.then(() => this.queues.get(record) === next && this.queues.delete(record));
    return next;
  }
}

function memberOf({ id, host, port, vnodes }: MemberRecord): MemberRecord {
  return { id, host, port, vnodes };
}

function withoutStamp<T extends { stamp: string }>(record: T): Omit<T, 'stamp'> {
  const { stamp: _stamp, ...rest } = record;
  return rest;
}
