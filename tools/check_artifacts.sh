#!/usr/bin/env bash
# tools/check_artifacts.sh — run every check of the deployment artifacts (docs/operations.md,
# "Checking the artifacts"). Run by tests/integration/test_deploy.py.
#
#   systemd    systemd-analyze verify + security --offline (exposure <= 2.5) of the unit
#   alerts     promtool check rules + promtool test rules (deploy/prometheus)
#   promql     dashboard queries parsed by promtool; with CG_SCRAPE=FILE (a live /metrics)
#              every metric name of alerts and dashboard must be in it; endpoints vs routes
#   generated  gen-seccomp.py and gen-dashboard.py reproduce the committed JSON
#   k8s        kubernetes-models validation + cross-checks, --check-config on the ConfigMap
#   docker     Dockerfile/.dockerignore rules, runtime libraries, seccomp (+ strace run);
#              npm dockerfile-utils lint; hadolint and a real `docker build` when present
#   config     reference config vs schema, --check-config of every shipped config
#   openapi    `codegraph openapi` validated by @seriousme/openapi-schema-validator
#
# Prints "ok|FAIL|skip <check>: detail" per check and last "artifacts: N ok, N failed,
# N skipped". Exit 1 when a check failed. A check whose tool is missing is skipped.
# Environment: CG_BIN (default zig-out/bin/codegraph), CG_SCRAPE, CG_NO_STRACE=1.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
BIN="${CG_BIN:-$ROOT/zig-out/bin/codegraph}"
NM="$ROOT/vendor/npm/node_modules"
TMP="$(mktemp -d /tmp/cg-artifacts.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
# Configs that listen beyond loopback require keys; the checks supply throwaway ones.
KEYS=(env CODEGRAPH_API_KEY=artifact-check CODEGRAPH_ADMIN_API_KEY=artifact-check)
n_ok=0 n_fail=0 n_skip=0

report() { # report ok|FAIL|skip NAME DETAIL-FILE-OR-TEXT
  local what="$1" name="$2" detail="$3"
  [ -f "$detail" ] && detail="$(cat "$detail")"
  case "$what" in
    ok) n_ok=$((n_ok + 1)); printf 'ok   %s: %s\n' "$name" "$(printf '%s' "$detail" | tail -1)" ;;
    skip) n_skip=$((n_skip + 1)); printf 'skip %s: %s\n' "$name" "$detail" ;;
    *) n_fail=$((n_fail + 1)); printf 'FAIL %s:\n%s\n' "$name" "$detail" ;;
  esac
}

run() { # run NAME CMD... — ok when CMD exits 0
  local name="$1"; shift
  if "$@" >"$TMP/out" 2>&1; then
    report ok "$name" "$TMP/out"
  else
    report FAIL "$name" "$TMP/out"
  fi
}

need() { # need NAME TOOL... — true when every tool exists, else skip NAME
  local name="$1"; shift
  for t in "$@"; do
    if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "$t" ]; then
      report skip "$name" "$t not installed"; return 1
    fi
  done
}

check_systemd() {
  need systemd systemd-analyze "$BIN" || return
  # verify insists that ExecStart exists: check the unit with the built binary's path.
  sed "s#/usr/local/bin/codegraph-api#$BIN#g" deploy/systemd/codegraph.service \
    >"$TMP/codegraph-api.service"
  run systemd-verify systemd-analyze verify "$TMP/codegraph-api.service"
  run systemd-security systemd-analyze security --offline=true --threshold=25 \
    "$TMP/codegraph-api.service"
}

check_alerts() {
  need alerts promtool || return
  run alerts-check promtool check rules deploy/prometheus/alerts.yml
  run alerts-test promtool test rules deploy/prometheus/alerts_test.yml
}

check_promql() {
  need promql promtool python3 "$BIN" || return
  "$BIN" routes --json >"$TMP/routes.json" 2>/dev/null
  local scrape=()
  [ -n "${CG_SCRAPE:-}" ] && scrape=(--scrape "$CG_SCRAPE")
  run promql python3 deploy/check/promql.py --alerts deploy/prometheus/alerts.yml \
    --dashboard deploy/grafana/codegraph-dashboard.json --routes "$TMP/routes.json" "${scrape[@]}"
}

check_generated() {
  need generated python3 || return
  python3 deploy/docker/gen-seccomp.py "$TMP/seccomp.json" >/dev/null &&
    python3 deploy/grafana/gen-dashboard.py "$TMP/dash.json" >/dev/null
  if cmp -s "$TMP/seccomp.json" deploy/docker/seccomp-iouring.json &&
    cmp -s "$TMP/dash.json" deploy/grafana/codegraph-dashboard.json; then
    report ok generated "seccomp profile and dashboard match their generators"
  else
    report FAIL generated "re-run deploy/docker/gen-seccomp.py and deploy/grafana/gen-dashboard.py"
  fi
}

check_k8s() {
  need k8s node "$BIN" || return
  [ -d "$NM/kubernetes-models" ] || { report skip k8s "npm kubernetes-models missing"; return; }
  run k8s node deploy/check/k8s.mjs deploy/kubernetes "$NM" "$TMP/k8s-config.toml"
  run k8s-config "${KEYS[@]}" "$BIN" --check-config "$TMP/k8s-config.toml"
}

check_docker() {
  need docker python3 || return
  local args=(--binary "$BIN")
  [ "${CG_NO_STRACE:-0}" = 1 ] || ! command -v strace >/dev/null || args+=(--strace)
  [ -x "$BIN" ] || args=()
  run docker python3 deploy/check/dockerfile.py "${args[@]}"
  if [ -d "$NM/dockerfile-utils" ] && command -v node >/dev/null 2>&1; then
    run docker-lint node deploy/check/dockerfile-lint.cjs Dockerfile "$NM"
  else
    report skip docker-lint "node or npm dockerfile-utils missing"
  fi
  if command -v hadolint >/dev/null 2>&1; then run hadolint hadolint Dockerfile; fi
  if docker info >/dev/null 2>&1; then # a daemon: build the image for real
    run docker-build docker build -q -t codegraph:artifact-check .
  else
    report skip docker-build "no Docker daemon (docker info fails)"
  fi
}

check_config() {
  need config python3 "$BIN" || return
  run config-reference python3 deploy/check/config_ref.py
  local api="$BIN"  # the operations manual's spelling when it is installed beside
  [ -x "$(dirname "$BIN")/codegraph-api" ] && api="$(dirname "$BIN")/codegraph-api"
  run config-reference-loads "$api" --check-config config/codegraph.toml
  run config-docker "${KEYS[@]}" "$BIN" --check-config deploy/docker/codegraph.toml
}

check_openapi() {
  need openapi node "$BIN" || return
  [ -d "$NM/@seriousme/openapi-schema-validator" ] ||
    { report skip openapi "npm @seriousme/openapi-schema-validator missing"; return; }
  if ! "$BIN" openapi --check >"$TMP/openapi.json" 2>"$TMP/err"; then
    report FAIL openapi-annotations "$TMP/err"
  fi
  run openapi node deploy/check/openapi.mjs "$TMP/openapi.json" "$NM"
}

check_systemd
check_alerts
check_promql
check_generated
check_k8s
check_docker
check_config
check_openapi
echo "artifacts: $n_ok ok, $n_fail failed, $n_skip skipped"
[ "$n_fail" -eq 0 ]
