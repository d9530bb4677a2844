// DELETE /api/nodes/{id}: removes a node gracefully, its keys moved to their new owners first.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { idOf, type NodeContext } from '../input';

export const dynamic = 'force-dynamic';

export const DELETE = guarded(async (_request: Request, context: NodeContext) => {
  return respond(await (await getCluster()).removeNode(await idOf(context)));
});
