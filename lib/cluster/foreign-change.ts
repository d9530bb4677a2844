import 'server-only';
// Another process's membership change, followed from the journal it writes: writes reach both rings' lists and reads try both, as in the owner.
import type { ChangeJournal } from '../store/types';
import type { ClusterContext } from './context';
import type { DataPath } from './data-path';

/** Tries to acknowledge for about as long as the owner waits. */
const ACK_ATTEMPTS = 16;

/** Names one change in acknowledgements: its owner and the time it began. */
export function changeTag(journal: Pick<ChangeJournal, 'owner' | 'started'>): string {
  return `${journal.owner}@${journal.started}`;
}

/** What a process acknowledges: it follows the change's copying phase, or has stopped writing to the old lists. */
export function ackOf(journal: Pick<ChangeJournal, 'owner' | 'started'>, phase: 'copying' | 'switched'): string {
  return `${changeTag(journal)}|${phase}`;
}

/**
 * The owner of a change announces it in the journal and waits for every live process to acknowledge before it
 * reads what the nodes hold: from then on their writes reach both lists, so the copies it plans are never
 * older than a write it did not see. After the ring switch it waits again, until none writes to the old lists,
 * before it sweeps the copies that do not belong.
 */
export class ForeignChanges {
  private acked = '';

  constructor(
    private readonly ctx: ClusterContext,
    private readonly data: DataPath,
  ) {}

  follow(journal: ChangeJournal | null): void {
    const { state, pool } = this.ctx;
    const transition = state.transition;
    if (transition && !transition.foreign) return;
    if (journal?.owner === state.store.writer) return;
    if (journal && journal.phase === 'copying' && state.version === journal.from.version) {
      const tag = changeTag(journal);
      if (transition?.foreign !== tag) {
        if (transition) this.end();
        state.beginTransition(journal.to.nodes, tag);
        for (const node of journal.to.nodes) if (!pool.status(node.id)) pool.track(node.id, node, state.healthOf(node.id)?.down ? 'down' : 'up');
        this.ctx.changed();
      }
      void this.acknowledge(ackOf(journal, 'copying'));
      return;
    }
    // Past copying, the owner has stored the new ring: until it arrives here, writes still reach both lists.
    if (journal && transition?.foreign === changeTag(journal) && state.version < journal.to.version) return;
    if (transition) this.end();
    if (journal) void this.acknowledge(ackOf(journal, 'switched'));
  }

  /** Stops following: the ring switched, the change was rolled back, or this process is about to resolve it. */
  end(): void {
    const { state, pool } = this.ctx;
    const transition = state.transition;
    if (!transition?.foreign) return;
    state.endTransition();
    for (const node of transition.nodes) if (!state.ring.nodes.some((n) => n.id === node.id)) pool.forget(node.id);
    this.ctx.changed();
  }

  /**
   * Once the writes that chose their targets before are settled, and the suspect copies they found are in the store:
   * the owner counts on no write it cannot see, and plans from no copy this process knows to be stale.
   */
  private async acknowledge(tag: string): Promise<void> {
    if (this.acked === tag) return;
    this.acked = tag;
    await this.data.settled();
    for (let attempt = 0; attempt < ACK_ATTEMPTS && this.acked === tag; attempt++) {
      if ((await this.ctx.state.marksSaved()) && (await this.ctx.state.store.acknowledge(tag)).ok) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The next journal update tries again.
    if (this.acked === tag) this.acked = '';
  }
}
