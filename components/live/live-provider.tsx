'use client';
// The live cluster: the latest snapshot, refetched (as a delta of the one held) when /api/events says something changed, plus events and the move in progress.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { StampedEvent } from '@/lib/cluster/events';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import type { SnapshotMessage } from '@/lib/cluster/snapshot-diff';
import { applySnapshotMessage, mergeEvents } from './merge-snapshot';
import { nextMove, type MoveState } from './move-state';
import { SelectionProvider } from './selection';

export type Connection = 'connecting' | 'live' | 'offline';

interface Live {
  snapshot: ClusterSnapshot;
  connection: Connection;
  /** Refetch now (after an action of this tab), without waiting for the event stream. */
  refresh: () => void;
}

// Three contexts, so a progress event (many a second during a move) re-renders the progress bar, not the ring's marks.
const LiveContext = createContext<Live | null>(null);
const EventsContext = createContext<StampedEvent[] | null>(null);
const MoveContext = createContext<MoveState | null | undefined>(undefined);

/** Bursts of changes (a thousand fake keys) become one refetch per interval. */
const REFETCH_DELAY_MS = 100;

export function LiveProvider({ initial, initialId = null, children }: { initial: ClusterSnapshot; initialId?: string | null; children: ReactNode }) {
  const [snapshot, setSnapshot] = useState(initial);
  const [events, setEvents] = useState<StampedEvent[]>(initial.events);
  const [move, setMove] = useState<MoveState | null>(null);
  const [connection, setConnection] = useState<Connection>('connecting');
  // The snapshot held and its id, outside React's state: the next request names it as the base of a delta.
  const held = useRef({ snapshot: initial, id: initialId });
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
      const since = held.current.id;
      const response = await fetch(since === null ? '/api/snapshot' : `/api/snapshot?since=${encodeURIComponent(since)}`, { cache: 'no-store' });
      if (response.ok) {
        const message = (await response.json()) as SnapshotMessage;
        const next = applySnapshotMessage(held.current.snapshot, since, message);
        if (next === null) {
          // A delta of a snapshot this tab does not hold (cannot happen while requests run one at a time): start afresh.
          held.current.id = null;
          again.current = true;
        } else {
          held.current = { snapshot: next, id: message.id };
          setSnapshot(next);
          setEvents((current) => mergeEvents(current, message.events));
        }
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
  const value = useMemo(() => ({ snapshot, connection, refresh }), [snapshot, connection, refresh]);
  return (
    <LiveContext.Provider value={value}>
      <EventsContext.Provider value={events}>
        <MoveContext.Provider value={move}>
          <SelectionProvider>{children}</SelectionProvider>
        </MoveContext.Provider>
      </EventsContext.Provider>
    </LiveContext.Provider>
  );
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive needs a <LiveProvider> above it');
  return live;
}

/** The event log: from snapshots and the live stream, oldest first. */
export function useEvents(): StampedEvent[] {
  const events = useContext(EventsContext);
  if (!events) throw new Error('useEvents needs a <LiveProvider> above it');
  return events;
}

/** The move or repair in progress (or the last one finished), from the live stream. */
export function useMove(): MoveState | null {
  const move = useContext(MoveContext);
  if (move === undefined) throw new Error('useMove needs a <LiveProvider> above it');
  return move;
}
