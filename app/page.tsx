// The home page: what Ringside is and how to drive it while the dashboard is built on the same core.
export default function HomePage() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '3rem auto', lineHeight: 1.5 }}>
      <h1>Ringside</h1>
      <p>
        A distributed hash table over real memcached servers: a consistent hash ring (MurmurHash3, virtual nodes),
        every key on its primary and the next two distinct servers clockwise.
      </p>
      <p>
        Drive the cluster from the shell: <code>npm run ringside</code>, then <code>help</code>.
      </p>
    </main>
  );
}
