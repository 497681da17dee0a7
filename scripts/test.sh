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
spp_log "checking that every module's exported symbols carry its prefix (STYLE.md rule 1)"
scripts/check_prefixes.sh build/test

tmp=$(mktemp -d /tmp/spp-test.XXXXXX)
chmod 755 "$tmp"
api_pid=""
cleanup() {
    [ -n "$api_pid" ] && kill -KILL "$api_pid" 2>/dev/null || true
    spp_stop_stack "$tmp" "$tmp" smtp receiver redis
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
# Likewise the limit on requests without a valid key (one client address sends them all).
export SPP_AUTH_FAIL_PER_MIN=1000000

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
    cat "$out" >>"$tmp/suites.log"
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

# patch_behind_lock URL URN_PREFIX NAME SECONDS OUT [CURL ARGS]: creates a school NAME at URL
# (its URN the two digits URN_PREFIX and five random ones), holds its row in psql for SECONDS, and half a second later PATCHes it in the background, the answer's
# status into OUT.status (the body into OUT); sets lock_pid and curl_pid.
patch_behind_lock() {
    local url=$1 prefix=$2 name=$3 secs=$4 out=$5 id
    shift 5
    id=$(curl -s -H "Authorization: Bearer $SPP_ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d "{\"urn\":\"$(printf '%s%05d' "$prefix" $((RANDOM % 100000)))\",\"name\":\"$name\",\"phase_of_education\":\"primary\",\"local_authority\":\"Leeds\"}" \
        "$url/v1/schools" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    psql -q "$SPP_DATABASE_URL" -c "BEGIN; SELECT 1 FROM schools WHERE id = '$id' FOR UPDATE; SELECT pg_sleep($secs); COMMIT;" >/dev/null &
    lock_pid=$!
    sleep 0.5
    curl -s -o "$out" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $SPP_ADMIN_TOKEN" \
        -H 'Content-Type: application/json' "$@" -d "{\"name\":\"Renamed $name\"}" \
        "$url/v1/schools/$id" >"$out.status" &
    curl_pid=$!
}

# SIGTERM while a request waits on a row lock: the request still gets its answer, then the API
# exits. The lock is held by a psql session for two seconds.
check_inflight_survives_sigterm() {
    spp_log "SIGTERM with a request in flight"
    local lock_pid curl_pid
    patch_behind_lock "$SPP_TEST_URL" 98 "Sigterm School" 2 "$tmp/inflight"
    sleep 0.5
    kill -TERM "$api_pid"
    wait "$curl_pid" || true
    wait "$lock_pid" || true
    check "a request in flight at SIGTERM is answered (200)" grep -qx 200 "$tmp/inflight.status"
}

# SIGTERM with a request still waiting on a row lock when the grace period (1 s here) ends: its
# query is cancelled and it is answered 503, every request is answered before what they
# read is freed, and the API exits 0 (in the sanitized build: without a report). A second API
# of its own, so that the one under test keeps serving.
check_sigterm_past_grace() {
    local dir=$1 label=$2 port pid rc=0
    port=$(spp_free_port)
    SPP_LISTEN="127.0.0.1:$port" SPP_SHUTDOWN_GRACE_S=1 "$dir/spp-api" >"$tmp/api-grace-$label.log" 2>&1 &
    pid=$!
    if ! spp_wait_http "http://127.0.0.1:$port/readyz" 60; then
        failed=$((failed + 1)); kill -KILL "$pid"; return
    fi
    local lock_pid curl_pid
    patch_behind_lock "http://127.0.0.1:$port" 97 "Grace School" 6 "$tmp/grace" \
        -H 'Origin: https://app.example.org'
    sleep 0.5
    kill -TERM "$pid"
    wait "$curl_pid" || true
    wait "$pid" || rc=$?
    wait "$lock_pid" || true
    check "a request running past the grace period is answered 503 ($label)" grep -qx 503 "$tmp/grace.status"
    check "spp-api answers every request and exits 0 after the grace period ($label)" test "$rc" -eq 0
    if grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\)\|runtime error:' "$tmp/api-grace-$label.log"; then
        echo "sanitizer reports in $tmp/api-grace-$label.log:" >&2
        grep -A 30 'ERROR: \|runtime error:' "$tmp/api-grace-$label.log" | head -n 80 >&2
        failed=$((failed + 1))
    fi
}

# run_limits DIR LABEL: a second API with tiny rate limits, for the limits suite alone.
run_limits() {
    local dir=$1 label=$2 port pid metrics_port
    port=$(spp_free_port)
    metrics_port=$(spp_free_port)
    SPP_LISTEN="127.0.0.1:$port" SPP_RATE_LIMIT_PER_S=1 SPP_RATE_LIMIT_BURST=3 \
        SPP_AUTH_FAIL_PER_MIN=5 SPP_METRICS_LISTEN="127.0.0.1:$metrics_port" \
        "$dir/spp-api" >"$tmp/api-limits-$label.log" 2>&1 &
    pid=$!
    if spp_wait_http "http://127.0.0.1:$port/readyz" 60; then
        SPP_TEST_URL="http://127.0.0.1:$port" SPP_TEST_LIMITS=1 \
            SPP_TEST_METRICS_URL="http://127.0.0.1:$metrics_port" \
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
    : >"$tmp/suites.log"
    run_suite "unit tests ($label)" "$dir/spp-unit-tests"
    local port; port=$(spp_free_port)
    export SPP_LISTEN="127.0.0.1:$port"
    export SPP_TEST_URL="http://127.0.0.1:$port"
    export SPP_PUBLIC_URL="$SPP_TEST_URL" # the links in mail, unsubscribe URLs among them
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
    # Every email the suites caused, parsed as a receiver would (tests/support/mail_check.py).
    check "every email parses clean with its Message-ID and List-Unsubscribe headers ($label)" \
        /usr/bin/python3 tests/support/mail_check.py "$SPP_TEST_MAILDIR" --require digest,reminder
    # Every route × role × inside/outside its scope (tests/support/scope_matrix.py, the table the
    # README prints); its fixtures need the worker (a compiled digest).
    check "scope matrix: every route, role and scope answers its status ($label)" \
        /usr/bin/python3 tests/support/scope_matrix.py run "$SPP_TEST_URL" "$SPP_ADMIN_TOKEN"
    # A calendar subscription URL opened without a header and parsed by python3-icalendar.
    check "calendar feed parses as RFC 5545: stable UIDs, DTSTAMP, VALUE=DATE, escaping ($label)" \
        /usr/bin/python3 tests/support/ical_check.py
    kill -TERM "$strict_pid"; wait "$strict_pid" || true
    [ "$label" = plain ] && check_restarts
    # Hostile input for a while: every request answered, never a 500 (and, in the sanitized
    # build, no sanitizer report: checked below).
    check "malformed requests never crash spp-api or answer 500 ($label)" \
        /usr/bin/python3 tests/support/fuzz_http.py "${SPP_LISTEN}" "$SPP_ADMIN_TOKEN" 8
    # Requests whose clients leave before the answer (issue 9, defect 6): RSS stays flat. The
    # first 5,000 warm the allocator up (and, under ASan, fill its quarantine); the next 5,000
    # may add at most 8 MiB (16 MiB under ASan).
    local rss_limit=8; [ "$label" = sanitized ] && rss_limit=16
    check "10,000 abandoned requests leave RSS flat ($label)" \
        /usr/bin/python3 tests/support/abandon.py "$SPP_LISTEN" "$SPP_ADMIN_TOKEN" "$api_pid" 10000 "$rss_limit"
    run_limits "$dir" "$label"
    check_sigterm_past_grace "$dir" "$label"
    kill -TERM "$worker_pid"
    if wait "$worker_pid"; then passed=$((passed + 1)); else
        echo "spp-worker ($label) did not stop cleanly" >&2; cat "$tmp/worker-$label.log" >&2
        failed=$((failed + 1))
    fi
    # The hostile-input catalogue: with the worker stopped nothing else writes, so after each
    # case every table must be as before (tests/support/hostile.py says what it allows).
    check "hostile-input catalogue: exact statuses, database unchanged ($label)" \
        /usr/bin/python3 tests/support/hostile.py
    # After the worker: no other consumer may take the suite's stream entries.
    [ "$label" = plain ] && run_fault "$dir" "$label"
    check_inflight_survives_sigterm
    kill -TERM "$api_pid" 2>/dev/null || true
    if wait "$api_pid"; then passed=$((passed + 1)); else
        echo "spp-api ($label) did not stop cleanly" >&2; tail -n 50 "$tmp/api-$label.log" >&2
        failed=$((failed + 1))
    fi
    api_pid=""
    # Every process of the run is checked, the test binaries (suites.log) included: in the
    # sanitized build a leak (LeakSanitizer at exit) fails the run.
    for log in "$tmp/api-$label.log" "$tmp/worker-$label.log" "$tmp/api-strict-$label.log" \
        "$tmp/api-limits-$label.log" "$tmp/suites.log"; do
        if grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\)\|runtime error:' "$log"; then
            echo "sanitizer reports in $log:" >&2
            grep -A 30 'ERROR: \|runtime error:' "$log" | head -n 80 >&2
            failed=$((failed + 1))
        fi
    done
}

# check_demo URL TOKEN MAILDIR: right after the run command, the demo (`spp-api seed`, fixed ids:
# see the README) fills every collection route but api-keys and webhooks, has reviews in all nine
# statuses, and the mail catcher holds the day's digests and reminders.
check_demo() {
    local url=$1 token=$2 maildir=$3 empty="" route status
    local r=5eed000a-81c6-4564-8bde-000000000006 p=5eed0002-81c6-4564-8bde-000000000000
    local person=5eed0004-81c6-4564-8bde-000000000003
    for route in hubs partnerships schools people training-sessions reviews notifications jobs \
        training-sessions/5eed0005-81c6-4564-8bde-000000000000/bookings \
        people/$person/accreditations people/$person/conflicts \
        people/5eed0004-81c6-4564-8bde-00000000000e/unavailability \
        reviews/$r/team reviews/$r/evidence reviews/$r/findings reviews/$r/actions \
        reviews/$r/best-practices reviews/$r/events \
        partnerships/$p/best-practices partnerships/$p/digests; do
        curl -s -H "Authorization: Bearer $token" "$url/v1/$route?limit=1" | grep -q '"items":\[{' ||
            empty="$empty $route"
    done
    check "the demo fills every collection route${empty:+ (empty:$empty)}" [ -z "$empty" ]
    empty=""
    for status in planning scheduled in_review feedback workshop implementing reflecting completed cancelled; do
        curl -s -H "Authorization: Bearer $token" "$url/v1/reviews?status=$status&limit=1" |
            grep -q '"items":\[{' || empty="$empty $status"
    done
    check "the demo has reviews in all nine statuses${empty:+ (none:$empty)}" [ -z "$empty" ]
    check "the mail catcher holds a digest and a reminder after the run command" \
        /usr/bin/python3 -c 'import email, email.header, glob, sys
subjects = [str(email.header.make_header(email.header.decode_header(
    email.message_from_binary_file(open(f, "rb"))["Subject"] or "")))
    for f in glob.glob(sys.argv[1] + "/*")]
digests = sum("digest" in s.lower() for s in subjects)
sys.exit(0 if digests and len(subjects) > digests else 1)' "$maildir"
    check "every email of the run command parses clean (mail_check.py)" \
        env -u SPP_MAIL_FROM /usr/bin/python3 tests/support/mail_check.py "${maildir%/new}" \
        --require digest,reminder --public "$url"
    # The catcher's digest has a working one-click unsubscribe: GET shows the page and changes
    # nothing, the mail client's POST switches that person's digest off.
    local unsub
    unsub=$(/usr/bin/python3 -c 'import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/*")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if str(m.get("X-SPP-Kind")) == "digest":
        print(str(m["List-Unsubscribe"]).strip("<>")); break' "$maildir")
    check "the demo digest's List-Unsubscribe URL opens its page without a header" \
        bash -c "[ -n '$unsub' ] && [ \"\$(curl -s -o '$tmp/unsub.html' -w '%{http_code}' '$unsub')\" = 200 ] &&
            grep -q '<form method=\"post\"' '$tmp/unsub.html'"
    check "the demo digest's one-click POST unsubscribes" \
        bash -c "[ \"\$(curl -s -o '$tmp/unsub.html' -w '%{http_code}' -d 'List-Unsubscribe=One-Click' '$unsub')\" = 200 ] &&
            grep -q 'You will no longer receive the best practice digest' '$tmp/unsub.html'"
}

# The run command from a checkout in a mode-700 folder (as a clone in /root is), on free ports,
# with none of this script's SPP_* settings: it prints the URL, serves /readyz, keeps its data
# across stop and start, and `reset` deletes that data. The checkout is a copy of this one's
# files (what a clone of the commit under test holds), so it builds from scratch.
check_run_command() {
    spp_log "the run command from a checkout in a mode-700 folder"
    local home; home=$(mktemp -d /tmp/spp-home.XXXXXX)
    chmod 700 "$home"
    mkdir "$home/spp"
    git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --ignore-failed-read 2>/dev/null |
        tar -xf - -C "$home/spp"
    local listen_port; listen_port=$(spp_free_port)
    local url="http://127.0.0.1:$listen_port"
    run_cmd() {
        env -i PATH="$PATH" HOME="$home" LANG=C.UTF-8 SPP_PG_PORT="$pg_run_port" \
            SPP_REDIS_PORT="$redis_run_port" SPP_SMTP_PORT="$smtp_run_port" \
            SPP_LISTEN="127.0.0.1:$listen_port" bash "$home/spp/scripts/run.sh" "$@"
    }
    local pg_run_port redis_run_port smtp_run_port
    pg_run_port=$(spp_free_port); redis_run_port=$(spp_free_port); smtp_run_port=$(spp_free_port)
    run_cmd >"$tmp/run1.out" 2>"$tmp/run1.err" || { tail -n 30 "$tmp/run1.err" >&2; }
    check "the run command prints the URL from a mode-700 folder" grep -q "SPP API is running at $url" "$tmp/run1.out"
    check "the run command prints an admin token" grep -Eq 'admin token +[0-9a-f]{64}' "$tmp/run1.out"
    check "the run command reports no permission problem" bash -c "! grep -qi 'denied' '$tmp/run1.err'"
    check "the run command's API serves /readyz" spp_wait_http "$url/readyz" 5
    local pg_home; pg_home=$(sed -nE 's/.*\(data in (.*)\/pg\)$/\1/p' "$tmp/run1.out")
    check "the run command keeps PostgreSQL's data outside the mode-700 folder" \
        bash -c "[ -n '$pg_home' ] && [ -f '$pg_home/pg/PG_VERSION' ] && case '$pg_home' in '$home'/*) false ;; esac"
    local token; token=$(cat "$home/spp/.data/admin-token" 2>/dev/null || true)
    check_demo "$url" "$token" "$home/spp/.data/mail/new"
    curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"urn":"9812345","name":"Kept Across Restarts Primary","phase_of_education":"primary","local_authority":"Leeds"}' \
        "$url/v1/schools" || true
    run_cmd stop >"$tmp/run-stop.out" 2>&1 || true
    check "stop stops the run command's API" bash -c "! curl -s -o /dev/null '$url/healthz'"
    run_cmd >"$tmp/run2.out" 2>"$tmp/run2.err" || { tail -n 30 "$tmp/run2.err" >&2; }
    check "a second run finds the same data" bash -c "curl -s -H 'Authorization: Bearer $token' \
        '$url/v1/schools?q=Kept%20Across%20Restarts&limit=5' | grep -q '\"urn\":\"9812345\"'"
    run_cmd reset >"$tmp/run-reset.out" 2>&1 || true
    check "reset deletes the data" bash -c "[ ! -e '$home/spp/.data' ] && [ ! -e '$pg_home' ]"
    rm -rf "$home"
}

check "README's scope matrix is the table tests/support/scope_matrix.py runs" \
    /usr/bin/python3 tests/support/scope_matrix.py check-readme README.md
run_build build/test plain
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_build build/asan sanitized
unset ASAN_OPTIONS UBSAN_OPTIONS
check_run_command

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
