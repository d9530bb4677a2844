// GET /api/keys/{key}/locate: hash, ring position, owner vnode, preference list and whether each replica holds the key.
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { keyOf, type KeyContext } from '../../input';

export const dynamic = 'force-dynamic';

export async function GET(_request: Request, context: KeyContext) {
  return respond(await (await getCluster()).locate(await keyOf(context)));
}
