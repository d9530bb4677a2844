'use client';
// Which keys the key list shows, shared with the header: its under-replicated count leads straight to those keys.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

interface KeyFilter {
  underOnly: boolean;
  setUnderOnly: (on: boolean) => void;
  /** Filters the list to under-replicated keys and brings it into view, focused. */
  showUnderReplicated: () => void;
}

const KeyFilterContext = createContext<KeyFilter | null>(null);

/** The checkbox the header's count focuses: a fixed id, since the two sit in different panels. */
export const UNDER_ONLY_ID = 'key-list-under-only';

export function KeyFilterProvider({ children }: { children: ReactNode }) {
  const [underOnly, setUnderOnly] = useState(false);
  const showUnderReplicated = useCallback(() => {
    setUnderOnly(true);
    const checkbox = document.getElementById(UNDER_ONLY_ID);
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    checkbox?.closest('[data-key-list]')?.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'start' });
    checkbox?.focus({ preventScroll: true });
  }, []);
  const value = useMemo(() => ({ underOnly, setUnderOnly, showUnderReplicated }), [underOnly, showUnderReplicated]);
  return <KeyFilterContext.Provider value={value}>{children}</KeyFilterContext.Provider>;
}

export function useKeyFilter(): KeyFilter {
  const filter = useContext(KeyFilterContext);
  if (!filter) throw new Error('useKeyFilter needs a <KeyFilterProvider> above it');
  return filter;
}
