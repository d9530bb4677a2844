import 'server-only';
// Background work in one process per cluster: the elected leader probes the nodes, repairs them and resolves a change whose process died.
import type { Leadership, StateStore } from '../store/types';

/**
 * Campaigns for leadership, then runs `work` every `intervalMs` while it leads; campaigns again when the lease is
 * lost (etcd unreachable, or the lease lapsed). With the file store the one process always leads.
 */
export class LeaderDuty {
  private leading_ = false;
  private stopped = false;
  private leadership: Leadership | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly onChange: (leading: boolean) => void,
  ) {}

  get leading(): boolean {
    return this.leading_;
  }

  start(): void {
    void this.run();
  }

  /** Steps down at once, so another process takes over without waiting for the lease to lapse. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.leadership?.resign();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const elected = await this.store.campaign(() => this.set(false));
      if (!elected.ok) {
        await pause(500);
        continue;
      }
      if (this.stopped) return void (await elected.leadership.resign());
      this.leadership = elected.leadership;
      this.set(true);
      while (!this.stopped && !elected.leadership.lost) {
        await this.work().catch((error: Error) => console.error(`ringside: background work failed: ${error.stack ?? error.message}`));
        await pause(this.intervalMs);
      }
      this.set(false);
    }
  }

  private set(leading: boolean): void {
    if (leading === this.leading_) return;
    this.leading_ = leading;
    this.onChange(leading);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
