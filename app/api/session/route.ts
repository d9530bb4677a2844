// GET /api/session?token=...: a browser signs in with the access token; it is kept in an HttpOnly cookie and the dashboard opens.
import { refusalResponse, verdictOf } from '@/app/guard';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const verdict = verdictOf(request);
  if (!verdict.ok) return refusalResponse(verdict);
  const headers = new Headers({ location: '/' });
  if ('cookie' in verdict) headers.set('set-cookie', verdict.cookie);
  return new Response(null, { status: 303, headers });
}
