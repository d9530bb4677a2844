// GET /api/hot[?top=N]: the hottest keys with their counts and error bounds, and each node's load, over the recent window, merged across processes.
import { guarded } from '@/app/guard';
import { badRequest } from '@/app/api/respond';
import { DEFAULT_CAPACITY } from '@/lib/hot-keys';
import { DEFAULT_TOP } from '@/lib/hot-view';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

export const GET = guarded(async (request: Request) => {
  const text = new URL(request.url).searchParams.get('top');
  const top = text === null ? DEFAULT_TOP : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(top >= 1 && top <= DEFAULT_CAPACITY)) return badRequest(`top must be a whole number from 1 to ${DEFAULT_CAPACITY}`, 'invalid_top');
  return Response.json({ ok: true, ...(await (await getCluster()).hotKeys(top)) });
});
