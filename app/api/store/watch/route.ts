// GET /api/store/watch?session=: server-sent events for a client connected by URL: `change` carries each change of the state store, the whole state first.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const GET = guarded(async (request: Request) => {
  const cluster = await getCluster();
  const shared = cluster.relay();
  if (!shared.ok) return respond(shared);
  const opened = shared.relay.watch(new URL(request.url).searchParams.get('session'), request.signal);
  if (!opened.ok) return respond(opened);
  return new Response(opened.stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' },
  });
});
