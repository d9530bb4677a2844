#!/usr/bin/env bash
# Serves the dashboard's production build (rebuilt when its sources changed). A new data directory
# starts with three local memcached nodes; a later start finds the same cluster, keys included.
set -euo pipefail
cd "$(dirname "$0")/.."
# The first run prints Ringside's own lines, not Next.js's telemetry notice.
export NEXT_TELEMETRY_DISABLED=1

if [ ! -f .next/BUILD_ID ] || [ -n "$(find app components lib public instrumentation.ts next.config.ts postcss.config.mjs package.json package-lock.json tsconfig.json -newer .next/BUILD_ID -print -quit 2>/dev/null)" ]; then
  npx next build
fi

port="${PORT:-3000}"
host="${RINGSIDE_HOST:-127.0.0.1}"
# Listening on every interface still means opening it as localhost here: without a token, only loopback names are served.
case "$host" in 0.0.0.0|::|'[::]') url="http://127.0.0.1:${port}" ;; *) url="http://${host}:${port}" ;; esac
echo "Ringside dashboard: ${url}"
echo "Shell on the same cluster: npm run ringside -- shell --url ${url}"
case "$host" in
  127.*|localhost|::1) ;;
  *) [ -n "${RINGSIDE_TOKEN:-}" ] || echo "Listening on ${host} without RINGSIDE_TOKEN: other machines get 403 until you set one (see README, Access)" ;;
esac
exec npx next start -H "$host" -p "$port"
