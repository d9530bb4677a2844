'use client';
// Load and proof: write N fake keys, and read every key back through the normal read path.
import { useId, useState, type FormEvent } from 'react';
import { generateKeys, readAllKeys } from '@/app/actions';
import { callAction } from '../live/call-action';
import { useLive } from '../live/live-provider';
import { formatCount } from '../format';

export function GenerateForm() {
  const { refresh } = useLive();
  const [count, setCount] = useState('200');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ bad: boolean; text: string } | null>(null);
  const id = useId();

  // Buttons stay enabled (disabling the focused one would throw keyboard focus away); presses while busy are ignored.
  const generate = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setMessage({ bad: false, text: `Writing ${formatCount(Number(count))} keys…` });
    const result = await callAction(() => generateKeys({ count: Number(count) }));
    setMessage(
      result.ok
        ? {
            bad: result.failed > 0,
            text: `Wrote ${formatCount(result.written)} fake keys in ${formatCount(result.ms)} ms${result.failed ? `; ${formatCount(result.failed)} failed: ${result.firstError}` : ''}.`,
          }
        : { bad: true, text: result.message },
    );
    setBusy(false);
    refresh();
  };

  const readAll = async () => {
    if (busy) return;
    setBusy(true);
    setMessage({ bad: false, text: 'Reading every key…' });
    const result = await callAction(() => readAllKeys({}));
    setMessage(
      result.ok
        ? {
            bad: result.read < result.keys,
            text: `Read ${formatCount(result.read)} of ${formatCount(result.keys)} keys (${formatCount(result.servedByReplica)} served by a replica) in ${formatCount(result.ms)} ms${result.failed.length ? `; unreadable: ${result.failed.join(', ')}` : ''}${result.unreachable.length ? `; unreachable: ${result.unreachable.join(', ')}` : ''}.`,
          }
        : { bad: true, text: result.message },
    );
    setBusy(false);
    refresh();
  };

  return (
    <form onSubmit={generate} className="space-y-1">
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor={id} className="field-label">
            Count
          </label>
          <input id={id} className="input w-24" type="number" min={1} max={10000} required value={count} onChange={(e) => setCount(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary" aria-disabled={busy}>
          Generate
        </button>
        <button type="button" className="btn" aria-disabled={busy} onClick={() => void readAll()}>
          Read all
        </button>
      </div>
      <p role="status" aria-live="polite" data-generate-result className={`min-h-5 text-sm ${message?.bad ? 'text-red-700 dark:text-red-400' : ''}`}>
        {message?.text}
      </p>
    </form>
  );
}
