// GET /api/snapshot[?since=<id>]: everything the dashboard draws; with the id of a recent snapshot, only the keys changed since.
import { guarded } from '@/app/guard';
import { z } from 'zod';
import { getCluster } from '@/lib/cluster/instance';
import { snapshotMessage } from '@/lib/cluster/snapshot-history';

export const dynamic = 'force-dynamic';

// An id is opaque; anything else (or an id this process never gave) just gets the whole snapshot.
const sinceParam = z.string().min(1).max(64);

export const GET = guarded(async (request: Request) => {
  const since = sinceParam.safeParse(new URL(request.url).searchParams.get('since'));
  const cluster = await getCluster();
  return Response.json(snapshotMessage(await cluster.snapshot(), since.success ? since.data : null));
});
