'use client';
// Find a key by name (exact, else the first that starts with the text) and select it on the ring.
import { useId, useState, type FormEvent } from 'react';
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';

export function KeyFinder() {
  const { snapshot } = useLive();
  const { selectKey } = useSelection();
  const [text, setText] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const id = useId();

  const find = (event: FormEvent) => {
    event.preventDefault();
    const wanted = text.trim();
    if (!wanted) return;
    const match = snapshot.keys.find((k) => k.key === wanted) ?? snapshot.keys.find((k) => k.key.startsWith(wanted));
    selectKey(match?.key ?? null);
    setMessage(match ? null : `No key “${wanted}” on the ring${snapshot.keyCount > snapshot.keys.length ? ' (only the first keys are searchable)' : ''}.`);
  };

  return (
    <form onSubmit={find} className="space-y-1" role="search">
      <label htmlFor={id} className="field-label">
        Find key
      </label>
      <div className="flex gap-2">
        <input id={id} className="input min-w-0 flex-1" value={text} onChange={(e) => setText(e.target.value)} placeholder="user:{42}:cart" autoComplete="off" spellCheck={false} />
        <button type="submit" className="btn">
          Show
        </button>
      </div>
      {message && <p className="text-sm text-amber-700 dark:text-amber-400">{message}</p>}
    </form>
  );
}
