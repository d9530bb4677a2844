'use client';
// What the user is looking at, shared by the ring and the panels: the selected key, the hovered node, the last read.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export interface LastRead {
  key: string;
  servedBy: string;
}

interface Selection {
  selectedKey: string | null;
  selectKey: (key: string | null) => void;
  hoveredNode: string | null;
  hoverNode: (node: string | null) => void;
  lastRead: LastRead | null;
  setLastRead: (read: LastRead | null) => void;
}

const SelectionContext = createContext<Selection | null>(null);

export function SelectionProvider({ children }: { children: ReactNode }) {
  const [selectedKey, selectKey] = useState<string | null>(null);
  const [hoveredNode, hoverNode] = useState<string | null>(null);
  const [lastRead, setLastRead] = useState<LastRead | null>(null);
  const value = useMemo(() => ({ selectedKey, selectKey, hoveredNode, hoverNode, lastRead, setLastRead }), [selectedKey, hoveredNode, lastRead]);
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

export function useSelection(): Selection {
  const selection = useContext(SelectionContext);
  if (!selection) throw new Error('useSelection needs a <SelectionProvider> above it');
  return selection;
}
