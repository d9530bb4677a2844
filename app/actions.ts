'use server';
// The dashboard's server actions: public POST endpoints, so each parses its own input, then makes one call into the cluster.
import { z } from 'zod';
import { actionRefusal } from '@/app/guard';
import { getCluster } from '@/lib/cluster/instance';
import { describeValue } from '@/lib/value-text';
import type { PlannedChange } from '@/lib/cluster/cluster';
import { mapLimit } from '@/lib/concurrency';
import { storeFakeEntries } from '@/lib/fake-data';
import { LEVELS } from '@/lib/consistency';

/** A failure as the dashboard shows it: a code for programs, a message for people. */
export interface ActionFailure {
  ok: false;
  error: string;
  message: string;
}

// Shapes only: the cluster applies its own rules (key bytes, value limit, allowed addresses) and explains them.
const key = z.string({ error: 'the key must be text' }).min(1, 'the key is empty').max(1024, 'the key is far longer than memcached allows (250 bytes)');
const nodeId = z.string({ error: 'the node id must be text' }).min(1, 'the node id is empty').max(200);
const vnodes = z.number({ error: 'vnodes must be a number' });
const level = z.enum(LEVELS, { error: 'the level must be one, majority or all' }).optional();
const MAX_GENERATE = 10_000;
const READ_CONCURRENCY = 32;

const putInput = z
  .object({
    key,
    value: z.string({ error: 'the value must be text' }).max(2 * 1024 * 1024, 'the value is far larger than a node stores (1 MiB)'),
    ttl: z.number({ error: 'the TTL must be a number of seconds' }).optional(),
    w: level,
  })
  .strict();
const getInput = z.object({ key, r: level }).strict();
const deleteInput = z.object({ key, w: level }).strict();
const nodeInput = z.object({ id: nodeId }).strict();
const addInput = z.object({ address: z.string().max(300).optional(), vnodes: vnodes.optional() }).strict();
const vnodesInput = z.object({ id: nodeId, vnodes }).strict();
const generateCount = `the count must be a whole number from 1 to ${MAX_GENERATE}`;
const generateInput = z.object({ count: z.number({ error: generateCount }).int(generateCount).min(1, generateCount).max(MAX_GENERATE, generateCount) }).strict();
const previewInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), vnodes: vnodes.optional() }).strict(),
  z.object({ type: z.literal('remove'), id: nodeId }).strict(),
  z.object({ type: z.literal('vnodes'), id: nodeId, vnodes }).strict(),
  z.object({ type: z.literal('repair') }).strict(),
]);

const FIELD_ERRORS: Record<string, string> = {
  key: 'invalid_key',
  value: 'invalid_value',
  ttl: 'invalid_ttl',
  id: 'invalid_id',
  vnodes: 'invalid_vnodes',
  address: 'invalid_address',
  count: 'invalid_count',
  w: 'invalid_level',
  r: 'invalid_level',
};

/** Passes the request guard (the access token, loopback names), then parses the input. */
async function accept<T>(schema: z.ZodType<T>, input: unknown): Promise<{ ok: true; value: T } | ActionFailure> {
  const refused = await actionRefusal();
  if (refused) return refused;
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? '');
  return { ok: false, error: FIELD_ERRORS[field] ?? 'invalid_input', message: `${field || 'input'}: ${issue?.message ?? 'not valid'}` };
}

export async function putKey(input: unknown) {
  const parsed = await accept(putInput, input);
  if (!parsed.ok) return parsed;
  const { key, value, ttl, w } = parsed.value;
  return (await getCluster()).put(key, value, { ttl, w });
}

/** The value comes back as text when it is printable UTF-8, else as base64 (the same rule as the API and the shell). */
export async function getKey(input: unknown) {
  const parsed = await accept(getInput, input);
  if (!parsed.ok) return parsed;
  const result = await (await getCluster()).get(parsed.value.key, { r: parsed.value.r });
  if (!result.ok) return result;
  const { value, ...rest } = result;
  const { text, encoding } = describeValue(value);
  return { ...rest, bytes: value.length, encoding, value: text };
}

export async function deleteKey(input: unknown) {
  const parsed = await accept(deleteInput, input);
  if (!parsed.ok) return parsed;
  return (await getCluster()).delete(parsed.value.key, { w: parsed.value.w });
}

/** Writes `count` fake entries (users, carts, sessions, products, pages) with a bounded number in flight. */
export async function generateKeys(input: unknown) {
  const parsed = await accept(generateInput, input);
  if (!parsed.ok) return parsed;
  const cluster = await getCluster();
  const started = Date.now();
  const outcome = await storeFakeEntries((key, value, options) => cluster.put(key, value, options), parsed.value.count);
  return { ok: true as const, written: outcome.stored, failed: outcome.failed, firstError: outcome.failures[0] ?? null, ms: Date.now() - started };
}

/** Reads every key the nodes hold, through the normal read path: the failure drill's proof that nothing is lost. */
export async function readAllKeys(input: unknown) {
  const parsed = await accept(z.object({}).strict(), input ?? {});
  if (!parsed.ok) return parsed;
  const cluster = await getCluster();
  const listed = await cluster.keys();
  if (!listed.ok) return listed;
  const started = Date.now();
  const results = await mapLimit(listed.keys, READ_CONCURRENCY, (placement) => cluster.get(placement.key));
  const failed = listed.keys.filter((_, i) => !results[i].ok).map((p) => p.key);
  const servedByReplica = results.filter((r, i) => r.ok && r.servedBy !== listed.keys[i].preference[0]).length;
  return {
    ok: true as const,
    keys: listed.keys.length,
    read: listed.keys.length - failed.length,
    failed: failed.slice(0, 20),
    servedByReplica,
    unreachable: listed.unreachable,
    ms: Date.now() - started,
  };
}

/** Adds a node: a new local memcached process, or the memcached at `address` (which must be allowed). */
export async function addNode(input: unknown) {
  const parsed = await accept(addInput, input);
  if (!parsed.ok) return parsed;
  const address = parsed.value.address?.trim() || undefined;
  return (await getCluster()).addNode({ address, vnodes: parsed.value.vnodes });
}

export async function removeNode(input: unknown) {
  const parsed = await accept(nodeInput, input);
  if (!parsed.ok) return parsed;
  return (await getCluster()).removeNode(parsed.value.id);
}

export async function killNode(input: unknown) {
  const parsed = await accept(nodeInput, input);
  if (!parsed.ok) return parsed;
  return (await getCluster()).killNode(parsed.value.id);
}

export async function reviveNode(input: unknown) {
  const parsed = await accept(nodeInput, input);
  if (!parsed.ok) return parsed;
  return (await getCluster()).reviveNode(parsed.value.id);
}

export async function setVnodes(input: unknown) {
  const parsed = await accept(vnodesInput, input);
  if (!parsed.ok) return parsed;
  return (await getCluster()).setVnodes(parsed.value.id, parsed.value.vnodes);
}

/** What a membership change or a repair would copy and delete, from what the nodes hold now; nothing changes. */
export async function previewChange(input: unknown) {
  const parsed = await accept(previewInput, input);
  if (!parsed.ok) return parsed;
  const change: PlannedChange = parsed.value;
  return (await getCluster()).preview(change);
}

/** Brings every key back to its full preference list and removes copies that do not belong. */
export async function repairCluster(input: unknown) {
  const parsed = await accept(z.object({}).strict(), input ?? {});
  if (!parsed.ok) return parsed;
  return (await getCluster()).repair();
}
