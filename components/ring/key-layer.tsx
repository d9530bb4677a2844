// Every key as a dot at its hash position in its primary's colour, painted on canvases; a hidden `data-key` element per key says the same to tests and tools.
import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import type { KeyPlacement } from '@/lib/cluster/views';
import { keyMark, nearestWithin, type Point } from '@/lib/geometry';
import { RADIUS } from './dimensions';
import { DOT_RADIUS, markSurfaces, paintMarks, UNDER_RADIUS, type MarkSurfaces, type PaintedMark } from './key-paint';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** How far beyond its dot a mark still answers the pointer, in view-box units: dots are small targets. */
const POINTER_SLACK = 2;

interface Mark extends PaintedMark {
  placement: KeyPlacement;
  /** In the hidden list: `data-key`, its place (`cx`, `cy`), `data-under`, and `data-holders` while a node is hovered. */
  element: SVGCircleElement;
  holdersWritten: string | null;
  seen: number;
}

interface Options {
  keys: readonly KeyPlacement[];
  color: (id: string) => string;
  /** The node hovered in the legend or on the ring: the keys it does not hold are dimmed. */
  hovered: string | null;
  /** Device pixels per CSS pixel (see usePixelRatio). */
  scale: number;
  /** Under the ring's <svg>, its box the view box: the dots. */
  dotsRef: RefObject<HTMLCanvasElement | null>;
  /** Over the dots: the red rings of under-replicated keys, on their own so they pulse without repainting anything. */
  ringsRef: RefObject<HTMLCanvasElement | null>;
  /** A `display: none` group inside the <svg> that React leaves empty: one element per key, neither styled, laid out nor painted. */
  listRef: RefObject<SVGGElement | null>;
}

/**
 * Paints the marks whenever a key, a colour or the hovered node changes; returns the key under a point of the view
 * box (for clicks and the tooltip). Ten thousand dots on a bitmap cost the browser one image to composite, where as
 * many SVG elements cost a style, layout and paint pass each time the ring changes.
 */
export function useKeyMarks({ keys, color, hovered, scale, dotsRef, ringsRef, listRef }: Options): (point: Point) => KeyPlacement | null {
  const marks = useRef(new Map<string, Mark>());
  const pass = useRef(0);
  const surfaces = useRef<MarkSurfaces | null>(null);
  const painted = useRef<{ hovered: string | null; color: ((id: string) => string) | null }>({ hovered: null, color: null });
  const pending = useRef(0);
  useEffect(() => () => cancelAnimationFrame(pending.current), []);

  useLayoutEffect(() => {
    const list = listRef.current;
    const [dotsSurface, ringsSurface] = [dotsRef.current, ringsRef.current];
    if (!list || !dotsSurface || !ringsSurface) return;
    const ready = markSurfaces(dotsSurface, ringsSurface, scale, surfaces.current);
    if (!ready) return;
    // A put adds a mark: stamped over the others. Anything else (a colour, a removal, a highlight) repaints them all.
    const restyle = painted.current.hovered !== hovered || painted.current.color !== color;
    let repaint = ready !== surfaces.current || painted.current.hovered !== hovered;
    surfaces.current = ready;
    const seen = ++pass.current;
    const added: SVGCircleElement[] = [];
    const fresh: Mark[] = [];
    let under = false;
    for (const placement of keys) {
      let mark = marks.current.get(placement.key);
      const created = !mark;
      if (!mark) {
        const { x, y } = keyMark(placement.position, RADIUS.keyInner, RADIUS.keyOuter);
        const element = document.createElementNS(SVG_NS, 'circle');
        element.setAttribute('data-key', placement.key);
        element.setAttribute('cx', x.toFixed(2));
        element.setAttribute('cy', y.toFixed(2));
        added.push(element);
        mark = { placement, element, x, y, fill: '', under: false, dim: false, holdersWritten: null, seen };
        marks.current.set(placement.key, mark);
        fresh.push(mark);
      }
      // Most placements are the very objects of the last pass: nothing about them to look at again.
      if (created || restyle || mark.placement !== placement) {
        const isUnder = placement.missing.length > 0;
        if (isUnder !== mark.under) {
          if (isUnder) mark.element.setAttribute('data-under', 'true');
          else mark.element.removeAttribute('data-under');
        }
        const fill = color(placement.preference[0] ?? '');
        const dim = hovered !== null && !placement.holders.includes(hovered);
        if (!created && (fill !== mark.fill || dim !== mark.dim || isUnder !== mark.under)) repaint = true;
        mark.placement = placement;
        mark.fill = fill;
        mark.dim = dim;
        mark.under = isUnder;
      }
      // Holders change on thousands of keys as a move copies and deletes: written only while a highlight is on.
      if (hovered !== null) {
        const said = placement.holders.join(' ');
        if (mark.holdersWritten !== said) mark.element.setAttribute('data-holders', (mark.holdersWritten = said));
      }
      under ||= mark.under;
      mark.seen = seen;
    }
    for (const [key, mark] of marks.current) {
      if (mark.seen === seen) continue;
      mark.element.remove();
      marks.current.delete(key);
      repaint = true;
    }
    if (added.length > 0) list.append(...added);
    // A new mark (a put's) is stamped before this frame paints. Repainting them all waits for the frame after it (a
    // callback of the next frame's callbacks): a new ring recolours hundreds of marks, and this frame already carries
    // the new vnodes and the travellers setting off.
    if (repaint) {
      cancelAnimationFrame(pending.current);
      pending.current = requestAnimationFrame(() => {
        pending.current = requestAnimationFrame(() => {
          pending.current = 0;
          paintMarks(ready, [...marks.current.values()], true);
        });
      });
    } else if (fresh.length > 0 && pending.current === 0) paintMarks(ready, fresh, false);
    ringsSurface.toggleAttribute('data-pulsing', under);
    painted.current = { hovered, color };
  }, [keys, color, hovered, scale, dotsRef, ringsRef, listRef]);

  return useCallback((point: Point) => nearestWithin(marks.current.values(), point, (mark) => (mark.under ? UNDER_RADIUS : DOT_RADIUS) + POINTER_SLACK)?.placement ?? null, []);
}
