// Every key as a small circle at its hash position, in its primary's colour; under-replicated keys drawn last, ringed in red.
import { memo, useLayoutEffect, useRef } from 'react';
import { ALERT_COLOR } from '@/lib/colors';
import type { KeyPlacement } from '@/lib/cluster/views';
import { keyMark } from '@/lib/geometry';
import { RADIUS } from './dimensions';

const SVG_NS = 'http://www.w3.org/2000/svg';

interface Mark {
  element: SVGCircleElement;
  placement: KeyPlacement | null;
  fill: string;
  under: boolean;
  /** The holders as `data-holders` says them (null when not written since they changed). */
  holdersWritten: string | null;
  seen: number;
}

function draw(mark: Mark, placement: KeyPlacement, fill: string, groups: { healthy: SVGGElement; under: SVGGElement }): void {
  const { element } = mark;
  const under = placement.missing.length > 0;
  if (mark.placement?.position !== placement.position) {
    const { x, y } = keyMark(placement.position, RADIUS.keyInner, RADIUS.keyOuter);
    element.setAttribute('cx', x.toFixed(2));
    element.setAttribute('cy', y.toFixed(2));
  }
  if (mark.fill !== fill) element.setAttribute('fill', fill);
  if (mark.placement === null || mark.under !== under) {
    element.setAttribute('r', under ? '3.4' : '2.4');
    for (const [name, value] of [
      ['stroke', ALERT_COLOR],
      ['stroke-width', '1.8'],
      ['class', 'key-under'],
      ['data-under', 'true'],
    ] as const) {
      if (under) element.setAttribute(name, value);
      else element.removeAttribute(name);
    }
    // Under-replicated keys go to the upper group, drawn over the rest.
    (under ? groups.under : groups.healthy).appendChild(element);
  }
  mark.placement = placement;
  mark.fill = fill;
  mark.under = under;
}

interface Props {
  keys: readonly KeyPlacement[];
  color: (id: string) => string;
  /** A node is hovered: every mark says its holders (`data-holders`), which the highlight rule dims by. */
  holders: boolean;
}

/**
 * The marks live outside React, one per key, in two groups React leaves empty: snapshots arrive as deltas, and
 * touching only the marks whose placement (compared by reference) or colour changed keeps a frame for the ring,
 * where re-rendering 10,000 children would take several.
 */
export const KeyLayer = memo(function KeyLayer({ keys, color, holders }: Props) {
  const healthy = useRef<SVGGElement>(null);
  const under = useRef<SVGGElement>(null);
  const marks = useRef(new Map<string, Mark>());
  const pass = useRef(0);

  // Before paint, so a key appears in the same frame as everything else the snapshot changed.
  useLayoutEffect(() => {
    const groups = { healthy: healthy.current!, under: under.current! };
    const seen = ++pass.current;
    for (const placement of keys) {
      let mark = marks.current.get(placement.key);
      if (!mark) {
        const element = document.createElementNS(SVG_NS, 'circle');
        element.setAttribute('data-key', placement.key);
        mark = { element, placement: null, fill: '', under: false, holdersWritten: null, seen };
        marks.current.set(placement.key, mark);
      }
      const fill = color(placement.preference[0] ?? '');
      if (mark.placement !== placement || mark.fill !== fill) draw(mark, placement, fill, groups);
      // Holders change on thousands of keys as a move copies and deletes; written only while a highlight reads them.
      if (holders) {
        const said = placement.holders.join(' ');
        if (mark.holdersWritten !== said) mark.element.setAttribute('data-holders', (mark.holdersWritten = said));
      }
      mark.seen = seen;
    }
    for (const [key, mark] of marks.current) {
      if (mark.seen === seen) continue;
      mark.element.remove();
      marks.current.delete(key);
    }
  }, [keys, color, holders]);

  return (
    <g className="key-layer cursor-pointer">
      <g ref={healthy} />
      <g ref={under} />
    </g>
  );
});
