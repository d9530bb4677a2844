'use client';
// The hash ring: vnodes, keys (or their density), the selected key's replicas and keys travelling during a rebalance.
import { useMemo, useRef, useState, type MouseEvent } from 'react';
import { applyKeyChanges } from '@/lib/cluster/snapshot-diff';
import type { KeyPlacement } from '@/lib/cluster/views';
import { layoutOf, type Point } from '@/lib/geometry';
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';
import { useNodeColors } from '../live/use-node-colors';
import { formatCount } from '../format';
import { usePixelRatio } from './canvas';
import { DensityLayer } from './density-layer';
import { HotLayer } from './hot-layer';
import { RADIUS, VIEW } from './dimensions';
import { useKeyMarks } from './key-layer';
import { KeyTooltip } from './key-tooltip';
import { SelectionLayer } from './selection-layer';
import { useKeyTravel } from './use-key-travel';
import { useReducedMotion } from './use-reduced-motion';
import { VnodeLayer } from './vnode-layer';

/** Dims every vnode but the hovered node's, without re-rendering them (the key marks dim on their canvas). */
function highlightRule(node: string): string {
  // fill-opacity rather than opacity: opacity on each of 1,760 paths makes each its own compositing effect.
  return `svg[data-highlight] [data-vnode]:not([data-node=${JSON.stringify(node)}]){fill-opacity:.15}`;
}

/** The point of the view box under the pointer. */
function viewPoint(event: MouseEvent<SVGSVGElement>): Point {
  const box = event.currentTarget.getBoundingClientRect();
  return { x: ((event.clientX - box.left) / box.width) * 2 * VIEW - VIEW, y: ((event.clientY - box.top) / box.height) * 2 * VIEW - VIEW };
}

const NO_KEYS: readonly KeyPlacement[] = [];

export function RingChart() {
  const { snapshot } = useLive();
  const { selected, lookup, selectKey, hoveredNode, hoverNode, lastRead } = useSelection();
  const color = useNodeColors();
  const reduced = useReducedMotion();
  const scale = usePixelRatio();
  const svg = useRef<SVGSVGElement>(null);
  const travelCanvas = useRef<HTMLCanvasElement>(null);
  const travelList = useRef<HTMLDivElement>(null);
  const dots = useRef<HTMLCanvasElement>(null);
  const rings = useRef<HTMLCanvasElement>(null);
  const keyList = useRef<SVGGElement>(null);
  useKeyTravel({ snapshot, color, reduced, scale, svgRef: svg, canvasRef: travelCanvas, listRef: travelList });

  const layout = useMemo(() => layoutOf(snapshot.vnodes), [snapshot.vnodes]);
  const dense = snapshot.keyCount > snapshot.keys.length;
  // A selected key the snapshot does not carry yet (just written, say) is drawn from the server's answer until it does.
  const keys = useMemo(
    () => (lookup?.state === 'server' && selected && !dense ? applyKeyChanges(snapshot.keys, { upserts: [selected], removals: [] }) : snapshot.keys),
    [lookup, selected, dense, snapshot.keys],
  );
  const markAt = useKeyMarks({ keys: dense ? NO_KEYS : keys, color, hovered: hoveredNode, scale, dotsRef: dots, ringsRef: rings, listRef: keyList });
  // The key under the pointer, for its tooltip; looked up again in the keys drawn, so a key deleted meanwhile loses it.
  const [pointedKey, setPointedKey] = useState<string | null>(null);
  const pointed = useMemo(() => (pointedKey === null ? null : (keys.find((k) => k.key === pointedKey) ?? null)), [pointedKey, keys]);
  // Counted by the server over every key, not only the ones drawn: the header and the ring agree beyond 10,000.
  const under = snapshot.underReplicated;
  const down = snapshot.nodes
    .filter((n) => n.status === 'down')
    .map((n) => n.id)
    .join(' ');
  const ringNodes = useMemo(() => new Set(snapshot.vnodes.map((v) => v.node)).size, [snapshot.vnodes]);

  const onMouseOver = (event: MouseEvent<SVGSVGElement>) => {
    const node = (event.target as Element).closest('[data-vnode]')?.getAttribute('data-node') ?? null;
    if (node !== hoveredNode) hoverNode(node);
  };
  const onMouseMove = (event: MouseEvent<SVGSVGElement>) => {
    const key = dense ? null : (markAt(viewPoint(event))?.key ?? null);
    if (key !== pointedKey) setPointedKey(key);
  };
  const onClick = (event: MouseEvent<SVGSVGElement>) => {
    const found = dense ? null : markAt(viewPoint(event));
    if (found) selectKey(found.key);
  };

  return (
    <div className="relative mx-auto aspect-square w-full max-w-[620px]">
      {/* Keys on canvases under the <svg>, each in a layer of its own: ten thousand dots are one image to composite. */}
      <canvas ref={dots} aria-hidden className="pointer-events-none absolute inset-0 size-full" style={{ willChange: 'transform' }} data-key-dots />
      <canvas ref={rings} aria-hidden className="key-rings pointer-events-none absolute inset-0 size-full" style={{ willChange: 'transform' }} data-key-rings />
      <svg
        ref={svg}
        role="img"
        aria-label="Hash ring"
        aria-describedby="ring-summary"
        viewBox={`${-VIEW} ${-VIEW} ${2 * VIEW} ${2 * VIEW}`}
        // A layer of its own: a progress bar or a count changing elsewhere on the page then neither repaints nor re-layers its 1,760 vnodes.
        className={`relative block size-full select-none will-change-transform ${pointed ? 'cursor-pointer' : ''}`}
        data-highlight={hoveredNode ?? undefined}
        data-dense={dense ? 'true' : undefined}
        onMouseOver={onMouseOver}
        onMouseMove={onMouseMove}
        onMouseLeave={() => {
          hoverNode(null);
          setPointedKey(null);
        }}
        onClick={onClick}
      >
        {hoveredNode !== null && <style>{highlightRule(hoveredNode)}</style>}
        <circle r={RADIUS.vnodeInner - 4} fill="none" className="stroke-zinc-200 dark:stroke-zinc-800" strokeWidth={1} />
        <circle r={RADIUS.keyInner - 6} fill="none" className="stroke-zinc-200 dark:stroke-zinc-800" strokeWidth={1} strokeDasharray="2 4" />
        <VnodeLayer vnodes={snapshot.vnodes} color={color} down={down} />
        {dense && <DensityLayer density={snapshot.density} />}
        {/* One hidden element per key mark, for tests and tools: `data-key`, `data-under`, `cx` and `cy`. */}
        <g ref={keyList} display="none" />
        <HotLayer />
        {selected && <SelectionLayer placement={selected} layout={layout} color={color} servedBy={lastRead?.key === selected.key ? lastRead.servedBy : null} />}
        <g pointerEvents="none" textAnchor="middle" className="fill-zinc-700 dark:fill-zinc-200">
          <text y={-26} className="text-[30px] font-semibold">
            {formatCount(snapshot.keyCount)}
          </text>
          <text y={-4} className="fill-zinc-500 text-[13px] dark:fill-zinc-400">
            keys{dense ? ' (density per degree)' : ''}
          </text>
          <text y={22} className="text-[14px]">
            {ringNodes} nodes · {formatCount(snapshot.vnodes.length)} vnodes
          </text>
          {under > 0 && (
            <text y={44} className="fill-red-600 text-[13px] font-semibold dark:fill-red-400">
              {formatCount(under)} under-replicated
            </text>
          )}
        </g>
      </svg>
      {/* Travelling keys on a canvas in a layer of its own, so each frame repaints one bitmap and not the thousands of marks below. */}
      <canvas ref={travelCanvas} aria-hidden className="pointer-events-none absolute inset-0 size-full" style={{ willChange: 'transform' }} />
      <div ref={travelList} hidden data-travellers />
      {pointed && <KeyTooltip placement={pointed} color={color} />}
      <p id="ring-summary" className="sr-only">
        {ringNodes} nodes with {snapshot.vnodes.length} vnodes; {snapshot.keyCount} keys, {under} under-replicated.
      </p>
    </div>
  );
}
