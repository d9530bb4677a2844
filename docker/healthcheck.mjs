// The image's HEALTHCHECK: healthy while GET /api/ring answers, that is while the server serves and its cluster is open.
const headers = process.env.RINGSIDE_TOKEN ? { authorization: `Bearer ${process.env.RINGSIDE_TOKEN}` } : {};
try {
  // 127.0.0.1 is a loopback name, so the request guard serves it without a token as well.
  const response = await fetch(`http://127.0.0.1:${process.env.PORT || '3000'}/api/ring`, { headers, signal: AbortSignal.timeout(4000) });
  if (!response.ok) console.error(`GET /api/ring: ${response.status} ${(await response.text()).slice(0, 200)}`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`GET /api/ring: ${error.message}`);
  process.exit(1);
}
