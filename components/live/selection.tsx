'use client';
// What the user is looking at, shared by the ring and the panels: the selected key and its placement, the hovered node, the last read.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { placementFromLocate, type KeyPlacement } from '@/lib/cluster/views';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import type { LocateResult } from '@/lib/cluster/types';
import { useLive } from './live-provider';

export interface LastRead {
  key: string;
  servedBy: string;
}

/**
 * Where the selected key's placement comes from: the snapshot; the server, asked because the snapshot does not carry
 * it (beyond the first 10,000 keys, or written since); or nowhere yet (asking), or nowhere at all (no replica holds it).
 */
export type Lookup = { state: 'snapshot' } | { state: 'asking' } | { state: 'server' } | { state: 'absent'; message: string };

interface Selection {
  selectedKey: string | null;
  /** Selects a key; `known` is its placement from an answer of the server at hand (a put's), drawn at once. */
  selectKey: (key: string | null, known?: KeyPlacement) => void;
  /** The selected key's placement, from the snapshot or else from the server; null while unknown or absent. */
  selected: KeyPlacement | null;
  lookup: Lookup | null;
  hoveredNode: string | null;
  hoverNode: (node: string | null) => void;
  lastRead: LastRead | null;
  setLastRead: (read: LastRead | null) => void;
}

const SelectionContext = createContext<Selection | null>(null);

/** The server's word on a key, and the snapshot that was current when it came: a newer snapshot asks again. */
type Located = { key: string; placement: KeyPlacement | null; message: string; basis: ClusterSnapshot };

/** Asks GET /api/keys/{key}/locate, which reads the key on each replica of its list. */
async function locate(key: string, signal: AbortSignal): Promise<{ placement: KeyPlacement | null; message: string }> {
  const response = await fetch(`/api/keys/${encodeURIComponent(key)}/locate`, { cache: 'no-store', signal });
  const body = (await response.json()) as ({ ok: true } & LocateResult) | { ok: false; message: string };
  if (!body.ok) return { placement: null, message: body.message };
  const placement = placementFromLocate(body);
  return placement.holders.length > 0 ? { placement, message: '' } : { placement: null, message: 'none of its replicas holds it' };
}

export function SelectionProvider({ children }: { children: ReactNode }) {
  const { snapshot } = useLive();
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [hoveredNode, hoverNode] = useState<string | null>(null);
  const [lastRead, setLastRead] = useState<LastRead | null>(null);
  const [located, setLocated] = useState<Located | null>(null);
  const current = useRef(snapshot);
  useEffect(() => {
    current.current = snapshot;
  }, [snapshot]);

  const inSnapshot = useMemo(() => (selectedKey === null ? null : (snapshot.keys.find((k) => k.key === selectedKey) ?? null)), [selectedKey, snapshot.keys]);
  const missing = selectedKey !== null && inSnapshot === null;
  // Once the snapshot carries the key, an earlier answer is stale: were the key deleted, it must not come back from it.
  if (!missing && located !== null) setLocated(null);
  const fresh = located !== null && located.key === selectedKey && located.basis === snapshot;

  const selectKey = useCallback((key: string | null, known?: KeyPlacement) => {
    setSelectedKey(key);
    if (key !== null && known) setLocated({ key, placement: known, message: '', basis: current.current });
  }, []);

  // Not in the snapshot: ask the server, again whenever the snapshot moves on (a move or a crash changes the answer).
  useEffect(() => {
    if (!missing || selectedKey === null || fresh) return;
    const controller = new AbortController();
    locate(selectedKey, controller.signal).then(
      // An answer that arrives after this lookup was cancelled is older than what the page now shows.
      (answer) => {
        if (!controller.signal.aborted) setLocated({ key: selectedKey, ...answer, basis: snapshot });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setLocated({ key: selectedKey, placement: null, message: `Could not ask the server: ${(error as Error).message}`, basis: snapshot });
      },
    );
    return () => controller.abort();
  }, [missing, selectedKey, snapshot, fresh]);

  const answer = located?.key === selectedKey ? located : null;
  const selected = inSnapshot ?? answer?.placement ?? null;
  const lookup = useMemo((): Lookup | null => {
    if (selectedKey === null) return null;
    if (inSnapshot) return { state: 'snapshot' };
    if (!answer) return { state: 'asking' };
    return answer.placement ? { state: 'server' } : { state: 'absent', message: answer.message };
  }, [selectedKey, inSnapshot, answer]);

  const value = useMemo(() => ({ selectedKey, selectKey, selected, lookup, hoveredNode, hoverNode, lastRead, setLastRead }), [selectedKey, selectKey, selected, lookup, hoveredNode, lastRead]);
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

export function useSelection(): Selection {
  const selection = useContext(SelectionContext);
  if (!selection) throw new Error('useSelection needs a <SelectionProvider> above it');
  return selection;
}
