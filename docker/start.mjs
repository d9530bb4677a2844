// The container's entry: serves the standalone build and, with RINGSIDE_SEED_NODES, gives a new cluster its first nodes through its own API.
const port = process.env.PORT || '3000';
const base = `http://127.0.0.1:${port}`;
const headers = { 'content-type': 'application/json', ...(process.env.RINGSIDE_TOKEN ? { authorization: `Bearer ${process.env.RINGSIDE_TOKEN}` } : {}) };

/** `node-1=memcached-1:11211,node-2=memcached-2:11211` as ids and addresses; a bare address lets the cluster name the node. */
function seedList(text) {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const cut = entry.indexOf('=');
      return cut < 0 ? { address: entry } : { id: entry.slice(0, cut), address: entry.slice(cut + 1) };
    });
}

async function ringNow() {
  try {
    const response = await fetch(`${base}/api/ring`, { headers });
    return response.ok ? await response.json() : null;
  } catch {
    return null; // not listening yet
  }
}

/**
 * Adds the listed nodes only to a cluster that has none: a restarted container, or a second instance on
 * the same etcd, finds the cluster already formed and leaves it as it is (a cluster never drops to zero
 * nodes, since the last one cannot be removed).
 */
async function seed(text) {
  const nodes = seedList(text);
  let ring = null;
  for (const deadline = Date.now() + 180_000; !ring && Date.now() < deadline;) {
    ring = await ringNow();
    if (!ring) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!ring) return console.error(`Ringside: the server did not answer ${base}/api/ring within 3 minutes; RINGSIDE_SEED_NODES not applied`);
  if (ring.nodes.length > 0) return console.log(`Ringside: the cluster already has ${ring.nodes.length} nodes; RINGSIDE_SEED_NODES left unused`);
  for (const node of nodes) {
    const response = await fetch(`${base}/api/nodes`, { method: 'POST', headers, body: JSON.stringify(node) });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) console.log(`Ringside: added ${answer.node?.id ?? node.id ?? ''} at ${node.address}`);
    else console.error(`Ringside: could not add ${node.id ?? node.address}: ${answer.message ?? response.status}`);
  }
}

if (process.env.RINGSIDE_SEED_NODES) {
  seed(process.env.RINGSIDE_SEED_NODES).catch((error) => console.error(`Ringside: seeding failed: ${error.message}`));
}
await import('../server.js');
