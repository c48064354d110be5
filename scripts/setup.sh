#!/usr/bin/env bash
# Everything the two quick-start commands need on a fresh machine: npm packages and the real peers.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
# Compiled JavaScript for bin/driftless.js (and so for the e2e tests and the dev loop): rebuilt only when
# src/, the tsconfigs or the installed packages changed since the last build (bin/dist-stamp.js).
node scripts/build.js --if-stale
bash scripts/provision.sh
