// The selected key: the clockwise walk from it to its primary's vnode and on to each replica's, a line to each,
// solid where the replica really holds the key and dashed red where it does not, and labels fanned out to stay legible.
import { ALERT_COLOR } from '@/lib/colors';
import type { KeyPlacement } from '@/lib/cluster/views';
import { angleOf, keyMark, pointAt, replicaVnodes, sectorPath, spreadAngles, travelAngles, type RingLayout } from '@/lib/geometry';
import { RADIUS } from './dimensions';

interface Props {
  placement: KeyPlacement;
  layout: RingLayout;
  color: (id: string) => string;
  servedBy: string | null;
}

/** About ten degrees between labels: enough for a line of 12px text at the label radius. */
const LABEL_GAP = 0.17;
const LABEL_RADIUS = 200;

export function SelectionLayer({ placement, layout, color, servedBy }: Props) {
  const mark = keyMark(placement.position, RADIUS.keyInner, RADIUS.keyOuter);
  const vnodes = replicaVnodes(layout, placement.position, placement.preference);
  const found = vnodes.filter((v) => v !== null);
  // Walk angles measured clockwise from the key, so the arc and the labels never go the long way round.
  const walk = found.map((v) => travelAngles(placement.position, v.position, v.position).to);
  const labels = spreadAngles(walk, LABEL_GAP);
  const keyAngle = angleOf(placement.position);
  return (
    <g data-selected-key={placement.key} pointerEvents="none">
      {walk.length > 0 && <path d={sectorPath(keyAngle, walk[walk.length - 1], RADIUS.tickOuter + 3, RADIUS.tickOuter + 7)} className="fill-zinc-900 dark:fill-zinc-100" data-walk />}
      {placement.preference.map((node, rank) => {
        const vnode = vnodes[rank];
        if (!vnode) return null;
        const at = found.indexOf(vnode);
        const end = pointAt(angleOf(vnode.position), RADIUS.replicaEnd);
        const anchor = pointAt(labels[at], LABEL_RADIUS + 8);
        const label = pointAt(labels[at], LABEL_RADIUS);
        const holds = placement.holders.includes(node);
        const served = servedBy === node;
        const stroke = holds ? color(node) : ALERT_COLOR;
        return (
          <g key={node} data-replica={node} data-role={rank === 0 ? 'primary' : 'replica'} data-holds={String(holds)} data-served={served ? 'true' : undefined}>
            <line x1={mark.x} y1={mark.y} x2={end.x} y2={end.y} stroke={stroke} strokeWidth={served ? 3.5 : 2} strokeDasharray={holds ? undefined : '5 4'} strokeLinecap="round" />
            <line x1={end.x} y1={end.y} x2={anchor.x} y2={anchor.y} stroke={stroke} strokeWidth={1} strokeOpacity={0.8} />
            <circle cx={end.x} cy={end.y} r={served ? 7 : 5.5} fill={holds ? color(node) : 'none'} stroke={holds ? 'white' : ALERT_COLOR} strokeWidth={2} />
            <text
              x={label.x}
              y={label.y}
              textAnchor={label.x > 20 ? 'end' : label.x < -20 ? 'start' : 'middle'}
              dominantBaseline="middle"
              paintOrder="stroke"
              strokeWidth={4}
              className={`text-[12px] font-semibold dark:stroke-zinc-900 ${holds ? 'fill-zinc-900 stroke-white dark:fill-zinc-50' : 'fill-red-600 stroke-white dark:fill-red-400'}`}
            >
              {rank === 0 ? 'primary' : `replica ${rank}`} {node}
              {holds ? '' : ' (missing)'}
              {served ? ' · served' : ''}
            </text>
          </g>
        );
      })}
      <circle cx={mark.x} cy={mark.y} r={7} fill="none" stroke="currentColor" strokeWidth={2} className="text-zinc-900 dark:text-white" />
      <circle cx={mark.x} cy={mark.y} r={3} fill={color(placement.preference[0] ?? '')} />
    </g>
  );
}
