// /api/keys/{key}: GET reads (`?r=` its level), PUT stores exact bytes (`w` in the body or `?w=`), DELETE removes every copy (`?w=`).
import { guarded } from '@/app/guard';
import { badRequest, readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import type { Level } from '@/lib/consistency';
import { keyOf, levelQuery, putBody, valueBytes, valueJson, type KeyContext } from '../input';

export const dynamic = 'force-dynamic';

export const GET = guarded(async (request: Request, context: KeyContext) => {
  const result = await (await getCluster()).get(await keyOf(context), { r: levelQuery(request, 'r') });
  if (!result.ok) return respond(result);
  return Response.json({ ...result, ...valueJson(result.value) });
});

export const PUT = guarded(async (request: Request, context: KeyContext) => {
  const key = await keyOf(context);
  const body = await readJson(request, putBody);
  if (!body.ok) return body.response;
  const bytes = valueBytes(body.value);
  if (!bytes) return badRequest('value: not valid base64 (A-Z, a-z, 0-9, + and /, padded with =)', 'invalid_value');
  const query = levelQuery(request, 'w');
  if (query !== undefined && body.value.w !== undefined && query !== body.value.w) return badRequest(`w is ${body.value.w} in the body and ${query} in the query: give one`, 'invalid_level');
  return respond(await (await getCluster()).put(key, bytes, { ttl: body.value.ttl, w: (body.value.w as Level | undefined) ?? query }));
});

/** 200 whether or not the key existed: `deleted` says which, as a delete is done on every replica either way. */
export const DELETE = guarded(async (request: Request, context: KeyContext) => {
  return respond(await (await getCluster()).delete(await keyOf(context), { w: levelQuery(request, 'w') }));
});
