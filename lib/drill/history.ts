// A history of operations on a key space and its check: nothing acknowledged lost, nothing stale, resurrected or never written.

/**
 * `ok`: acknowledged. `unknown`: the call failed in a way that may still have taken effect (a timeout,
 * no replica answering), so the check allows either outcome. `refused`: rejected before anything was
 * sent (bad input), so it cannot have taken effect.
 */
export type WriteOutcome = 'ok' | 'unknown' | 'refused';

export type Op =
  | { kind: 'put'; key: string; value: string; outcome: WriteOutcome; start: number; end: number }
  | { kind: 'delete'; key: string; outcome: WriteOutcome; start: number; end: number }
  /** `value`: what the read returned, null for not found; `outcome` 'failed' when it could not read at all. */
  | { kind: 'get'; key: string; value: string | null; outcome: 'ok' | 'failed'; start: number; end: number };

export interface HistoryReport {
  operations: number;
  acknowledged: number;
  unknown: number;
  /** Keys whose last acknowledged put is gone (and no later write could explain it). */
  lost: string[];
  /** Keys holding a value older than their last acknowledged write, or back after an acknowledged delete. */
  stale: string[];
  /** Keys holding a value no operation ever wrote. */
  phantom: string[];
  /** Reads that found nothing while an acknowledged value had to be there. */
  missedReads: number;
  /** Reads that returned a value other than one the history allows at that point. */
  staleReads: number;
  /** Reads that could not read at all; `failedReadsOfLiveKeys` of them while an acknowledged value existed. */
  failedReads: number;
  failedReadsOfLiveKeys: number;
}

/** What a key may hold after a sequence of writes: the last acknowledged one, or any unknown one after it. */
interface Allowed {
  values: Set<string>;
  absent: boolean;
}

/**
 * Until the next acknowledged write, an unknown one may show on some replicas and not on others (a frozen
 * server applies what it had buffered when it thaws), so reads may see either outcome, in any order: seeing
 * it once proves nothing about the next read. That is Ringside's model (docs/consistency.md), checked as such.
 */
function allowedAfter(writes: readonly Op[]): Allowed {
  let lastAck = -1;
  for (let i = 0; i < writes.length; i++) if (writes[i].outcome === 'ok') lastAck = i;
  const allowed: Allowed = { values: new Set(), absent: lastAck < 0 };
  for (let i = Math.max(lastAck, 0); i < writes.length; i++) {
    const op = writes[i];
    if (op.outcome === 'refused') continue;
    if (op.kind === 'put') allowed.values.add(op.value);
    else if (op.kind === 'delete') allowed.absent = true;
  }
  return allowed;
}

/**
 * Checks a history in which each key had at most one operation in flight at a time (so each key's
 * operations are in real-time order) against `final`, what each key holds at the end (null: absent).
 * Keys in `final` that no operation touched are phantoms.
 */
export function checkHistory(ops: readonly Op[], final: ReadonlyMap<string, string | null>): HistoryReport {
  const report: HistoryReport = { operations: ops.length, acknowledged: 0, unknown: 0, lost: [], stale: [], phantom: [], missedReads: 0, staleReads: 0, failedReads: 0, failedReadsOfLiveKeys: 0 };
  const byKey = new Map<string, Op[]>();
  for (const op of ops) {
    if (op.kind !== 'get' && op.outcome === 'ok') report.acknowledged++;
    if (op.kind !== 'get' && op.outcome === 'unknown') report.unknown++;
    const list = byKey.get(op.key) ?? byKey.set(op.key, []).get(op.key)!;
    list.push(op);
  }
  for (const [key, list] of byKey) {
    const writes: Op[] = [];
    const written = new Set<string>();
    for (const op of list) {
      if (op.kind === 'get') {
        const allowed = allowedAfter(writes);
        if (op.outcome === 'ok') judgeRead(op.value, allowed, report);
        else {
          report.failedReads++;
          if (!allowed.absent) report.failedReadsOfLiveKeys++;
        }
        continue;
      }
      writes.push(op);
      if (op.kind === 'put' && op.outcome !== 'refused') written.add(op.value);
    }
    const value = final.get(key) ?? null;
    const allowed = allowedAfter(writes);
    if (value === null) {
      if (!allowed.absent) report.lost.push(key);
    } else if (!allowed.values.has(value)) {
      (written.has(value) ? report.stale : report.phantom).push(key);
    }
  }
  for (const [key, value] of final) if (value !== null && !byKey.has(key)) report.phantom.push(key);
  return report;
}

function judgeRead(value: string | null, allowed: Allowed, report: HistoryReport): void {
  if (value === null) {
    if (!allowed.absent) report.missedReads++;
  } else if (!allowed.values.has(value)) report.staleReads++;
}

/** True when the history shows no anomaly: nothing lost, stale, phantom, missed or stale on read. */
export function isClean(report: HistoryReport): boolean {
  return report.lost.length + report.stale.length + report.phantom.length + report.missedReads + report.staleReads === 0;
}
