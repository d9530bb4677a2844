'use server';
// The lab page's server actions: compare every algorithm on the cluster's nodes and its live or generated keys, and one algorithm's moves to animate.
import { z } from 'zod';
import { actionRefusal } from '@/app/guard';
import { getCluster } from '@/lib/cluster/instance';
import { clusterLabRequest, type LiveLabResult } from '@/lib/cluster/lab';
import { liveLabKeys } from '@/lib/cluster/lab-keys';
import { syntheticKeys, type LabKey } from '@/lib/lab';
import { MAX_GENERATED_KEYS } from '@/lib/lab-view/form';
import { labMotion, type LabMotion } from '@/lib/lab-view/motion';

const generated = `the number of generated keys must be a whole number from 1 to ${MAX_GENERATED_KEYS.toLocaleString('en-US')}`;
const nodeId = z.string({ error: 'the node id must be text' }).min(1, 'give a node id').max(200, 'the node id is too long');
const weight = z.number({ error: 'the weight must be a number' });

// Shapes only: the lab checks the rest (unknown nodes, weights above 0, vnode ranges) and says what to fix.
const labInput = z.strictObject({
  keys: z.union([z.literal('cluster'), z.number({ error: generated }).int(generated).min(1, generated).max(MAX_GENERATED_KEYS, generated)]),
  change: z.union([z.strictObject({ add: nodeId, weight }), z.strictObject({ remove: nodeId }), z.strictObject({ weight: nodeId, to: weight })]),
  tryVnodes: z.array(z.number().int()).max(8, 'at most 8 vnode counts to try'),
  capacityFactor: z.number({ error: 'the capacity must be a number' }),
});
export type LabInput = z.infer<typeof labInput>;

/** A failure as the page shows it: a code for programs, a message for people. */
export interface LabFailure {
  ok: false;
  error: string;
  message: string;
}

const algorithmInput = z.string().min(1).max(40);

async function accept(input: unknown): Promise<{ ok: true; value: LabInput } | LabFailure> {
  const refused = await actionRefusal();
  if (refused) return refused;
  const parsed = labInput.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: 'invalid_lab', message: `${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'not valid'}` };
}

/** The cluster's live keys (sizes included), or that many generated ones. */
async function keysFor(input: LabInput): Promise<{ ok: true; keys: LabKey[]; unreachable: string[] } | LabFailure> {
  if (input.keys !== 'cluster') return { ok: true, keys: syntheticKeys(input.keys), unreachable: [] };
  return liveLabKeys(await getCluster());
}

/** Every algorithm of the lab on the cluster's nodes: what the change moves, balance, lookup time and memory. */
export async function runLab(input: unknown): Promise<LiveLabResult | LabFailure> {
  const accepted = await accept(input);
  if (!accepted.ok) return accepted;
  const { keys: source, change, tryVnodes, capacityFactor } = accepted.value;
  const keys = await keysFor(accepted.value);
  if (!keys.ok) return keys;
  const result = await (await getCluster()).compare({ keys: keys.keys, change, tryVnodes, capacityFactor });
  if (!result.ok) return result;
  return { ...result, origin: { ...result.origin, keysFrom: source === 'cluster' ? 'cluster' : 'synthetic', unreachable: keys.unreachable } };
}

/** One algorithm's placement of the same keys before and after the change, a sample of them listed, for the animation. */
export async function watchLab(input: unknown, algorithm: unknown): Promise<LabMotion | LabFailure> {
  const accepted = await accept(input);
  if (!accepted.ok) return accepted;
  const picked = algorithmInput.safeParse(algorithm);
  if (!picked.success) return { ok: false, error: 'invalid_lab', message: 'pick an algorithm to watch' };
  const keys = await keysFor(accepted.value);
  if (!keys.ok) return keys;
  const { change, tryVnodes, capacityFactor } = accepted.value;
  // The same request as runLab's comparison, so the animation moves what the report counts.
  return labMotion(clusterLabRequest((await getCluster()).currentRing, { change, tryVnodes, capacityFactor }, keys.keys), picked.data);
}
