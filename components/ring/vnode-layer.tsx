// Every vnode as its own path (its owned arc and a tick at its position), in its node's colour, faded while its node is down.
import { memo, useLayoutEffect, useRef, useSyncExternalStore } from 'react';
import { vnodeArcs, vnodePath, type VnodeArc, type VnodePoint } from '@/lib/geometry';
import { RADIUS } from './dimensions';

const SVG_NS = 'http://www.w3.org/2000/svg';

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

interface Drawn {
  element: SVGPathElement;
  d: string;
  fill: string;
  faded: boolean;
  seen: number;
}

const never = () => () => undefined;

/**
 * Server-rendered by React, so the ring shows before the page's script runs; once hydrated, the paths live outside
 * React, keyed by vnode id, and a new ring touches only the arcs it changed: reconciling 1,760 children took the
 * larger part of the frame a node's keys start travelling in.
 */
export const VnodeLayer = memo(function VnodeLayer({ vnodes, color, down }: Props) {
  const hydrated = useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
  const group = useRef<SVGGElement>(null);
  const drawn = useRef(new Map<string, Drawn>());
  const pass = useRef(0);

  useLayoutEffect(() => {
    const parent = group.current;
    if (!parent || !hydrated) return;
    const downIds = new Set(down.split(' '));
    const seen = ++pass.current;
    const added: SVGPathElement[] = [];
    for (const arc of vnodeArcs(vnodes)) {
      let path = drawn.current.get(arc.id);
      if (!path) {
        const element = document.createElementNS(SVG_NS, 'path');
        element.setAttribute('data-node', arc.node);
        element.setAttribute('data-vnode', String(arc.index));
        added.push(element);
        path = { element, d: '', fill: '', faded: false, seen };
        drawn.current.set(arc.id, path);
      }
      const [d, fill, faded] = [pathOf(arc), color(arc.node), downIds.has(arc.node)];
      if (path.d !== d) path.element.setAttribute('d', (path.d = d));
      if (path.fill !== fill) path.element.setAttribute('fill', (path.fill = fill));
      if (path.faded !== faded) {
        if (faded) path.element.setAttribute('fill-opacity', '0.25');
        else path.element.removeAttribute('fill-opacity');
        path.faded = faded;
      }
      path.seen = seen;
    }
    for (const [id, path] of drawn.current) {
      if (path.seen === seen) continue;
      path.element.remove();
      drawn.current.delete(id);
    }
    if (added.length > 0) parent.append(...added);
  }, [hydrated, vnodes, color, down]);

  if (hydrated) return <g ref={group} />;
  const downIds = new Set(down.split(' '));
  return (
    <g>
      {vnodeArcs(vnodes).map((a) => (
        <path key={a.id} d={pathOf(a)} fill={color(a.node)} fillOpacity={downIds.has(a.node) ? 0.25 : undefined} data-node={a.node} data-vnode={a.index} />
      ))}
    </g>
  );
});
