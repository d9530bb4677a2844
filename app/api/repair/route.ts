// POST /api/repair: brings every key back to its full preference list now and removes copies that do not belong.
import { guarded } from '@/app/guard';
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const POST = guarded(async () => {
  return respond(await (await getCluster()).repair());
});
