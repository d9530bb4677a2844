// Who may use the dashboard and its API: loopback names unless an access token is set, same-origin writes only, the token when there is one.

export interface GuardConfig {
  /** The access token (RINGSIDE_TOKEN); null when the dashboard is meant for this machine only. */
  token: string | null;
}

export interface GuardRequest {
  method: string;
  url: URL;
  headers: Headers;
}

export type Verdict =
  | { ok: true }
  /** A sign-in: the token arrived in the address of /api/session, and goes into this cookie. */
  | { ok: true; cookie: string }
  | { ok: false; status: 401 | 403; error: 'unauthorized' | 'host_not_allowed' | 'cross_site'; message: string };

export const TOKEN_COOKIE = 'ringside_token';
export const SIGN_IN_PATH = '/api/session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** localhost, *.localhost, 127.0.0.0/8 and ::1: names a DNS-rebinding page cannot take. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The host name of a Host header value (`name:port`, `[v6]:port`), or null when it has none. */
function hostnameOf(hostHeader: string | null): string | null {
  if (!hostHeader) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return null;
  }
}

/** Equal strings, compared in time that does not depend on where they first differ. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function cookieValue(headers: Headers, name: string): string | null {
  for (const part of (headers.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return null; // not percent-encoding at all (another program on this host may set cookies too)
    }
  }
  return null;
}

/**
 * Decides one request. Without a token only loopback Host names are served, so a page on another site
 * that rebinds its own name to 127.0.0.1 gets nothing. Writes (every method but GET, HEAD, OPTIONS) must
 * come from the dashboard's own origin: browsers send `Sec-Fetch-Site` and `Origin`, which a cross-site
 * form or script cannot forge; programs such as curl and the shell send neither.
 */
export function checkRequest(request: GuardRequest, config: GuardConfig): Verdict {
  // Code in this process builds Requests without a Host header; over the network HTTP/1.1 always sends one.
  const host = request.headers.get('host') ?? request.url.host;
  const hostname = hostnameOf(host);
  if (config.token === null && (hostname === null || !isLoopbackHost(hostname))) {
    return {
      ok: false,
      status: 403,
      error: 'host_not_allowed',
      message: `this dashboard answers only on loopback names such as localhost and 127.0.0.1, not ${JSON.stringify(host ?? '')}; to serve it beyond this machine, set RINGSIDE_TOKEN`,
    };
  }

  if (!SAFE_METHODS.has(request.method.toUpperCase())) {
    const site = request.headers.get('sec-fetch-site');
    const origin = request.headers.get('origin');
    const crossSite = (site !== null && site !== 'same-origin' && site !== 'none') || (origin !== null && hostnameWithPort(origin) !== host?.toLowerCase());
    if (crossSite) return { ok: false, status: 403, error: 'cross_site', message: "changes are accepted only from the dashboard's own pages, or from programs that are not browsers" };
  }

  if (config.token === null) return { ok: true };
  // Only the sign-in takes the token in its address: anywhere else it would end up in logs and history.
  const offered = request.url.pathname === SIGN_IN_PATH ? request.url.searchParams.get('token') : null;
  if (offered !== null && SAFE_METHODS.has(request.method.toUpperCase()) && sameSecret(offered, config.token)) {
    const secure = request.url.protocol === 'https:' ? '; Secure' : '';
    return { ok: true, cookie: `${TOKEN_COOKIE}=${encodeURIComponent(config.token)}; Path=/; HttpOnly; SameSite=Strict${secure}` };
  }
  const bearer = /^Bearer (.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? null;
  const presented = bearer ?? cookieValue(request.headers, TOKEN_COOKIE);
  if (presented !== null && sameSecret(presented, config.token)) return { ok: true };
  return {
    ok: false,
    status: 401,
    error: 'unauthorized',
    message: 'this dashboard needs its access token: sign in with it here (or open /api/session?token=<token>), send "Authorization: Bearer <token>", or set RINGSIDE_TOKEN for the shell',
  };
}

/** `host:port` of an Origin header (ports kept as written, default ports dropped as browsers do). */
function hostnameWithPort(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}
