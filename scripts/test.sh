#!/usr/bin/env bash
# Quick start 2: the whole test suite. `scripts/test.sh [part]` runs one part:
#   unit  pure tests beside the code (src/**/*.test.ts except *.int.test.ts, bench/ and web/src/), all
#         in one process: no processes, no control plane, no provisioning (npm packages only); seconds
#   int   integration tests beside the code (src/**/*.int.test.ts): the real API server, kustomize,
#         git, openssl and the HTTP/SSH Git servers
#   e2e   test/e2e: the engine against the real control plane and Git server
#   lint  static checks: tsc, eslint, dependency boundaries, formatting
#   all   (default; CI runs it through `npm test`) lint, then unit + int + e2e, one process per file
# Each part that runs tests prints `N passed, N failed` last (cancelled tests count as failed), writes
# .testenv/results.tap, and exits non-zero when a test did not pass.
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}

case "$part" in
  unit | lint)
    # No peers needed: install the npm packages when missing or stale, as scripts/setup.sh does.
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      echo "[test] npm ci" >&2
      npm ci --no-audit --no-fund --loglevel=error
    fi
    ;;
  int | e2e | all) bash scripts/setup.sh ;;
  *)
    echo "usage: scripts/test.sh [all|unit|int|e2e|lint]" >&2
    exit 2
    ;;
esac
mkdir -p .testenv

if [ "$part" = all ] || [ "$part" = lint ]; then
  echo "[test] static checks: tsc, eslint, dependency boundaries, formatting" >&2
  npx tsc --noEmit -p .
  npx eslint --quiet .
  npx depcruise src --config .dependency-cruiser.cjs --output-type err
  npx prettier --check --log-level warn .
fi
if [ "$part" = lint ]; then exit 0; fi

unit_files() { find src bench web/src -name '*.test.ts' ! -name '*.int.test.ts'; }
int_files() { find src -name '*.int.test.ts'; }
e2e_files() { find test/e2e -name '*.test.ts'; }

files=()
case "$part" in
  unit) mapfile -t files < <(unit_files | sort) ;;
  int) mapfile -t files < <(int_files | sort) ;;
  e2e) mapfile -t files < <(e2e_files | sort) ;;
  all) mapfile -t files < <( (unit_files; int_files; e2e_files) | sort) ;;
esac
reporters=(--test-reporter=spec --test-reporter-destination=stdout
  --test-reporter=tap --test-reporter-destination=.testenv/results.tap)

echo "[test] running ${#files[@]} $part test files" >&2
set +e
if [ "$part" = unit ]; then
  # Pure tests share one process (see scripts/run-unit-tests.ts); everything else gets one per file.
  node --import tsx "${reporters[@]}" scripts/run-unit-tests.ts "${files[@]}"
else
  node --import tsx --test "${reporters[@]}" "${files[@]}"
fi
rc=$?
set -e
pass=$(grep -cE '^\s*ok [0-9]+' .testenv/results.tap || true)
fail=$(grep -cE '^\s*not ok [0-9]+' .testenv/results.tap || true)
summary_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' .testenv/results.tap | tail -1)
summary_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' .testenv/results.tap | tail -1)
# A test cancelled by a timeout or a crash did not pass either.
summary_cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' .testenv/results.tap | tail -1)
if [ -n "$summary_fail" ]; then fail=$((summary_fail + ${summary_cancelled:-0})); fi
echo "${summary_pass:-$pass} passed, $fail failed"
exit $rc
