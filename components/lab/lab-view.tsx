'use client';
// The algorithm lab page's state: the proposal, the last comparison (kept when a new one fails), its plots and the animation of one algorithm.
import { useState, useTransition } from 'react';
import { runLab } from '@/app/lab/actions';
import type { LiveLabResult } from '@/lib/cluster/lab';
import type { LabFormInput } from '@/lib/lab-view/form';
import type { LabNode } from '@/lib/lab/types';
import { Panel } from '../panel';
import { LabForm } from './lab-form';
import { LabResults } from './lab-results';
import { LabWatch } from './lab-watch';

type Report = Extract<LiveLabResult, { ok: true }>;

export function LabView({ nodes, liveKeys, suggestedId }: { nodes: LabNode[]; liveKeys: number; suggestedId: string }) {
  const [compared, setCompared] = useState<{ input: LabFormInput; report: Report; run: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState('ringside');
  const [pending, start] = useTransition();

  const compare = (input: LabFormInput) =>
    start(async () => {
      try {
        const result = await runLab(input);
        if (!result.ok) return setError(result.message);
        setError(null);
        setCompared((last) => ({ input, report: result, run: (last?.run ?? 0) + 1 }));
        if (!result.algorithms[picked]) setPicked('ringside');
      } catch (failure) {
        setError(`The server could not compare: ${(failure as Error).message}`);
      }
    });

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,24rem)_minmax(0,1fr)]">
      <Panel title="Proposal" id="proposal" className="self-start">
        <LabForm nodes={nodes} liveKeys={liveKeys} suggestedId={suggestedId} pending={pending} onCompare={compare} onInvalid={setError} />
        {error && (
          <p role="alert" className="mt-3 rounded-md border border-red-300 bg-red-50 p-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100" data-lab-error>
            {error}
          </p>
        )}
      </Panel>
      <div className="min-w-0 space-y-4">
        <Panel title="Algorithms side by side" id="results" aside={pending ? <span className="text-sm text-zinc-600 dark:text-zinc-400">Comparing…</span> : null}>
          {compared ? (
            <LabResults report={compared.report} picked={picked} />
          ) : (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Propose a change and press Compare: every algorithm places the same keys on the same nodes, before and after it.</p>
          )}
        </Panel>
        {compared && (
          <Panel title="Watch one algorithm" id="watch">
            <LabWatch key={compared.run} input={compared.input} report={compared.report} picked={picked} onPick={setPicked} />
          </Panel>
        )}
      </div>
    </div>
  );
}
