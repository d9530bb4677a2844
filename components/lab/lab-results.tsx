// The lab's answer: what was compared, who moved less than the fair-share minimum, workarounds, each figure as a plot with algorithms side by side, and the table.
import type { LiveLabResult } from '@/lib/cluster/lab';
import { belowMinimum, describeChange } from '@/lib/lab/describe';
import { plotsOf } from '@/lib/lab-view/figures';
import { formatCount } from '../format';
import { formatFigure } from './format-figure';
import { LabTable } from './lab-table';
import { MetricPlot } from './metric-plot';

type Report = Extract<LiveLabResult, { ok: true }>;

export function LabResults({ report, picked }: { report: Report; picked?: string }) {
  const plots = plotsOf(report);
  const fewer = belowMinimum(report);
  const workarounds = Object.values(report.algorithms).flatMap((a) => (a.workaround ? [{ id: a.id, ...a.workaround }] : []));
  const keysFrom = report.origin.keysFrom === 'cluster' ? "keys (the cluster's live keys)" : 'generated keys';
  return (
    <div className="space-y-4" data-lab-results>
      <p className="text-sm" data-lab-summary>
        {formatCount(report.keys)} {keysFrom} on {report.nodes.length} nodes, {report.replicas} copies each: <strong>{describeChange(report.change, report.nodes)}</strong>.
        {report.minimum && (
          <>
            {' '}
            The fair-share minimum, what the change moves if every node holds its fair share before and after: {formatCount(report.minimum.primaries)} primaries, {formatCount(report.minimum.copies)}{' '}
            copies (the dashed rule in the plots).
          </>
        )}
        {report.origin.unreachable.length > 0 && <span className="block text-amber-800 dark:text-amber-300">Not listed (did not answer): {report.origin.unreachable.join(', ')}.</span>}
      </p>
      {fewer.length > 0 && (
        <p className="text-sm" data-below-minimum>
          {fewer.map((a) => `${a.name} moved ${formatFigure(a.moved, 'count')}`).join('; ')}: fewer than the fair-share minimum, which is not a floor. It assumes every node holds its fair share before
          and after; fewer moves mean a node that loses keys held less than its share, or one that gains keys takes less (balance before → after:{' '}
          {fewer.map((a) => `${a.id} ${formatFigure(a.balance, 'ratio')} → ${formatFigure(a.after?.keys, 'ratio')}`).join(', ')}; 1.00 is even).
        </p>
      )}
      {workarounds.map((w) => (
        <div key={w.id} className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100" data-workaround={w.id}>
          <p>{w.description}</p>
          <p>
            Cost: {formatFigure(w.moved, 'count')} primaries and {formatFigure(w.copiesMoved, 'count')} copies moved. Renumbering the buckets instead would move{' '}
            {formatFigure(w.rebuilt.moved, 'count')} primaries and {formatFigure(w.rebuilt.copiesMoved, 'count')} copies.
          </p>
        </div>
      ))}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2 2xl:grid-cols-3">
        {plots.map((plot) => (
          <MetricPlot key={plot.id} plot={plot} picked={picked} />
        ))}
      </div>
      <LabTable report={report} />
    </div>
  );
}
