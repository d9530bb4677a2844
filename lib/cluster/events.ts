// What the cluster reports as it works: membership, health, moves, repairs and errors.

export type ClusterEvent =
  | { type: 'node-added'; node: string; address: string; local: boolean }
  | { type: 'node-removed'; node: string }
  | { type: 'node-vnodes'; node: string; vnodes: number }
  | { type: 'node-down'; node: string; reason: string }
  | { type: 'node-up'; node: string; restarted: boolean }
  | { type: 'node-killed'; node: string; pid: number }
  | { type: 'node-revived'; node: string; pid: number; address: string }
  | { type: 'node-flushed'; node: string; items: number }
  | { type: 'move-planned'; reason: string; keys: number; copies: number; deletes: number; primariesMoved: number; deferred: number }
  | { type: 'move-progress'; reason: string; done: number; total: number }
  | { type: 'move-done'; reason: string; copied: number; deleted: number; settled: number; skipped: number; failed: number; ms: number }
  | { type: 'ring-changed'; version: number; checksum: string }
  | { type: 'error'; message: string };

export type StampedEvent = ClusterEvent & { at: number; seq: number };

export type Listener = (event: StampedEvent) => void;

/** A listener set with a bounded history, so a late subscriber can catch up. */
export class EventLog {
  private listeners = new Set<Listener>();
  private history: StampedEvent[] = [];
  private seq = 0;

  constructor(private readonly limit = 500) {}

  emit(event: ClusterEvent): void {
    const stamped = { ...event, at: Date.now(), seq: ++this.seq } as StampedEvent;
    this.history.push(stamped);
    if (this.history.length > this.limit) this.history.splice(0, this.history.length - this.limit);
    for (const listener of this.listeners) listener(stamped);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent(): StampedEvent[] {
    return [...this.history];
  }
}
