// GET /api/snapshot: everything the dashboard draws, as one JSON object.
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export async function GET() {
  const cluster = await getCluster();
  return Response.json(await cluster.snapshot());
}
