// /api/nodes: GET lists the nodes with their key counts; POST adds one (a new local memcached, or a server at `address`).
import { guarded } from '@/app/guard';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { addBody } from './input';

export const dynamic = 'force-dynamic';

export const GET = guarded(async () => {
  const cluster = await getCluster();
  const counts = await cluster.keyCounts();
  return respond({ ok: true, nodes: cluster.nodes().map((node) => ({ ...node, keys: counts[node.id] ?? null })) });
});

export const POST = guarded(async (request: Request) => {
  const body = await readJson(request, addBody);
  if (!body.ok) return body.response;
  return respond(await (await getCluster()).addNode(body.value ?? {}), 201);
});
