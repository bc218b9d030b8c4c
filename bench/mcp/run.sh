#!/usr/bin/env bash
# bench/mcp/run.sh — every MCP tool answered on a large indexed tree within the bounded answer
# size, with p50/p99 per tool and, where a REST endpoint answers the same query, the MCP/REST
# latency ratio measured in the same run (issue 5, "must show").
#
# The tree: the Python standard library of this machine (sysconfig "stdlib", as bench/index
# finds it), or BENCH_MCP_TREE. It is indexed once into a temp data dir by a private
# `codegraph serve` (127.0.0.1, ephemeral port), then BENCH_MCP_CALLS calls per tool (default
# 50) go over one keep-alive connection as JSON-RPC POSTs to /mcp (mcp_bench.py).
# Needs a release build: zig-out/bin/codegraph from `zig build -Doptimize=ReleaseFast`, or
# BENCH_MCP_CODEGRAPH. The temp dir and the server are removed on exit, also on INT/TERM.
# Duration: ~30 min on the full tree (17248 files, 356k entities) on a loaded 2-core box, most
# of it the index (~9 min) and 150 search calls (hybrid/semantic/similar: ~6 s each there);
# BENCH_MCP_TREE=<a smaller tree> or BENCH_MCP_CALLS=10 for a quick run.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CG="${BENCH_MCP_CODEGRAPH:-$ROOT/zig-out/bin/codegraph}"
SRC="${BENCH_MCP_TREE:-$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')}"
CALLS="${BENCH_MCP_CALLS:-50}"
[ -x "$CG" ] || { echo "bench/mcp: $CG is missing (build it first)" >&2; exit 2; }
[ -d "$SRC" ] || { echo "bench/mcp: no tree at $SRC" >&2; exit 2; }
TMP="$(mktemp -d /tmp/cg-bench-mcp.XXXXXX)"
CHILD=""
cleanup() {
    [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
python3 "$HERE/mcp_bench.py" "$CG" "$SRC" "$TMP/data" "$CALLS" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=""
exit "$rc"
