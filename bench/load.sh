#!/usr/bin/env bash
# Load and leaks: a release spp-api on a private PostgreSQL and Redis under wrk (bench/load.lua:
# item and list GETs, creates, PATCHes with If-Match, review transitions, each response checked
# against the one status it must get), its RSS read from /proc every 5 s. Four rounds:
#   1, 2  all connections from wrk;
#   3, 4  a tenth of them from bench/abandon.py instead, closing mid-request, each at the pace
#         of one of wrk's connections in rounds 1 and 2 (connections / req/s).
# It fails (exit 1) on any unexpected status, any socket error (wrk's connect, read, write or
# timeout), a connection the API refused, an API that is not healthy or does not stop cleanly
# at the end, or RSS that grows: round 2's peak must stay within SPP_LOAD_RSS_MARGIN_PCT of
# round 1's, and round 4's of round 3's.
#   SPP_LOAD_SECONDS=60 SPP_LOAD_CONNECTIONS=64 SPP_LOAD_RSS_MARGIN_PCT=5 bench/load.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs=${SPP_LOAD_SECONDS:-60}
conns=${SPP_LOAD_CONNECTIONS:-64}
margin=${SPP_LOAD_RSS_MARGIN_PCT:-5}
export SPP_BENCH_KEEP=${SPP_BENCH_KEEP:-${SPP_LOAD_KEEP:-}}
bench_start spp-load
api_pid="" sampler_pid="" abandon_pid=""
# 2,000 schools in 100 partnerships, with their staff, training and reviews: the generator's
# (spp-api seed, the same data as bench/api.sh at a smaller size).
bench_seed 2000 --partnerships 100 >/dev/null
psql -Atq "$SPP_DATABASE_URL" -c "SELECT id FROM schools" >"$bench_tmp/schools"
psql -Atq "$SPP_DATABASE_URL" -c "SELECT id FROM partnerships" >"$bench_tmp/partnerships"
export LOAD_IDS="$bench_tmp/schools" LOAD_PARTNERSHIPS="$bench_tmp/partnerships"

port=$(spp_free_port)
SPP_LISTEN="127.0.0.1:$port" build/release/spp-api 2>"$bench_tmp/api.log" &
api_pid=$!; bench_track "$api_pid"
spp_wait_http "http://127.0.0.1:$port/healthz" 30 || { cat "$bench_tmp/api.log" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$api_pid/status"; }
failures=()
fail() { failures+=("$*"); }

# run_round N ABANDON: one round of secs seconds; ABANDON=1 gives a tenth of the connections
# to abandon.py. Writes $bench_tmp/rss-N (kB, one sample every 5 s and one at the end).
run_round() {
    local n=$1 abandon=$2 wconns=$conns aconns=0
    if [ "$abandon" = 1 ]; then aconns=$(( (conns + 5) / 10 )); wconns=$((conns - aconns)); fi
    spp_log "round $n: $secs s, wrk $wconns connections, abandoning $aconns"
    : >"$bench_tmp/rss-$n"
    ( while :; do rss_kb >>"$bench_tmp/rss-$n"; sleep 5; done ) &
    sampler_pid=$!; bench_track "$sampler_pid"
    if [ "$abandon" = 1 ]; then
        /usr/bin/python3 bench/abandon.py "127.0.0.1:$port" "$SPP_ADMIN_TOKEN" "$aconns" "$secs" \
            $((4000000 + n * 1000000)) "$pace_ms" >"$bench_tmp/abandon-$n.out" 2>&1 &
        abandon_pid=$!; bench_track "$abandon_pid"
    fi
    LOAD_URN_BASE=$((2000000 + n * 200000)) wrk -t2 -c"$wconns" -d"${secs}s" --timeout 10s \
        -s bench/load.lua "http://127.0.0.1:$port" >"$bench_tmp/wrk-$n.out" 2>&1 || fail "round $n: wrk failed"
    if [ -n "$abandon_pid" ]; then wait "$abandon_pid" || fail "round $n: abandon.py failed"; abandon_pid=""; fi
    kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""
    rss_kb >>"$bench_tmp/rss-$n"

    local out="$bench_tmp/wrk-$n.out"
    rps[$n]=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$out")
    reqs[$n]=$(awk '/^LOAD requests=/ {sub("requests=", "", $2); print $2}' "$out")
    sockerr[$n]=$(awk '/^LOAD socket_errors/ {s = 0; for (i = 3; i <= NF; i++) {split($i, a, "="); s += a[2]}; print s}' "$out")
    unexpected[$n]=$(awk '/^LOAD status/ && $6 == "UNEXPECTED" {s += $5} END {print s + 0}' "$out")
    peak[$n]=$(sort -n "$bench_tmp/rss-$n" | tail -n 1)
    p99[$n]=$(sed -nE 's/^LOAD latency_ms .*p99=([0-9.]+).*/\1/p' "$out")
    abandoned[$n]=0
    if [ "$abandon" = 1 ]; then
        local line; line=$(grep '^ABANDON' "$bench_tmp/abandon-$n.out" || true)
        abandoned[$n]=$(awk '{for (i = 2; i <= NF; i++) {split($i, a, "="); if (a[1] != "connect_errors") s += a[2]}} END {print s + 0}' <<<"$line")
        local refused; refused=$(sed -nE 's/.*connect_errors=([0-9]+).*/\1/p' <<<"$line")
        [ "${refused:-x}" = 0 ] || fail "round $n: abandon.py could not connect ${refused:-?} times ($(cat "$bench_tmp/abandon-$n.out"))"
    fi
    [ -n "${reqs[$n]}" ] || { cat "$out" >&2; fail "round $n: no wrk summary"; reqs[$n]=0 sockerr[$n]=0; }
    [ "${sockerr[$n]}" -eq 0 ] || fail "round $n: ${sockerr[$n]} socket errors ($(grep '^LOAD socket' "$out"))"
    [ "${unexpected[$n]}" -eq 0 ] || fail "round $n: ${unexpected[$n]} unexpected statuses"
    grep '^LOAD status' "$out" | sort -k3,3 -k4,4n | awk -v n="$n" '{printf "  round %s  %-8s %s  %7d  %s\n", n, $3, $4, $5, $6}'
}

declare -a rps reqs sockerr unexpected peak abandoned p99
run_round 1 0
run_round 2 0
# One request every pace_ms per abandoning connection: wrk's per-connection pace so far.
pace_ms=$(( 2000 * conns / (rps[1] + rps[2] + 1) ))
[ "$pace_ms" -ge 5 ] || pace_ms=5
run_round 3 1
run_round 4 1

# Flat: the second round of each pair peaks within margin % of the first.
flat() {
    local a=$1 b=$2
    if [ "${peak[$b]}" -gt $(( peak[a] * (100 + margin) / 100 )) ]; then
        fail "RSS grew: round $b peaked at ${peak[$b]} kB, round $a at ${peak[$a]} kB (margin $margin %)"
    fi
}
flat 1 2
flat 3 4

[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] || fail "healthz is not 200 after the rounds"
kill -TERM "$api_pid"
if ! wait "$api_pid"; then fail "spp-api did not stop cleanly"; tail -n 20 "$bench_tmp/api.log" >&2; fi
api_pid=""

echo
printf '%-6s %-22s %7s %8s %9s %11s %14s %10s  %s\n' round connections req/s "p99 ms" requests unexpected socket-errors abandoned "RSS every 5 s (MB)"
for n in 1 2 3 4; do
    if [ "$n" -le 2 ]; then c="$conns wrk"; else c="$((conns - (conns + 5) / 10)) wrk + $(( (conns + 5) / 10 )) abandoning"; fi
    samples=$(awk '{printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1024}' "$bench_tmp/rss-$n")
    printf '%-6s %-22s %7s %8s %9s %11s %14s %10s  %s (peak %.1f)\n' "$n" "$c" "${rps[$n]}" "${p99[$n]}" "${reqs[$n]}" \
        "${unexpected[$n]}" "${sockerr[$n]}" "${abandoned[$n]}" "$samples" "$(awk -v k="${peak[$n]}" 'BEGIN {print k / 1024}')"
done
if [ ${#failures[@]} -eq 0 ]; then
    echo "load and leaks: all criteria met ($secs s rounds, RSS margin $margin %, an abandoned request every $pace_ms ms per abandoning connection)"
else
    printf 'FAILED: %s\n' "${failures[@]}" >&2
    exit 1
fi
