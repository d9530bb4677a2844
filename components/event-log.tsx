'use client';
// The cluster's story, newest first: membership changes, nodes down and up, moves, repairs and errors.
import { useEvents } from './live/live-provider';
import { describeEvent, formatClock, toneOf, type EventTone } from './format';

const TONES: Record<EventTone, string> = {
  good: 'bg-emerald-500',
  bad: 'bg-red-500',
  move: 'bg-sky-500',
  plain: 'bg-zinc-400',
};

export function EventLog() {
  const events = useEvents();
  const shown = events
    .filter((e) => e.type !== 'move-progress' && e.type !== 'ring-changed')
    .slice(-100)
    .reverse();
  if (shown.length === 0) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing has happened yet.</p>;
  return (
    // The live region around the list: role="log" on the <ol> itself would take away its list semantics.
    <div role="log" aria-label="Cluster events" className="max-h-72 overflow-auto">
      <ol className="space-y-1 text-sm">
        {shown.map((event) => (
          <li key={event.seq} className="flex gap-2" data-event={event.type}>
            <span className={`mt-1.5 size-2 shrink-0 rounded-full ${TONES[toneOf(event)]}`} aria-hidden />
            <time dateTime={new Date(event.at).toISOString()} className="shrink-0 font-mono text-xs leading-5 text-zinc-600 dark:text-zinc-400" title="UTC">
              {formatClock(event.at)}
            </time>
            <span className={toneOf(event) === 'bad' ? 'text-red-700 dark:text-red-400' : ''}>{describeEvent(event)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
