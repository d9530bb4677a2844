// An application server that caches a slow computation in a Ringside cluster through `ringside/client`.
// Run: RINGSIDE_URL=http://127.0.0.1:3000 npm run example:cache-server  (a running dashboard; or RINGSIDE_ETCD=http://127.0.0.1:2379,
// or RINGSIDE_DATA_DIR=.ringside with no dashboard on it)
import { createServer } from 'node:http';
import { connect, ConnectError } from 'ringside/client';
import { countPrimesBelow } from './compute';

const MAX_N = 2_000_000;
const TTL_SECONDS = 600;

const client = await connect(
  process.env.RINGSIDE_URL
    ? { url: process.env.RINGSIDE_URL }
    : process.env.RINGSIDE_ETCD
      ? { etcd: process.env.RINGSIDE_ETCD.split(','), prefix: process.env.RINGSIDE_ETCD_PREFIX }
      : { dataDir: process.env.RINGSIDE_DATA_DIR || '.ringside' },
).catch((error: unknown) => {
  console.error(error instanceof ConnectError ? `cannot connect (${error.code}): ${error.message}` : error);
  process.exit(1);
});

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const reply = (status: number, body: object) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (url.pathname === '/ring') return reply(200, client.ring());
  const match = /^\/primes\/(\d{1,7})$/.exec(url.pathname);
  if (!match || Number(match[1]) > MAX_N) return reply(404, { error: `try /primes/<n> with n up to ${MAX_N}, or /ring` });
  const n = Number(match[1]);
  const key = `primes-below:${n}`;
  const cached = await client.get(key);
  if (cached.ok) return reply(200, { n, primes: Number(cached.value.toString()), cache: 'hit', servedBy: cached.servedBy });
  // A miss, or no replica answering: the answer is computed either way; the cache only saves time.
  const primes = countPrimesBelow(n);
  const stored = await client.set(key, String(primes), { ttl: TTL_SECONDS });
  reply(200, { n, primes, cache: cached.error === 'not_found' ? 'miss' : 'error', stored: stored.ok });
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  const address = server.address();
  console.log(`cache-server listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : '?'} (ring version ${client.ring().version})`);
});

client.onRingChange((ring) => console.log(`ring version ${ring.version}${ring.changing ? ', a change runs' : ''}: ${ring.nodes.map((n) => `${n.id} ${n.status}`).join(', ')}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void client.close().then(() => process.exit(0));
  });
}
