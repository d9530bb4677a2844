'use client';
// Find a key by name (exact, else the first that starts with the text) and select it on the ring; a key the page's
// snapshot does not carry (over 10,000 keys it holds only the first) is looked up on the server.
import { useId, useState, type FormEvent } from 'react';
import { useLive } from '../live/live-provider';
import { useSelection } from '../live/selection';

export function KeyFinder() {
  const { snapshot } = useLive();
  const { selectKey, selectedKey, lookup } = useSelection();
  const [text, setText] = useState('');
  const [searched, setSearched] = useState<string | null>(null);
  const id = useId();

  const find = (event: FormEvent) => {
    event.preventDefault();
    const wanted = text.trim();
    if (!wanted) return;
    const match = snapshot.keys.find((k) => k.key === wanted) ?? snapshot.keys.find((k) => k.key.startsWith(wanted));
    // No match here: select the exact text anyway, and the selection asks the server where it lives.
    selectKey(match?.key ?? wanted);
    setSearched(match ? null : wanted);
  };

  const pending = searched !== null && selectedKey === searched ? lookup : null;
  const message =
    pending?.state === 'absent' ? `No key “${searched}” on the ring (${pending.message.replace(/\.$/, '')}).` : pending?.state === 'asking' ? `Looking up “${searched}” on the server…` : null;

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
      <p className="text-sm text-amber-800 empty:hidden dark:text-amber-300" role="status" data-find-message>
        {message}
      </p>
    </form>
  );
}
