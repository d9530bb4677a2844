import 'server-only';
// The request guard (lib/request-guard) where requests arrive: route handlers, server actions and the page.
import { headers } from 'next/headers';
import { checkRequest, type GuardRequest, type Verdict } from '@/lib/request-guard';

const config = () => ({ token: process.env.RINGSIDE_TOKEN || null });

export interface Refusal {
  ok: false;
  error: 'unauthorized' | 'host_not_allowed' | 'cross_site';
  message: string;
}

function decide(request: GuardRequest): Refusal | null {
  const verdict = checkRequest(request, config());
  return verdict.ok ? null : { ok: false, error: verdict.error, message: verdict.message };
}

/** The guard's verdict on a request to a route handler. */
export function verdictOf(request: Request): Verdict {
  return checkRequest({ method: request.method, url: new URL(request.url), headers: request.headers }, config());
}

/** A refusal as an API answer: its status, and the message saying what to do. */
export function refusalResponse(verdict: Extract<Verdict, { ok: false }>): Response {
  return Response.json({ ok: false, error: verdict.error, message: verdict.message }, { status: verdict.status });
}

/** A route handler that first passes the guard; a refusal is answered with its status and never reaches the handler. */
export function guarded<A extends unknown[]>(handler: (request: Request, ...rest: A) => Promise<Response>) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    const verdict = verdictOf(request);
    return verdict.ok ? handler(request, ...rest) : refusalResponse(verdict);
  };
}

/** The headers of the request being served, or null outside one (a call from code in this process, not the network). */
async function requestHeaders(): Promise<Headers | null> {
  try {
    return new Headers(await headers());
  } catch {
    return null;
  }
}

/** Stands in for the address where only headers are at hand: the Host header decides, and without one this name is refused. */
const NO_ADDRESS = new URL('http://no-host.invalid/');

/** For server actions: null when the request may act. Next already refuses an action whose Origin is not its host. */
export async function actionRefusal(): Promise<Refusal | null> {
  const incoming = await requestHeaders();
  return incoming && decide({ method: 'POST', url: NO_ADDRESS, headers: incoming });
}

/** For the page: null when it may be shown. */
export async function pageRefusal(): Promise<Refusal | null> {
  const incoming = await requestHeaders();
  return incoming && decide({ method: 'GET', url: NO_ADDRESS, headers: incoming });
}
