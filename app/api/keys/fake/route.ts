// POST /api/keys/fake {count, ttl?}: stores realistic fake keys; the key named `fake` itself is served as any other.
import { guarded } from '@/app/guard';
import { z } from 'zod';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { storeFakeEntries } from '@/lib/fake-data';
import { fail } from '@/lib/cluster/types';
import { checkTtl } from '@/lib/validate';
import * as keyRoute from '../[key]/route';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ count: z.number().int().min(1).max(100_000), ttl: z.number().optional() });

export const POST = guarded(async (request: Request) => {
  const parsed = await readJson(request, body);
  if (!parsed.ok) return parsed.response;
  const { count, ttl = 0 } = parsed.value;
  const badTtl = checkTtl(ttl);
  if (badTtl) return respond(fail('invalid_ttl', badTtl));
  const cluster = await getCluster();
  const { failures, ...outcome } = await storeFakeEntries((key, value, options) => cluster.put(key, value, options), count, ttl);
  if (outcome.failed === 0) return respond({ ok: true, ...outcome }, 201);
  return Response.json({ ...fail('unavailable', `stored ${outcome.stored} of ${count} fake keys; ${failures.slice(0, 3).join('; ')}`), ...outcome }, { status: 503 });
});

// Without these, the static `fake` segment would hide a key named "fake" from /api/keys/{key}.
const named = { params: Promise.resolve({ key: 'fake' }) };
export const GET = (request: Request) => keyRoute.GET(request, named);
export const PUT = (request: Request) => keyRoute.PUT(request, named);
export const DELETE = (request: Request) => keyRoute.DELETE(request, named);
