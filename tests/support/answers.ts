// The REST API's JSON answers as the tests read them, named after the cluster's own result types, so a test
// that reads a field the API no longer has fails to compile rather than comparing with undefined.
import type { Cluster } from '@/lib/cluster/cluster';
import type { StampedEvent } from '@/lib/cluster/events';
import type { GetResult, MoveSummary, NodeView } from '@/lib/cluster/types';
import type { MovePreview } from '@/lib/cluster/preview';
import type { KeyPlacement, NodeKeyCounts } from '@/lib/cluster/views';

/** A body: the success fields `T` names, and a failure's code and message (the API's own codes too) when it is one. */
export type Body<T = object> = T & { ok?: boolean; error?: string; message?: string };

/** GET /api/keys/{key}: the value as text, or as base64 when it is not printable UTF-8. */
export type GetAnswer = Omit<GetResult, 'value'> & { value: string; encoding: 'utf8' | 'base64' };

/** GET /api/keys */
export interface KeysAnswer {
  keys: KeyPlacement[];
  total: number;
  unreachable: string[];
}

/** GET /api/nodes: counts are null for a node that did not answer. */
export interface NodesAnswer {
  nodes: (NodeView & { keys: NodeKeyCounts | null })[];
}

export type RingAnswer = ReturnType<Cluster['ringSummary']>;

export interface StatsAnswer {
  stats: Record<string, Record<string, string> | null>;
}

export interface PlanAnswer {
  preview: MovePreview;
}

export interface FakeAnswer {
  stored: number;
  failed: number;
  sample: string[];
}

export interface ReviveAnswer {
  node: NodeView;
  repair: MoveSummary;
}

/** GET /api/snapshot, the fields the tests compare with the ring's. */
export interface SnapshotAnswer {
  version: number;
  checksum: string;
  events: StampedEvent[];
}
