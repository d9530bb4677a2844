// The lab's figures as one table: the plots' text alternative, and the algorithms' notes.
import type { AlgorithmReport, Balance, LabReport } from '@/lib/lab/types';
import { formatFigure } from './format-figure';
import { HeaderRow } from './header-row';

const pair = (before: number | null | undefined, after: number | null | undefined, changed: boolean) =>
  changed ? `${formatFigure(before, 'ratio')} → ${formatFigure(after, 'ratio')}` : formatFigure(before, 'ratio');

function balanceCells(a: AlgorithmReport, pick: (b: Balance) => number | null, changed: boolean) {
  return pair(pick(a.current), a.after ? pick(a.after) : null, changed);
}

export function LabTable({ report }: { report: LabReport }) {
  const changed = report.minimum !== undefined;
  const all = Object.values(report.algorithms);
  const hasBytes = all.some((a) => a.current.bytes !== null);
  const hasRequests = all.some((a) => a.current.requests !== null);
  const th = 'px-2 py-1 text-left font-medium';
  const td = 'px-2 py-1 tabular-nums';
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[44rem] border-collapse text-sm" data-lab-table>
        <caption className="mb-1 text-left text-sm text-zinc-600 dark:text-zinc-400">
          Every figure of the plots. Balance is the most loaded node over its fair share (1.00 is even){changed ? ', before → after the change' : ''}.
          {changed && ' Moves are set against the fair-share minimum: an algorithm under it held or leaves a node off its fair share.'}
        </caption>
        <HeaderRow
          labels={['Algorithm', changed && 'Primaries moved', changed && 'Copies moved', 'Balance, keys', hasBytes && 'Balance, bytes', hasRequests && 'Balance, requests', 'Lookup', 'Memory']}
        />
        <tbody>
          {changed && (
            <tr className="border-b border-zinc-200 text-zinc-600 dark:border-zinc-800 dark:text-zinc-400" data-algorithm="minimum">
              <th scope="row" className={th}>
                fair-share minimum
              </th>
              <td className={td} data-figure="moved">
                {formatFigure(report.minimum!.primaries, 'count')}
              </td>
              <td className={td} data-figure="copies">
                {formatFigure(report.minimum!.copies, 'count')}
              </td>
              <td colSpan={2 + Number(hasBytes) + Number(hasRequests) + 1} />
            </tr>
          )}
          {all.map((a) => (
            <tr key={a.id} className="border-b border-zinc-200 align-top dark:border-zinc-800" data-algorithm={a.id}>
              <th scope="row" className={th}>
                <details>
                  <summary className="cursor-pointer">{a.name}</summary>
                  <p className="max-w-md py-1 text-xs font-normal text-zinc-600 dark:text-zinc-400">{a.notes}</p>
                </details>
              </th>
              {changed && (
                <>
                  <td className={td} data-figure="moved">
                    {formatFigure(a.moved, 'count')}
                    {a.rebuilt && <span className="block text-xs text-zinc-600 dark:text-zinc-400">renumbered: {formatFigure(a.rebuilt.moved, 'count')}</span>}
                  </td>
                  <td className={td} data-figure="copies">
                    {formatFigure(a.copiesMoved, 'count')}
                    {a.rebuilt && <span className="block text-xs text-zinc-600 dark:text-zinc-400">renumbered: {formatFigure(a.rebuilt.copiesMoved, 'count')}</span>}
                  </td>
                </>
              )}
              <td className={td} data-figure="balance-keys">
                {balanceCells(a, (b) => b.keys, changed)}
              </td>
              {hasBytes && (
                <td className={td} data-figure="balance-bytes">
                  {balanceCells(a, (b) => b.bytes, changed)}
                </td>
              )}
              {hasRequests && (
                <td className={td} data-figure="balance-requests">
                  {balanceCells(a, (b) => b.requests, changed)}
                </td>
              )}
              <td className={td} data-figure="lookup">
                {formatFigure(a.lookupNs, 'ns')}
              </td>
              <td className={td} data-figure="memory">
                {formatFigure(a.memoryBytes, 'bytes')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
