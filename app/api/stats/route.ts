// GET /api/stats: memcached's own statistics for every node (null for a node that does not answer).
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const GET = guarded(async () => {
  return respond({ ok: true, stats: await (await getCluster()).stats() });
});
