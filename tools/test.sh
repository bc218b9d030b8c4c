#!/usr/bin/env bash
# tools/test.sh — set up, build and run every test: unit tests (Debug, UBSan),
# the TOML corpus against Python's tomllib, integration tests against the real
# binary on 127.0.0.1, the lint, and the fuzz targets (corpus replay plus a short
# run each under ASan/UBSan). The last line is "total: N passed, N failed".
#
# Env: FUZZ_SECONDS (default 20 per target), SKIP_SETUP=1 (skip tools/setup.sh).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ZIG=vendor/bin/zig
PASSED=0
FAILED=0
LOG_DIR="$ROOT/build/test-logs"

say() { printf 'test: %s\n' "$*" >&2; }

# count FILE NAME: add the "N passed, N failed" line of FILE; a run without one is 1 failure.
count() {
  local line p f
  line="$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)"
  if [ -z "$line" ]; then
    say "FAIL $2 (no summary line; see $1)"
    FAILED=$((FAILED + 1))
    return
  fi
  p="$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')"
  f="$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  [ "$f" -eq 0 ] || say "FAIL $2: $line (see $1)"
}

# single NAME CMD...: one pass/fail from a command's exit status.
single() {
  local name="$1"; shift
  local log="$LOG_DIR/$name.log"
  if "$@" >"$log" 2>&1; then
    PASSED=$((PASSED + 1)); say "ok   $name"
  else
    FAILED=$((FAILED + 1)); say "FAIL $name (see $log)"; tail -20 "$log" >&2
  fi
}

[ "${SKIP_SETUP:-0}" = 1 ] || tools/setup.sh || { echo "total: 0 passed, 1 failed"; exit 1; }
mkdir -p "$LOG_DIR"

say "build: codegraph (ReleaseFast) and unit tests (Debug)"
if ! $ZIG build -Doptimize=ReleaseFast || ! $ZIG build tests -Doptimize=Debug; then
  echo "total: 0 passed, 1 failed"
  exit 1
fi

if [ -f tests/config/gen_expected.py ]; then
  single toml-expected-from-tomllib python3 tests/config/gen_expected.py
fi

for t in zig-out/tests/*; do
  [ -x "$t" ] || continue
  name="$(basename "$t")"
  say "unit $name"
  timeout 300 "$t" >"$LOG_DIR/unit-$name.log" 2>&1
  count "$LOG_DIR/unit-$name.log" "unit $name"
done

say "integration"
CG_BIN="$ROOT/zig-out/bin/codegraph" timeout 900 python3 tests/integration/run.py \
  >"$LOG_DIR/integration.log" 2>&1
grep -E '^(ok|FAIL|SKIP)' "$LOG_DIR/integration.log" | sed 's/^/  /' >&2 || true
count "$LOG_DIR/integration.log" integration

single lint tools/lint.sh
single fuzz-build tools/fuzz.sh build
single fuzz-replay tools/fuzz.sh replay
single fuzz-run tools/fuzz.sh run "${FUZZ_SECONDS:-20}"
grep -h '^fuzz ' "$LOG_DIR/fuzz-run.log" >&2 || true

echo "total: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
