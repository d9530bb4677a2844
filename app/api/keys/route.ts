// GET /api/keys[?node=id][&missing=1][&limit=N]: keys in key order with their preference list, holders and missing replicas (one node's, or only under-replicated ones, if asked), and how many there are.
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
  const missingText = params.get('missing');
  if (missingText !== null && missingText !== '0' && missingText !== '1') return badRequest('missing must be 1 (only under-replicated keys) or 0', 'invalid_missing');
  return respond(await (await getCluster()).keys(node, limit, { missing: missingText === '1' }));
});
