// GET /api/keys/{key}/locate: hash, ring position, owner vnode, preference list and whether each replica holds the key.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { keyOf, type KeyContext } from '../../input';

export const dynamic = 'force-dynamic';

export const GET = guarded(async (_request: Request, context: KeyContext) => {
  return respond(await (await getCluster()).locate(await keyOf(context)));
});
