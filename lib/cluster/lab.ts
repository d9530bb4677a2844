// The algorithm lab on a running cluster: its nodes (weights from their vnodes) and the keys its nodes list, unless the caller gives others.
import { compareAlgorithms, labNodesOf, MAX_LAB_KEYS, syntheticKeys, type LabChange, type LabKey, type LabNode, type LabReport, type LabRequest } from '../lab';
import { DEFAULT_VNODES, type Ring } from '../ring';
import { liveLabKeys, type LiveKeySource } from './lab-keys';
import { fail, type Failure } from './types';

/** A lab request where nodes and keys may be left to the cluster; `keys` may be a count of synthetic keys. */
export interface LabQuery {
  nodes?: LabNode[];
  keys?: number | LabKey[];
  /** Zipf exponent of synthetic keys' requests. */
  zipf?: number;
  change?: LabChange;
  vnodes?: number;
  tryVnodes?: number[];
  replicas?: number;
  algorithms?: string[];
  capacityFactor?: number;
  timingRounds?: number;
}

export interface LabSource extends LiveKeySource {
  readonly currentRing: Ring;
}

/** Where a live comparison took its nodes and keys from, and the nodes whose keys could not be listed. */
export interface LabOrigin {
  nodesFrom: 'cluster' | 'request';
  keysFrom: 'cluster' | 'request' | 'synthetic';
  unreachable: string[];
}

export type LiveLabResult = (LabReport & { origin: LabOrigin }) | Failure;

/**
 * The lab request for `keys` on the cluster: unless the query gives nodes, the cluster's (weight vnodes / 160,
 * lib/lab's labNodesOf) at 160 vnodes per unit, so `ringside` is the ring as configured; its replica count.
 */
export function clusterLabRequest(ring: Pick<Ring, 'nodes' | 'replicas'>, query: Omit<LabQuery, 'keys' | 'zipf'>, keys: readonly LabKey[]): LabRequest {
  return {
    nodes: query.nodes ?? labNodesOf(ring.nodes),
    keys,
    change: query.change,
    vnodes: query.vnodes ?? (query.nodes ? undefined : DEFAULT_VNODES),
    tryVnodes: query.tryVnodes,
    replicas: query.replicas ?? ring.replicas,
    algorithms: query.algorithms,
    capacityFactor: query.capacityFactor,
    timingRounds: query.timingRounds,
  };
}

/** The lab on the cluster (clusterLabRequest); the cluster's keys are every key a node lists, sorted, with their sizes and request mix (liveLabKeys). */
export async function compareOnCluster(cluster: LabSource, query: LabQuery): Promise<LiveLabResult> {
  let keys: LabKey[];
  let unreachable: string[] = [];
  if (typeof query.keys === 'number' && !(Number.isInteger(query.keys) && query.keys >= 1 && query.keys <= MAX_LAB_KEYS)) {
    return fail('invalid_lab', `the key count must be a whole number from 1 to ${MAX_LAB_KEYS}`);
  }
  if (typeof query.keys === 'number') keys = syntheticKeys(query.keys, { zipf: query.zipf });
  else if (query.keys) keys = query.keys;
  else {
    const live = await liveLabKeys(cluster);
    if (!live.ok) return live;
    ({ keys, unreachable } = live);
  }
  const result = compareAlgorithms(clusterLabRequest(cluster.currentRing, query, keys));
  if (!result.ok) return result;
  const origin: LabOrigin = {
    nodesFrom: query.nodes ? 'request' : 'cluster',
    keysFrom: typeof query.keys === 'number' ? 'synthetic' : query.keys ? 'request' : 'cluster',
    unreachable,
  };
  return { ...result, origin };
}
