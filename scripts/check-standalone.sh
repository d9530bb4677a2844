#!/usr/bin/env bash
# Runs what the container image runs, without Docker: a standalone build laid out as in the image
# (docker/assemble.sh), started by its entry (docker/start.mjs) on two memcached processes of its own
# given as RINGSIDE_SEED_NODES, then checks the page, its static files, /api/ring, the healthcheck and the
# bundled shell. Everything it starts is stopped by pid; its directories are removed. Not part of npm test:
# it rebuilds .next, so do not run it beside tests in the same checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work" .next/standalone
}
trap cleanup EXIT
fail() { echo "check-standalone: FAIL: $*" >&2; [ -f "$work/server.log" ] && tail -20 "$work/server.log" >&2; exit 1; }
# One field of the JSON on stdin (a dotted path), or nothing when it is not JSON.
field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{try{console.log(process.argv[1].split('.').reduce((o,k)=>o[k],JSON.parse(s)))}catch{}})" "$1"; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

RINGSIDE_STANDALONE=1 npx next build >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "next build"; }
bash docker/assemble.sh "$work/app"
[ -f "$work/app/node_modules/memjs/package.json" ] || fail "node_modules/memjs missing from the standalone output"
# etcd3 is traced once the server imports it; then its gRPC schema must load from the copied files.
if [ -f "$work/app/node_modules/etcd3/package.json" ]; then
  (cd "$work/app" && node -e "new (require('etcd3').Etcd3)({ hosts: 'http://127.0.0.1:1' }).close()") || fail "etcd3 does not load from the standalone output"
  echo "check-standalone: etcd3 loads from the standalone output"
else
  echo "check-standalone: note: the server does not import etcd3, so the standalone output leaves it out"
fi
echo "check-standalone: standalone app in $work/app ($(du -sh "$work/app" | cut -f1)), with node_modules: $(ls "$work/app/node_modules" | tr '\n' ' ')"

user=()
[ "$(id -u)" -ne 0 ] || user=(-u root)
seeds=""
for n in 1 2; do
  port="$(free_port)"
  memcached -l 127.0.0.1 -p "$port" -U 0 -m 16 -M -I 1m "${user[@]}" &
  pids+=($!)
  seeds="${seeds:+$seeds,}node-$n=127.0.0.1:$port"
done

port="$(free_port)"
base="http://127.0.0.1:$port"
mkdir -p "$work/data"
# As in the image, but on loopback: HOSTNAME=0.0.0.0 is for a container's own network.
(cd "$work/app" && exec env NODE_ENV=production HOSTNAME=127.0.0.1 PORT="$port" RINGSIDE_DATA_DIR="$work/data" \
  RINGSIDE_BOOTSTRAP_NODES=0 RINGSIDE_SEED_NODES="$seeds" node docker/start.mjs) >"$work/server.log" 2>&1 &
pids+=($!)

nodes=0
for _ in $(seq 120); do
  nodes="$( (curl -fsS "$base/api/ring" 2>/dev/null || true) | field nodes.length)"
  [ "$nodes" = 2 ] && break
  sleep 0.5
done
[ "$nodes" = 2 ] || fail "/api/ring did not list the 2 seeded nodes (saw $nodes)"
echo "check-standalone: /api/ring lists the 2 seeded nodes"

page="$(curl -fsS -o "$work/page.html" -w '%{http_code}' "$base/")" || fail "GET / failed"
[ "$page" = 200 ] || fail "GET / answered $page"
asset="$(grep -o '/_next/static/[^"]*\.js' "$work/page.html" | head -1)"
[ -n "$asset" ] || fail "the page links no script under /_next/static"
[ "$(curl -fsS -o /dev/null -w '%{http_code}' "$base$asset")" = 200 ] || fail "GET $asset (static files) failed"
echo "check-standalone: GET / 200, GET $asset 200"

(cd "$work/app" && PORT="$port" node docker/healthcheck.mjs) || fail "the healthcheck failed"
echo "check-standalone: healthcheck passes"

shell() { (cd "$work/app" && node ringside.mjs --url "$base" "$@"); }
shell put docker:check ok >/dev/null || fail "the bundled shell's put failed"
[ "$(shell get docker:check --json | field value)" = ok ] || fail "the bundled shell read back another value"
echo "check-standalone: bundled shell put and get over --url"

# The restart of a container, now with an access token: the cluster is found again and the seed is left unused.
kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
export RINGSIDE_TOKEN="check-$RANDOM$RANDOM"
(cd "$work/app" && exec env NODE_ENV=production HOSTNAME=127.0.0.1 PORT="$port" RINGSIDE_DATA_DIR="$work/data" \
  RINGSIDE_BOOTSTRAP_NODES=0 RINGSIDE_SEED_NODES="$seeds" node docker/start.mjs) >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do grep -q 'RINGSIDE_SEED_NODES left unused' "$work/server.log" && break; sleep 0.5; done
grep -q 'already has 2 nodes' "$work/server.log" || fail "a restart did not find the cluster's 2 nodes"
[ "$(shell get docker:check --json | field value)" = ok ] || fail "the key was lost over a restart"
echo "check-standalone: a restart finds the same cluster and key; the seed is left unused"
(cd "$work/app" && PORT="$port" node docker/healthcheck.mjs) || fail "the healthcheck failed with RINGSIDE_TOKEN"
! (cd "$work/app" && PORT="$port" RINGSIDE_TOKEN=wrong node docker/healthcheck.mjs 2>/dev/null) || fail "the healthcheck passed with a wrong token"
echo "check-standalone: with RINGSIDE_TOKEN the healthcheck passes with the token and fails with another"
echo "check-standalone: ok"
