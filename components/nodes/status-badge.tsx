// A node's status as a coloured word: up, down, joining, leaving.
import type { NodeStatus } from '@/lib/cluster/types';

const TONES: Record<NodeStatus, string> = {
  up: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200',
  down: 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200',
  joining: 'bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200',
  leaving: 'bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200',
};

export function StatusBadge({ status }: { status: NodeStatus }) {
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${TONES[status]}`} data-status={status}>
      {status}
    </span>
  );
}
