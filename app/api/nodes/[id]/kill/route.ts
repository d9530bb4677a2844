// POST /api/nodes/{id}/kill: failure drill, SIGKILLs a local node; it stays on the ring, marked down.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { idOf, type NodeContext } from '../../input';

export const dynamic = 'force-dynamic';

export const POST = guarded(async (_request: Request, context: NodeContext) => {
  return respond(await (await getCluster()).killNode(await idOf(context)));
});
