import 'server-only';
// The store's watch on etcd: every change under the prefix, with a heartbeat of its own that catches a stalled watch.
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { changesOf, type Heartbeat, type WatchEvent } from './etcd-decode';
import type { KeyLayout } from './etcd-keys';
import type { StoreChange, StoreResult, StoreState } from './types';

export interface WatchDeps {
  layout: KeyLayout;
  writer: string;
  /** A fresh client for each watch: a stalled gRPC stream is only escaped by a new connection. */
  connect(): Etcd3;
  /** A consistent read of everything, and the revision it was read at. */
  reload(): Promise<StoreResult<{ state: StoreState; revision: string }>>;
  /** Writes this writer's heartbeat key; failures are only logged by the absence of its echo. */
  beat(): Promise<unknown>;
  deliver(change: StoreChange): void;
  /** The heartbeats the watch carried, written or gone (every process's, this one's included). */
  heard?(heartbeats: Heartbeat[]): void;
  heartbeatMs: number;
  /** No echo of our own heartbeat for this long: the watch is stalled. */
  stallMs: number;
}

/**
 * The library reconnects a broken stream by itself, but a stream to a hung member never breaks, and a
 * compacted revision only emits `error`: both end in a full re-read and a new watch from its revision.
 */
export class StoreWatch {
  private client: Etcd3 | null = null;
  private watcher: Watcher | null = null;
  private generation = 0;
  private lastEcho = Date.now();
  private resyncing = false;
  private stopped = false;
  private readonly timers: NodeJS.Timeout[] = [];
  /** How many times the watch was rebuilt after the first: for tests and diagnostics. */
  resyncs = 0;

  constructor(private readonly deps: WatchDeps) {}

  start(): void {
    const beat = setInterval(() => void this.deps.beat().catch(() => undefined), this.deps.heartbeatMs);
    const check = setInterval(
      () => {
        if (!this.resyncing && Date.now() - this.lastEcho > this.deps.stallMs) {
          this.resyncs++;
          void this.resync();
        }
      },
      Math.max(50, Math.floor(this.deps.heartbeatMs / 2)),
    );
    this.timers.push(beat, check);
    for (const timer of this.timers) timer.unref();
    void this.deps.beat().catch(() => undefined);
    void this.resync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    this.dropWatch();
  }

  private dropWatch(): void {
    this.generation++;
    this.watcher?.removeAllListeners();
    // Whatever the dropped watcher still emits (an `error` above all) must not reach anyone, nor crash the process.
    this.watcher?.on('error', () => undefined);
    // Cancelling on a hung stream waits forever: closing the client tears the stream down instead.
    this.watcher = null;
    this.client?.close();
    this.client = null;
  }

  private async resync(): Promise<void> {
    if (this.stopped) return;
    this.resyncing = true;
    this.dropWatch();
    const generation = this.generation;
    const loaded = await this.deps.reload();
    if (this.stopped || generation !== this.generation) return;
    if (!loaded.ok) {
      // etcd is unreachable: try again shortly; the stall check stays off meanwhile.
      const retry = setTimeout(() => void this.resync(), 500);
      retry.unref();
      return;
    }
    this.deps.deliver({ type: 'reloaded', state: loaded.state });
    this.lastEcho = Date.now();
    this.resyncing = false;
    const client = (this.client = this.deps.connect());
    const watcher = client
      .watch()
      .prefix(this.deps.layout.prefix)
      .startRevision(String(BigInt(loaded.revision) + 1n))
      .watcher();
    this.watcher = watcher;
    watcher.on('data', (response: IWatchResponse) => {
      if (generation !== this.generation) return;
      this.lastEcho = Date.now();
      this.onResponse(response);
    });
    // A compacted start revision, or a cancelled watch: nothing more will come on this one.
    watcher.on('error', () => {
      if (generation === this.generation && !this.resyncing) void this.resync();
    });
  }

  private onResponse(response: IWatchResponse): void {
    const events: WatchEvent[] = response.events.map((e) => ({ type: e.type, key: e.kv.key.toString(), value: e.kv.value.toString(), lease: String(e.kv.lease ?? '0') }));
    let decoded;
    try {
      decoded = changesOf(this.deps.layout, events);
    } catch (error) {
      // A record this process cannot read: re-read everything rather than deliver half a change.
      console.error(`ringside: state store watch: ${(error as Error).message}`);
      void this.resync();
      return;
    }
    for (const change of decoded.changes) this.deps.deliver(change);
    if (decoded.heartbeats.length > 0) this.deps.heard?.(decoded.heartbeats);
  }
}
