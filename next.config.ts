// Next.js settings: memjs opens raw sockets and etcd3 reads its gRPC protocol files from its own directory, so both stay Node requires rather than being bundled.
import type { NextConfig } from 'next';

const config: NextConfig = {
  serverExternalPackages: ['memjs', 'etcd3'],
};

export default config;
