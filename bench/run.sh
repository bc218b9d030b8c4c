#!/usr/bin/env bash
# bench/run.sh — run every benchmark under bench/ (each bench/<name>/run.sh), one after the
# other; each prints its own table of ratios against a peer measured in the same run.
# Benchmarks build nothing: build first (vendor/bin/zig build -Doptimize=ReleaseFast, or `zig build
# bench`, which depends on the install step). Exit status: 1 if any benchmark failed.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rc=0
for b in "$HERE"/*/run.sh; do
    [ -x "$b" ] || continue
    name="$(basename "$(dirname "$b")")"
    echo "==== bench/$name"
    if ! "$b"; then
        echo "bench/$name: FAILED" >&2
        rc=1
    fi
    echo
done
exit "$rc"
