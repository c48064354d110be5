#!/usr/bin/env bash
# Quick start 2: the whole test suite (static checks, unit tests, end-to-end tests against the real
# control plane, Git server and kustomize). `scripts/test.sh unit|e2e` runs one part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
part=${1:-all}
mkdir -p .testenv

if [ "$part" = all ] || [ "$part" = lint ]; then
  echo "[test] static checks: tsc, eslint, dependency boundaries, formatting" >&2
  npx tsc --noEmit -p .
  npx eslint --quiet .
  npx depcruise src --config .dependency-cruiser.cjs --output-type err
  npx prettier --check --log-level warn .
fi

files=()
case "$part" in
  unit) mapfile -t files < <(find src -name '*.test.ts' | sort) ;;
  e2e) mapfile -t files < <(find test/e2e -name '*.test.ts' | sort) ;;
  all) mapfile -t files < <( (find src -name '*.test.ts'; find test/e2e -name '*.test.ts') | sort) ;;
  lint) exit 0 ;;
  *) echo "usage: scripts/test.sh [all|unit|e2e|lint]" >&2; exit 2 ;;
esac

echo "[test] running ${#files[@]} test files" >&2
set +e
node --import tsx --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=.testenv/results.tap "${files[@]}"
rc=$?
set -e
pass=$(grep -cE '^\s*ok [0-9]+' .testenv/results.tap || true)
fail=$(grep -cE '^\s*not ok [0-9]+' .testenv/results.tap || true)
summary_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' .testenv/results.tap | tail -1)
summary_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' .testenv/results.tap | tail -1)
echo "${summary_pass:-$pass} passed, ${summary_fail:-$fail} failed"
exit $rc
