// POST /api/plan: a dry run of a membership change or a repair, saying what it would copy and delete; nothing changes.
import { guarded } from '@/app/guard';
import { z } from 'zod';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

const change = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('add'), id: z.string().optional(), vnodes: z.number().optional() }),
  z.strictObject({ type: z.literal('remove'), id: z.string() }),
  z.strictObject({ type: z.literal('vnodes'), id: z.string(), vnodes: z.number() }),
  z.strictObject({ type: z.literal('repair') }),
]);

export const POST = guarded(async (request: Request) => {
  const body = await readJson(request, change);
  if (!body.ok) return body.response;
  return respond(await (await getCluster()).preview(body.value));
});
