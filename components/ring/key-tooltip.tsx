// The key under the pointer, named beside its mark: the marks are dots on a canvas, too small to label.
import type { KeyPlacement } from '@/lib/cluster/views';
import { keyMark } from '@/lib/geometry';
import { RADIUS, VIEW } from './dimensions';

/** Where a view-box coordinate falls across the ring's box, in percent. */
const percent = (value: number) => `${(((value + VIEW) / (2 * VIEW)) * 100).toFixed(2)}%`;

export function KeyTooltip({ placement, color }: { placement: KeyPlacement; color: (id: string) => string }) {
  const { x, y } = keyMark(placement.position, RADIUS.keyInner, RADIUS.keyOuter);
  const primary = placement.preference[0];
  return (
    // Above the mark, or below it in the ring's top third, so it stays inside the ring's box.
    <div
      role="tooltip"
      className={`pointer-events-none absolute z-10 max-w-64 -translate-x-1/2 rounded bg-zinc-900 px-2 py-1 text-xs text-white shadow dark:bg-zinc-100 dark:text-zinc-900 ${y < -VIEW / 3 ? 'translate-y-3' : '-translate-y-[calc(100%+0.75rem)]'}`}
      style={{ left: percent(x), top: percent(y) }}
      data-key-tooltip={placement.key}
    >
      <p className="font-mono break-all">{placement.key}</p>
      {primary && (
        <p className="flex items-center gap-1.5">
          <span className="size-2 shrink-0 rounded-full" style={{ background: color(primary) }} aria-hidden />
          primary {primary}
          {placement.missing.length > 0 && <span className="font-semibold text-red-300 dark:text-red-700">· under-replicated</span>}
        </p>
      )}
    </div>
  );
}
