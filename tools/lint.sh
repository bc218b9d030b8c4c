#!/usr/bin/env bash
# tools/lint.sh — the house-style checks (ARCHITECTURE.md §4), run by `zig build lint`.
#
#   1. no line longer than 100 columns in src/ include/ tests/unit tests/fuzz bench tools
#      (C, C++, headers, Python, shell)
#   2. no function body longer than 70 lines in src/ (tools/lint_funcs.py)
#   3. clang-format --dry-run --Werror on src/ and include/ (C, C++, headers)
#
# Every violation is printed as "file:line: reason". Exit status: 0 clean, 1 violations,
# 2 a tool is missing.
#
# Environment:
#   CG_LINT_FORMAT_FILES="a.c b.h"   run check 3 on these files only (default: all of them)
#   CG_LINT_FORMAT=error|warn|off    error (default): format violations fail the lint;
#                                    warn: print them but do not fail; off: skip check 3
# Fix formatting with tools/format.sh.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2

COLUMNS_MAX=100
FUNC_LINES_MAX=70
WIDTH_DIRS=(src include tests/unit tests/fuzz bench tools)
FORMAT_DIRS=(src include)
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"
FORMAT_MODE="${CG_LINT_FORMAT:-error}"

failed=0

# Files under the given directories with the given extensions, sorted, NUL-free names.
list_files() {
    local exts="$1"
    shift
    local dirs=()
    for d in "$@"; do [[ -d "$d" ]] && dirs+=("$d"); done
    [[ ${#dirs[@]} -eq 0 ]] && return 0
    find "${dirs[@]}" -type f -regextype posix-extended -regex ".*\.(${exts})$" | LC_ALL=C sort
}

check_width() {
    # Python counts characters, not bytes (UTF-8 "→" is one column); a tab advances to the
    # next multiple of 8.
    local out n
    out="$(list_files 'c|h|cpp|hpp|py|sh' "${WIDTH_DIRS[@]}" | python3 -c '
import sys
limit = int(sys.argv[1])
for path in sys.stdin.read().splitlines():
    with open(path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            cols = len(line.rstrip("\n").expandtabs(8))
            if cols > limit:
                print(f"{path}:{no}: line is {cols} columns (max {limit})")
' "$COLUMNS_MAX")"
    n=0
    if [[ -n "$out" ]]; then
        printf '%s\n' "$out"
        n=$(printf '%s\n' "$out" | wc -l)
    fi
    echo "lint: line width: $n violation(s)" >&2
    [[ $n -eq 0 ]]
}

check_functions() {
    local files
    mapfile -t files < <(list_files 'c|cpp' src)
    [[ ${#files[@]} -eq 0 ]] && return 0
    out="$(python3 tools/lint_funcs.py --max "$FUNC_LINES_MAX" "${files[@]}")"
    local rc=$?
    [[ -n "$out" ]] && printf '%s\n' "$out"
    echo "lint: function length: $(printf '%s' "$out" | grep -c . || true) violation(s)" >&2
    return $rc
}

check_format() {
    local files=()
    if [[ -n "${CG_LINT_FORMAT_FILES:-}" ]]; then
        read -r -a files <<< "$CG_LINT_FORMAT_FILES"
    else
        mapfile -t files < <(list_files 'c|h|cpp|hpp' "${FORMAT_DIRS[@]}")
    fi
    [[ ${#files[@]} -eq 0 ]] && return 0
    # clang-format reports "file:line:col: error: code should be clang-formatted [...]"
    # followed by the offending source line and a caret; keep the first line of each.
    local out n
    local re_fmt='^(.+):([0-9]+):[0-9]+: (error|warning): code should be clang-formatted.*'
    local re_missing='^(.+): (error|warning): (.*No such file.*)$'
    out="$("$CLANG_FORMAT" --dry-run --Werror "${files[@]}" 2>&1 |
        sed -nE -e "s/${re_fmt}/\\1:\\2: not clang-formatted (tools\\/format.sh fixes it)/p" \
            -e "s/${re_missing}/\\1:0: \\3/p" | uniq)"
    n=0
    if [[ -n "$out" ]]; then
        printf '%s\n' "$out"
        n=$(printf '%s\n' "$out" | wc -l)
    fi
    echo "lint: clang-format: $n violation(s) in $(printf '%s\n' "$out" | cut -d: -f1 |
        sort -u | grep -c . || true) of ${#files[@]} file(s)" >&2
    [[ $n -eq 0 ]]
}

check_width || failed=1
check_functions || failed=1
case "$FORMAT_MODE" in
off) echo "lint: clang-format: skipped (CG_LINT_FORMAT=off)" >&2 ;;
warn | error)
    if ! command -v "$CLANG_FORMAT" > /dev/null; then
        echo "lint: $CLANG_FORMAT not found (Debian package clang-format)" >&2
        exit 2
    fi
    if ! check_format && [[ "$FORMAT_MODE" == error ]]; then failed=1; fi
    ;;
*)
    echo "lint: CG_LINT_FORMAT must be error, warn or off" >&2
    exit 2
    ;;
esac

if [[ $failed -ne 0 ]]; then
    echo "lint: FAILED" >&2
    exit 1
fi
echo "lint: ok" >&2
