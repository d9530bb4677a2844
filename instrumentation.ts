// Opens the cluster when the server starts, so the first page is not the one that waits for memcached.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { getCluster } = await import('./lib/cluster/instance');
  const cluster = await getCluster();
  const nodes = cluster.nodes();
  console.log(`Ringside: ${nodes.length} nodes (${nodes.map((n) => `${n.id} ${n.address} ${n.status}`).join(', ')}), ring version ${cluster.version}`);
}
