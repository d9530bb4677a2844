'use client';
// The lab's proposal: which keys, which change (add, remove, re-weight), Ringside's vnode counts to try, bounded loads' capacity.
import { useId, useState, type FormEvent } from 'react';
import { readLabFields, type LabFields, type LabFormInput } from '@/lib/lab-view/form';
import type { LabNode } from '@/lib/lab/types';
import { formatCount } from '../format';

interface Props {
  nodes: LabNode[];
  liveKeys: number;
  suggestedId: string;
  pending: boolean;
  onCompare: (input: LabFormInput) => void;
  onInvalid: (message: string) => void;
}

export function LabForm({ nodes, liveKeys, suggestedId, pending, onCompare, onInvalid }: Props) {
  const ids = nodes.map((n) => n.id);
  const [fields, setFields] = useState<LabFields>({
    keys: liveKeys > 0 ? 'cluster' : 'generated',
    count: '10000',
    change: 'add',
    addId: suggestedId,
    addWeight: '1',
    removeId: ids[0] ?? '',
    weightId: ids[0] ?? '',
    weightTo: '2',
    tryVnodes: '40, 1000',
    capacity: '1.25',
  });
  const set = (patch: Partial<LabFields>) => setFields((f) => ({ ...f, ...patch }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const read = readLabFields(fields, ids);
    if (read.ok) onCompare(read.input);
    else onInvalid(read.message);
  };

  return (
    <form onSubmit={submit} className="space-y-3" aria-label="Proposal">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">On the cluster&apos;s nodes: {nodes.map((n) => `${n.id} (weight ${n.weight})`).join(', ')}. Nothing here changes the cluster.</p>
      <fieldset className="space-y-1">
        <legend className="field-label">Keys</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="keys" checked={fields.keys === 'cluster'} onChange={() => set({ keys: 'cluster' })} />
          The cluster&apos;s live keys ({formatCount(liveKeys)}, with their sizes)
        </label>
        <label className="flex flex-wrap items-center gap-2 text-sm">
          <input type="radio" name="keys" checked={fields.keys === 'generated'} onChange={() => set({ keys: 'generated' })} />
          Generated keys, with sizes and Zipf requests:
          <input className="input w-28" inputMode="numeric" aria-label="Generated keys" value={fields.count} onChange={(e) => set({ count: e.target.value, keys: 'generated' })} />
        </label>
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="field-label">Proposed change</legend>
        <label className="block text-sm">
          <span className="sr-only">Change</span>
          <select className="input" aria-label="Change" value={fields.change} onChange={(e) => set({ change: e.target.value as LabFields['change'] })}>
            <option value="add">Add a node</option>
            <option value="remove">Remove a node</option>
            <option value="weight">Change a node&apos;s weight</option>
          </select>
        </label>
        {fields.change === 'add' && (
          <div className="flex flex-wrap gap-3">
            <TextField label="New node" width="w-32" value={fields.addId} onChange={(addId) => set({ addId })} />
            <TextField label="Its weight" width="w-20" decimal value={fields.addWeight} onChange={(addWeight) => set({ addWeight })} />
          </div>
        )}
        {fields.change === 'remove' && <NodePicker label="Node to remove" ids={ids} value={fields.removeId} onChange={(removeId) => set({ removeId })} />}
        {fields.change === 'weight' && (
          <div className="flex flex-wrap gap-3">
            <NodePicker label="Node to re-weight" ids={ids} value={fields.weightId} onChange={(weightId) => set({ weightId })} />
            <TextField label="New weight" width="w-20" decimal value={fields.weightTo} onChange={(weightTo) => set({ weightTo })} />
          </div>
        )}
      </fieldset>
      <div className="flex flex-wrap gap-3">
        <TextField label="Ringside vnodes to try" width="w-36" value={fields.tryVnodes} onChange={(tryVnodes) => set({ tryVnodes })} hint="per unit of weight, besides 160; commas between" />
        <TextField label="Bounded loads' capacity" width="w-20" decimal value={fields.capacity} onChange={(capacity) => set({ capacity })} hint="times the fair load, above 1" />
      </div>
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? 'Comparing…' : 'Compare'}
      </button>
    </form>
  );
}

interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
}

/** A labelled text field, `decimal` for a number's keyboard, with a hint under it when given. */
function TextField({ label, value, onChange, width, decimal, hint }: FieldProps & { width: string; decimal?: boolean; hint?: string }) {
  const hintId = useId();
  return (
    <label className="text-sm">
      <span className="field-label">{label}</span>
      <input className={`input ${width}`} inputMode={decimal ? 'decimal' : undefined} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={hint ? hintId : undefined} />
      {hint && (
        <span id={hintId} className="block text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </span>
      )}
    </label>
  );
}

/** A labelled choice of one of the cluster's nodes. */
function NodePicker({ label, value, onChange, ids }: FieldProps & { ids: readonly string[] }) {
  return (
    <label className="block text-sm">
      <span className="field-label">{label}</span>
      <select className="input" value={value} onChange={(e) => onChange(e.target.value)}>
        {ids.map((id) => (
          <option key={id}>{id}</option>
        ))}
      </select>
    </label>
  );
}
