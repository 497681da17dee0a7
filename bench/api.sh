#!/usr/bin/env bash
# Benchmark of the API on this machine: wrk against a release build on a private PostgreSQL
# and Redis, for an inline route, a single read, a list page and a create, at several handler
# pool sizes. The machine is shared and noisy: read the figures as ratios within one run.
#   bench/api.sh [seconds per run, default 5]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs=${1:-5}
bench_start spp-bench
# England: 24,000 schools, 3,000 partnerships, about 300,000 people and 60,000 reviews, from
# the generator (bench/seed.sh times it on its own).
bench_seed 24000
school=$(psql -Atq "$SPP_DATABASE_URL" -c "SELECT id FROM schools ORDER BY urn LIMIT 1")
partnership=$(psql -Atq "$SPP_DATABASE_URL" -c "SELECT partnership_id FROM schools ORDER BY urn LIMIT 1")
cat >"$bench_tmp/post.lua" <<'LUA'
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
    SPP_LISTEN="127.0.0.1:$port" SPP_API_THREADS=$threads build/release/spp-api 2>"$bench_tmp/api.log" &
    api_pid=$!; bench_track "$api_pid"
    spp_wait_http "http://127.0.0.1:$port/healthz" 30
    base="http://127.0.0.1:$port"
    for case in "healthz|$base/healthz" "school get|$base/v1/schools/$school" \
                "school list (50)|$base/v1/schools?partnership_id=$partnership&limit=50" \
                "school list all (50)|$base/v1/schools?limit=50" "school create|POST"; do
        name=${case%%|*}; url=${case#*|}
        if [ "$url" = POST ]; then
            out=$(RUN=$threads wrk -t2 -c16 -d"${secs}s" --latency -s "$bench_tmp/post.lua" -H "Authorization: Bearer $SPP_ADMIN_TOKEN" "$base" 2>&1)
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
