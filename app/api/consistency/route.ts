// /api/consistency: GET the levels puts (W) and gets (R) use when they name none; PUT {w?, r?} sets them for the whole cluster.
import { z } from 'zod';
import { guarded } from '@/app/guard';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

// Strings only: the cluster checks the levels, so the API and the shell give the same message.
const body = z.strictObject({ w: z.string().optional(), r: z.string().optional() });

export const GET = guarded(async () => {
  return Response.json({ ok: true, consistency: (await getCluster()).consistency() });
});

export const PUT = guarded(async (request: Request) => {
  const parsed = await readJson(request, body);
  if (!parsed.ok) return parsed.response;
  return respond(await (await getCluster()).setConsistency(parsed.value));
});
