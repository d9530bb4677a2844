// PUT /api/nodes/{id}/vnodes {vnodes}: changes a node's weight; keys move only between it and its neighbours.
import { guarded } from '@/app/guard';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { idOf, vnodesBody, type NodeContext } from '../../input';

export const dynamic = 'force-dynamic';

export const PUT = guarded(async (request: Request, context: NodeContext) => {
  const id = await idOf(context);
  const body = await readJson(request, vnodesBody);
  if (!body.ok) return body.response;
  return respond(await (await getCluster()).setVnodes(id, body.value.vnodes));
});
