#!/usr/bin/env bash
# bench/http/run.sh — CodeGraph's /health against nginx's `return 200`, measured side by side.
#
# Each server runs pinned to CPU 0 (taskset), wrk pinned to CPU 1
# (`wrk -t1 -c64 -d${BENCH_SECONDS}s --latency`). wrk saturates before either server on this
# kind of machine, so req/s alone says little: the figure that matters is the server's CPU
# time per request, read from /proc/<pid>/stat (utime+stime, ticks → µs with CLK_TCK) before
# and after the run, divided by the requests wrk completed. nginx is 1 worker (its master is
# counted too), access_log off, keepalive_requests unlimited (so it never pays reconnects
# that CodeGraph does not). CodeGraph is `serve --workers 1`, once with io_backend io_uring
# and once with epoll; each is paired with its own nginx run so the ratios come from
# back-to-back measurements.
#
#   BENCH_SECONDS   measured seconds per run (default 10); a 1 s warm-up precedes each run
#   BENCH_CONNS     wrk connections (default 64)
#   CG_BIN          the binary (default zig-out/bin/codegraph); this script builds nothing
#
# Output: one table (req/s, p50, p99, CPU-µs/req per run) and the codegraph/nginx ratios of
# CPU-µs/req and p99. Every process it starts is stopped on exit (trap), by pid.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${CG_BIN:-$ROOT/zig-out/bin/codegraph}"
SECS="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNS:-64}"
SERVER_CPU=0
CLIENT_CPU=1

die() { echo "bench/http: $*" >&2; exit 1; }

[ -x "$BIN" ] ||
    die "no binary at $BIN — build it first: vendor/bin/zig build -Doptimize=ReleaseFast"
for t in nginx wrk taskset getconf python3; do
    command -v "$t" >/dev/null ||
        die "missing tool: $t (apt-get install nginx-light wrk util-linux)"
done
[ "$(nproc --all)" -ge 2 ] || die "needs 2 CPUs (server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU)"
[[ "$SECS" =~ ^[0-9]+$ ]] && [ "$SECS" -ge 1 ] || die "BENCH_SECONDS must be a positive integer"

TCK="$(getconf CLK_TCK)"
TMP="$(mktemp -d /tmp/cg-bench-http.XXXXXX)"
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] || continue
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$p" 2>/dev/null || true
        fi
        wait "$p" 2>/dev/null || true
    done
    PIDS=()
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

wait_port() { # port pid
    local i
    for i in $(seq 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# utime+stime in ticks of the given pids (missing pids count 0).
cpu_ticks() {
    local total=0 p f a
    for p in "$@"; do
        f="/proc/$p/stat"
        [ -r "$f" ] || continue
        # Fields after the ")" that closes comm: utime is the 12th, stime the 13th.
        read -r -a a <<<"$(sed 's/^.*) //' "$f")"
        total=$((total + a[11] + a[12]))
    done
    echo "$total"
}

# The pid and its children (nginx: master + worker).
proc_tree() {
    local p="$1"
    echo "$p"
    { cat "/proc/$p/task/"*/children 2>/dev/null | tr ' ' '\n'; pgrep -P "$p" 2>/dev/null; } |
        grep -E '^[0-9]+$' | sort -u || true
}

# wrk against URL; prints "requests rps p50_us p99_us cpu_us_per_req" for the server pids.
measure() { # url pid
    local url="$1" pid="$2" pids t0 t1 out="$TMP/wrk.$RANDOM.txt"
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d1s "$url" >/dev/null 2>&1 ||
        die "wrk warm-up failed against $url"
    mapfile -t pids < <(proc_tree "$pid")
    t0="$(cpu_ticks "${pids[@]}")"
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$url" >"$out" ||
        die "wrk failed against $url"
    t1="$(cpu_ticks "${pids[@]}")"
    python3 - "$t0" "$t1" "$TCK" "$out" <<'PY'
import re, sys
t0, t1, tck = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
text = open(sys.argv[4]).read()
def us(v, unit):
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6, "m": 60e6}[unit]
m = re.search(r"(\d+) requests in", text)
reqs = int(m.group(1)) if m else 0
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = dict((p, us(v, u)) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$",
                                                      text, re.M))
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errs:
    sys.exit("bench/http: %s non-2xx responses" % errs.group(1))
cpu_us = (t1 - t0) * 1e6 / tck
print(reqs, rps, lat.get("50", float("nan")), lat.get("99", float("nan")),
      cpu_us / reqs if reqs else float("nan"))
PY
}

start_nginx() {
    local port="$1" d="$TMP/nginx"
    mkdir -p "$d"
    sed -e "s#@DIR@#$d#g" -e "s#@PORT@#$port#g" "$HERE/nginx.conf" >"$d/nginx.conf"
    taskset -c "$SERVER_CPU" nginx -c "$d/nginx.conf" -p "$d/" -e "$d/error.log" \
        >"$d/stdout" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    wait_port "$port" "$NGINX_PID" || { cat "$d/error.log" >&2 || true; die "nginx did not start"; }
}

start_codegraph() {
    local port="$1" backend="$2" d="$TMP/cg-$backend"
    mkdir -p "$d"
    cat >"$d/config.toml" <<EOF
[server]
host = "127.0.0.1"
[database]
path = "$d/data/rocks.db"
[logging]
level = "warn"
EOF
    (cd "$d" && exec taskset -c "$SERVER_CPU" "$BIN" serve --config "$d/config.toml" \
        --workers 1 --port "$port" --io-backend "$backend" >"$d/stdout" 2>"$d/stderr") &
    CG_PID=$!
    PIDS+=("$CG_PID")
    wait_port "$port" "$CG_PID" ||
        { cat "$d/stdout" "$d/stderr" >&2; die "codegraph ($backend) did not start"; }
}

stop_pid() {
    local p="$1"
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

ROWS="$TMP/rows"
: >"$ROWS"
for backend in io_uring epoll; do
    port="$(free_port)"
    start_nginx "$port"
    row="$(measure "http://127.0.0.1:$port/" "$NGINX_PID")"   # set -e: a failure stops here
    echo "nginx $row" >>"$ROWS"
    stop_pid "$NGINX_PID"

    port="$(free_port)"
    start_codegraph "$port" "$backend"
    row="$(measure "http://127.0.0.1:$port/health" "$CG_PID")"
    echo "codegraph-$backend $row" >>"$ROWS"
    stop_pid "$CG_PID"
done

python3 - "$ROWS" "$SECS" "$CONNS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print("HTTP /health vs nginx `return 200` — server on CPU 0, wrk -t1 -c%s -d%ss on CPU 1"
      % (sys.argv[3], sys.argv[2]))
hdr = "%-20s %12s %10s %10s %10s %13s %9s %9s" % (
    "server", "requests", "req/s", "p50 us", "p99 us", "CPU-us/req", "CPU x", "p99 x")
print(hdr)
print("-" * len(hdr))
nginx = None
for name, reqs, rps, p50, p99, cpu in rows:
    reqs, rps, p50, p99, cpu = int(reqs), float(rps), float(p50), float(p99), float(cpu)
    if name == "nginx":
        nginx = (cpu, p99)
        rc = rp = "1.00"
        label = "nginx 1.22"
    else:
        rc = "%.2f" % (cpu / nginx[0]) if nginx and nginx[0] else "n/a"
        rp = "%.2f" % (p99 / nginx[1]) if nginx and nginx[1] else "n/a"
        label = name
    print("%-20s %12d %10.0f %10.1f %10.1f %13.2f %9s %9s" % (label, reqs, rps, p50, p99, cpu,
                                                              rc, rp))
print("(ratios: codegraph / the nginx run just before it; lower is better)")
PY
