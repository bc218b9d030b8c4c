# syntax=docker/dockerfile:1
# Dockerfile — the CodeGraph image.
#
# Stage "build": Debian 12 with the project's own set-up script (pinned Debian packages,
# zig 0.11 and the tree-sitter grammars from npm), then a ReleaseFast build.
# Stage "runtime": Debian 12 slim with only the shared libraries the binary links
# (liburing, RocksDB, mimalloc, jansson, xxhash, OpenBLAS, libgomp, libstdc++), a
# non-root numeric user, the data and backup volumes, and a HEALTHCHECK that uses the
# binary itself (no curl in the image).
#
#   docker build -t codegraph:latest .
#   docker run -d --name codegraph -p 8000:8000 -v codegraph-data:/app/data \
#       -v codegraph-backups:/app/backups -v /srv/repos:/app/projects:ro \
#       -e CODEGRAPH_API_KEY=... -e CODEGRAPH_ADMIN_API_KEY=... codegraph:latest
# The image listens on 0.0.0.0, so it requires keys: without them it exits with code 78
# and a message naming the missing key (fail closed).
#
# io_uring: Docker's default seccomp profile blocks io_uring_setup, so the default
# io_backend = "auto" logs the refusal and serves with epoll. To use io_uring, run with
#   --security-opt seccomp=deploy/docker/seccomp-iouring.json
# (Docker's default rules plus the three io_uring calls). Checked statically by
# tools/check_artifacts.sh (no Docker daemon is needed for the check).

ARG DEBIAN_BUILD_IMAGE=debian:bookworm
ARG DEBIAN_RUNTIME_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_BUILD_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# setup.sh installs node/npm and python3 from Debian when they are missing.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the set-up script changes.
COPY tools/setup.sh tools/setup.sh
RUN tools/setup.sh && rm -rf /var/lib/apt/lists/* /root/.npm
COPY . .
RUN vendor/bin/zig build -Doptimize=ReleaseFast --prefix /out \
 && /out/bin/codegraph --version \
 && CODEGRAPH_API_KEY=check CODEGRAPH_ADMIN_API_KEY=check \
    /out/bin/codegraph --check-config deploy/docker/codegraph.toml

FROM ${DEBIAN_RUNTIME_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      liburing2 librocksdb7.8 libmimalloc2.0 libjansson4 libxxhash0 \
      libopenblas0-pthread libgomp1 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 codegraph \
 && useradd --system --uid 10001 --gid 10001 \
      --home-dir /app --no-create-home --shell /usr/sbin/nologin codegraph \
 && install -d -o 10001 -g 10001 -m 0750 \
      /app /app/data /app/backups \
 && install -d -m 0755 /app/config /app/projects
COPY --from=build /out/bin/codegraph /usr/local/bin/codegraph
COPY deploy/docker/codegraph.toml /app/config/config.toml
COPY config/codegraph.toml /usr/local/share/doc/codegraph/codegraph.toml
COPY docs/operations.md /usr/local/share/doc/codegraph/operations.md
RUN ln -s codegraph /usr/local/bin/codegraph-api \
 && CODEGRAPH_API_KEY=check CODEGRAPH_ADMIN_API_KEY=check \
    codegraph-api --check-config /app/config/config.toml

ENV CODEGRAPH_CONFIG=/app/config/config.toml
WORKDIR /app
USER 10001:10001
VOLUME ["/app/data", "/app/backups"]
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/codegraph", "healthcheck", "--url", "http://127.0.0.1:8000/health"]
ENTRYPOINT ["/usr/local/bin/codegraph-api"]
CMD ["--config", "/app/config/config.toml"]
