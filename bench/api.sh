#!/usr/bin/env bash
# Benchmark of the API on this machine: wrk against a release build on a private PostgreSQL
# and Redis, for an inline route, a single read, a list page and a create, at several handler
# pool sizes. The machine is shared and noisy: read the figures as ratios within one run.
#   bench/api.sh [seconds per run, default 5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
secs=${1:-5}
spp_install_deps
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null

tmp=$(mktemp -d /tmp/spp-bench.XXXXXX); chmod 755 "$tmp"
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
build/release/spp-api migrate 2>/dev/null
# England: 24,000 schools, 3,000 partnerships, about 300,000 people and 60,000 reviews, from
# the generator (bench/seed.sh times it on its own).
build/release/spp-api seed --schools 24000 --seed 1 >"$tmp/seed.out" 2>"$tmp/seed.log" ||
    { cat "$tmp/seed.log" >&2; exit 1; }
head -n 1 "$tmp/seed.out"
school=$(psql -Atq "$SPP_DATABASE_URL" -c "SELECT id FROM schools ORDER BY urn LIMIT 1")
partnership=$(psql -Atq "$SPP_DATABASE_URL" -c "SELECT partnership_id FROM schools ORDER BY urn LIMIT 1")
cat >"$tmp/post.lua" <<'LUA'
-- Each wrk thread numbers its own URNs from a base set per run (RUN) and thread.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("base", 2000000 + tonumber(os.getenv("RUN")) * 100000 + threads * 40000)
end
local n = 0
request = function()
  n = n + 1
  local urn = string.format("%07d", base + n)
  -- wrk.format does not add the -H headers: name them here.
  return wrk.format("POST", "/v1/schools", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("SPP_ADMIN_TOKEN")},
    '{"urn":"' .. urn .. '","name":"Bench ' .. n .. '","phase_of_education":"primary","local_authority":"Leeds"}')
end
LUA

printf '%-8s %-28s %12s %10s %10s\n' handlers route req/s p50 p99
for threads in 2 4 8; do
    port=$(spp_free_port)
    SPP_LISTEN="127.0.0.1:$port" SPP_API_THREADS=$threads build/release/spp-api 2>"$tmp/api.log" &
    api_pid=$!
    spp_wait_http "http://127.0.0.1:$port/healthz" 30
    base="http://127.0.0.1:$port"
    for case in "healthz|$base/healthz" "school get|$base/v1/schools/$school" \
                "school list (50)|$base/v1/schools?partnership_id=$partnership&limit=50" \
                "school list all (50)|$base/v1/schools?limit=50" "school create|POST"; do
        name=${case%%|*}; url=${case#*|}
        if [ "$url" = POST ]; then
            out=$(RUN=$threads wrk -t2 -c16 -d"${secs}s" --latency -s "$tmp/post.lua" -H "Authorization: Bearer $SPP_ADMIN_TOKEN" "$base" 2>&1)
        else
            out=$(wrk -t2 -c16 -d"${secs}s" --latency -H "Authorization: Bearer $SPP_ADMIN_TOKEN" "$url" 2>&1)
        fi
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
        printf '%-8s %-28s %12s %10s %10s %s\n' "$threads" "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
    done
    kill -TERM "$api_pid"; wait "$api_pid" || true; api_pid=""
done
