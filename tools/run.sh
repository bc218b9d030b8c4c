#!/usr/bin/env bash
# tools/run.sh — the main job from nothing: set up, build, index this repository as
# the first project when the data directory is empty, and serve on the embedded
# defaults (http://127.0.0.1:8000, data in ./data). Extra arguments go to
# `codegraph serve` (e.g. tools/run.sh --port 8001, or -c config/codegraph.toml).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
tools/setup.sh
echo "run: building codegraph (ReleaseFast)" >&2
vendor/bin/zig build -Doptimize=ReleaseFast
if [ $# -eq 0 ] && [ ! -e data/rocks.db ]; then
  echo "run: empty data directory: indexing this repository as project 'codegraph'" >&2
  zig-out/bin/codegraph index . --project codegraph
fi
exec zig-out/bin/codegraph serve "$@"
