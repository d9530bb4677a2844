// A membership change or a repair in two steps, as Riak's plan and commit: preview what would be copied and deleted, then apply it.
import { useState } from 'react';
import { addNode, previewChange, removeNode, repairCluster, setVnodes } from '@/app/actions';
import type { MoveSummary } from '@/lib/cluster/types';
import type { MovePreview } from '@/lib/cluster/preview';
import { callAction } from '../live/call-action';
import { useLive } from '../live/live-provider';

export type Change = { type: 'add'; vnodes: number; address?: string } | { type: 'remove'; id: string } | { type: 'vnodes'; id: string; vnodes: number } | { type: 'repair' };

export interface Pending {
  change: Change;
  label: string;
  preview: MovePreview | null;
  error: string | null;
}

export interface Outcome {
  label: string;
  /** What was applied: a repair's summary reads differently from a move's. */
  kind: Change['type'];
  preview: MovePreview | null;
  result: ({ ok: true } & MoveSummary) | { ok: false; message: string };
}

export function describeChange(change: Change): string {
  if (change.type === 'add') return `Add a node${change.address ? ` at ${change.address}` : ' (local memcached)'} with ${change.vnodes} vnodes`;
  if (change.type === 'remove') return `Remove ${change.id}`;
  if (change.type === 'repair') return 'Repair';
  return `Give ${change.id} ${change.vnodes} vnodes`;
}

async function applyChange(change: Change): Promise<Outcome['result']> {
  if (change.type === 'repair') {
    const result = await callAction(() => repairCluster({}));
    return result.ok ? { ok: true, ...result.repair } : result;
  }
  return callAction(() =>
    change.type === 'add'
      ? addNode({ vnodes: change.vnodes, address: change.address })
      : change.type === 'remove'
        ? removeNode({ id: change.id })
        : setVnodes({ id: change.id, vnodes: change.vnodes }),
  );
}

export function useRebalance() {
  const { refresh } = useLive();
  const [pending, setPending] = useState<Pending | null>(null);
  const [applying, setApplying] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const propose = async (change: Change) => {
    const label = describeChange(change);
    setOutcome(null);
    setPending({ change, label, preview: null, error: null });
    const previewOf = change.type === 'add' ? { type: 'add' as const, vnodes: change.vnodes } : change;
    const result = await callAction(() => previewChange(previewOf));
    setPending((current) => (current?.change !== change ? current : { ...current, preview: result.ok ? result.preview : null, error: result.ok ? null : result.message }));
  };

  const apply = async () => {
    if (!pending) return;
    const { change, label, preview } = pending;
    setApplying(true);
    const result = await applyChange(change);
    setApplying(false);
    setPending(null);
    setOutcome({ label, kind: change.type, preview, result });
    refresh();
  };

  return { pending, applying, outcome, propose, apply, cancel: () => setPending(null), dismiss: () => setOutcome(null) };
}
