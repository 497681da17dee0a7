#!/usr/bin/env bash
# Where the time goes per request (bench/RESULTS.md): a release spp-api on a private PostgreSQL (with
# pg_stat_statements) and Redis, England-scale data, and for each of GET one school, a list
# page of 50 after a random cursor and create a school, one wrk run (-t2 -c32 as bench/run)
# during which it reads, per request:
#   - CPU of each process group from /proc (spp-api, PostgreSQL backends, redis-server, wrk);
#   - spp-api's CPU time, context switches and malloc calls (perf stat's software events; the
#     hardware counters are not supported in this VM; malloc through a uprobe on libc that
#     this script adds and removes), voluntary and involuntary switches of its threads (/proc);
#   - PostgreSQL: statements and their execution time (pg_stat_statements), transactions;
#   - Redis: commands (INFO commandstats);
# then records spp-api with perf record -g for the same workload and prints its top symbols
# and shared objects (cpu-clock sampling). Needs perf and root for the uprobe. The machine is shared: read the figures per request and as shares, not as speeds.
#   bench/profile.sh [seconds per workload, default 10] [schools, default 24000]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs=${1:-10}
schools=${2:-24000}
perf stat -e task-clock true >/dev/null 2>&1 || { echo "perf cannot count here" >&2; exit 1; }
bench_start spp-profile -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB \
    -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on
sql() { psql -X -Atq -v ON_ERROR_STOP=1 "$SPP_DATABASE_URL" -c "$1"; }
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
bench_seed "$schools" >/dev/null
libc=$(ldd build/release/spp-api | awk '/libc\.so/ {print $3}')
probe_added=""
cleanup_probe() { [ -n "$probe_added" ] && perf probe -q -d 'probe_libc:malloc' >/dev/null 2>&1 || true; }
trap 'cleanup_probe; bench_cleanup' EXIT
if perf probe -q -x "$libc" --add malloc >/dev/null 2>&1; then probe_added=1; fi

port=$(spp_free_port)
base="http://127.0.0.1:$port"
SPP_LISTEN="127.0.0.1:$port" build/release/spp-api 2>"$bench_tmp/api.log" &
api=$!; bench_track "$api"
spp_wait_http "$base/healthz" 30
in=$bench_tmp/in; mkdir -p "$in"
sql "SELECT '/v1/schools/' || id FROM schools" >"$in/school"
cursor="translate(rtrim(replace(encode(convert_to('v1.' || (extract(epoch FROM s.created_at) * 1000000)::bigint || '.' || s.id, 'UTF8'), 'base64'), E'\n', ''), '='), '+/', '-_')"
{ echo "/v1/schools?limit=50"; sql "SELECT '/v1/schools?limit=50&cursor=' || $cursor FROM schools s"; } >"$in/list"
pg_postmaster=$(head -n 1 "$bench_tmp/pg/postmaster.pid")
redis_pid=$(cat "$bench_tmp/redis.pid")

# ticks GROUP: CPU ticks (user + system) so far of spp-api, of PostgreSQL (the postmaster's
# children), of redis-server.
ticks() {
    case $1 in
        api) awk '{s = $0; sub(/^.*\) /, "", s); split(s, a, " "); print a[12] + a[13]}' "/proc/$api/stat" ;;
        redis) awk '{s = $0; sub(/^.*\) /, "", s); split(s, a, " "); print a[12] + a[13]}' "/proc/$redis_pid/stat" ;;
        pg) for p in $(pgrep -P "$pg_postmaster") "$pg_postmaster"; do
                awk '{s = $0; sub(/^.*\) /, "", s); split(s, a, " "); print a[12] + a[13]}' "/proc/$p/stat" 2>/dev/null
            done | awk '{s += $1} END {print s + 0}' ;;
    esac
}
ctx() { cat /proc/"$api"/task/*/status | awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2} END {print v, n}'; }
hz=$(getconf CLK_TCK)

profile() {
    local name=$1 script=$2; shift 2
    local f="$bench_tmp/$name"
    spp_log "$name"
    env BENCH_LUA_DIR="$root/bench/lua" BENCH_TOKEN="$SPP_ADMIN_TOKEN" BENCH_THREADS=2 BENCH_URN_BASE=1000000 "$@" \
        wrk -t2 -c32 -d2s -s "bench/lua/$script" "$base" >/dev/null 2>&1
    sql "SELECT pg_stat_statements_reset()" >/dev/null
    redis-cli -p "$redis_port" CONFIG RESETSTAT >/dev/null
    local xact0 a0 p0 r0 v0 n0
    xact0=$(sql "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'spp'")
    a0=$(ticks api); p0=$(ticks pg); r0=$(ticks redis); read -r v0 n0 < <(ctx)
    local events="task-clock,context-switches,cpu-migrations,page-faults"
    [ -n "$probe_added" ] && events="$events,probe_libc:malloc"
    local cpu0 cpu1
    cpu0=$(awk 'NR == 1 {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)
    perf stat -x, -e "$events" -p "$api" -o "$f.perfstat" -- sleep "$secs" &
    local perf_pid=$!
    env BENCH_LUA_DIR="$root/bench/lua" BENCH_TOKEN="$SPP_ADMIN_TOKEN" BENCH_THREADS=2 BENCH_URN_BASE=2000000 "$@" \
        wrk -t2 -c32 -d"${secs}s" -s "bench/lua/$script" "$base" >"$f.wrk" 2>&1
    wait "$perf_pid" || true
    cpu1=$(awk 'NR == 1 {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)
    local a1 p1 r1 v1 n1 xact1 req
    a1=$(ticks api); p1=$(ticks pg); r1=$(ticks redis); read -r v1 n1 < <(ctx)
    xact1=$(sql "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'spp'")
    req=$(sed -nE 's/^BENCH requests=([0-9]+).*/\1/p' "$f.wrk")
    grep -Eq 'err_status=0 .*unexpected=0$' "$f.wrk" || { echo "$name: errors: $(grep BENCH "$f.wrk")" >&2; }
    echo "### $name: $req requests in ${secs} s ($(awk -v r="$req" -v s="$secs" 'BEGIN {printf "%.0f", r / s}') req/s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "CPU per request (µs), from /proc: spp-api $(awk -v d=$((a1 - a0)) -v r="$req" -v hz="$hz" 'BEGIN {printf "%.0f", d / hz * 1e6 / r}')," \
        "PostgreSQL $(awk -v d=$((p1 - p0)) -v r="$req" -v hz="$hz" 'BEGIN {printf "%.0f", d / hz * 1e6 / r}')," \
        "redis-server $(awk -v d=$((r1 - r0)) -v r="$req" -v hz="$hz" 'BEGIN {printf "%.0f", d / hz * 1e6 / r}')," \
        "the whole machine $(awk -v d=$((cpu1 - cpu0)) -v r="$req" -v hz="$hz" 'BEGIN {printf "%.0f", d / hz * 1e6 / r}') (wrk and other sessions included)"
    echo "spp-api per request (perf stat):"
    awk -F, -v r="$req" '$1 ~ /^[0-9.]+$/ {v = $1 / r; if ($2 == "msec") {v *= 1000; $3 = $3 " (µs)"}
        printf "  %-22s %10.2f\n", $3, v}' "$f.perfstat"
    echo "  voluntary switches     $(awk -v d=$((v1 - v0)) -v r="$req" 'BEGIN {printf "%.2f", d / r}'), involuntary $(awk -v d=$((n1 - n0)) -v r="$req" 'BEGIN {printf "%.2f", d / r}') (/proc, all of its threads)"
    echo "PostgreSQL per request: $(awk -v d=$((xact1 - xact0)) -v r="$req" 'BEGIN {printf "%.2f", d / r}') transactions; statements (calls per request, mean execution and planning ms, share of execution time):"
    sql "SELECT to_char(calls::numeric / $req, 'FM990.00') || '  ' || to_char(mean_exec_time, 'FM990.000') || ' ms (planning ' || to_char(mean_plan_time, 'FM990.000') || ' ms)  ' ||
         to_char(100 * total_exec_time / sum(total_exec_time) OVER (), 'FM990.0') || ' %  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110)
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'spp')
         ORDER BY total_exec_time DESC LIMIT 8" | sed 's/^/  /'
    echo "  execution time in all: $(sql "SELECT to_char(sum(total_exec_time) * 1000 / $req, 'FM99990') FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'spp')") µs per request"
    echo "Redis per request: $(redis-cli -p "$redis_port" INFO commandstats | tr -d '\r' | awk -F'[:,=]' -v r="$req" '/^cmdstat_/ {sub("cmdstat_", "", $1); printf "%s %.2f (%s µs each)  ", $1, $3 / r, $7}')"
    echo
    perf record -q -g -o "$f.perfdata" -p "$api" -- sleep "$secs" >/dev/null 2>&1 &
    perf_pid=$!
    env BENCH_LUA_DIR="$root/bench/lua" BENCH_TOKEN="$SPP_ADMIN_TOKEN" BENCH_THREADS=2 BENCH_URN_BASE=3000000 "$@" \
        wrk -t2 -c32 -d"${secs}s" -s "bench/lua/$script" "$base" >/dev/null 2>&1
    wait "$perf_pid" || true
    echo "spp-api's CPU by shared object (perf record):"
    perf report -i "$f.perfdata" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 8 | sed 's/^ */  /' || true
    echo "top symbols (self):"
    perf report -i "$f.perfdata" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 25 | sed 's/^ */  /' || true
    echo
}

echo "bench/profile.sh at $(git rev-parse --short HEAD), $(date -u +'%F %H:%M UTC'), $(nproc) cores, $schools schools, wrk -t2 -c32 ${secs} s"
echo
profile "GET one school" paths.lua BENCH_PATHS="$in/school"
profile "list of 50, random cursors" paths.lua BENCH_PATHS="$in/list"
profile "create a school" create_school.lua
