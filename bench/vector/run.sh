#!/usr/bin/env bash
# bench/vector/run.sh — the vector index benchmark (issue 4, item 8): CodeGraph's mmap HNSW
# search vs FAISS 1.7.3's in-process HNSW search on the same graph, single thread: recall@10
# vs exact search, QPS, p50/p99, exact-search QPS, time from process start to the first
# answered query (our mmap open vs FAISS read_index) and RSS. Prints ratios and the goals.
#
# Vectors (BENCH_VECTOR_SOURCE):
#   tree       (default) the project's own vectors: a private `codegraph serve` indexes the
#              Python standard library of this machine with its site-packages (as bench/index;
#              or BENCH_VECTOR_TREE) and embeds every entity with the built-in embedder into a
#              flat vector file; every (n/1000)-th vector becomes a query, the others (at most
#              BENCH_VECTOR_N, default 100000; 0 = all) are indexed by FAISS IndexHNSWFlat (M
#              BENCH_VECTOR_M, default 32; efConstruction BENCH_VECTOR_EFC, default 200) and
#              exported into our format (with its SQ8 codes, see src/vector/vfile.h).
#              Why M 32: on the built-in embedder's hashed vectors an M 16 graph plateaus at
#              recall@10 0.951 for both engines (ef 1024); M 32 reaches 0.95 at ef 192.
#              The program says so when fewer than 100000 vectors are indexed.
#              BENCH_VECTOR_EF_MAX stops the ef sweep early (quick runs).
#              The embedded tree and the FAISS build are kept in BENCH_VECTOR_WORK
#              (/tmp/cg-bench-vector-tree) and reused by the next run.
#   synthetic  clustered synthetic vectors (n = BENCH_VECTOR_N, 100000, dim 768), labelled as
#              such in the output; FAISS builds the graph (cached in BENCH_VECTOR_CACHE).
#
# Needs: zig-out/bin/codegraph and zig-out/bench/vector_bench_vector, both release builds
# (zig build -Doptimize=ReleaseFast && zig build bench-bins -Doptimize=ReleaseFast), python3.
# Duration on 2 busy cores: tree mode ~15 min to index and embed the tree plus ~20 min per
# 100k vectors for FAISS' HNSW build; synthetic mode ~20 min cold, ~3 min with a warm cache.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CG="${BENCH_VECTOR_CODEGRAPH:-$ROOT/zig-out/bin/codegraph}"
BIN="${BENCH_VECTOR_BIN:-$ROOT/zig-out/bench/vector_bench_vector}"
SOURCE="${BENCH_VECTOR_SOURCE:-tree}"
QUERIES="${BENCH_VECTOR_QUERIES:-1000}"
CACHE="${BENCH_VECTOR_CACHE:-/tmp/cg-bench-vector-cache}"
WORK="${BENCH_VECTOR_WORK:-/tmp/cg-bench-vector-tree}" # tree mode: vectors + FAISS build kept

[ -x "$BIN" ] || { echo "bench/vector: $BIN is missing (zig build bench-bins)" >&2; exit 2; }

if [ "$SOURCE" = "synthetic" ]; then
    exec "$BIN" --n "${BENCH_VECTOR_N:-100000}" --dim 768 --queries "$QUERIES" --threads 2 \
        --dir "$CACHE"
fi

[ -x "$CG" ] || { echo "bench/vector: $CG is missing (zig build)" >&2; exit 2; }
if [ -n "${BENCH_VECTOR_TREE:-}" ]; then
    TREES=("$BENCH_VECTOR_TREE")
else
    mapfile -t TREES < <(python3 -c 'import sysconfig as s; p=s.get_paths()
print(p["stdlib"]); print(p["purelib"]) if not p["purelib"].startswith(p["stdlib"]) else None')
fi
TMP="$(mktemp -d /tmp/cg-bench-vector.XXXXXX)"
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

mkdir -p "$WORK"
FILE="$WORK/vectors.cgv"
VERSION=2 # src/vector/vfile.h CG_VFILE_VERSION: an older cached file is embedded again
if [ -f "$FILE" ] && [ "$(od -An -tu4 -j8 -N4 "$FILE" | tr -d ' ')" != "$VERSION" ]; then
    echo "bench/vector: $FILE has an older file version; embedding the tree again"
    rm -f "$FILE"
fi
if [ -f "$FILE" ] && [ "${BENCH_VECTOR_REINDEX:-0}" != 1 ]; then
    echo "bench/vector: reusing the embedded tree in $FILE (BENCH_VECTOR_REINDEX=1 redoes it)"
else
    echo "bench/vector: indexing and embedding ${TREES[*]} (built-in embedder, flat vector file)"
    python3 "$HERE/embed_tree.py" "$CG" "$TMP/data" "${TREES[@]}" >"$TMP/file" &
    CHILD=$!
    wait "$CHILD" || { echo "bench/vector: embedding the tree failed" >&2; exit 1; }
    CHILD=""
    SAVED="$(tail -n 1 "$TMP/file")"
    [ -f "$SAVED" ] || { echo "bench/vector: no vector file ($SAVED)" >&2; exit 1; }
    cp "$SAVED" "$FILE.tmp" && mv "$FILE.tmp" "$FILE" || exit 1
fi
ARGS=(--cgv "$FILE" --queries "$QUERIES" --m "${BENCH_VECTOR_M:-32}"
    --efc "${BENCH_VECTOR_EFC:-200}" --threads 2)
[ "${BENCH_VECTOR_N:-100000}" != 0 ] && ARGS+=(--n "${BENCH_VECTOR_N:-100000}")
[ -n "${BENCH_VECTOR_EF_MAX:-}" ] && ARGS+=(--ef-max "$BENCH_VECTOR_EF_MAX")
"$BIN" "${ARGS[@]}" --dir "$WORK/bench-m${BENCH_VECTOR_M:-32}" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=""
exit "$rc"
