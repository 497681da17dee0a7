#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine as root: installs what is missing, checks
# the format, builds twice (plain, and with AddressSanitizer + UndefinedBehaviorSanitizer),
# starts a private PostgreSQL and Redis on free loopback ports in a temp folder, runs the unit
# and integration suites against each build, runs the fuzzers (a third build, with clang) for
# about a minute, lints openapi.yaml, and stops everything by PID.
set -uo pipefail
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

REDOCLY_VERSION=1.34.20

spp_install_deps

spp_log "checking the format (clang-format)"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find common services tests bench -name '*.[ch]')
if ! clang-format --dry-run --Werror "${sources[@]}" 2>/tmp/spp-format.$$; then
    head -n 40 /tmp/spp-format.$$ >&2
    rm -f /tmp/spp-format.$$
    echo "format check failed: run clang-format -i on the files above" >&2
    exit 1
fi
rm -f /tmp/spp-format.$$

jobs=$(nproc)
spp_log "building (plain and sanitized)"
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/test -j "$jobs" >/dev/null
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSPP_SANITIZE=ON >/dev/null
cmake --build build/asan -j "$jobs" >/dev/null

tmp=$(mktemp -d /tmp/spp-test.XXXXXX)
chmod 755 "$tmp"
api_pid=""
cleanup() {
    [ -n "$api_pid" ] && kill -KILL "$api_pid" 2>/dev/null || true
    spp_stop_pidfile "$tmp/smtp.pid"
    spp_stop_pidfile "$tmp/receiver.pid"
    spp_stop_pidfile "$tmp/redis.pid"
    spp_stop_postgres "$tmp"
    rm -rf "$tmp"
}
trap cleanup EXIT

pg_port=$(spp_free_port)
redis_port=$(spp_free_port)
spp_log "starting PostgreSQL on $pg_port and Redis on $redis_port in $tmp"
spp_start_postgres "$tmp" "$pg_port" "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
spp_start_redis "$tmp" "$redis_port"

# A real SMTP server (aiosmtpd, Debian's, run by Debian's python3) storing mail in a Maildir
# that it creates itself, and a real HTTP receiver for webhooks.
smtp_port=$(spp_free_port)
receiver_port=$(spp_free_port)
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$tmp/maildir" \
    >"$tmp/smtp.log" 2>&1 &
echo $! >"$tmp/smtp.pid"
/usr/bin/python3 tests/support/receiver.py "$receiver_port" "$tmp/received" >"$tmp/receiver.log" 2>&1 &
echo $! >"$tmp/receiver.pid"
export SPP_SMTP_URL="smtp://127.0.0.1:$smtp_port" SPP_MAIL_FROM="spp-test@example.org"
export SPP_TEST_MAILDIR="$tmp/maildir"
export SPP_TEST_RECEIVER_URL="http://127.0.0.1:$receiver_port" SPP_TEST_RECEIVER_DIR="$tmp/received"
export SPP_WEBHOOK_KEY; SPP_WEBHOOK_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
# The worker beside the suites sweeps and retries quickly so that the tests wait little.
export SPP_SWEEP_INTERVAL_S=1 SPP_RETRY_BASE_S=1
for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break
    sleep 0.1
done

export SPP_DATABASE_URL="postgresql://spp@127.0.0.1:$pg_port/spp"
export SPP_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export SPP_ADMIN_TOKEN; SPP_ADMIN_TOKEN="test-admin-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export SPP_TEST_ADMIN_TOKEN=$SPP_ADMIN_TOKEN
export SPP_TEST_DATABASE_URL=$SPP_DATABASE_URL
export SPP_LOG_LEVEL=warn
export SPP_WEBHOOK_ALLOW_PRIVATE=true
export SPP_CORS_ORIGINS=https://app.example.org
# The suites send bursts with one key; rate limiting has its own server and suite below.
export SPP_RATE_LIMIT_PER_S=100000 SPP_RATE_LIMIT_BURST=1000000

spp_log "migrating (twice: the second run must change nothing)"
build/test/spp-api migrate
build/test/spp-api migrate
count=$(psql "$SPP_DATABASE_URL" -Atqc "SELECT count(*) FROM schema_migrations")
files=$(ls sql/[0-9][0-9][0-9][0-9]_*.sql | wc -l)
[ "$count" = "$files" ] || { echo "schema_migrations has $count rows for $files files" >&2; exit 1; }

passed=0
failed=0
# run_suite NAME COMMAND...: runs a Check binary and adds its checks to the totals; a binary
# that fails without a Check summary (a crash) counts as one failure.
run_suite() {
    local name=$1; shift
    spp_log "$name"
    local out="$tmp/suite.out" rc=0
    "$@" 2>&1 | tee "$out" || rc=$?
    local summary; summary=$(grep -E '^[0-9]+%: Checks: ' "$out" | tail -n 1 || true)
    if [ -n "$summary" ]; then
        local checks fails errs
        checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$summary")
        fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$summary")
        errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$summary")
        passed=$((passed + checks - fails - errs))
        failed=$((failed + fails + errs))
    fi
    if [ "$rc" -ne 0 ] && { [ -z "$summary" ] || [ "$((fails + errs))" -eq 0 ]; }; then
        failed=$((failed + 1))
    fi
}

# check NAME CONDITION...: one check outside Check (a process or a dependency's behaviour).
check() {
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name" >&2; fi
}

status_of() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }

# Polls an authenticated list until it answers 200 (up to 10 s).
recovers() {
    for _ in $(seq 1 100); do
        [ "$(status_of -H "Authorization: Bearer $SPP_ADMIN_TOKEN" "$SPP_TEST_URL/v1/schools?limit=1")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

# The running API and worker live through a Redis and a PostgreSQL restart without help, and
# /readyz names what is down meanwhile.
check_restarts() {
    spp_log "restarting Redis and PostgreSQL under the running API"
    spp_stop_pidfile "$tmp/redis.pid"
    check "requests pass (not rate limited) while Redis is down" \
        bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $SPP_ADMIN_TOKEN' '$SPP_TEST_URL/v1/schools?limit=1')\" = 200 ]"
    check "readyz answers 503 naming redis while Redis is down" \
        bash -c "[ \"\$(curl -s -o '$tmp/ready' -w '%{http_code}' '$SPP_TEST_URL/readyz')\" = 503 ] && grep -q '\"redis\":\"down\"' '$tmp/ready'"
    spp_start_redis "$tmp" "$redis_port"
    check "readyz answers 200 once Redis is back" spp_wait_http "$SPP_TEST_URL/readyz" 10
    local as=""; [ "$(id -u)" -eq 0 ] && as="runuser -u postgres --"
    $as "$(spp_pg_bin)/pg_ctl" -D "$tmp/pg" -m fast -w restart >/dev/null
    check "the API answers 200 after a PostgreSQL restart without a 5xx" \
        bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $SPP_ADMIN_TOKEN' '$SPP_TEST_URL/v1/schools?limit=1')\" = 200 ]"
    check "the API keeps answering after the restart" recovers
}

# SIGTERM while a request waits on a row lock: the request still gets its answer, then the API
# exits. The lock is held by a psql session for two seconds.
check_inflight_survives_sigterm() {
    spp_log "SIGTERM with a request in flight"
    local id
    id=$(curl -s -H "Authorization: Bearer $SPP_ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d '{"urn":"9999991","name":"Sigterm School","phase_of_education":"primary","local_authority":"Leeds"}' \
        "$SPP_TEST_URL/v1/schools" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    psql -q "$SPP_DATABASE_URL" -c "BEGIN; SELECT 1 FROM schools WHERE id = '$id' FOR UPDATE; SELECT pg_sleep(2); COMMIT;" >/dev/null &
    local lock_pid=$!
    sleep 0.5
    curl -s -o "$tmp/inflight" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $SPP_ADMIN_TOKEN" \
        -H 'Content-Type: application/json' -d '{"name":"Renamed during shutdown"}' \
        "$SPP_TEST_URL/v1/schools/$id" >"$tmp/inflight.status" &
    local curl_pid=$!
    sleep 0.5
    kill -TERM "$api_pid"
    wait "$curl_pid" || true
    wait "$lock_pid" || true
    check "a request in flight at SIGTERM is answered (200)" grep -qx 200 "$tmp/inflight.status"
}

# run_limits DIR LABEL: a second API with tiny rate limits, for the limits suite alone.
run_limits() {
    local dir=$1 label=$2 port pid
    port=$(spp_free_port)
    SPP_LISTEN="127.0.0.1:$port" SPP_RATE_LIMIT_PER_S=1 SPP_RATE_LIMIT_BURST=3 \
        "$dir/spp-api" >"$tmp/api-limits-$label.log" 2>&1 &
    pid=$!
    if spp_wait_http "http://127.0.0.1:$port/readyz" 60; then
        SPP_TEST_URL="http://127.0.0.1:$port" SPP_TEST_LIMITS=1 \
            run_suite "rate limits ($label)" "$dir/spp-integration-tests"
    else
        failed=$((failed + 1))
    fi
    kill -TERM "$pid"; wait "$pid" || { failed=$((failed + 1)); cat "$tmp/api-limits-$label.log" >&2; }
}

# run_fault DIR LABEL: the fault suite (tests/fault) starts, kills, pauses and stops its own
# spp-worker-test processes, and stops and restarts this run's Redis and PostgreSQL through
# tests/fault/ctl.sh, while the API under test keeps serving. Worker logs go to $tmp.
run_fault() {
    local dir=$1 label=$2 before=$failed
    SPP_TEST_WORKER="$dir/spp-worker-test" SPP_TEST_TMP="$tmp" SPP_TEST_PG_PORT="$pg_port" \
        SPP_TEST_REDIS_PORT="$redis_port" run_suite "fault suite ($label)" "$dir/spp-fault-tests"
    if [ "$failed" -ne "$before" ]; then
        for f in "$tmp"/fault-*.log; do echo "--- $f" >&2; tail -n 15 "$f" >&2; done
    fi
}

# run_build DIR: unit tests, then the API under test, then a graceful stop.
run_build() {
    local dir=$1 label=$2
    run_suite "unit tests ($label)" "$dir/spp-unit-tests"
    local port; port=$(spp_free_port)
    export SPP_LISTEN="127.0.0.1:$port"
    export SPP_TEST_URL="http://127.0.0.1:$port"
    "$dir/spp-api" >"$tmp/api-$label.log" 2>&1 &
    api_pid=$!
    if ! spp_wait_http "$SPP_TEST_URL/readyz" 60; then
        cat "$tmp/api-$label.log" >&2
        failed=$((failed + 1))
        return
    fi
    # A second API that refuses private webhook targets and has no webhook key.
    local strict_port; strict_port=$(spp_free_port)
    SPP_LISTEN="127.0.0.1:$strict_port" SPP_WEBHOOK_ALLOW_PRIVATE=false SPP_WEBHOOK_KEY= \
        "$dir/spp-api" >"$tmp/api-strict-$label.log" 2>&1 &
    local strict_pid=$!
    export SPP_TEST_STRICT_URL="http://127.0.0.1:$strict_port"
    spp_wait_http "$SPP_TEST_STRICT_URL/readyz" 60 || cat "$tmp/api-strict-$label.log" >&2
    # The worker runs the jobs the suites cause, and stops cleanly on SIGTERM.
    SPP_WORKER_METRICS_LISTEN="127.0.0.1:$(spp_free_port)" \
        "$dir/spp-worker" >"$tmp/worker-$label.log" 2>&1 &
    local worker_pid=$!
    run_suite "integration tests ($label)" "$dir/spp-integration-tests"
    kill -TERM "$strict_pid"; wait "$strict_pid" || true
    [ "$label" = plain ] && check_restarts
    # Hostile input for a while: every request answered, never a 500 (and, in the sanitized
    # build, no sanitizer report: checked below).
    check "malformed requests never crash spp-api or answer 500 ($label)" \
        /usr/bin/python3 tests/support/fuzz_http.py "${SPP_LISTEN}" "$SPP_ADMIN_TOKEN" 8
    run_limits "$dir" "$label"
    kill -TERM "$worker_pid"
    if wait "$worker_pid"; then passed=$((passed + 1)); else
        echo "spp-worker ($label) did not stop cleanly" >&2; cat "$tmp/worker-$label.log" >&2
        failed=$((failed + 1))
    fi
    # After the worker: no other consumer may take the suite's stream entries.
    [ "$label" = plain ] && run_fault "$dir" "$label"
    [ "$label" = plain ] && check_inflight_survives_sigterm
    kill -TERM "$api_pid" 2>/dev/null || true
    if wait "$api_pid"; then passed=$((passed + 1)); else
        echo "spp-api ($label) did not stop cleanly" >&2; tail -n 50 "$tmp/api-$label.log" >&2
        failed=$((failed + 1))
    fi
    api_pid=""
    for log in "$tmp/api-$label.log" "$tmp/worker-$label.log"; do
        if grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\)\|runtime error:' "$log"; then
            echo "sanitizer reports in $log:" >&2
            grep -A 30 'ERROR: \|runtime error:' "$log" | head -n 80 >&2
            failed=$((failed + 1))
        fi
    done
}

run_build build/test plain
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_build build/asan sanitized
unset ASAN_OPTIONS UBSAN_OPTIONS

# Fuzzing (tests/fuzz): each libFuzzer harness, built with clang under ASan+UBSan, runs for its
# share of SPP_FUZZ_SECONDS (60 by default) on a copy of its seed corpus, so the repository's
# corpus is never written; a crash, leak, UB report or timeout fails its check and leaves the
# input in $tmp/fuzz-<target>/.
spp_log "fuzzing (libFuzzer, ASan+UBSan)"
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DSPP_FUZZ=ON >/dev/null
cmake --build build/fuzz --target spp-fuzzers -j "$jobs" >/dev/null
mapfile -t fuzz_targets < <(ls tests/fuzz/fuzz_*.c | sed -E 's|.*/fuzz_(.*)\.c$|\1|')
fuzz_each=$(( ${SPP_FUZZ_SECONDS:-60} / ${#fuzz_targets[@]} ))
[ "$fuzz_each" -ge 1 ] || fuzz_each=1
fuzz_run() {
    local t=$1 dir="$tmp/fuzz-$1"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
    if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
        "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$fuzz_each" -timeout=10 \
        -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1; then
        return 0
    fi
    grep -A 25 -m 1 'ERROR\|runtime error\|deadly signal\|timeout' "$dir/log" >&2 || tail -n 30 "$dir/log" >&2
    ls "$dir/artifacts" >&2
    return 1
}
for t in "${fuzz_targets[@]}"; do
    check "fuzz_$t: ${fuzz_each}s of libFuzzer without a crash, leak or UB" fuzz_run "$t"
done

spp_log "linting openapi.yaml (@redocly/cli@$REDOCLY_VERSION)"
if [ ! -x ".tools/node_modules/.bin/redocly" ] ||
   ! grep -q "\"version\": \"$REDOCLY_VERSION\"" .tools/node_modules/@redocly/cli/package.json 2>/dev/null; then
    npm install --silent --no-audit --no-fund --prefix .tools "@redocly/cli@$REDOCLY_VERSION" >/dev/null
fi
if .tools/node_modules/.bin/redocly lint --format=stylish openapi.yaml; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
