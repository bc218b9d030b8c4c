#!/usr/bin/env bash
# bench/index/run.sh — indexing speed, re-index cost, memory, definition recall and graph
# query latency of CodeGraph on a large real tree, side by side with its peers in one run
# (ARCHITECTURE.md §5): raw tree-sitter parse of the same files (zig-out/bench/index_ts_parse)
# and universal-ctags (`ctags -R`, tags to a real file). Issue 3, item 9.
#
# The tree: the Python standard library of this machine with its site-packages (sysconfig
# "stdlib"), or BENCH_INDEX_TREE. Every file CodeGraph detects a language for is hard-linked
# (sorted; capped at BENCH_INDEX_LIMIT_MB if set) into a temp tree, so all three tools read
# exactly the same files from a warm page cache. CodeGraph runs with
# parsing.ignore_patterns = *.pyc so its default ignores (build/, env/, log/, …) do not
# drop files the peers parse.
#
# Steps: ts_parse 1 and 2 threads; ts_parse --query 1 thread (parse + our extraction query,
# nothing built from the matches: the floor of query-based extraction); ctags -R; codegraph
# index cold with pool_threads 1, then 2 (fresh data dirs; process wall, CPU, peak RSS; plus
# the next open of the store, which replays what WAL the index left: charged to the cold
# run); warm re-index (nothing changed, BENCH_INDEX_WARM_REPS runs, median); definition
# recall vs ctags (defs_recall.py) and query latency (query_latency.py, BENCH_INDEX_QUERIES
# requests per kind) through a private `codegraph serve` over the 2-thread index. Then the
# table and the ratios with their goals.
#
# Needs: zig-out/bin/codegraph (zig build -Doptimize=ReleaseFast) and
# zig-out/bench/index_ts_parse (zig build bench-bins -Doptimize=ReleaseFast), ctags, python3;
# BENCH_INDEX_CODEGRAPH / BENCH_INDEX_TS_PARSE point at other builds (both must be release
# builds: a Debug build measures UBSan, not the indexer).
# Every process and the temp dir are removed on exit, also on INT/TERM.
# Duration: ~4.5 min on the full tree (141.6 MB) with the indexer as of issue 3; most of it is
# the two cold indexes. BENCH_INDEX_LIMIT_MB=40 (a sorted prefix: mostly stdlib) takes ~1 min.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CG="${BENCH_INDEX_CODEGRAPH:-$ROOT/zig-out/bin/codegraph}"
TSP="${BENCH_INDEX_TS_PARSE:-$ROOT/zig-out/bench/index_ts_parse}"
SRC="${BENCH_INDEX_TREE:-$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')}"
LIMIT_MB="${BENCH_INDEX_LIMIT_MB:-0}"
WARM_REPS="${BENCH_INDEX_WARM_REPS:-3}"
QUERIES="${BENCH_INDEX_QUERIES:-300}"

for x in "$CG" "$TSP"; do
    [ -x "$x" ] || { echo "bench/index: $x is missing (build it first)" >&2; exit 2; }
done
if ! command -v ctags >/dev/null; then
    echo "bench/index: ctags (universal-ctags) is missing" >&2
    exit 2
fi
[ -d "$SRC" ] || { echo "bench/index: no tree at $SRC" >&2; exit 2; }

TMP="$(mktemp -d /tmp/cg-bench-index.XXXXXX)"
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

# Run a step in the background and wait for it, so a TERM reaches the trap at once and
# the trap can stop that step by its pid.
run() {
    "$@" &
    CHILD=$!
    wait "$CHILD"
    local rc=$?
    CHILD=""
    return "$rc"
}

TREE="$TMP/tree"
R="$TMP/results.jsonl"
measure() { run python3 "$HERE/harness.py" measure --out "$R" "$@"; }
# codegraph index of the tree with NDJSON events; then --set database.path=… pool_threads=…
CGI=("$CG" index "$TREE" --json --set "parsing.allowed_roots=$TREE"
    --set "parsing.ignore_patterns=*.pyc")
cd "$TMP" || exit 1

echo "source: $SRC"
run python3 "$HERE/harness.py" tree "$SRC" "$TREE" --ts-parse "$TSP" --limit-mb "$LIMIT_MB" \
    --out "$R" || exit 1
find "$TREE" -type f | LC_ALL=C sort >"$TMP/files"
xargs -d '\n' cat <"$TMP/files" >/dev/null # warm the page cache for every tool alike

measure --name ts_parse_1t --threads 1 --stdin "$TMP/files" -- "$TSP" -t 1 --json
measure --name ts_parse_2t --threads 2 --stdin "$TMP/files" -- "$TSP" -t 2 --json
measure --name ts_query_1t --threads 1 --stdin "$TMP/files" -- "$TSP" -t 1 --query --json
measure --name ctags -- ctags -R --langmap=Python:+.pyi -f "$TMP/tags" "$TREE"
D1=(--set "database.path=$TMP/data1/rocks.db" --set performance.pool_threads=1)
D2=(--set "database.path=$TMP/data2/rocks.db" --set performance.pool_threads=2)
# `codegraph index` leaves its last writes in RocksDB's WAL; whoever opens the store next
# replays and flushes them. That work belongs to the cold index: the reopen (`codegraph
# stats`) is timed and charged to it, and the warm runs then measure only re-indexing.
measure --name codegraph_cold_1t --threads 1 -- "${CGI[@]}" "${D1[@]}" || exit 1
measure --name codegraph_reopen_1t --threads 1 -- "$CG" stats "${D1[@]}" || exit 1
measure --name codegraph_cold_2t --threads 2 -- "${CGI[@]}" "${D2[@]}" || exit 1
measure --name codegraph_reopen_2t --threads 2 -- "$CG" stats "${D2[@]}" || exit 1
for _ in $(seq "$WARM_REPS"); do
    measure --name codegraph_warm --threads 2 -- "${CGI[@]}" "${D2[@]}"
done
rm -rf "$TMP/data1" "$TMP/tags"

echo
echo "== definition recall vs ctags (Python function/class/method tags)"
run python3 "$HERE/defs_recall.py" --codegraph "$CG" --tree "$TREE" --data "$TMP/data2" \
    --json-out "$TMP/recall.json"
echo
echo "== graph query latency (REST, one keep-alive connection)"
run python3 "$HERE/query_latency.py" --codegraph "$CG" --tree "$TREE" --data "$TMP/data2" \
    -n "$QUERIES" --json-out "$TMP/latency.json"
echo
echo "== bench/index on $(basename "$SRC") ($(nproc) cores)"
python3 "$HERE/harness.py" report "$R" --recall "$TMP/recall.json" --latency "$TMP/latency.json"
