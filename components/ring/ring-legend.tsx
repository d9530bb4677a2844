'use client';
// One swatch per node; hovering or focusing one highlights its vnodes and keys on the ring.
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';
import { useNodeColors } from '../live/use-node-colors';
import { StatusBadge } from '../nodes/status-badge';
import { HotLegendEntry } from './hot-layer';

export function RingLegend() {
  const { snapshot } = useLive();
  const { hoveredNode, hoverNode } = useSelection();
  const color = useNodeColors();
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label="Nodes on the ring">
      {snapshot.nodes.map((node) => (
        <li key={node.id}>
          <button
            type="button"
            className="btn btn-small gap-1.5"
            onClick={() => hoverNode(hoveredNode === node.id ? null : node.id)}
            onMouseEnter={() => hoverNode(node.id)}
            onMouseLeave={() => hoverNode(null)}
            onFocus={() => hoverNode(node.id)}
            onBlur={() => hoverNode(null)}
          >
            <span className="size-2.5 rounded-full" style={{ background: color(node.id) }} aria-hidden />
            {node.id}
            {node.status !== 'up' && <StatusBadge status={node.status} />}
          </button>
        </li>
      ))}
      <HotLegendEntry />
    </ul>
  );
}
