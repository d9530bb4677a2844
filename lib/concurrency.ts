// Small async building blocks: bounded parallel map, a mutex, and per-key serialisation.

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await fn(items[at], at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Serialises async sections; `tryRun` refuses instead of waiting when the lock is held. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** True while a section runs or waits to run. */
  get locked(): boolean {
    return this.pending > 0;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(fn).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }

  tryRun<T>(fn: () => Promise<T>): Promise<T> | null {
    return this.locked ? null : this.run(fn);
  }
}

/**
 * Operations on the same key run one after another; different keys run freely. A key held by nobody is taken at
 * once, without a promise: the data path's plain put takes and releases it from its replies' callbacks.
 */
export class KeyLocks {
  /** Keys held, each with the sections waiting for it in order (null: none waiting). */
  private held = new Map<string, (() => void)[] | null>();

  /** Takes the key when nobody holds it; false when held (queue with `run`). Pair with `release`. */
  tryTake(key: string): boolean {
    if (this.held.has(key)) return false;
    this.held.set(key, null);
    return true;
  }

  /** Hands the key to the next section waiting for it, or frees it. */
  release(key: string): void {
    const waiting = this.held.get(key);
    const next = waiting?.shift();
    if (!next) this.held.delete(key);
    else next();
  }

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        let running: Promise<T>;
        try {
          running = fn();
        } catch (error) {
          running = Promise.reject(error);
        }
        running.then(
          (value) => {
            this.release(key);
            resolve(value);
          },
          (error: unknown) => {
            this.release(key);
            reject(error);
          },
        );
      };
      if (this.tryTake(key)) return start();
      const waiting = this.held.get(key);
      if (waiting) waiting.push(start);
      else this.held.set(key, [start]);
    });
  }
}

/**
 * Operations in flight, counted rather than kept: `settled` waits for those begun before it was called, however
 * many begin after. Each `begin` returns the cohort its `end` must be given.
 */
export class InFlight {
  private current: Cohort = new Cohort();
  private readonly closed = new Set<Cohort>();

  begin(): Cohort {
    this.current.open++;
    return this.current;
  }

  end(cohort: Cohort): void {
    if (--cohort.open === 0) cohort.wake?.();
  }

  settled(): Promise<void> {
    const cohort = this.current;
    if (cohort.open > 0) {
      this.current = new Cohort();
      this.closed.add(cohort);
      cohort.done = new Promise<void>((resolve) => {
        cohort.wake = () => {
          this.closed.delete(cohort);
          resolve();
        };
      });
    }
    const waiting = [...this.closed].map((c) => c.done!);
    return waiting.length === 0 ? Promise.resolve() : Promise.all(waiting).then(() => undefined);
  }
}

/** The operations begun between two calls of `InFlight.settled`. */
export class Cohort {
  open = 0;
  wake: (() => void) | null = null;
  done: Promise<void> | null = null;
}
