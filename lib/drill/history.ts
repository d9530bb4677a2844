// A history of operations on a key space and its check: nothing acknowledged lost, nothing stale, resurrected or never written.
import type { Level } from '../consistency';
import { compareItemVersions, itemVersion, type ItemVersion } from '../envelope';
import { decodeVersion } from '../version';

/**
 * `ok`: acknowledged. `unknown`: the call failed in a way that may still have taken effect (a timeout,
 * no replica answering), so the check allows either outcome. `refused`: rejected before anything was
 * sent (bad input), so it cannot have taken effect.
 */
export type WriteOutcome = 'ok' | 'unknown' | 'refused';

/**
 * `replicas`: what each replica did, as the call reported it (e.g. `node-1 ok, node-2 timeout`), so an anomaly can be
 * traced; `level`: the consistency level the call named (W for writes, R for reads), absent for the cluster's default.
 */
export type Op =
  | { kind: 'put'; key: string; value: string; outcome: WriteOutcome; start: number; end: number; replicas?: string; level?: Level }
  | { kind: 'delete'; key: string; outcome: WriteOutcome; start: number; end: number; replicas?: string; level?: Level }
  /** `value`: what the read returned, null for not found; `outcome` 'failed' when it could not read at all. */
  | { kind: 'get'; key: string; value: string | null; outcome: 'ok' | 'failed'; start: number; end: number; replicas?: string; level?: Level };

/** One anomaly with the key's operations that lead to it, so it can be read without the whole history. */
export interface Anomaly {
  kind: 'lost' | 'stale' | 'phantom' | 'missed-read' | 'stale-read';
  key: string;
  /** What the read returned, or what the key held at the end (null: absent). */
  seen: string | null;
  /** What the history allowed there. */
  allowed: { values: string[]; absent: boolean };
  /**
   * The key's operations from the acknowledged write before the last one up to the offending read; when there
   * are more than 60, the first 20 and the last 40 of them, `omitted` saying how many are left out between.
   */
  history: Op[];
  omitted: number;
}

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
  /** The first anomalies found (at most 20), each with its key's history. */
  anomalies: Anomaly[];
}

const ANOMALIES_KEPT = 20;
const HISTORY_HEAD = 20;
const HISTORY_TAIL = 40;

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
  const report: HistoryReport = {
    operations: ops.length,
    acknowledged: 0,
    unknown: 0,
    lost: [],
    stale: [],
    phantom: [],
    missedReads: 0,
    staleReads: 0,
    failedReads: 0,
    failedReadsOfLiveKeys: 0,
    anomalies: [],
  };
  const byKey = new Map<string, Op[]>();
  for (const op of ops) {
    if (op.kind !== 'get' && op.outcome === 'ok') report.acknowledged++;
    if (op.kind !== 'get' && op.outcome === 'unknown') report.unknown++;
    const list = byKey.get(op.key) ?? byKey.set(op.key, []).get(op.key)!;
    list.push(op);
  }
  const note = (kind: Anomaly['kind'], key: string, seen: string | null, allowed: Allowed, list: readonly Op[], upTo: number) => {
    if (report.anomalies.length < ANOMALIES_KEPT) report.anomalies.push({ kind, key, seen, allowed: { values: [...allowed.values], absent: allowed.absent }, ...leadingUpTo(list, upTo) });
  };
  for (const [key, list] of byKey) {
    const writes: Op[] = [];
    const written = new Set<string>();
    for (const [index, op] of list.entries()) {
      if (op.kind === 'get') {
        const allowed = allowedAfter(writes);
        if (op.outcome === 'ok') {
          const verdict = judgeRead(op.value, allowed);
          if (verdict === 'missed-read') report.missedReads++;
          if (verdict === 'stale-read') report.staleReads++;
          if (verdict) note(verdict, key, op.value, allowed, list, index);
        } else {
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
      if (!allowed.absent) {
        report.lost.push(key);
        note('lost', key, value, allowed, list, list.length - 1);
      }
    } else if (!allowed.values.has(value)) {
      const kind = written.has(value) ? 'stale' : 'phantom';
      report[kind].push(key);
      note(kind, key, value, allowed, list, list.length - 1);
    }
  }
  for (const [key, value] of final) {
    if (value === null || byKey.has(key)) continue;
    report.phantom.push(key);
    note('phantom', key, value, { values: new Set(), absent: true }, [], -1);
  }
  return report;
}

function judgeRead(value: string | null, allowed: Allowed): 'missed-read' | 'stale-read' | null {
  if (value === null) return allowed.absent ? null : 'missed-read';
  return allowed.values.has(value) ? null : 'stale-read';
}

/** The key's operations up to `upTo`, from the acknowledged write before the last one before it. */
function leadingUpTo(list: readonly Op[], upTo: number): { history: Op[]; omitted: number } {
  let from = upTo + 1;
  let acks = 0;
  while (from > 0 && acks < 2) {
    from--;
    if (list[from].kind !== 'get' && list[from].outcome === 'ok') acks++;
  }
  const all = list.slice(from, upTo + 1);
  if (all.length <= HISTORY_HEAD + HISTORY_TAIL) return { history: all, omitted: 0 };
  return { history: [...all.slice(0, HISTORY_HEAD), ...all.slice(-HISTORY_TAIL)], omitted: all.length - HISTORY_HEAD - HISTORY_TAIL };
}

/** True when the history shows no anomaly: nothing lost, stale, phantom, missed or stale on read. */
export function isClean(report: HistoryReport): boolean {
  return report.lost.length + report.stale.length + report.phantom.length + report.missedReads + report.staleReads === 0;
}

/**
 * A write with the version it carried (`PutResult.version`, `DeleteResult.version`), for keys written concurrently
 * by several processes, whose operations on one key overlap. `version` is absent where the call failed before
 * answering (an unknown outcome).
 */
export type VersionedWrite = { kind: 'put'; key: string; value: string; version?: string; outcome: WriteOutcome } | { kind: 'delete'; key: string; version?: string; outcome: WriteOutcome };

export interface LastWriteReport {
  keys: number;
  /** Keys holding an older write than the newest acknowledged one, or absent when that one is a put. */
  stale: string[];
  /** Keys holding a value no write of theirs carried. */
  phantom: string[];
}

/**
 * The last write by version: each key must hold the write with the highest version among those that took effect.
 * Acknowledged writes did; an unknown one may have, so it may be the one held when its version (if known) is above
 * every acknowledged one. Versions compare as the nodes compare them (lib/envelope: the writer by its hash).
 */
export function checkLastWriteByVersion(writes: readonly VersionedWrite[], final: ReadonlyMap<string, string | null>): LastWriteReport {
  const byKey = new Map<string, VersionedWrite[]>();
  for (const write of writes) if (write.outcome !== 'refused') (byKey.get(write.key) ?? byKey.set(write.key, []).get(write.key)!).push(write);
  const report: LastWriteReport = { keys: byKey.size, stale: [], phantom: [] };
  for (const [key, list] of byKey) {
    let newest: ItemVersion | null = null;
    for (const write of list) if (write.outcome === 'ok') newest = laterOf(newest, itemVersionOf(write));
    const allowed = list.filter((write) => {
      const version = itemVersionOf(write);
      if (write.outcome === 'ok') return compareItemVersions(version, newest) === 0;
      return version === null || compareItemVersions(version, newest) > 0;
    });
    const value = final.get(key) ?? null;
    const held = allowed.some((write) => (write.kind === 'delete' ? value === null : write.value === value)) || (newest === null && value === null);
    if (held) continue;
    const written = list.some((write) => write.kind === 'put' && write.value === value);
    (value === null || written ? report.stale : report.phantom).push(key);
  }
  for (const [key, value] of final) if (value !== null && !byKey.has(key)) report.phantom.push(key);
  return report;
}

function itemVersionOf(write: VersionedWrite): ItemVersion | null {
  const version = write.version ? decodeVersion(write.version) : null;
  return version ? itemVersion(version) : null;
}

function laterOf(a: ItemVersion | null, b: ItemVersion | null): ItemVersion | null {
  return compareItemVersions(a, b) >= 0 ? a : b;
}
