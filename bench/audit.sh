#!/usr/bin/env bash
# The access audit's cost (issue 14): wrk on the people list and a single person read, against
# spp-api built without the audit (BEFORE_BIN, e.g. built from the commit before it) and with it
# (this checkout's release build), both on one private PostgreSQL migrated to this checkout and
# seeded by the generator, in turns (before, after, before, after) so that both see the same
# noise. The machine is shared: read the ratios within one run.
#   BEFORE_BIN=/path/to/old/spp-api bench/audit.sh [seconds per run, default 5] [schools, 2000]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
secs=${1:-5}
schools=${2:-2000}
: "${BEFORE_BIN:?set BEFORE_BIN to an spp-api built without the audit}"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target spp-api >/dev/null
after_bin=build/release/spp-api

tmp=$(mktemp -d /tmp/spp-audit-bench.XXXXXX); chmod 755 "$tmp"
api_pid=""
cleanup() {
    [ -n "$api_pid" ] && kill -KILL "$api_pid" 2>/dev/null || true
    spp_stop_pidfile "$tmp/redis.pid"; spp_stop_postgres "$tmp"; rm -rf "$tmp"
}
trap cleanup EXIT
pg_port=$(spp_free_port); redis_port=$(spp_free_port)
spp_start_postgres "$tmp" "$pg_port"
spp_start_redis "$tmp" "$redis_port"
export SPP_DATABASE_URL="postgresql://spp@127.0.0.1:$pg_port/spp"
export SPP_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export SPP_ADMIN_TOKEN="bench-admin-token-0123456789"
export SPP_LOG_LEVEL=warn SPP_RATE_LIMIT_PER_S=100000 SPP_RATE_LIMIT_BURST=1000000
$after_bin migrate 2>/dev/null
$after_bin seed --schools "$schools" --seed 1 >"$tmp/seed.out" 2>"$tmp/seed.log" ||
    { cat "$tmp/seed.log" >&2; exit 1; }
head -n 1 "$tmp/seed.out"
person=$(psql -Atq "$SPP_DATABASE_URL" -c "SELECT id FROM people ORDER BY created_at, id LIMIT 1 OFFSET 100")
school=$(psql -Atq "$SPP_DATABASE_URL" -c "SELECT school_id FROM people WHERE id = '$person'")

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-6s %-26s %10s %9s %9s\n' round build route req/s p50 p99
for round in 1 2; do
    for build in before after; do
        bin=$BEFORE_BIN; [ "$build" = after ] && bin=$after_bin
        port=$(spp_free_port)
        SPP_LISTEN="127.0.0.1:$port" "$bin" 2>"$tmp/api.log" &
        api_pid=$!
        spp_wait_http "http://127.0.0.1:$port/healthz" 30
        base="http://127.0.0.1:$port"
        for case in "people list (50)|$base/v1/people?limit=50" \
                    "people list, a school|$base/v1/people?school_id=$school" \
                    "person get|$base/v1/people/$person"; do
            name=${case%%|*}; url=${case#*|}
            out=$(wrk -t2 -c16 -d"${secs}s" --latency -H "Authorization: Bearer $SPP_ADMIN_TOKEN" "$url" 2>&1)
            rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
            p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
            p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
            non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
            printf '%-7s %-6s %-26s %10s %9s %9s %s\n' "$round" "$build" "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
        done
        kill -TERM "$api_pid"; wait "$api_pid" || true; api_pid=""
    done
done
echo "audit rows written: $(psql -Atq "$SPP_DATABASE_URL" -c "SELECT count(*) FROM audit_log")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
