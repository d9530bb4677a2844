// The shell's consistency options: `--w` and `--r` read as levels, and how a call's replicas are told.
import { badLevel, isLevel, type Level } from '@/lib/consistency';
import type { ReplicaOutcome } from '@/lib/cluster/types';
import { UsageError, type Parsed } from './args';

/** A level option, or a usage error naming it: found before any cluster is opened. */
export function levelOption(options: Parsed['options'], name: 'w' | 'r'): Level | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  if (!isLevel(raw)) throw new UsageError(`--${badLevel(name, raw === true ? '' : raw)}`);
  return raw;
}

/** What each replica answered to a read at R=majority or all: `node-1 value 0000…`, `node-2 absent (repaired)`, `node-3 down`. */
export function describeReads(tried: readonly ReplicaOutcome[]): string {
  return tried.map((t) => `${t.node} ${t.ok ? `${t.held ?? 'ok'}${t.version ? ` ${t.version}` : ''}${t.repaired ? ' (repaired)' : ''}` : t.error}`).join(', ');
}
