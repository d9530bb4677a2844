// Runs before every route: the request guard (loopback names or the access token, same-origin writes) in front of pages, actions and the API.
import { NextResponse, type NextRequest } from 'next/server';
import { checkRequest } from '@/lib/request-guard';

const token = process.env.RINGSIDE_TOKEN || null;

export function proxy(request: NextRequest) {
  const verdict = checkRequest({ method: request.method, url: request.nextUrl, headers: request.headers }, { token });
  if (verdict.ok) {
    if (!('redirect' in verdict)) return NextResponse.next();
    const response = NextResponse.redirect(new URL(verdict.redirect, request.nextUrl), 303);
    response.headers.set('set-cookie', verdict.cookie);
    return response;
  }
  const body = { ok: false, error: verdict.error, message: verdict.message };
  if (request.nextUrl.pathname.startsWith('/api/') || request.method !== 'GET') return NextResponse.json(body, { status: verdict.status });
  return new NextResponse(signInPage(verdict.message, verdict.status === 401), { status: verdict.status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** A page with no script and no data: what is wrong, and a field for the token when one would help. */
function signInPage(message: string, askForToken: boolean): string {
  const escaped = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const form = askForToken
    ? '<form method="get"><label>Access token <input name="token" type="password" autocomplete="current-password" required autofocus></label> <button>Open</button></form>'
    : '';
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Ringside</title><body style="font:16px system-ui;margin:3rem auto;max-width:40rem;padding:0 1rem"><h1>Ringside</h1><p>${escaped}</p>${form}</body></html>`;
}

export const config = {
  // Static build files hold no data; everything else, pages, server actions and the API, passes the guard.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
