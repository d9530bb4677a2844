#!/usr/bin/env bash
# Installs what Ringside needs on a fresh machine, and nothing twice, then the npm dependencies when the
# lockfile changed. `setup.sh start` (before `npm start`): memcached, for the local nodes. `setup.sh test`
# (before `npm test`): also etcd, which the control-plane tests start, and Chromium for the dashboard tests.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-test}"

missing=()
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
if [ "$purpose" = test ]; then
  # Debian splits etcd into the server (/usr/bin/etcd) and etcdctl.
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  if [ "${RINGSIDE_SKIP_BROWSER:-}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]} with apt-get" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (macOS: brew install memcached etcd chromium), then run this again" >&2
    exit 1
  fi
fi

# npm ci only when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
