#!/usr/bin/env bash
# Everything the two quick-start commands need on a fresh machine: npm packages and the real peers.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/provision.sh
