// The lab page's form, its fields as typed, read into a lab request or a message saying what to fix (the page then changes nothing).
import type { LabChange } from '../lab/types';
import { checkNodeId } from '../validate';
import { parseVnodeList } from './figures';

/** Generated keys are compared in the server's own thread: this many take a few seconds with every algorithm. */
export const MAX_GENERATED_KEYS = 200_000;

export interface LabFields {
  keys: 'cluster' | 'generated';
  count: string;
  change: 'add' | 'remove' | 'weight';
  addId: string;
  addWeight: string;
  removeId: string;
  weightId: string;
  weightTo: string;
  tryVnodes: string;
  capacity: string;
}

/** What the page asks the server for: the same shape its server actions check. */
export interface LabFormInput {
  keys: 'cluster' | number;
  change: LabChange;
  tryVnodes: number[];
  capacityFactor: number;
}

const positive = (text: string, what: string): number | string => {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : `${what} must be a number above 0, got "${text}"`;
};

export function readLabFields(fields: LabFields, nodeIds: readonly string[]): { ok: true; input: LabFormInput } | { ok: false; message: string } {
  const bad = (message: string) => ({ ok: false as const, message });
  let keys: LabFormInput['keys'] = 'cluster';
  if (fields.keys === 'generated') {
    const count = Number(fields.count.trim());
    if (!/^\d+$/.test(fields.count.trim()) || count < 1 || count > MAX_GENERATED_KEYS)
      return bad(`the number of generated keys must be a whole number from 1 to ${MAX_GENERATED_KEYS.toLocaleString('en-US')}`);
    keys = count;
  }
  let change: LabChange;
  if (fields.change === 'add') {
    const id = fields.addId.trim();
    const idError = checkNodeId(id);
    if (idError) return bad(`the new node's id: ${idError}`);
    if (nodeIds.includes(id)) return bad(`${id} is already one of the nodes: give the new node another id`);
    const weight = positive(fields.addWeight, "the new node's weight");
    if (typeof weight === 'string') return bad(weight);
    change = { add: id, weight };
  } else if (fields.change === 'remove') {
    if (!nodeIds.includes(fields.removeId)) return bad('pick a node to remove');
    if (nodeIds.length < 2) return bad(`${fields.removeId} is the only node: removing it leaves nothing to compare`);
    change = { remove: fields.removeId };
  } else {
    if (!nodeIds.includes(fields.weightId)) return bad('pick a node to re-weight');
    const to = positive(fields.weightTo, 'the new weight');
    if (typeof to === 'string') return bad(to);
    change = { weight: fields.weightId, to };
  }
  const tryVnodes = parseVnodeList(fields.tryVnodes);
  if (!tryVnodes.ok) return bad(tryVnodes.message);
  const capacityFactor = Number(fields.capacity.trim());
  if (fields.capacity.trim() === '' || !(capacityFactor > 1 && capacityFactor <= 10)) return bad(`bounded loads' capacity must be a number above 1, at most 10, got "${fields.capacity}"`);
  return { ok: true, input: { keys, change, tryVnodes: tryVnodes.counts, capacityFactor } };
}
