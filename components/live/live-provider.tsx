'use client';
// The live cluster: the latest snapshot, refetched when /api/events says something changed, plus events and the move in progress.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { StampedEvent } from '@/lib/cluster/events';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { mergeEvents, mergeSnapshot } from './merge-snapshot';
import { nextMove, type MoveState } from './move-state';
import { SelectionProvider } from './selection';

export type Connection = 'connecting' | 'live' | 'offline';

interface Live {
  snapshot: ClusterSnapshot;
  events: StampedEvent[];
  move: MoveState | null;
  connection: Connection;
  /** Refetch now (after an action of this tab), without waiting for the event stream. */
  refresh: () => void;
}

const LiveContext = createContext<Live | null>(null);

/** Bursts of changes (a thousand fake keys) become one refetch per interval. */
const REFETCH_DELAY_MS = 100;

export function LiveProvider({ initial, children }: { initial: ClusterSnapshot; children: ReactNode }) {
  const [snapshot, setSnapshot] = useState(initial);
  const [events, setEvents] = useState<StampedEvent[]>(initial.events);
  const [move, setMove] = useState<MoveState | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  const loading = useRef(false);
  const again = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // One request at a time, in order: a slow response can never overwrite a newer one.
  const load = useCallback(async function load(): Promise<void> {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = true;
    try {
      const response = await fetch('/api/snapshot', { cache: 'no-store' });
      if (response.ok) {
        const next = (await response.json()) as ClusterSnapshot;
        setSnapshot((previous) => mergeSnapshot(previous, next));
        setEvents((current) => mergeEvents(current, next.events));
      }
    } catch {
      // The event stream reports the outage; the next change retries.
    } finally {
      loading.current = false;
      if (again.current) {
        again.current = false;
        void load();
      }
    }
  }, []);

  const schedule = useCallback(() => {
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      void load();
    }, REFETCH_DELAY_MS);
  }, [load]);

  useEffect(() => {
    const source = new EventSource('/api/events');
    source.addEventListener('hello', () => {
      setConnection('live');
      // Reconnected: changes may have been missed meanwhile.
      schedule();
    });
    source.addEventListener('changed', schedule);
    source.addEventListener('cluster', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as StampedEvent;
      setMove((current) => nextMove(current, event));
      if (event.type !== 'move-progress') setEvents((current) => mergeEvents(current, [event]));
      schedule();
    });
    source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    return () => {
      source.close();
      clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [schedule]);

  const refresh = useCallback(() => void load(), [load]);
  const value = useMemo(() => ({ snapshot, events, move, connection, refresh }), [snapshot, events, move, connection, refresh]);
  return (
    <LiveContext.Provider value={value}>
      <SelectionProvider>{children}</SelectionProvider>
    </LiveContext.Provider>
  );
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive needs a <LiveProvider> above it');
  return live;
}
