// Plain, serialisable shapes the cluster hands to every adapter: results, failures and node views.
import type { Level } from '../consistency';

export type ErrorCode =
  | 'invalid_key'
  | 'invalid_value'
  | 'invalid_ttl'
  | 'invalid_id'
  | 'invalid_vnodes'
  | 'invalid_address'
  | 'invalid_lab'
  | 'invalid_level'
  | 'address_not_allowed'
  | 'unknown_node'
  | 'node_exists'
  | 'node_unreachable'
  | 'node_down'
  | 'node_alive'
  | 'not_local'
  | 'last_node'
  | 'local_start_failed'
  | 'no_nodes'
  | 'not_found'
  | 'unavailable'
  | 'too_few_replicas'
  | 'out_of_memory'
  | 'busy'
  | 'control_plane_unavailable'
  /** The state store shared with clients that connect by URL (lib/store/relay). */
  | 'invalid_request'
  | 'unknown_session'
  | 'writer_in_use'
  | 'not_shared';

/** An expected failure, as a value: a code for programs and a message for people. */
export interface Failure {
  ok: false;
  error: ErrorCode;
  message: string;
  /** What each replica did, for a call judged against a consistency level (too few answered, or the key not found). */
  replicas?: ReplicaOutcome[];
}

export type Result<T extends object> = ({ ok: true } & T) | Failure;

export function fail(error: ErrorCode, message: string): Failure {
  return { ok: false, error, message };
}

export type NodeStatus = 'up' | 'down' | 'joining' | 'leaving';

export interface NodeView {
  id: string;
  address: string;
  status: NodeStatus;
  vnodes: number;
  local: boolean;
  /** Process id of a local node while it runs. */
  pid: number | null;
  killed: boolean;
  /** Keys whose copy on this node is suspect until it is repaired. */
  suspectKeys: number;
}

/**
 * What one replica did with a request: `error` is a node error code (`out_of_memory`: the node is full and
 * refused the write), `down`, `miss` or `suspect`.
 */
export interface ReplicaOutcome {
  node: string;
  ok: boolean;
  error?: string;
  /** For a read: what the replica held, and its version (lib/consistency's `describeItemVersion`; null: unversioned). */
  held?: 'value' | 'tombstone' | 'unversioned' | 'absent';
  version?: string | null;
  /** For a read: the replica was older or empty and was given the newest write. */
  repaired?: boolean;
}

/** What a move or repair did; `settled` counts suspect or stray copies brought in line first. */
export interface MoveSummary {
  /** Distinct keys found on the nodes. */
  keys: number;
  planned: number;
  plannedDeletes: number;
  primariesMoved: number;
  /** Copies owed to unreachable nodes, made when they return. */
  deferred: number;
  copied: number;
  /** Copies not needed after all: the key was rewritten, deleted or expired meanwhile. */
  skipped: number;
  failed: number;
  deleted: number;
  settled: number;
  /** Deletes (tombstones) copied to nodes of their key's list that lacked them. */
  tombstones: number;
  /** Keys whose copies held different versions, brought to the newest (only a repair that compares versions). */
  converged: number;
  ms: number;
}

export type MembershipResult = { node: NodeView } & MoveSummary;

export interface PutResult {
  key: string;
  bytes: number;
  ttl: number;
  acknowledged: number;
  replicas: ReplicaOutcome[];
  /** The write's version (lib/version's encoding): wall, counter and this process's writer id. */
  version: string;
  /** The level the write was judged against. */
  w: Level;
}

export interface GetResult {
  key: string;
  value: Buffer;
  servedBy: string;
  /** The replicas asked, with what each answered (at R=one, in turn until one served; else at once). */
  tried: ReplicaOutcome[];
  repaired: string[];
  r: Level;
  /** The version of the write served (null: unversioned). */
  version: string | null;
}

export interface DeleteResult {
  key: string;
  /** Whether a replica held a value that this delete's tombstone replaced. */
  deleted: boolean;
  replicas: ReplicaOutcome[];
  /** The tombstone's version, as a put's. */
  version: string;
  w: Level;
}

export interface LocateResult {
  key: string;
  hashedPart: string;
  position: number;
  vnode: { node: string; index: number; position: number };
  replicas: { node: string; role: 'primary' | 'replica'; status: NodeStatus; holds: boolean | null }[];
}
