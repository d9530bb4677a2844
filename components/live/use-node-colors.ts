// The node colour scale of the current snapshot, rebuilt only when the set of node ids changes.
import { useMemo } from 'react';
import { nodeColors } from '@/lib/colors';
import { useLive } from './live-provider';

export function useNodeColors(): (id: string) => string {
  const { snapshot } = useLive();
  const ids = snapshot.nodes.map((n) => n.id).join(',');
  return useMemo(() => nodeColors(ids ? ids.split(',') : []), [ids]);
}
