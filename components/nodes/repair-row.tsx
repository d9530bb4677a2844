// Repair from the page: how many keys lack a replica, and the button that previews bringing them back.
import { formatCount } from '../format';

export function RepairRow({ underReplicated, disabled, onPropose }: { underReplicated: number; disabled: boolean; onPropose: () => void }) {
  return (
    <div className="flex items-center justify-between gap-2 text-sm">
      <span className={underReplicated > 0 ? 'font-semibold text-red-700 dark:text-red-400' : 'text-zinc-600 dark:text-zinc-400'}>
        {underReplicated > 0 ? `${formatCount(underReplicated)} ${underReplicated === 1 ? 'key lacks' : 'keys lack'} a replica` : 'Every key is on all its replicas'}
      </span>
      {/* Always offered: a repair also removes copies outside their lists, and its preview says when there is nothing to do. */}
      <button type="button" className="btn" aria-disabled={disabled} onClick={() => !disabled && onPropose()}>
        Repair
      </button>
    </div>
  );
}
