// GET /api/keys[?node=id][&limit=N]: keys in key order with their preference list, holders and missing replicas (one node's if given), and how many there are.
import { guarded } from '@/app/guard';
import { badRequest, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

/** Keys per answer unless `limit` says otherwise: a million keys would make an answer of hundreds of megabytes. */
const DEFAULT_LIMIT = 10_000;
const MAX_LIMIT = 1_000_000;

export const GET = guarded(async (request: Request) => {
  const params = new URL(request.url).searchParams;
  const node = params.get('node') ?? undefined;
  const limitText = params.get('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`, 'invalid_limit');
  return respond(await (await getCluster()).keys(node, limit));
});
