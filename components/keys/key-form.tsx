'use client';
// Put, get and delete one key at a chosen consistency level; the answer shows which replicas answered, and a read the value and who served it.
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { deleteKey, getKey, putKey } from '@/app/actions';
import type { ReplicaOutcome } from '@/lib/cluster/types';
import { LEVELS, type Level } from '@/lib/consistency';
import { callAction } from '../live/call-action';
import { useLive } from '../live/live-provider';
import { placementFromPut } from '../live/placement-from-put';
import { useSelection } from '../live/selection';
import { formatBytes, formatCount, formatVersion } from '../format';

type Shown = { tone: 'good' | 'bad'; body: ReactNode } | null;

/** A read's answer from one replica: what it held and the write's time, or that it was given the newest. */
function held(r: ReplicaOutcome): string {
  if (!r.held) return '';
  const version = r.version ? ` ${formatVersion(r.version)}` : '';
  return ` ${r.held}${version}${r.repaired ? ', repaired' : ''}`;
}

function Outcomes({ replicas }: { replicas: ReplicaOutcome[] }) {
  return (
    <span
      className="inline-flex flex-wrap gap-x-2"
      data-replicas-answered={replicas
        .filter((r) => r.ok)
        .map((r) => r.node)
        .join(',')}
    >
      {replicas.map((r) => (
        <span key={r.node} title={r.version ?? undefined} className={r.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-400'}>
          {r.node} {r.ok ? `✓${held(r)}` : `✗ ${r.error?.replaceAll('_', ' ') ?? ''}`}
        </span>
      ))}
    </span>
  );
}

/** A failure's message, with each replica's answer when the call was judged against a level. */
function failed(result: { message: string; replicas?: ReplicaOutcome[] }): Shown {
  return {
    tone: 'bad',
    body: (
      <>
        {result.message}
        {result.replicas && (
          <p className="text-xs">
            Replicas: <Outcomes replicas={result.replicas} />
          </p>
        )}
      </>
    ),
  };
}

/** "Default (one)" first: a call without a level uses the cluster's, which the shell or the API may change. */
function LevelSelect({ id, label, value, fallback, onChange }: { id: string; label: string; value: Level | ''; fallback: Level; onChange: (level: Level | '') => void }) {
  return (
    <div>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select id={id} className="input w-full" value={value} onChange={(e) => onChange(e.target.value as Level | '')}>
        <option value="">default ({fallback})</option>
        {LEVELS.map((level) => (
          <option key={level} value={level}>
            {level}
          </option>
        ))}
      </select>
    </div>
  );
}

export function KeyForm() {
  const { snapshot, refresh } = useLive();
  const { selectKey, setLastRead } = useSelection();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [ttl, setTtl] = useState('0');
  const [w, setW] = useState<Level | ''>('');
  const [r, setR] = useState<Level | ''>('');
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<Shown>(null);
  const ids = { key: useId(), value: useId(), ttl: useId(), w: useId(), r: useId() };

  // Buttons stay enabled while a request runs (disabling the focused one would throw keyboard focus away); a second press waits its turn.
  const run = async (work: () => Promise<Shown>) => {
    if (busy) return;
    setBusy(true);
    setShown(await work());
    setBusy(false);
    refresh();
  };

  const put = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const result = await callAction(() => putKey({ key, value, ttl: Number(ttl) || 0, w: w || undefined }));
      if (!result.ok) return failed(result);
      // Drawn from the answer itself, at once; the next snapshot takes over when it arrives.
      selectKey(result.key, placementFromPut(result, snapshot.replicas));
      return {
        tone: 'good',
        body: (
          <>
            Stored <span className="font-mono">{result.key}</span> ({formatBytes(result.bytes)}) on {result.acknowledged} of {result.replicas.length} replicas (W={result.w}):{' '}
            <Outcomes replicas={result.replicas} />
          </>
        ),
      };
    });
  };

  const get = () =>
    run(async () => {
      const result = await callAction(() => getKey({ key, r: r || undefined }));
      if (!result.ok) return failed(result);
      selectKey(result.key);
      setLastRead({ key: result.key, servedBy: result.servedBy });
      return {
        tone: 'good',
        body: (
          <div className="space-y-1">
            <p>
              Served by <strong data-served-by={result.servedBy}>{result.servedBy}</strong> · {formatCount(result.bytes)} bytes{result.encoding === 'base64' ? ' (binary, shown as base64)' : ''}
            </p>
            <pre className="max-h-32 overflow-auto rounded bg-zinc-100 p-2 font-mono text-xs whitespace-pre-wrap break-all dark:bg-zinc-800" data-value>
              {result.value}
            </pre>
            <p className="text-xs">
              {result.r === 'one' ? 'Tried' : `Answered (R=${result.r})`}: <Outcomes replicas={result.tried} />
              {result.repaired.length > 0 && <> · repaired {result.repaired.join(', ')}</>}
            </p>
          </div>
        ),
      };
    });

  const remove = () =>
    run(async () => {
      const result = await callAction(() => deleteKey({ key, w: w || undefined }));
      if (!result.ok) return failed(result);
      return {
        tone: 'good',
        body: (
          <>
            {result.deleted ? 'Deleted' : 'No value was stored under'} <span className="font-mono">{result.key}</span>: <Outcomes replicas={result.replicas} />
          </>
        ),
      };
    });

  return (
    <form onSubmit={put} className="space-y-2" aria-busy={busy}>
      <div className="grid grid-cols-[minmax(0,1fr)_6rem] gap-2">
        <div>
          <label htmlFor={ids.key} className="field-label">
            Key
          </label>
          <input id={ids.key} className="input w-full font-mono" value={key} onChange={(e) => setKey(e.target.value)} required autoComplete="off" spellCheck={false} placeholder="user:{42}:profile" />
        </div>
        <div>
          <label htmlFor={ids.ttl} className="field-label">
            TTL <span className="font-normal text-zinc-600 dark:text-zinc-400">(s)</span>
          </label>
          <input id={ids.ttl} className="input w-full" type="number" min={0} max={2592000} value={ttl} onChange={(e) => setTtl(e.target.value)} />
        </div>
      </div>
      <div>
        <label htmlFor={ids.value} className="field-label">
          Value
        </label>
        <textarea id={ids.value} className="input w-full font-mono" rows={2} value={value} onChange={(e) => setValue(e.target.value)} spellCheck={false} />
      </div>
      <div className="grid grid-cols-2 gap-2">
        <LevelSelect id={ids.w} label="Write level (W)" value={w} fallback={snapshot.consistency.w} onChange={setW} />
        <LevelSelect id={ids.r} label="Read level (R)" value={r} fallback={snapshot.consistency.r} onChange={setR} />
      </div>
      <div className="flex gap-2">
        <button type="submit" className="btn btn-primary" aria-disabled={busy}>
          Put
        </button>
        <button type="button" className="btn" disabled={!key} aria-disabled={busy} onClick={() => void get()}>
          Get
        </button>
        <button type="button" className="btn" disabled={!key} aria-disabled={busy} onClick={() => void remove()}>
          Delete
        </button>
      </div>
      <div role="status" aria-live="polite" data-key-result className={`min-h-5 text-sm ${shown?.tone === 'bad' ? 'text-red-700 dark:text-red-400' : ''}`}>
        {shown?.body}
      </div>
    </form>
  );
}
