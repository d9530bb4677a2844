'use client';
// Hot keys and load per node for every component that shows them: one poll of /api/hot per tab, while any is on screen.
import { useSyncExternalStore } from 'react';
import type { HotView } from '@/lib/hot-view';

/** As often as processes publish their counts: polling faster would show nothing newer from the others. */
const POLL_MS = 2000;
const TOP = 20;

let current: HotView | null = null;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
// A new round of polling ends any older one still waiting on its answer, so only one ever runs.
let round = 0;

async function poll(mine: number): Promise<void> {
  if (document.visibilityState === 'visible') {
    try {
      const response = await fetch(`/api/hot?top=${TOP}`, { cache: 'no-store' });
      if (response.ok && mine === round) {
        current = (await response.json()) as HotView;
        for (const listener of listeners) listener();
      }
    } catch {
      // The event stream shows the server as unreachable; the next round asks again.
    }
  }
  if (mine === round) timer = setTimeout(() => void poll(mine), POLL_MS);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) void poll(++round);
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    round++;
    clearTimeout(timer);
  };
}

/** The latest counts, or null until the first answer (and on the server). */
export function useHot(): HotView | null {
  return useSyncExternalStore(
    subscribe,
    () => current,
    () => null,
  );
}
