// GET /api/session?token=...: a browser signs in with the access token; it is kept in an HttpOnly cookie and the dashboard opens.
import { checkRequest } from '@/lib/request-guard';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const verdict = checkRequest({ method: 'GET', url: new URL(request.url), headers: request.headers }, { token: process.env.RINGSIDE_TOKEN || null });
  if (!verdict.ok) return Response.json({ ok: false, error: verdict.error, message: verdict.message }, { status: verdict.status });
  const headers = new Headers({ location: '/' });
  if ('cookie' in verdict) headers.set('set-cookie', verdict.cookie);
  return new Response(null, { status: 303, headers });
}
