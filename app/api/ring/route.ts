// GET /api/ring: ring version, checksum, vnode count and each node's share of the hash space.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const GET = guarded(async () => {
  return respond({ ok: true, ...(await getCluster()).ringSummary() });
});
