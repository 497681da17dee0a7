#!/usr/bin/env bash
# Pipelined reads (SPP_PIPELINE_DEPTH) against one request a connection: a release spp-api on a
# private PostgreSQL and Redis with England-scale data, GET one school and a list page of 50 at
# random (bench/run's workloads, wrk -t2 -c32), each depth in turn, rounds interleaved, beside
# pgbench -S in each round. The machine is shared and noisy: read the figures as ratios within
# one round.
#   bench/pipeline.sh [seconds per run, default 8] [rounds, default 2] [depths, default "1 4"]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs=${1:-8}
rounds=${2:-2}
depths=${3:-1 4}
bench_start spp-pipeline -c max_connections=200
bench_seed 24000 >/dev/null
root=$PWD
sql() { psql -X -Atq -v ON_ERROR_STOP=1 "$SPP_DATABASE_URL" -c "$1"; }
in=$bench_tmp/in; mkdir -p "$in"
sql "SELECT '/v1/schools/' || id FROM schools" >"$in/school"
cursor="translate(rtrim(replace(encode(convert_to('v1.' || (extract(epoch FROM s.created_at) * 1000000)::bigint || '.' || s.id, 'UTF8'), 'base64'), E'\n', ''), '='), '+/', '-_')"
sql "SELECT '/v1/schools?limit=50&cursor=' || $cursor FROM schools s" >"$in/list"
pgbin=$(spp_pg_bin)
"$pgbin/pgbench" -i -q -s 1 "$SPP_DATABASE_URL" >"$bench_tmp/pgbench-init.log" 2>&1
printf '%-6s %-7s %-16s %10s %8s %8s %8s\n' round depth workload req/s p50_ms p99_ms ratio
for round in $(seq 1 "$rounds"); do
    s=$("$pgbin/pgbench" -n -S -M prepared -c 32 -j 2 -T "$secs" "$SPP_DATABASE_URL" 2>&1 |
        awk '/^tps/ {print int($3)}')
    printf '%-6s %-7s %-16s %10s\n' "$round" - "pgbench -S" "$s"
    for depth in $depths; do
        port=$(spp_free_port)
        SPP_LISTEN="127.0.0.1:$port" SPP_PIPELINE_DEPTH=$depth build/release/spp-api 2>"$bench_tmp/api-$depth.log" &
        api_pid=$!; bench_track "$api_pid"
        spp_wait_http "http://127.0.0.1:$port/healthz" 30
        for w in school list; do
            env BENCH_LUA_DIR="$root/bench/lua" BENCH_TOKEN="$SPP_ADMIN_TOKEN" BENCH_THREADS=2 \
                BENCH_PATHS="$in/$w" wrk -t2 -c32 -d2s -s bench/lua/paths.lua "http://127.0.0.1:$port" >/dev/null 2>&1
            out=$(env BENCH_LUA_DIR="$root/bench/lua" BENCH_TOKEN="$SPP_ADMIN_TOKEN" BENCH_THREADS=2 \
                BENCH_PATHS="$in/$w" wrk -t2 -c32 -d"${secs}s" --timeout 10s -s bench/lua/paths.lua "http://127.0.0.1:$port" 2>&1)
            line=$(grep '^BENCH ' <<<"$out")
            awk -v r="$round" -v d="$depth" -v w="$w" -v s="$s" '{
                for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                rps = v["requests"] / (v["duration_us"] / 1e6)
                errs = v["err_connect"] + v["err_read"] + v["err_write"] + v["err_timeout"] + v["unexpected"]
                printf "%-6s %-7s %-16s %10.0f %8.2f %8.2f %8.3f%s\n", r, d, w, rps, v["p50_us"] / 1000,
                    v["p99_us"] / 1000, rps / s, errs ? "  errors " errs : "" }' <<<"$line"
        done
        kill -TERM "$api_pid"; wait "$api_pid" || true
        grep -h '"level":"\(warn\|error\)"' "$bench_tmp/api-$depth.log" | head -3 || true
    done
done
