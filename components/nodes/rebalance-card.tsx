// A rebalance or repair in three moments: the preview of the plan (apply or cancel), copies counted as they happen, and what moved against the minimum.
import { useEffect, useRef } from 'react';
import type { MovePreview } from '@/lib/cluster/preview';
import { formatCount, formatPercent } from '../format';
import type { MoveState } from '../live/move-state';
import type { Outcome, Pending } from './use-rebalance';

/** Extra work the plan carries: copies owed to unreachable nodes, suspect or stray copies settled first. */
function planExtras(preview: MovePreview): string {
  const extras = [];
  if (preview.settles > 0) extras.push(`${formatCount(preview.settles)} suspect or stray copies settled first`);
  if (preview.deferred > 0) extras.push(`${formatCount(preview.deferred)} copies wait for unreachable nodes`);
  if (preview.divergent) extras.push(`${formatCount(preview.divergent)} keys whose copies hold different versions brought to the newest`);
  return extras.length > 0 ? ` (${extras.join('; ')})` : '';
}

function RepairFigures({ preview }: { preview: MovePreview }) {
  if (preview.copies + preview.deletes + preview.settles + preview.deferred + (preview.divergent ?? 0) === 0) {
    return (
      <p className="text-sm" data-preview data-preview-copies={0} data-preview-deletes={0}>
        Nothing needs repair: all {formatCount(preview.keys)} keys are on every replica of their lists with one version, and nowhere else.
      </p>
    );
  }
  return (
    <p className="text-sm" data-preview data-preview-copies={preview.copies} data-preview-deletes={preview.deletes}>
      <strong>{formatCount(preview.copies)}</strong> copies would bring {formatCount(preview.keysCopied)} of {formatCount(preview.keys)} keys back to every replica, and{' '}
      <strong>{formatCount(preview.deletes)}</strong> deletes would remove copies outside their lists{planExtras(preview)}.
    </p>
  );
}

function PreviewFigures({ preview }: { preview: MovePreview }) {
  return (
    <p className="text-sm" data-preview>
      <strong data-preview-moved={preview.primariesMoved}>{formatCount(preview.primariesMoved)}</strong> of {formatCount(preview.keys)} keys would change primary (
      <strong>{formatPercent(preview.movedShare)}</strong>; consistent hashing predicts {formatPercent(preview.theoreticalShare)}): {formatCount(preview.copies)} copies (minimum{' '}
      {formatCount(preview.minimumCopies)}) and {formatCount(preview.deletes)} deletes{planExtras(preview)}.
    </p>
  );
}

function Progress({ move }: { move: MoveState }) {
  const share = move.total === 0 ? 1 : move.done / move.total;
  return (
    <div className="space-y-1">
      <div className="flex justify-between text-sm">
        <span>
          {move.reason}: {move.phase === 'copying' ? 'copying keys' : 'copied'}
        </span>
        <span>
          {formatCount(move.done)} / {formatCount(move.total)} copies
        </span>
      </div>
      <div role="progressbar" aria-label="Copies done" aria-valuemin={0} aria-valuemax={move.total} aria-valuenow={move.done} className="h-2 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
        {/* Scaled, not resized: a transform animates on the compositor, where a width would repaint the page (and its ring) every frame. */}
        <div className="h-full origin-left bg-sky-600 transition-transform will-change-transform dark:bg-sky-400" style={{ transform: `scaleX(${share.toFixed(3)})` }} />
      </div>
    </div>
  );
}

function Summary({ outcome }: { outcome: Outcome }) {
  const { result, preview } = outcome;
  if (!result.ok)
    return (
      <p className="text-sm text-red-700 dark:text-red-400">
        {outcome.label} failed: {result.message}
      </p>
    );
  if (outcome.kind === 'repair') {
    return (
      <p className="text-sm" data-move-summary>
        <strong>Repair: done.</strong> Copied <strong data-copied={result.copied}>{formatCount(result.copied)}</strong>
        {preview && <> of {formatCount(preview.copies)} previewed</>}, deleted <span data-deleted={result.deleted}>{formatCount(result.deleted)}</span>
        {result.settled > 0 && `, settled ${formatCount(result.settled)} suspect or stray copies`}
        {result.skipped > 0 && `, skipped ${formatCount(result.skipped)} rewritten or deleted meanwhile`}
        {result.failed > 0 && `, ${formatCount(result.failed)} failed (try again)`}
        {result.deferred > 0 && `, ${formatCount(result.deferred)} deferred to unreachable nodes`} in {formatCount(result.ms)} ms.
      </p>
    );
  }
  return (
    <p className="text-sm" data-move-summary>
      <strong>{outcome.label}: done.</strong> {formatCount(result.primariesMoved)} of {formatCount(result.keys)} keys changed primary
      {result.keys > 0 && ` (${formatPercent(result.primariesMoved / result.keys)}${preview ? `; theory ${formatPercent(preview.theoreticalShare)}` : ''})`}. Copied{' '}
      <strong data-copied={result.copied}>{formatCount(result.copied)}</strong>
      {preview && <> against a minimum of {formatCount(preview.minimumCopies)}</>}, deleted {formatCount(result.deleted)}
      {result.skipped > 0 && `, skipped ${formatCount(result.skipped)} rewritten meanwhile`}
      {result.failed > 0 && `, ${formatCount(result.failed)} failed (old copies kept)`}
      {result.deferred > 0 && `, ${formatCount(result.deferred)} deferred to unreachable nodes`} in {formatCount(result.ms)} ms.
    </p>
  );
}

interface Props {
  pending: Pending | null;
  applying: boolean;
  outcome: Outcome | null;
  move: MoveState | null;
  onApply: () => void;
  onCancel: () => void;
  onDismiss: () => void;
}

export function RebalanceCard({ pending, applying, outcome, move, onApply, onCancel, onDismiss }: Props) {
  const copying = move?.phase === 'copying';
  // Apply vanishes with the preview: focus moves to the summary rather than falling back to the page.
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Without scrolling: a scroll here forces a layout while keys are still travelling on the ring.
    if (outcome) summary.current?.focus({ preventScroll: true });
  }, [outcome]);
  if (!pending && !outcome && !copying && !applying) return null;
  return (
    <div className="space-y-2 rounded-md border border-sky-300 bg-sky-50 p-3 dark:border-sky-800 dark:bg-sky-950/40" aria-live="polite" data-rebalance>
      {pending && (
        <>
          <p className="font-semibold">Preview: {pending.label}</p>
          {pending.error ? (
            <p className="text-sm text-red-700 dark:text-red-400">{pending.error}</p>
          ) : pending.preview ? (
            pending.change.type === 'repair' ? (
              <RepairFigures preview={pending.preview} />
            ) : (
              <PreviewFigures preview={pending.preview} />
            )
          ) : (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">Planning from what the nodes hold…</p>
          )}
          <div className="flex gap-2">
            <button type="button" className="btn btn-primary" onClick={onApply} disabled={applying || !pending.preview}>
              {applying ? 'Applying…' : 'Apply'}
            </button>
            <button type="button" className="btn" onClick={onCancel} disabled={applying}>
              Cancel
            </button>
          </div>
        </>
      )}
      {/* A move of a few hundred keys is over in a blink: the finished bar stays beside its summary. */}
      {move && (copying || outcome) ? <Progress move={move} /> : applying ? <p className="text-sm">Starting the move…</p> : null}
      {outcome && !pending && (
        <div ref={summary} tabIndex={-1} className="flex items-start justify-between gap-2 outline-none">
          <Summary outcome={outcome} />
          <button type="button" className="btn btn-small" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
