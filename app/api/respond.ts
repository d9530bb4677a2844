import 'server-only';
// Shared by the route handlers: failures as HTTP statuses, and JSON bodies read with a size limit and a schema.
import type { z } from 'zod';
import type { ErrorCode, Result } from '@/lib/cluster/types';

const STATUS: Record<ErrorCode, number> = {
  invalid_key: 400,
  invalid_value: 400,
  invalid_ttl: 400,
  invalid_id: 400,
  invalid_vnodes: 400,
  invalid_address: 400,
  // A lab comparison asked for with inconsistent or out-of-range figures (weights, counts, algorithm names).
  invalid_lab: 400,
  invalid_level: 400,
  address_not_allowed: 403,
  unknown_node: 404,
  not_found: 404,
  node_exists: 409,
  node_down: 409,
  node_alive: 409,
  not_local: 409,
  last_node: 409,
  no_nodes: 409,
  busy: 409,
  node_unreachable: 503,
  unavailable: 503,
  // Fewer replicas answered than the consistency level asks: a write may still have landed on those that did.
  too_few_replicas: 503,
  // etcd cannot be reached: membership changes wait for it, reads and writes do not.
  control_plane_unavailable: 503,
  // Every replica that answered refused the write for want of memory: retrying will not help until space is made.
  out_of_memory: 507,
  local_start_failed: 500,
  // A client connected by URL (lib/store/relay): a malformed store call, a session that lapsed, a writer id taken.
  invalid_request: 400,
  unknown_session: 410,
  writer_in_use: 409,
  // The dashboard keeps its state in etcd: clients connect to etcd themselves.
  not_shared: 409,
};

/** A cluster result as a response: the failure's status, or `okStatus` with the result as JSON. */
export function respond<T extends object>(result: Result<T>, okStatus = 200): Response {
  if (!result.ok) return Response.json(result, { status: STATUS[result.error] });
  return Response.json(result, { status: okStatus });
}

export function badRequest(message: string, error = 'bad_request', status = 400): Response {
  return Response.json({ ok: false, error, message }, { status });
}

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Reads a JSON body of at most `maxBytes` (refused as soon as it is exceeded, without reading the rest)
 * and validates it with `schema`.
 */
export async function readJson<T>(request: Request, schema: z.ZodType<T>, maxBytes = MAX_BODY_BYTES): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) return { ok: false, response: badRequest(`the body is larger than ${maxBytes} bytes`, 'too_large', 413) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return { ok: false, response: badRequest(`the body is larger than ${maxBytes} bytes`, 'too_large', 413) };
      }
      chunks.push(value);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch {
    return { ok: false, response: badRequest('the body is not valid JSON', 'invalid_json') };
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success) {
    const message = checked.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    return { ok: false, response: badRequest(message, 'invalid_body') };
  }
  return { ok: true, value: checked.data };
}
