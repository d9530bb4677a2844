// Next.js settings: memjs opens raw sockets and etcd3 loads its gRPC schema from disk, so both stay Node requires rather than being bundled.
import type { NextConfig } from 'next';

// The container image runs the standalone server (RINGSIDE_STANDALONE=1 at its build); `next start` warns on that output.
const standalone = process.env.RINGSIDE_STANDALONE === '1';

const config: NextConfig = {
  serverExternalPackages: ['memjs', 'etcd3'],
  output: standalone ? 'standalone' : undefined,
  // etcd3's rpc.proto imports its siblings by name at run time, which file tracing cannot follow.
  outputFileTracingIncludes: standalone ? { '/**': ['./node_modules/etcd3/proto/*.proto'] } : undefined,
};

export default config;
