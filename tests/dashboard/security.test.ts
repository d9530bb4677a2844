// The served dashboard's guard: loopback names only without a token, no cross-site writes, the access token, and a bundle free of server code.
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runRingside } from '../support/run-ringside';
import type { Body, KeysAnswer, NodesAnswer } from '../support/answers';
import { startDashboard, type Dashboard } from '../support/next-server';

const TOKEN = 'correct-horse-battery-staple';
let open: Dashboard;
let locked: Dashboard;
const dirs: string[] = [];

interface Answer<T> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** null when the body is not JSON (a page). */
  json: Body<T> | null;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
function send<T = object>(base: string, method: string, pathname: string, headers: Record<string, string> = {}, body?: string): Promise<Answer<T>> {
  const url = new URL(pathname, base);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        let json: Body<T> | null = null;
        try {
          json = JSON.parse(text) as Body<T>;
        } catch {
          // not JSON: a page
        }
        resolve({ status: response.statusCode!, headers: response.headers, body: text, json });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function dataDir(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `ringside-${name}-`));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  open = await startDashboard(inject('dashboardBuild'), await dataDir('open'));
  locked = await startDashboard(inject('dashboardBuild'), await dataDir('locked'), { RINGSIDE_TOKEN: TOKEN });
});

afterAll(async () => {
  await open?.stop();
  await locked?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('without an access token', () => {
  it('answers loopback names, and refuses any other Host as a DNS-rebinding page would send it', async () => {
    const port = new URL(open.url).port;
    expect((await send(open.url, 'GET', '/api/ring', { host: `localhost:${port}` })).status).toBe(200);
    const rebound = await send(open.url, 'GET', '/api/snapshot', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.json).toMatchObject({ ok: false, error: 'host_not_allowed' });
    expect(rebound.body).not.toMatch(/127\.0\.0\.1:\d+/); // no node address
    const page = await send(open.url, 'GET', '/', { host: `attacker.example:${port}` });
    expect(page.body).toContain('answers only on loopback names');
    expect(page.body).not.toContain('Hash ring');
    expect(page.body).not.toMatch(/127\.0\.0\.1:\d+/);
  });

  it('refuses writes from another site, and changes nothing', async () => {
    const host = new URL(open.url).host;
    const before = (await send<KeysAnswer>(open.url, 'GET', '/api/keys')).json?.keys.length;
    const attempts = [
      send(open.url, 'PUT', '/api/keys/csrf', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, JSON.stringify({ value: 'x' })),
      send(open.url, 'POST', '/api/keys/fake', { origin: 'http://localhost:8080' }, JSON.stringify({ count: 5 })),
      send(open.url, 'POST', '/api/nodes', { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:1' }, '{}'),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({ ok: false, error: 'cross_site' });
    }
    expect((await send(open.url, 'GET', '/api/keys/csrf')).status).toBe(404);
    expect((await send<KeysAnswer>(open.url, 'GET', '/api/keys')).json?.keys.length).toBe(before);
    expect((await send<NodesAnswer>(open.url, 'GET', '/api/nodes')).json?.nodes).toHaveLength(3);
    // The dashboard's own pages, and programs such as curl, still write.
    expect((await send(open.url, 'PUT', '/api/keys/same', { 'sec-fetch-site': 'same-origin', origin: `http://${host}` }, JSON.stringify({ value: 'x' }))).status).toBe(200);
    expect((await send(open.url, 'PUT', '/api/keys/curl', {}, JSON.stringify({ value: 'x' }))).status).toBe(200);
  });
});

describe('with an access token', () => {
  it('refuses the API without it (401, saying how to give it) and serves it with the bearer token', async () => {
    const refused = await send(locked.url, 'GET', '/api/ring');
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ ok: false, error: 'unauthorized' });
    expect(refused.json?.message).toMatch(/Authorization: Bearer/);
    expect((await send(locked.url, 'GET', '/api/ring', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await send(locked.url, 'GET', '/api/events', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await send(locked.url, 'GET', '/api/ring', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Beyond loopback names too, as a dashboard exposed on purpose.
    expect((await send(locked.url, 'GET', '/api/ring', { authorization: `Bearer ${TOKEN}`, host: 'ringside.example' })).status).toBe(200);
  });

  it('asks a browser for the token, keeps it in an HttpOnly cookie, and serves the page with it', async () => {
    const asked = await send(locked.url, 'GET', '/');
    expect(asked.body).toMatch(/<input[^>]*name="token"/);
    expect(asked.body).toContain('action="/api/session"');
    expect(asked.body).not.toContain('Hash ring');
    expect(asked.body).not.toMatch(/127\.0\.0\.1:\d+/);
    expect((await send(locked.url, 'GET', '/api/session?token=wrong')).status).toBe(401);
    const signedIn = await send(locked.url, 'GET', `/api/session?token=${TOKEN}`);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toMatch(/\/$/);
    const cookie = String(signedIn.headers['set-cookie']);
    expect(cookie).toMatch(/ringside_token=.+; Path=\/; HttpOnly; SameSite=Strict/);
    const page = await send(locked.url, 'GET', '/', { cookie: cookie.split(';')[0] });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hash ring');
  });

  it('lets the shell attach with RINGSIDE_TOKEN, and tells it what is missing without', async () => {
    const shellDir = await dataDir('shell');
    const without = await runRingside(shellDir, ['nodes', '--url', locked.url], '', { RINGSIDE_TOKEN: '' });
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/access token.*RINGSIDE_TOKEN/);
    const withToken = await runRingside(shellDir, ['nodes', '--url', locked.url, '--json'], '', { RINGSIDE_TOKEN: TOKEN });
    expect(withToken.code).toBe(0);
    expect(JSON.parse(withToken.stdout).nodes).toHaveLength(3);
  });
});

describe('an oversized body', () => {
  it('is refused with 413 while it is still arriving, not after being read whole', async () => {
    const url = new URL('/api/keys/big', open.url);
    // 4 MiB of a body that never ends: only a server that decides before reading it all can answer.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(url, { method: 'PUT', headers: { 'content-type': 'application/json' } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode!, body });
          request.destroy();
        });
      });
      request.on('error', () => undefined);
      request.write(`{"value":"${'a'.repeat(4 * 1024 * 1024)}`);
      setTimeout(() => reject(new Error('no answer while the body was still open')), 10_000);
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: 'too_large' });
    expect((await send(open.url, 'GET', '/api/keys/big')).status).toBe(404);
  });
});

describe('the browser bundle', () => {
  async function files(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile() && /\.(js|css|json)$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
  }

  it('holds no server code, environment names or node addresses', async () => {
    const build = inject('dashboardBuild');
    const markers = ['lru_crawler', 'memjs', 'metadump', 'MEMCACHE_', 'RINGSIDE_', 'child_process', 'server-only'];
    // The markers are real: the server's own build has them.
    const server = (await Promise.all((await files(path.join(build, '.next/server'))).map((f) => readFile(f, 'utf8')))).join('\n');
    for (const marker of ['lru_crawler', 'metadump', 'RINGSIDE_']) expect(server).toContain(marker);
    const addresses = (await send<NodesAnswer>(open.url, 'GET', '/api/nodes')).json?.nodes.map((n) => n.address) ?? [];
    expect(addresses).toHaveLength(3);
    const client = await files(path.join(build, '.next/static'));
    expect(client.length).toBeGreaterThan(3);
    for (const file of client) {
      const text = await readFile(file, 'utf8');
      for (const marker of [...markers, ...addresses]) expect(text.includes(marker), `${marker} in ${path.relative(build, file)}`).toBe(false);
    }
  });
});
