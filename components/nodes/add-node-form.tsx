// Add a node: a new local memcached (the default), or a running memcached at an allowed address; shows the preview first.
import { useId, useState, type FormEvent } from 'react';
import { MAX_VNODES } from '@/lib/validate';
import type { Change } from './use-rebalance';

export function AddNodeForm({ disabled, onPropose }: { disabled: boolean; onPropose: (change: Change) => void }) {
  const [address, setAddress] = useState('');
  const [vnodes, setVnodes] = useState('160');
  const addressId = useId();
  const vnodesId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!disabled) onPropose({ type: 'add', vnodes: Number(vnodes), address: address.trim() || undefined });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
      <div className="min-w-40 flex-1">
        <label htmlFor={addressId} className="field-label">
          Address <span className="font-normal text-zinc-600 dark:text-zinc-400">(optional)</span>
        </label>
        <input
          id={addressId}
          className="input w-full font-mono"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          placeholder="empty: new local memcached"
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div>
        <label htmlFor={vnodesId} className="field-label">
          Vnodes
        </label>
        <input id={vnodesId} className="input w-20" type="number" min={1} max={MAX_VNODES} required value={vnodes} onChange={(e) => setVnodes(e.target.value)} />
      </div>
      {/* aria-disabled, not disabled: the button keeps focus while its preview shows, and Tab reaches Apply next. */}
      <button type="submit" className="btn btn-primary" aria-disabled={disabled}>
        Add node
      </button>
    </form>
  );
}
