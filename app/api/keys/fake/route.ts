// POST /api/keys/fake {count, ttl?}: stores realistic fake keys; the key named `fake` itself is served as any other.
import { z } from 'zod';
import { readJson, respond } from '@/app/api/respond';
import { getCluster } from '@/lib/cluster/instance';
import { mapLimit } from '@/lib/concurrency';
import { fakeEntries } from '@/lib/fake-data';
import { fail } from '@/lib/cluster/types';
import { checkTtl } from '@/lib/validate';
import * as keyRoute from '../[key]/route';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ count: z.number().int().min(1).max(100_000), ttl: z.number().optional() });

/** Puts in flight at once: enough to keep every node busy, few enough not to queue past the node deadlines. */
const CONCURRENCY = 64;

export async function POST(request: Request) {
  const parsed = await readJson(request, body);
  if (!parsed.ok) return parsed.response;
  const { count, ttl = 0 } = parsed.value;
  const badTtl = checkTtl(ttl);
  if (badTtl) return respond(fail('invalid_ttl', badTtl));
  const cluster = await getCluster();
  const entries = fakeEntries(count);
  const failures: string[] = [];
  await mapLimit(entries, CONCURRENCY, async ({ key, value }) => {
    const result = await cluster.put(key, value, { ttl });
    if (!result.ok) failures.push(`${key}: ${result.message}`);
  });
  const outcome = { stored: count - failures.length, failed: failures.length, sample: entries.slice(0, 5).map((e) => e.key) };
  if (failures.length === 0) return respond({ ok: true, ...outcome }, 201);
  return Response.json({ ...fail('unavailable', `stored ${outcome.stored} of ${count} fake keys; ${failures.slice(0, 3).join('; ')}`), ...outcome }, { status: 503 });
}

// Without these, the static `fake` segment would hide a key named "fake" from /api/keys/{key}.
const named = { params: Promise.resolve({ key: 'fake' }) };
export const GET = (request: Request) => keyRoute.GET(request, named);
export const PUT = (request: Request) => keyRoute.PUT(request, named);
export const DELETE = (request: Request) => keyRoute.DELETE(request, named);
