// GET /api/stats: memcached's own statistics for every node (null for a node that does not answer).
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export async function GET() {
  return respond({ ok: true, stats: await (await getCluster()).stats() });
}
