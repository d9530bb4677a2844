// Keys whose primary changed travel along the ring, old owner's vnode to new owner's: angles tweened on requestAnimationFrame.
import { easeCubicInOut } from 'd3-ease';
import { interpolateNumber } from 'd3-interpolate';
import { useEffect, useRef, type RefObject } from 'react';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { keyTravels, pointAt, sectorPath } from '@/lib/geometry';
import { RADIUS } from './dimensions';

export const TRAVEL_MS = 800;
/** After arriving, travellers fade out over this long, so the eye can follow where they went. */
const SETTLE_MS = 400;
/** Beyond this many moving keys the rest move without a traveller: each one costs style and paint work every frame. */
const MAX_TRAVELLERS = 600;
/** Trails (the arc covered so far) only while they are few enough to rebuild every frame. */
const MAX_TRAILS = 250;
const SVG_NS = 'http://www.w3.org/2000/svg';

interface Options {
  snapshot: ClusterSnapshot;
  color: (id: string) => string;
  reduced: boolean;
  /** The ring's <svg>: marked `data-animating` while keys travel. */
  svg: RefObject<SVGSVGElement | null>;
  /** A <g> React leaves empty, in a layer of its own: the travellers live there, drawn frame by frame outside React. */
  layer: RefObject<SVGGElement | null>;
}

function element<K extends 'circle' | 'path'>(name: K, parent: Element, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent.appendChild(node);
  return node;
}

export function useKeyTravel({ snapshot, color, reduced, svg, layer }: Options): void {
  const previous = useRef(snapshot);
  const latest = useRef({ snapshot, color, reduced });
  latest.current = { snapshot, color, reduced };
  const stop = useRef<() => void>(() => undefined);

  useEffect(() => {
    const { snapshot: next, color: colorOf, reduced: still } = latest.current;
    const before = previous.current;
    previous.current = next;
    const group = layer.current;
    if (before.checksum === next.checksum || still || !group) return;
    const travels = keyTravels(before, next, MAX_TRAVELLERS);
    if (travels.length === 0) return;

    stop.current();
    // A veil over the resting keys (one element, rather than restyling thousands) so the travellers stand out.
    const veil = element('circle', group, { r: String(RADIUS.keyOuter + 4), class: 'travel-veil' });
    const trails = travels.length <= MAX_TRAILS;
    const movers = travels.map((travel) => {
      const trail = trails ? element('path', group, { fill: colorOf(travel.toNode), 'fill-opacity': '0.7' }) : null;
      const start = pointAt(travel.from, RADIUS.travel);
      const dot = element('circle', group, { r: '5', class: 'traveller', 'data-travel': travel.key, cx: start.x.toFixed(1), cy: start.y.toFixed(1), fill: colorOf(travel.toNode) });
      return { dot, trail, from: travel.from, angle: interpolateNumber(travel.from, travel.to) };
    });
    svg.current?.setAttribute('data-animating', 'true');
    let frame = 0;
    const started = performance.now();
    // performance.now() rather than the frame's timestamp: the two may come from different clocks.
    const draw = () => {
      const elapsed = performance.now() - started;
      const eased = easeCubicInOut(Math.min(1, elapsed / TRAVEL_MS));
      // One opacity on the group: per-element opacity would make every traveller a compositing effect of its own.
      group.style.opacity = elapsed <= TRAVEL_MS ? '1' : Math.max(0, 1 - (elapsed - TRAVEL_MS) / SETTLE_MS).toFixed(3);
      for (const { dot, trail, from, angle } of movers) {
        const at = angle(eased);
        const { x, y } = pointAt(at, RADIUS.travel);
        dot.setAttribute('cx', x.toFixed(1));
        dot.setAttribute('cy', y.toFixed(1));
        trail?.setAttribute('d', sectorPath(Math.min(from, at), Math.max(from, at), RADIUS.travel - 2.5, RADIUS.travel + 2.5));
      }
      if (elapsed < TRAVEL_MS + SETTLE_MS) frame = requestAnimationFrame(draw);
      else stop.current();
    };
    stop.current = () => {
      cancelAnimationFrame(frame);
      veil.remove();
      for (const { dot, trail } of movers) {
        dot.remove();
        trail?.remove();
      }
      svg.current?.removeAttribute('data-animating');
      group.style.opacity = '';
      stop.current = () => undefined;
    };
    frame = requestAnimationFrame(draw);
  }, [snapshot.checksum, svg, layer]);

  useEffect(() => () => stop.current(), []);
}
