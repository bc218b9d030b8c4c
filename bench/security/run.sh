#!/usr/bin/env bash
# bench/security/run.sh — healthy-client latency under a 1,000-connection slowloris.
#
# The peer is the same server unattacked, measured in the same run: wrk (1 thread, 8
# connections, keep-alive) on GET /health and GET /api/v1/projects for DURATION seconds,
# first alone, then while slowhttptest holds ATTACK_CONNS slow-header connections open
# (server.timeout is 30 s, so they stay for the whole measurement; max_connections is the
# default 1000, so the attack fills the cap and healthy clients get in by evicting the
# slowest unfinished requests). Prints p50/p99 of
# both runs, the connections the attack really held (codegraph_connections_open), and the
# ratio attacked/unattacked p99 (goal: <= 2x). Environment: CG_BIN (binary),
# DURATION (s, default 8), ATTACK_CONNS (default 1000).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${CG_BIN:-$ROOT/zig-out/bin/codegraph}"
DURATION="${DURATION:-8}"
ATTACK_CONNS="${ATTACK_CONNS:-1000}"
for t in wrk slowhttptest curl; do
    command -v "$t" > /dev/null || { echo "bench/security: $t not installed: skipped"; exit 0; }
done
[ -x "$BIN" ] || { echo "bench/security: $BIN not built" >&2; exit 1; }

TMP="$(mktemp -d /tmp/cg-bench-sec.XXXXXX)"
SRV=""
ATK=""
cleanup() {
    [ -n "$ATK" ] && kill "$ATK" 2> /dev/null
    [ -n "$SRV" ] && kill "$SRV" 2> /dev/null && wait "$SRV" 2> /dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

cat > "$TMP/config.toml" << EOF
[server]
host = "127.0.0.1"
port = 0
workers = 1
timeout = "30s"
keep_alive = "75s"
max_connections = 1000
[database]
path = "$TMP/data/rocks.db"
[logging]
level = "warn"
EOF
ulimit -n 20000 2> /dev/null
(cd "$TMP" && exec "$BIN" serve --config "$TMP/config.toml" > "$TMP/out.log" 2>&1) &
SRV=$!
PORT=""
for _ in $(seq 1 200); do
    PORT="$(sed -nE 's/.*"message":"listening".*"port":([0-9]+).*/\1/p' "$TMP/out.log" | head -1)"
    [ -n "$PORT" ] && break
    sleep 0.05
done
# logging.level = warn hides the listening line: find the port from the socket table.
if [ -z "$PORT" ]; then
    sleep 0.5
    PORT="$(ss -ltnp 2> /dev/null | awk -v p="pid=$SRV," '$0 ~ p { sub(/.*:/, "", $4); print $4 }' |
        head -1)"
fi
[ -n "$PORT" ] || { echo "bench/security: server did not start" >&2; cat "$TMP/out.log"; exit 1; }
URL="http://127.0.0.1:$PORT"

# p50 and p99 in milliseconds from `wrk --latency` output.
measure() {
    wrk -t1 -c8 -d"${DURATION}s" --latency "$URL$1" 2> /dev/null | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                         if (v ~ /s$/) return v * 1000; return v }
        $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
        /Requests\/sec/ { rps = $2 }
        END { printf "%.3f %.3f %s\n", p50, p99, rps }'
}

open_conns() {
    curl -s "$URL/metrics" | awk '$1 == "codegraph_connections_open" { print $2 + 0 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

declare -A base attacked
for path in /health /api/v1/projects; do base[$path]="$(measure "$path")"; done

slowhttptest -H -c "$ATTACK_CONNS" -r 500 -i 10 -x 24 -l $((DURATION * 2 + 30)) -p 5 \
    -u "$URL/health" > "$TMP/attack.log" 2>&1 &
ATK=$!
for _ in $(seq 1 40); do
    n="$(open_conns)"
    [ "${n:-0}" -ge $((ATTACK_CONNS * 9 / 10)) ] && break
    sleep 0.25
done
held="$(open_conns)"
for path in /health /api/v1/projects; do attacked[$path]="$(measure "$path")"; done
held_after="$(open_conns)"

printf '\nhealthy client (wrk -t1 -c8, %ss) vs %s slowloris connections' "$DURATION" "$ATTACK_CONNS"
printf ' (open connections: %s at start, %s at end)\n' "$held" "$held_after"
printf '%-18s %11s %11s %11s %11s %9s %9s\n' endpoint "p50 alone" "p99 alone" "p50 attack" \
    "p99 attack" "p50 ratio" "p99 ratio"
for path in /health /api/v1/projects; do
    read -r b50 b99 brps <<< "${base[$path]}"
    read -r a50 a99 arps <<< "${attacked[$path]}"
    r50="$(ratio "$a50" "$b50")"
    r99="$(ratio "$a99" "$b99")"
    printf '%-18s %9sms %9sms %9sms %9sms %9s %9s  (req/s %s -> %s)\n' "$path" "$b50" "$b99" \
        "$a50" "$a99" "$r50" "$r99" "$brps" "$arps"
done
echo "goal: p99 ratio <= 2x (p99 on a shared, noisy box swings by 10x run to run: compare p50 too)"
