// POST /api/lab (and GET with a query): the algorithm lab on the cluster's nodes and keys, or on those given; nothing changes.
import { z } from 'zod';
import { guarded } from '@/app/guard';
import { badRequest, readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import type { LabQuery } from '@/lib/cluster/lab';

export const dynamic = 'force-dynamic';

// Ranges and cross-field rules (unknown nodes, duplicate ids) are lib/lab's to check: it answers with a failure value.
const change = z.union([z.strictObject({ add: z.string(), weight: z.number().optional() }), z.strictObject({ remove: z.string() }), z.strictObject({ weight: z.string(), to: z.number() })]);
const query = z.strictObject({
  nodes: z.array(z.strictObject({ id: z.string(), weight: z.number().default(1) })).optional(),
  keys: z.union([z.number().int(), z.array(z.strictObject({ key: z.string(), bytes: z.number().optional(), requests: z.number().optional() }))]).optional(),
  zipf: z.number().min(0).max(4).optional(),
  change: change.optional(),
  vnodes: z.number().int().optional(),
  tryVnodes: z.array(z.number().int()).max(8).optional(),
  replicas: z.number().int().optional(),
  algorithms: z.array(z.string()).optional(),
  capacityFactor: z.number().optional(),
  timingRounds: z.number().int().optional(),
});

export const POST = guarded(async (request: Request) => {
  const body = await readJson(request, query);
  if (!body.ok) return body.response;
  return respond(await (await getCluster()).compare(body.value));
});

/** GET /api/lab?add=ID[&weight=W] | remove=ID | reweight=ID&to=W, &keys=N, &vnodes=N, &tryVnodes=N,N, &replicas=R, &algorithms=A,B, &capacityFactor=C */
export const GET = guarded(async (request: Request) => {
  const params = new URL(request.url).searchParams;
  const known = new Set(['add', 'weight', 'remove', 'reweight', 'to', 'keys', 'zipf', 'vnodes', 'tryVnodes', 'replicas', 'algorithms', 'capacityFactor', 'timingRounds']);
  const unknown = [...params.keys()].filter((name) => !known.has(name));
  if (unknown.length) return badRequest(`unknown parameter ${unknown[0]}; known: ${[...known].join(', ')}`, 'invalid_query');
  const numberOf = (name: string): number | undefined => (params.has(name) ? Number(params.get(name)) : undefined);
  const listOf = (name: string) => params.get(name)?.split(',');
  const given = ['add', 'remove', 'reweight'].filter((name) => params.has(name));
  if (given.length > 1) return badRequest('give one change at most: add, remove or reweight', 'invalid_query');
  const add = params.get('add');
  const remove = params.get('remove');
  const reweight = params.get('reweight');
  const candidate: unknown = {
    change: add !== null ? { add, weight: numberOf('weight') } : remove !== null ? { remove } : reweight !== null ? { weight: reweight, to: numberOf('to') } : undefined,
    keys: numberOf('keys'),
    zipf: numberOf('zipf'),
    vnodes: numberOf('vnodes'),
    tryVnodes: listOf('tryVnodes')?.map(Number),
    replicas: numberOf('replicas'),
    algorithms: listOf('algorithms'),
    capacityFactor: numberOf('capacityFactor'),
    timingRounds: numberOf('timingRounds'),
  };
  const checked = query.safeParse(JSON.parse(JSON.stringify(candidate)));
  if (!checked.success) return badRequest(checked.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '), 'invalid_query');
  return respond(await (await getCluster()).compare(checked.data as LabQuery));
});
