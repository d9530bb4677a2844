// The request guard: loopback names without a token, same-origin writes only, and the token in its three forms.
import { describe, expect, it } from 'vitest';
import { checkRequest, isLoopbackHost } from '@/lib/request-guard';

function request(method: string, url: string, headers: Record<string, string> = {}) {
  const parsed = new URL(url);
  return { method, url: parsed, headers: new Headers({ host: parsed.host, ...headers }) };
}

const open = { token: null };
const locked = { token: 's3cret-token' };

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses, and nothing else', () => {
    for (const host of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.9.8.7', '[::1]', '::1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['example.com', 'localhost.example.com', '127.0.0.1.nip.io', '10.0.0.1', '0.0.0.0', '[::ffff:7f00:1]', '1270.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('without a token', () => {
  it('serves loopback names', () => {
    expect(checkRequest(request('GET', 'http://localhost:3000/'), open)).toEqual({ ok: true });
    expect(checkRequest(request('GET', 'http://127.0.0.1:3000/api/ring'), open)).toEqual({ ok: true });
  });

  it('refuses any other Host, as a DNS-rebinding page would send', () => {
    const verdict = checkRequest(request('GET', 'http://attacker.example:3000/api/snapshot'), open);
    expect(verdict).toMatchObject({ ok: false, status: 403, error: 'host_not_allowed' });
    // Without a Host header, the address's host decides.
    expect(checkRequest({ ...request('GET', 'http://attacker.example/'), headers: new Headers() }, open)).toMatchObject({ ok: false, error: 'host_not_allowed' });
    expect(checkRequest({ ...request('GET', 'http://localhost/'), headers: new Headers() }, open)).toEqual({ ok: true });
  });

  it('accepts writes from the same origin and from programs that send no browser headers', () => {
    expect(checkRequest(request('POST', 'http://localhost:3000/api/nodes', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:3000' }), open)).toEqual({ ok: true });
    expect(checkRequest(request('PUT', 'http://localhost:3000/api/keys/a'), open)).toEqual({ ok: true });
  });

  it('refuses writes from another site or another port of this machine', () => {
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost:8080' },
      { origin: 'http://localhost:8080' },
      { origin: 'null' },
    ]) {
      expect(checkRequest(request('DELETE', 'http://localhost:3000/api/nodes/node-1', headers), open)).toMatchObject({ ok: false, status: 403, error: 'cross_site' });
    }
    // Reads are not refused: the browser keeps their answers from another site's script.
    expect(checkRequest(request('GET', 'http://localhost:3000/api/ring', { 'sec-fetch-site': 'cross-site' }), open)).toEqual({ ok: true });
  });
});

describe('with a token', () => {
  it('serves any Host that presents the token as a bearer or a cookie', () => {
    expect(checkRequest(request('GET', 'http://ringside.example/api/ring', { authorization: 'Bearer s3cret-token' }), locked)).toEqual({ ok: true });
    expect(checkRequest(request('GET', 'http://ringside.example/', { cookie: 'theme=dark; ringside_token=s3cret-token' }), locked)).toEqual({ ok: true });
  });

  it('refuses a missing or wrong token with 401, on loopback too', () => {
    for (const headers of <Record<string, string>[]>[{}, { authorization: 'Bearer s3cret-tokem' }, { authorization: 'Bearer s3cret' }, { cookie: 'ringside_token=nope' }]) {
      expect(checkRequest(request('GET', 'http://localhost:3000/api/ring', headers), locked)).toMatchObject({ ok: false, status: 401, error: 'unauthorized' });
    }
  });

  it('takes the token from the address of the sign-in alone, into an HttpOnly cookie', () => {
    const verdict = checkRequest(request('GET', 'http://ringside.example/api/session?token=s3cret-token'), locked);
    expect(verdict).toEqual({ ok: true, cookie: 'ringside_token=s3cret-token; Path=/; HttpOnly; SameSite=Strict' });
    expect((checkRequest(request('GET', 'https://ringside.example/api/session?token=s3cret-token'), locked) as { cookie: string }).cookie).toMatch(/; Secure$/);
    expect(checkRequest(request('GET', 'http://ringside.example/api/session?token=wrong'), locked)).toMatchObject({ ok: false, status: 401 });
    // Elsewhere a token in the address is not taken: it would be written to logs and history.
    expect(checkRequest(request('GET', 'http://ringside.example/api/ring?token=s3cret-token'), locked)).toMatchObject({ ok: false, status: 401 });
  });

  it('treats a cookie that is not percent-encoding as absent, not as an error', () => {
    expect(checkRequest(request('GET', 'http://localhost/api/ring', { cookie: 'ringside_token=%E0%A4' }), locked)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(request('GET', 'http://localhost/api/ring', { cookie: 'other=%E0; ringside_token=s3cret-token' }), locked)).toEqual({ ok: true });
  });

  it('still refuses cross-site writes that carry the cookie', () => {
    const headers = { cookie: 'ringside_token=s3cret-token', 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' };
    expect(checkRequest(request('POST', 'http://ringside.example/api/repair', headers), locked)).toMatchObject({ ok: false, error: 'cross_site' });
  });
});
