// Keeps one server's writes in the order they were sent, across the connections the client throws away.
import type { Socket } from 'node:net';

/**
 * A write that timed out was still sent: the server may apply it later, and memcached serves each connection
 * on its own, so a server thawed after SIGSTOP works through its old connections and a new one in no set
 * order (measured: a set on a fresh connection right after SIGCONT was overwritten by one sent before the
 * freeze in 8 of 20 tries). A connection thrown away with writes unanswered is therefore half-closed, not
 * destroyed, and held here until the server closes it: it has then applied or dropped everything sent on
 * it. No write is sent to the server meanwhile, so an acknowledged write is never overtaken by an older one.
 * One fence per server, shared by every client of it, since a client is replaced after each failure.
 */
export class WriteFence {
  private open = 0;
  private waiters: (() => void)[] = [];

  /** True while a thrown-away connection may still deliver writes. */
  get holding(): boolean {
    return this.open > 0;
  }

  /** Half-closes a connection with writes unanswered and holds the fence until the server has closed it. */
  hold(socket: Socket): void {
    this.open++;
    socket.once('close', () => {
      if (--this.open > 0) return;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('error', () => undefined); // a reset is one more way for the server to be done with it
    socket.setTimeout(0);
    // Replies are read and dropped, so the server is never stopped by a full buffer before it reaches our end.
    socket.removeAllListeners('data');
    socket.resume();
    socket.unref();
    socket.end();
  }

  /** Waits until nothing is held, at most `ms`; true when nothing is. */
  async settled(ms: number): Promise<boolean> {
    if (!this.holding) return true;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      }, ms);
    });
    return !this.holding;
  }
}
