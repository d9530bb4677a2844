'use client';
// The hash ring: vnodes, keys (or their density), the selected key's replicas and keys travelling during a rebalance.
import { useDeferredValue, useMemo, useRef, type MouseEvent } from 'react';
import { applyKeyChanges } from '@/lib/cluster/snapshot-diff';
import { layoutOf } from '@/lib/geometry';
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';
import { useNodeColors } from '../live/use-node-colors';
import { formatCount } from '../format';
import { DensityLayer } from './density-layer';
import { HotLayer } from './hot-layer';
import { RADIUS, VIEW } from './dimensions';
import { KeyLayer } from './key-layer';
import { SelectionLayer } from './selection-layer';
import { useKeyTravel } from './use-key-travel';
import { useReducedMotion } from './use-reduced-motion';
import { VnodeLayer } from './vnode-layer';

/** Dims every vnode and key but the hovered node's, without re-rendering thousands of marks. */
function highlightRule(node: string): string {
  const id = JSON.stringify(node);
  // fill- and stroke-opacity rather than opacity: opacity on thousands of marks makes each its own compositing effect.
  return `svg[data-highlight] [data-vnode]:not([data-node=${id}]){fill-opacity:.15}svg[data-highlight] [data-key]:not([data-holders~=${id}]){fill-opacity:.08;stroke-opacity:.08}`;
}

export function RingChart() {
  const { snapshot } = useLive();
  const { selected, lookup, selectKey, hoveredNode, hoverNode, lastRead } = useSelection();
  const color = useNodeColors();
  const reduced = useReducedMotion();
  const svg = useRef<SVGSVGElement>(null);
  const travelCanvas = useRef<HTMLCanvasElement>(null);
  const travelList = useRef<HTMLDivElement>(null);
  useKeyTravel({ snapshot, color, reduced, svgRef: svg, canvasRef: travelCanvas, listRef: travelList });

  const layout = useMemo(() => layoutOf(snapshot.vnodes), [snapshot.vnodes]);
  const dense = snapshot.keyCount > snapshot.keys.length;
  // A selected key the snapshot does not carry yet (just written, say) is drawn from the server's answer until it does.
  const keys = useMemo(
    () => (lookup?.state === 'server' && selected && !dense ? applyKeyChanges(snapshot.keys, { upserts: [selected], removals: [] }) : snapshot.keys),
    [lookup, selected, dense, snapshot.keys],
  );
  // A new ring recolours hundreds of marks and redraws the vnodes: the marks follow a frame later, so neither frame
  // carries both, and the frame the travellers set off in stays short. Other changes (a put's mark) are not held back.
  const current = useMemo(() => ({ keys, checksum: snapshot.checksum }), [keys, snapshot.checksum]);
  const deferred = useDeferredValue(current);
  const marks = deferred.checksum === current.checksum ? current.keys : deferred.keys;
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
  const onClick = (event: MouseEvent<SVGSVGElement>) => {
    const key = (event.target as Element).getAttribute('data-key');
    if (key !== null) selectKey(key);
  };

  return (
    <div className="relative mx-auto aspect-square w-full max-w-[620px]">
      <svg
        ref={svg}
        role="img"
        aria-label="Hash ring"
        aria-describedby="ring-summary"
        viewBox={`${-VIEW} ${-VIEW} ${2 * VIEW} ${2 * VIEW}`}
        // A layer of its own: a progress bar or a count changing elsewhere on the page then neither repaints nor re-layers its 12,000 marks.
        className="block size-full select-none will-change-transform"
        data-highlight={hoveredNode ?? undefined}
        data-dense={dense ? 'true' : undefined}
        onMouseOver={onMouseOver}
        onMouseLeave={() => hoverNode(null)}
        onClick={onClick}
      >
        {hoveredNode !== null && <style>{highlightRule(hoveredNode)}</style>}
        <circle r={RADIUS.vnodeInner - 4} fill="none" className="stroke-zinc-200 dark:stroke-zinc-800" strokeWidth={1} />
        <circle r={RADIUS.keyInner - 6} fill="none" className="stroke-zinc-200 dark:stroke-zinc-800" strokeWidth={1} strokeDasharray="2 4" />
        <VnodeLayer vnodes={snapshot.vnodes} color={color} down={down} />
        {dense ? <DensityLayer density={snapshot.density} /> : <KeyLayer keys={marks} color={color} holders={hoveredNode !== null} />}
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
      <p id="ring-summary" className="sr-only">
        {ringNodes} nodes with {snapshot.vnodes.length} vnodes; {snapshot.keyCount} keys, {under} under-replicated.
      </p>
    </div>
  );
}
