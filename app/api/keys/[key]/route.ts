// /api/keys/{key}: GET reads (falling back along the preference list), PUT stores exact bytes, DELETE removes every copy.
import { guarded } from '@/app/guard';
import { badRequest, readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { keyOf, putBody, valueBytes, valueJson, type KeyContext } from '../input';

export const dynamic = 'force-dynamic';

export const GET = guarded(async (_request: Request, context: KeyContext) => {
  const result = await (await getCluster()).get(await keyOf(context));
  if (!result.ok) return respond(result);
  return Response.json({ ...result, ...valueJson(result.value) });
});

export const PUT = guarded(async (request: Request, context: KeyContext) => {
  const key = await keyOf(context);
  const body = await readJson(request, putBody);
  if (!body.ok) return body.response;
  const bytes = valueBytes(body.value);
  if (!bytes) return badRequest('value: not valid base64 (A-Z, a-z, 0-9, + and /, padded with =)', 'invalid_value');
  return respond(await (await getCluster()).put(key, bytes, { ttl: body.value.ttl }));
});

/** 200 whether or not the key existed: `deleted` says which, as a delete is done on every replica either way. */
export const DELETE = guarded(async (_request: Request, context: KeyContext) => {
  return respond(await (await getCluster()).delete(await keyOf(context)));
});
