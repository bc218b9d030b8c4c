#!/usr/bin/env bash
# bench/quality/run.sh — search quality by the CodeSearchNet protocol on this machine's Python
# standard library (issue 4, item 7), and search latency through HTTP, in one run.
#
# corpus.py turns every stdlib function with a docstring into (query = the docstring's first
# paragraph, code = the function without its docstring, one file each); evaluate.py indexes
# the files with a private `codegraph serve`, asks every query in modes lexical, semantic and
# hybrid (limit 100), and computes MRR@100, recall@1 and recall@10 for them and for a plain
# BM25 written in Python over the same files, in the same run. Goal: hybrid MRR >= 1.05 x BM25.
# Latency p50/p99 are the HTTP round trips of those queries (one keep-alive client).
#
# Env: BENCH_QUALITY_CODEGRAPH (binary; a release build: zig build -Doptimize=ReleaseFast),
# BENCH_QUALITY_TREE (default: sysconfig stdlib), BENCH_QUALITY_QUERIES (0 = all, default),
# BENCH_QUALITY_LATENCY_TREE (large tree for p50/p99: default the stdlib, "" = skip),
# BENCH_QUALITY_LATENCY_QUERIES (300), BENCH_QUALITY_LATENCY_WAIT_S (vector rebuild wait, 300).
# Duration: ~5-10 min for all ~5000 queries on a quiet 2-core machine (500 queries: ~1.5 min).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CG="${BENCH_QUALITY_CODEGRAPH:-$ROOT/zig-out/bin/codegraph}"
STDLIB="$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')"
TREE="${BENCH_QUALITY_TREE:-$STDLIB}"
QUERIES="${BENCH_QUALITY_QUERIES:-0}"
[ -x "$CG" ] || { echo "bench/quality: $CG is missing (build it first)" >&2; exit 2; }
[ -d "$TREE" ] || { echo "bench/quality: no tree at $TREE" >&2; exit 2; }
TMP="$(mktemp -d /tmp/cg-bench-quality.XXXXXX)"
CHILD=""
cleanup() {
    if [ -n "$CHILD" ]; then
        kill -TERM "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Embedder speed (issue 4 item 1: >= 200 MB per CPU-second per core) on the same tree and on
# this repository's C, when the bench program is built
# (zig build bench-bins -Doptimize=ReleaseFast).
SPEED="${BENCH_QUALITY_EMBED_SPEED:-$ROOT/zig-out/bench/quality_embed_speed}"
if [ -x "$SPEED" ]; then
    echo "== built-in embedder speed (MB per CPU-second, one thread)"
    find "$TREE" -maxdepth 1 -name '*.py' | LC_ALL=C sort | xargs cat >"$TMP/stdlib.py"
    find "$ROOT/src" -name '*.[ch]' | LC_ALL=C sort | xargs cat >"$TMP/ours.c"
    "$SPEED" "$TMP/stdlib.py" "$TMP/ours.c"
fi
python3 "$HERE/corpus.py" "$TMP/corpus" "$TREE" || exit 1
python3 "$HERE/evaluate.py" "$CG" "$TMP/corpus" "$TMP/data" "$QUERIES" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=""
exit "$rc"
