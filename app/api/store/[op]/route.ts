// POST /api/store/{op}: the dashboard's state store for clients connected by URL (join, beat, acknowledge, await, health, suspects...; lib/store/relay).
import { z } from 'zod';
import { guarded } from '@/app/guard';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const POST = guarded(async (request: Request, context: { params: Promise<{ op: string }> }) => {
  const body = await readJson(request, z.unknown());
  if (!body.ok) return body.response;
  const cluster = await getCluster();
  const shared = cluster.relay();
  if (!shared.ok) return respond(shared);
  return respond(await shared.relay.call((await context.params).op, body.value));
});
