// Every key as a small circle at its hash position, in its primary's colour; under-replicated keys drawn last, ringed in red.
import { memo } from 'react';
import { ALERT_COLOR } from '@/lib/colors';
import type { KeyPlacement } from '@/lib/cluster/views';
import { keyMark } from '@/lib/geometry';
import { RADIUS } from './dimensions';

const KeyMark = memo(function KeyMark({ placement, color }: { placement: KeyPlacement; color: string }) {
  const { x, y } = keyMark(placement.position, RADIUS.keyInner, RADIUS.keyOuter);
  const under = placement.missing.length > 0;
  return (
    <circle
      cx={x.toFixed(2)}
      cy={y.toFixed(2)}
      r={under ? 3.4 : 2.4}
      fill={color}
      stroke={under ? ALERT_COLOR : undefined}
      strokeWidth={under ? 1.8 : undefined}
      className={under ? 'key-under' : undefined}
      data-key={placement.key}
      data-holders={placement.holders.join(' ')}
      data-under={under ? 'true' : undefined}
    />
  );
});

export const KeyLayer = memo(function KeyLayer({ keys, color }: { keys: readonly KeyPlacement[]; color: (id: string) => string }) {
  const healthy: KeyPlacement[] = [];
  const under: KeyPlacement[] = [];
  for (const placement of keys) (placement.missing.length > 0 ? under : healthy).push(placement);
  return (
    <g className="key-layer cursor-pointer">
      <g>
        {healthy.map((p) => (
          <KeyMark key={p.key} placement={p} color={color(p.preference[0] ?? '')} />
        ))}
      </g>
      <g>
        {under.map((p) => (
          <KeyMark key={p.key} placement={p} color={color(p.preference[0] ?? '')} />
        ))}
      </g>
    </g>
  );
});
