#!/usr/bin/env bash
# tools/format.sh — apply .clang-format in place to our C/C++ sources and headers.
#
# Usage: tools/format.sh            every file in src/ include/ tests/unit tests/fuzz
#        tools/format.sh FILE...    just these files
# Fetched code (vendor/) is never touched. tools/lint.sh checks the result.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"
DIRS=(src include tests/unit tests/fuzz)

command -v "$CLANG_FORMAT" > /dev/null || {
    echo "format: $CLANG_FORMAT not found (Debian package clang-format)" >&2
    exit 2
}
if [[ $# -gt 0 ]]; then
    files=("$@")
else
    existing=()
    for d in "${DIRS[@]}"; do [[ -d "$d" ]] && existing+=("$d"); done
    mapfile -t files < <(find "${existing[@]}" -type f -regextype posix-extended \
        -regex '.*\.(c|h|cpp|hpp)$' | LC_ALL=C sort)
fi
[[ ${#files[@]} -eq 0 ]] && exit 0
"$CLANG_FORMAT" -i --style=file "${files[@]}"
echo "format: ${#files[@]} file(s) formatted" >&2
