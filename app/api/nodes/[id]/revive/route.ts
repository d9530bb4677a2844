// POST /api/nodes/{id}/revive: restarts a killed local node, empty, and refills it from the replicas.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { idOf, type NodeContext } from '../../input';

export const dynamic = 'force-dynamic';

export const POST = guarded(async (_request: Request, context: NodeContext) => {
  return respond(await (await getCluster()).reviveNode(await idOf(context)));
});
