// Too many keys to draw one by one: keys per degree of the ring, as bars growing inwards.
import { memo } from 'react';
import { densityBars, sectorPath } from '@/lib/geometry';
import { RADIUS } from './dimensions';

export const DensityLayer = memo(function DensityLayer({ density }: { density: readonly number[] }) {
  const bars = densityBars(density, RADIUS.density, RADIUS.densityLength);
  return (
    <g className="text-sky-600 dark:text-sky-400" data-density="true">
      {bars.map((bar) =>
        bar.count === 0 ? null : (
          <path key={bar.bin} d={sectorPath(bar.startAngle, bar.endAngle, bar.inner, bar.outer)} fill="currentColor" fillOpacity={0.75} data-bin={bar.bin} data-count={bar.count} />
        ),
      )}
    </g>
  );
});
