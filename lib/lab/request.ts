// A lab request checked and made ready: the memberships before and after the change, the keys, and the algorithms to run.
import { fail, type Failure } from '../cluster/types';
import { DEFAULT_REPLICAS, DEFAULT_VNODES } from '../ring';
import { checkKey, checkNodeId, checkVnodes } from '../validate';
import { repetitions, type Algorithm, type Settings } from './algorithm';
import { algorithmsFor } from './algorithms';
import { DEFAULT_CAPACITY_FACTOR } from './bounded-loads';
import type { LabChange, LabKey, LabNode, LabRequest } from './types';

export const MAX_LAB_KEYS = 1_000_000;
export const MAX_LAB_NODES = 1000;
export const MAX_LAB_REPLICAS = 10;
/** Jump's buckets and multi-probe's points repeat per unit of the smallest weight: this bounds how many. */
export const MAX_WEIGHT_RATIO = 1000;

export interface PreparedLab {
  ok: true;
  nodes: LabNode[];
  after?: LabNode[];
  /** Every node of either membership, the nodes first, then those the change adds: the indexes placements are compared in. */
  all: LabNode[];
  change?: LabChange;
  keys: readonly LabKey[];
  /** Each key's load for bounded loads: its requests when any key has them, else 1. */
  loads: Float64Array;
  replicas: number;
  vnodes: number;
  /** What every algorithm builds with. */
  settings: Settings;
  algorithms: Algorithm[];
  timingRounds: number;
}

const bad = (message: string) => fail('invalid_lab', message);

function checkWeight(weight: unknown, what: string): Failure | null {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) return bad(`${what}: the weight must be a number above 0, got ${String(weight)}`);
  return null;
}

/** The membership after `change`, or why it cannot be made. */
export function applyChange(nodes: readonly LabNode[], change: LabChange): LabNode[] | Failure {
  const has = (id: string) => nodes.some((n) => n.id === id);
  if ('add' in change) {
    const idError = checkNodeId(change.add);
    if (idError) return fail('invalid_id', `add ${change.add}: ${idError}`);
    if (has(change.add)) return fail('node_exists', `${change.add} is already one of the nodes`);
    const weight = change.weight ?? 1;
    return checkWeight(weight, `add ${change.add}`) ?? [...nodes, { id: change.add, weight }];
  }
  if ('remove' in change) {
    if (!has(change.remove)) return fail('unknown_node', `no node ${change.remove} to remove (nodes: ${nodes.map((n) => n.id).join(', ')})`);
    if (nodes.length === 1) return fail('last_node', `${change.remove} is the only node: removing it leaves nothing to compare`);
    return nodes.filter((n) => n.id !== change.remove);
  }
  if (!has(change.weight)) return fail('unknown_node', `no node ${change.weight} to re-weight (nodes: ${nodes.map((n) => n.id).join(', ')})`);
  return checkWeight(change.to, `weight of ${change.weight}`) ?? nodes.map((n) => (n.id === change.weight ? { id: n.id, weight: change.to } : n));
}

function checkNodes(nodes: readonly LabNode[]): Failure | null {
  if (!Array.isArray(nodes) || nodes.length === 0) return fail('no_nodes', 'give at least one node');
  if (nodes.length > MAX_LAB_NODES) return bad(`at most ${MAX_LAB_NODES} nodes, got ${nodes.length}`);
  const seen = new Set<string>();
  for (const node of nodes) {
    const idError = checkNodeId(node?.id);
    if (idError) return fail('invalid_id', `node ${JSON.stringify(node?.id)}: ${idError}`);
    if (seen.has(node.id)) return fail('invalid_id', `node ${node.id} is listed twice`);
    seen.add(node.id);
    const weightError = checkWeight(node.weight, `node ${node.id}`);
    if (weightError) return weightError;
  }
  return null;
}

function checkKeys(keys: readonly LabKey[]): Failure | null {
  if (!Array.isArray(keys) || keys.length === 0) return bad('give at least one key');
  if (keys.length > MAX_LAB_KEYS) return bad(`at most ${MAX_LAB_KEYS} keys, got ${keys.length}`);
  const seen = new Set<string>();
  for (const [i, entry] of keys.entries()) {
    const keyError = checkKey(entry?.key);
    if (keyError) return fail('invalid_key', `key ${i + 1} (${JSON.stringify(entry?.key)}): ${keyError}`);
    if (seen.has(entry.key)) return fail('invalid_key', `key ${entry.key} is listed twice: give it once, with its requests`);
    seen.add(entry.key);
    for (const field of ['bytes', 'requests'] as const) {
      const value = entry[field];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) return bad(`key ${entry.key}: ${field} must be a number from 0 up, got ${String(value)}`);
    }
  }
  return null;
}

/** Checks every field; a failure names what to fix. */
export function prepareLab(request: LabRequest): PreparedLab | Failure {
  const nodesError = checkNodes(request.nodes);
  if (nodesError) return nodesError;
  const keysError = checkKeys(request.keys);
  if (keysError) return keysError;
  const replicas = request.replicas ?? DEFAULT_REPLICAS;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_LAB_REPLICAS) return bad(`replicas must be a whole number from 1 to ${MAX_LAB_REPLICAS}`);
  const vnodes = request.vnodes ?? DEFAULT_VNODES;
  for (const count of [vnodes, ...(request.tryVnodes ?? [])]) {
    const vnodesError = checkVnodes(count);
    if (vnodesError) return fail('invalid_vnodes', vnodesError);
  }
  const capacityFactor = request.capacityFactor ?? DEFAULT_CAPACITY_FACTOR;
  if (typeof capacityFactor !== 'number' || !(capacityFactor > 1 && capacityFactor <= 10)) return bad('capacityFactor must be a number above 1, at most 10');
  const timingRounds = request.timingRounds ?? 3;
  if (!Number.isInteger(timingRounds) || timingRounds < 0 || timingRounds > 50) return bad('timingRounds must be a whole number from 0 to 50');

  const nodes = request.nodes.map((n) => ({ id: n.id, weight: n.weight }));
  const after = request.change ? applyChange(nodes, request.change) : undefined;
  if (after && !Array.isArray(after)) return after;
  const weights = [...nodes, ...(after ?? [])].map((n) => n.weight);
  if (Math.max(...weights) / Math.min(...weights) > MAX_WEIGHT_RATIO) return bad(`the largest weight may be at most ${MAX_WEIGHT_RATIO} times the smallest`);
  const totalVnodes = Math.max(...[vnodes, ...(request.tryVnodes ?? [])]) * weights.reduce((a, b) => a + b, 0);
  if (totalVnodes > 4_000_000) return bad('too many vnodes in all (weights x vnodes): at most 4,000,000');

  const algorithms = algorithmsFor(request.tryVnodes ?? [], request.algorithms);
  if (!Array.isArray(algorithms)) return algorithms;
  const byRequests = request.keys.some((k) => k.requests !== undefined);
  const loads = Float64Array.from(request.keys, (k) => (byRequests ? (k.requests ?? 0) : 1));
  const repeat = repetitions(weights);
  return {
    ok: true,
    nodes,
    after,
    all: [...nodes, ...(after ?? []).filter((n) => !nodes.some((m) => m.id === n.id))],
    change: request.change,
    keys: request.keys,
    loads,
    replicas,
    vnodes,
    settings: { replicas, vnodes, totalLoad: loads.reduce((a, b) => a + b, 0), capacityFactor, repeat },
    algorithms,
    timingRounds,
  };
}
