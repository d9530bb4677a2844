// POST /api/repair: brings every key back to its full preference list now and removes copies that do not belong.
import { respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export async function POST() {
  return respond(await (await getCluster()).repair());
}
