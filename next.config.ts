// Next.js settings: memjs opens raw sockets, so it stays a Node require rather than being bundled.
import type { NextConfig } from 'next';

const config: NextConfig = {
  serverExternalPackages: ['memjs'],
};

export default config;
