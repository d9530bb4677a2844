// GET /api/keys[?node=id]: every key with its preference list, holders and missing replicas (one node's keys if given).
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const GET = guarded(async (request: Request) => {
  const node = new URL(request.url).searchParams.get('node') ?? undefined;
  return respond(await (await getCluster()).keys(node));
});
