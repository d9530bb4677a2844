'use client';
// Watch one algorithm make the change: on its ring when it has one (keys travelling), else its shares per node as bars; with a table and the keys as data.
import { useMemo, useState, useTransition } from 'react';
import { watchLab } from '@/app/lab/actions';
import { nodeColors } from '@/lib/colors';
import type { LabFormInput } from '@/lib/lab-view/form';
import type { LabMotion } from '@/lib/lab-view/motion';
import type { LabReport } from '@/lib/lab/types';
import { formatCount } from '../format';
import { LabRing } from './lab-ring';
import { NodeSharesTable } from './node-shares-table';
import { ShareBars } from './share-bars';

interface Props {
  input: LabFormInput;
  report: LabReport;
  picked: string;
  onPick: (id: string) => void;
}

export function LabWatch({ input, report, picked, onPick }: Props) {
  const [motion, setMotion] = useState<LabMotion | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [run, setRun] = useState(0);
  const [pending, start] = useTransition();
  const color = useMemo(() => nodeColors(motion?.nodes ?? []), [motion]);
  const name = motion ? (report.algorithms[motion.algorithm]?.name ?? motion.algorithm) : '';

  const watch = () =>
    start(async () => {
      try {
        const result = await watchLab(input, picked);
        if (!result.ok) return setError(result.message);
        setError(null);
        setMotion(result);
        setRun((r) => r + 1);
      } catch (failure) {
        setError(`The server could not place the keys: ${(failure as Error).message}`);
      }
    });

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-2">
        <label className="text-sm">
          <span className="field-label">Algorithm to watch</span>
          <select className="input" value={picked} onChange={(e) => onPick(e.target.value)}>
            {Object.values(report.algorithms).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-primary" onClick={watch} disabled={pending}>
          {pending ? 'Placing keys…' : 'Watch'}
        </button>
        {motion?.ring && motion.algorithm === picked && (
          <button type="button" className="btn" onClick={() => setRun((r) => r + 1)}>
            Replay
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
          {error}
        </p>
      )}
      <p className="sr-only" aria-live="polite">
        {pending ? 'Placing keys' : motion ? `${name}: ${formatCount(motion.moved)} of ${formatCount(motion.total)} keys change node` : ''}
      </p>
      {motion && (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,30rem)_minmax(0,1fr)]" data-lab-motion={motion.algorithm}>
          {motion.ring ? <LabRing motion={motion} name={name} color={color} run={run} /> : <ShareBars motion={motion} name={name} color={color} />}
          <div className="min-w-0 space-y-2 overflow-x-auto">
            <p className="text-sm">
              <strong>{name}</strong>: {formatCount(motion.moved)} of {formatCount(motion.total)} keys change node
              {motion.keys.length < motion.total ? ` (${formatCount(motion.keys.length)} drawn, evenly spread)` : ''}.
            </p>
            <NodeSharesTable motion={motion} color={color} />
          </div>
          <ul hidden data-lab-keys>
            {motion.keys.map((k) => (
              <li key={k.key} data-key={k.key} data-from={motion.nodes[k.from]} data-to={motion.nodes[k.to]} />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
