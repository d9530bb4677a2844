// Every vnode as its own path (its owned arc and a tick at its position), in its node's colour, faded while its node is down.
import { memo, useMemo } from 'react';
import { vnodeArcs, vnodePath, type VnodeArc, type VnodePoint } from '@/lib/geometry';
import { RADIUS } from './dimensions';

interface Props {
  vnodes: readonly VnodePoint[];
  color: (id: string) => string;
  /** Ids of nodes that are down, space-separated (a string, so the memo compares by value): their arcs fade. */
  down: string;
}

/** Path strings by arc: a node joining changes a few hundred arcs, and must not rebuild all 1,760 strings in the frame its keys start travelling. */
const paths = new Map<string, string>();
const PATHS_KEPT = 20_000;

function pathOf(arc: VnodeArc): string {
  const key = `${arc.startAngle} ${arc.endAngle}`;
  let d = paths.get(key);
  if (d === undefined) {
    if (paths.size >= PATHS_KEPT) paths.clear();
    d = vnodePath(arc, RADIUS.vnodeInner, RADIUS.vnodeOuter, RADIUS.tickOuter);
    paths.set(key, d);
  }
  return d;
}

export const VnodeLayer = memo(function VnodeLayer({ vnodes, color, down }: Props) {
  // Paths depend on the ring alone: a node joining changes the colour scale, and must not rebuild them.
  const arcs = useMemo(() => vnodeArcs(vnodes).map((a) => ({ ...a, d: pathOf(a) })), [vnodes]);
  const downIds = new Set(down.split(' '));
  return (
    <g>
      {arcs.map((a) => (
        <path key={a.id} d={a.d} fill={color(a.node)} fillOpacity={downIds.has(a.node) ? 0.25 : undefined} data-node={a.node} data-vnode={a.index} />
      ))}
    </g>
  );
});
