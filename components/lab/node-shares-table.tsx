// The watched change per node as a table: the text alternative of the ring and of the bars.
import type { LabMotion } from '@/lib/lab-view/motion';
import { formatCount } from '../format';
import { HeaderRow } from './header-row';

export function NodeSharesTable({ motion, color }: { motion: LabMotion; color: (id: string) => string }) {
  const th = 'px-2 py-1 text-left font-medium';
  const td = 'px-2 py-1 tabular-nums';
  return (
    <table className="w-full border-collapse text-sm" data-node-shares>
      <caption className="mb-1 text-left text-sm text-zinc-600 dark:text-zinc-400">
        Primary keys per node, of all {formatCount(motion.total)} keys: {formatCount(motion.moved)} change node.
      </caption>
      <HeaderRow labels={['Node', 'Before', 'After', 'Difference']} />
      <tbody>
        {motion.perNode.map((n) => (
          <tr key={n.id} className="border-b border-zinc-200 dark:border-zinc-800" data-node={n.id}>
            <th scope="row" className={`${th} whitespace-nowrap`}>
              <span className="mr-1.5 inline-block h-2.5 w-2.5 rounded-full" style={{ background: color(n.id) }} aria-hidden="true" />
              {n.id}
              {!n.inBefore && ' (added)'}
              {!n.inAfter && ' (removed)'}
            </th>
            <td className={td}>{n.inBefore ? formatCount(n.before) : '—'}</td>
            <td className={td}>{n.inAfter ? formatCount(n.after) : '—'}</td>
            <td className={td}>{`${n.after - n.before > 0 ? '+' : ''}${formatCount(n.after - n.before)}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
