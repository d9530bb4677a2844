#!/usr/bin/env bash
# Lays out the container's /app from a standalone build (RINGSIDE_STANDALONE=1 next build): the server and
# its traced node_modules, the static files, the `ringside` command bundled into one file, the entry scripts.
set -euo pipefail
out="${1:?usage: docker/assemble.sh <empty or new directory>}"
cd "$(dirname "$0")/.."
[ -f .next/standalone/server.js ] || { echo "no standalone build in .next/standalone: run RINGSIDE_STANDALONE=1 npx next build first" >&2; exit 1; }
mkdir -p "$out"
[ -z "$(ls -A "$out")" ] || { echo "$out is not empty" >&2; exit 1; }

cp -a .next/standalone/. "$out/"
# The standalone server serves these from beside it, but does not copy them there itself.
cp -a .next/static "$out/.next/static"
if [ -d public ]; then cp -a public "$out/public"; fi
mkdir -p "$out/docker"
cp docker/start.mjs docker/healthcheck.mjs "$out/docker/"

# The shell as one file (a few MB of sources, not the hundreds of the dev dependencies); memjs and etcd3
# stay requires, resolved from the server's node_modules.
npx esbuild scripts/ringside.ts --bundle --platform=node --target=node20 --format=esm \
  --conditions=react-server --tsconfig=tsconfig.json --external:memjs --external:etcd3 \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" \
  --log-level=warning --outfile="$out/ringside.mjs"
