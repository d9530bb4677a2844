// The dashboard's REST API served over real HTTP in the test's own process: the route handlers, called as Next calls them, behind a node:http server on a free loopback port.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as nodeRoute from '@/app/api/nodes/[id]/route';
import * as nodesRoute from '@/app/api/nodes/route';
import * as ringRoute from '@/app/api/ring/route';
import * as snapshotRoute from '@/app/api/snapshot/route';
import * as storeRoute from '@/app/api/store/[op]/route';
import * as watchRoute from '@/app/api/store/watch/route';

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Path patterns in Next's order: a static segment before a dynamic one. */
const ROUTES: [RegExp, Record<string, unknown>, string[]][] = [
  [/^\/api\/store\/watch$/, watchRoute, []],
  [/^\/api\/store\/([^/]+)$/, storeRoute, ['op']],
  [/^\/api\/nodes$/, nodesRoute, []],
  [/^\/api\/nodes\/([^/]+)$/, nodeRoute, ['id']],
  [/^\/api\/ring$/, ringRoute, []],
  [/^\/api\/snapshot$/, snapshotRoute, []],
];

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export async function serveApi(): Promise<ApiServer> {
  const server = createServer((incoming, outgoing) => void serve(incoming, outgoing));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const url = new URL(incoming.url ?? '/', `http://${incoming.headers.host}`);
  const aborted = new AbortController();
  outgoing.on('close', () => aborted.abort());
  for (const [pattern, module, names] of ROUTES) {
    const match = pattern.exec(url.pathname);
    const handler = match && (module[incoming.method ?? 'GET'] as Handler | undefined);
    if (!match || !handler) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
    const request = new Request(url, {
      method: incoming.method,
      headers: Object.entries(incoming.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)] as [string, string]])),
      body: hasBody ? (Readable.toWeb(incoming) as ReadableStream<Uint8Array>) : undefined,
      signal: aborted.signal,
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit);
    const response = await handler(request, { params: Promise.resolve(params) });
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void outgoing.end();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || outgoing.destroyed) break;
        outgoing.write(value);
      }
    } finally {
      outgoing.end();
    }
    return;
  }
  outgoing.writeHead(404, { 'content-type': 'application/json' });
  outgoing.end(JSON.stringify({ ok: false, error: 'not_found', message: `no route ${incoming.method} ${url.pathname}` }));
}
