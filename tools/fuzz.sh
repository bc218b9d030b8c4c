#!/usr/bin/env bash
# tools/fuzz.sh — build, replay and run the libFuzzer targets in tests/fuzz/.
#
# Usage:
#   tools/fuzz.sh build  [TARGET...]          compile into build/fuzz/<target>
#   tools/fuzz.sh replay [TARGET...]          run every committed seed once (CI, fast)
#   tools/fuzz.sh run SECONDS [TARGET...]     fuzz each target SECONDS on a temp corpus copy
#   tools/fuzz.sh long SECONDS [TARGET...]    the same for people: -jobs in parallel, and the
#                                             grown corpus is kept in build/fuzz/corpus/
#   tools/fuzz.sh list                        the targets and their corpus directories
#
# A target is tests/fuzz/fuzz_<name>.c; its seeds live in tests/fuzz/corpus/<name>/, an
# optional dictionary in tests/fuzz/<name>.dict. The target names the sources it needs on
# comment lines (globs relative to the repository root; src/main.c is never linked):
#   // fuzz-sources: src/http/*.c src/base/*.c
#   // fuzz-flags: -lm                      (optional: extra compile/link arguments)
# TARGET may be given as fuzz_<name>, <name> or a path. A target that does not exist is
# reported and skipped, so this script works while targets are still being written.
#
# Crashes: a crashing input is kept as build/fuzz/crashes/<target>-crash-<sha1> with the
# fuzzer's log beside it; the exit status is then 1. Exit 2 on a usage or build error.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2

CC_FUZZ="${CC_FUZZ:-clang}"
CFLAGS_FUZZ=(-g -O1 -std=c11 "-fsanitize=fuzzer,address,undefined"
    -fno-sanitize-recover=undefined -D_GNU_SOURCE -Iinclude -Isrc)
FUZZ_DIR="${CG_FUZZ_DIR:-tests/fuzz}"  # overridable for testing this script
OUT="build/fuzz"
CRASHES="$OUT/crashes"
# Per-input bounds while fuzzing: seconds before an input counts as a hang, and memory.
INPUT_TIMEOUT_S=10
RSS_LIMIT_MB=2048
# Grace on top of SECONDS before the outer `timeout` stops a fuzzer that does not stop.
GRACE_S=60

log() { echo "fuzz: $*" >&2; }

# All targets, or the ones named; "missing" ones are reported and left out.
select_targets() {
    local t f
    if [[ $# -eq 0 ]]; then
        for f in "$FUZZ_DIR"/fuzz_*.c; do [[ -f "$f" ]] && basename "$f" .c; done
        return 0
    fi
    for t in "$@"; do
        t="$(basename "$t" .c)"
        [[ "$t" == fuzz_* ]] || t="fuzz_$t"
        if [[ -f "$FUZZ_DIR/$t.c" ]]; then
            echo "$t"
        else
            log "target $t not found ($FUZZ_DIR/$t.c): skipped"
        fi
    done
}

corpus_dir() { echo "$FUZZ_DIR/corpus/${1#fuzz_}"; }

# The expanded `// fuzz-sources:` files of target $1, one per line (src/main.c left out).
target_sources() {
    local src="$FUZZ_DIR/$1.c" pat f matched pats=()
    read -r -a pats <<< "$(sed -nE \
        's#^[[:space:]]*//[[:space:]]*fuzz-sources:[[:space:]]*(.*)$#\1#p' "$src" | tr '\n' ' ')"
    [[ ${#pats[@]} -eq 0 ]] && return 1
    shopt -s nullglob globstar
    for pat in "${pats[@]}"; do
        matched=0
        for f in $pat; do
            matched=1
            [[ "$f" == src/main.c ]] || echo "$f"
        done
        [[ $matched -eq 1 ]] || log "$1: fuzz-sources pattern '$pat' matches nothing"
    done
    shopt -u nullglob globstar
}

target_flags() {
    sed -nE 's#^[[:space:]]*//[[:space:]]*fuzz-flags:[[:space:]]*(.*)$#\1#p' "$FUZZ_DIR/$1.c"
}

build_one() {
    local t="$1" srcs flags
    if ! command -v "$CC_FUZZ" > /dev/null; then
        log "$CC_FUZZ not found (Debian: clang libclang-rt-14-dev)"
        return 2
    fi
    if ! srcs="$(target_sources "$t")"; then
        log "$t: no '// fuzz-sources:' line in $FUZZ_DIR/$t.c: not built"
        return 2
    fi
    flags="$(target_flags "$t")"
    mkdir -p "$OUT"
    # shellcheck disable=SC2086  # the source list and flags are word lists on purpose
    if ! "$CC_FUZZ" "${CFLAGS_FUZZ[@]}" "$FUZZ_DIR/$t.c" $srcs $flags -o "$OUT/$t"; then
        log "$t: build failed"
        return 2
    fi
    log "built $OUT/$t"
}

cmd_build() {
    local t rc=0 n=0
    for t in $(select_targets "$@"); do
        n=$((n + 1))
        build_one "$t" || rc=2
    done
    [[ $n -eq 0 ]] && log "no targets in $FUZZ_DIR"
    return $rc
}

cmd_replay() {
    local t rc=0 dir files
    for t in $(select_targets "$@"); do
        build_one "$t" || { rc=2; continue; }
        dir="$(corpus_dir "$t")"
        mapfile -t files < <(find "$dir" -maxdepth 1 -type f 2> /dev/null | LC_ALL=C sort)
        if [[ ${#files[@]} -eq 0 ]]; then
            log "$t: no seeds in $dir: nothing replayed"
            continue
        fi
        mkdir -p "$CRASHES"
        # Files given as arguments are each executed once; xargs batches long lists.
        if printf '%s\0' "${files[@]}" | xargs -0 "$OUT/$t" -timeout="$INPUT_TIMEOUT_S" \
            -rss_limit_mb="$RSS_LIMIT_MB" -artifact_prefix="$CRASHES/$t-" \
            > "$CRASHES/$t.replay.log" 2>&1; then
            echo "replay $t: ${#files[@]} seed(s) ok"
        else
            echo "replay $t: FAILED (log: $CRASHES/$t.replay.log)"
            grep -E 'ERROR|SUMMARY|Running:|written to' "$CRASHES/$t.replay.log" | tail -n 8
            rc=1
        fi
    done
    return $rc
}

# Sum "stat::<name>: N" over the given logs.
stat_sum() {
    local name="$1"
    shift
    cat "$@" 2> /dev/null | sed -nE "s/^stat::$name:[[:space:]]*([0-9]+).*/\1/p" |
        awk '{ s += $1 } END { print s + 0 }'
}

new_artifacts() {
    local t="$1" stamp="$2"
    find "$CRASHES" -maxdepth 1 -type f -name "$t-*" ! -name '*.log' -newer "$stamp" \
        2> /dev/null
}

# fuzz_one TARGET SECONDS JOBS CORPUS_DIR: run, print the summary line, 0 or 1 (crash).
fuzz_one() {
    local t="$1" secs="$2" jobs="$3" corpus="$4"
    local work logf stamp t0 t1 rc extra=() dict
    work="$(mktemp -d "${TMPDIR:-/tmp}/cg-fuzz-$t.XXXXXX")"
    logf="$CRASHES/$t.log"
    stamp="$work/.stamp"
    touch "$stamp"
    dict="$FUZZ_DIR/${t#fuzz_}.dict"
    [[ -f "$dict" ]] && extra+=(-dict="$ROOT/$dict")
    [[ "$jobs" -gt 1 ]] && extra+=(-jobs="$jobs" -workers="$jobs")
    t0=$(date +%s.%N)
    # With -jobs, libFuzzer writes each job's output to fuzz-<n>.log in its cwd: $work.
    (cd "$work" && timeout $((secs + GRACE_S)) "$ROOT/$OUT/$t" "$corpus" \
        -max_total_time="$secs" -print_final_stats=1 -timeout="$INPUT_TIMEOUT_S" \
        -rss_limit_mb="$RSS_LIMIT_MB" -artifact_prefix="$ROOT/$CRASHES/$t-" "${extra[@]}") \
        > "$logf" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    # Job logs (long mode) are appended to the main log, which is then the one source.
    local f
    for f in "$work"/fuzz-*.log; do [[ -f "$f" ]] && cat "$f" >> "$logf"; done
    printf 'fuzz %s: %s execs in %.1f s, %s new units\n' "$t" \
        "$(stat_sum number_of_executed_units "$logf")" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$(stat_sum new_units_added "$logf")"
    local found
    found="$(new_artifacts "$t" "$stamp")"
    rm -rf "$work"
    if [[ $rc -ne 0 || -n "$found" ]]; then
        echo "fuzz $t: FAILED (exit $rc; log: $logf)"
        # shellcheck disable=SC2086  # one path per word
        [[ -n "$found" ]] && printf '  kept: %s\n' $found
        grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error' "$logf" | head -n 5 | sed 's/^/  /'
        return 1
    fi
    return 0
}

cmd_fuzz() {
    local mode="$1" secs="${2:-}"
    [[ "$secs" =~ ^[0-9]+$ && "$secs" -gt 0 ]] || {
        log "usage: tools/fuzz.sh $mode SECONDS [TARGET...]"
        return 2
    }
    shift 2
    local t rc=0 jobs=1 corpus tmp
    [[ "$mode" == long ]] && jobs="${CG_FUZZ_JOBS:-$(nproc)}"
    mkdir -p "$CRASHES"
    for t in $(select_targets "$@"); do
        build_one "$t" || { rc=2; continue; }
        if [[ "$mode" == long ]]; then
            corpus="$ROOT/$OUT/corpus/$t"  # kept: merge into the seeds with -merge=1
            mkdir -p "$corpus"
        else
            tmp="$(mktemp -d "${TMPDIR:-/tmp}/cg-corpus-$t.XXXXXX")"
            corpus="$tmp"
        fi
        [[ -d "$(corpus_dir "$t")" ]] && cp -r "$(corpus_dir "$t")/." "$corpus/"
        fuzz_one "$t" "$secs" "$jobs" "$corpus" || rc=1
        if [[ "$mode" == long ]]; then
            log "$t: corpus kept in $corpus; to add new seeds:" \
                "$OUT/$t -merge=1 $(corpus_dir "$t") $corpus"
        else
            rm -rf "$tmp"
        fi
    done
    return $rc
}

cmd_list() {
    local t
    for t in $(select_targets); do
        printf '%-24s corpus %s (%s seeds)\n' "$t" "$(corpus_dir "$t")" \
            "$(find "$(corpus_dir "$t")" -maxdepth 1 -type f 2> /dev/null | wc -l)"
    done
}

case "${1:-}" in
build) shift && cmd_build "$@" ;;
replay) shift && cmd_replay "$@" ;;
run | long) cmd_fuzz "$@" ;;
list) cmd_list ;;
*)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
