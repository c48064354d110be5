#!/usr/bin/env bash
# Quick start 1: the whole loop locally (control plane, Git server, engine). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/driftless.js dev "$@"
