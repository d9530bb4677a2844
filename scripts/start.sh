#!/usr/bin/env bash
# Serves the dashboard's production build (rebuilt when its sources changed). A new data directory
# starts with three local memcached nodes; a later start finds the same cluster, keys included.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib public instrumentation.ts next.config.ts postcss.config.mjs package.json package-lock.json tsconfig.json -newer .next/BUILD_ID -print -quit 2>/dev/null)" ]; then
  npx next build
fi

port="${PORT:-3000}"
host="${RINGSIDE_HOST:-127.0.0.1}"
echo "Ringside dashboard: http://${host}:${port}"
echo "Shell on the same cluster: npm run ringside -- shell --url http://${host}:${port}"
exec npx next start -H "$host" -p "$port"
