#!/usr/bin/env bash
# bench/run's digest step alone, at England scale, for one or more worker builds on the same
# seeded database (one run: read the figures as ratios between builds; the machine is shared).
#   bench/digests.sh [worker binary ...]     default: build/release/spp-worker
# Seeds `spp-api seed --schools $BENCH_SCHOOLS` (24,000) on a private PostgreSQL with
# pg_stat_statements (track = all, so statements inside plpgsql functions are counted too),
# starts spp-api, an SMTP sink and, for each binary in turn, that spp-worker (4 runners): the
# night's catch-up is run first with every opt-in off, as bench/run does; then one POST
# /v1/partnerships/{id}/digests for a past date per partnership with digest_enabled, timed as
# bench/run times it (the first job's creation to the last one's finish). Printed per build:
# the wall time, the longest digest job, the sum of the digest jobs' own time, how many emails
# were queued and sent meanwhile, the worker's CPU, and the statements that took the most time.
# Between builds the digests, their notifications and every job they made are deleted, with the
# worker stopped and Redis emptied (the emails left unsent are not sent).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
schools=${BENCH_SCHOOLS:-24000}
bins=("$@")
[ "${#bins[@]}" -gt 0 ] || bins=(build/release/spp-worker)
bench_start spp-digests -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB \
    -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all
sql() { psql -X -Atq -v ON_ERROR_STOP=1 "$SPP_DATABASE_URL" -c "$1"; }
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
bench_seed "$schools" >/dev/null
spp_log "seeded: $(sql "SELECT (SELECT count(*) FROM partnerships WHERE digest_enabled) || ' partnerships with digests, ' ||
    (SELECT count(*) FROM people WHERE digest_opt_in) || ' people opted in'")"

smtp_port=$(spp_free_port)
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" >"$bench_tmp/smtp.log" 2>&1 &
bench_track $!
export SPP_SMTP_URL="smtp://127.0.0.1:$smtp_port"
api_port=$(spp_free_port)
base="http://127.0.0.1:$api_port"
SPP_LISTEN="127.0.0.1:$api_port" build/release/spp-api 2>"$bench_tmp/api.log" &
bench_track $!
spp_wait_http "$base/healthz" 30 || { cat "$bench_tmp/api.log" >&2; exit 1; }

in=$bench_tmp/in; mkdir -p "$in"
sql "SELECT id FROM partnerships WHERE digest_enabled" >"$in/partnerships"
sql "CREATE TABLE bench_opted_in AS SELECT id FROM people WHERE digest_opt_in" >/dev/null
past=$(date -u -d '30 days ago' +%F)
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
due() { sql "SELECT count(*) FROM jobs WHERE finished_at IS NULL AND status IN ('queued', 'running') AND run_at <= now()"; }

# The start-up catch-up (the night's digest slot and the day's reminder scan, whose ~42,000
# reminder emails would otherwise be sent during the first round), once, with nobody opted in:
# the worker's first sweep runs it; its emails are then dropped. SPP_REMINDER_INTERVAL_S=86400
# keeps every round in the same (done) reminder slot.
export SPP_REMINDER_INTERVAL_S=86400
sql "UPDATE people SET digest_opt_in = false WHERE id IN (SELECT id FROM bench_opted_in)" >/dev/null
SPP_WORKER_METRICS_LISTEN="127.0.0.1:$(spp_free_port)" "${bins[0]}" >"$bench_tmp/worker-0.log" 2>&1 &
worker_pid=$!; bench_track "$worker_pid"
sleep 3
t=1500
until [ "$(sql "SELECT count(*) FROM jobs WHERE kind IN ('reminders.scan', 'digest.compile')")" != 0 ] &&
      [ "$(sql "SELECT count(*) FROM jobs WHERE kind IN ('reminders.scan', 'digest.compile')
              AND status IN ('queued', 'running', 'failed')")" = 0 ]; do
    t=$((t - 1)); [ "$t" -gt 0 ] || { echo "catch-up unfinished after 300 s" >&2; exit 1; }
    sleep 0.2
done
kill -TERM "$worker_pid"; wait "$worker_pid" || true
sql "DELETE FROM jobs WHERE kind = 'notification.deliver' AND status IN ('queued', 'failed')" >/dev/null
redis-cli -p "$redis_port" FLUSHALL >/dev/null
spp_log "catch-up done: $(sql "SELECT string_agg(kind || ' ' || n, ', ') FROM (SELECT kind, count(*) n FROM jobs GROUP BY kind) x")"

round=0
for bin in "${bins[@]}"; do
    round=$((round + 1))
    # The night's catch-up and anything else due, with nobody opted in.
    sql "UPDATE people SET digest_opt_in = false WHERE id IN (SELECT id FROM bench_opted_in)" >/dev/null
    SPP_WORKER_METRICS_LISTEN="127.0.0.1:$(spp_free_port)" "$bin" >"$bench_tmp/worker-$round.log" 2>&1 &
    worker_pid=$!; bench_track "$worker_pid"
    sleep 3 # its first sweep (nothing is due after the catch-up above; this checks it)
    t=1500
    while [ "$(due)" != 0 ]; do
        t=$((t - 1)); [ "$t" -gt 0 ] || { echo "jobs still due after 300 s" >&2; exit 1; }
        kill -0 "$worker_pid" 2>/dev/null || { tail -n 20 "$bench_tmp/worker-$round.log" >&2; exit 1; }
        sleep 0.2
    done
    sql "UPDATE people SET digest_opt_in = true WHERE id IN (SELECT id FROM bench_opted_in)" >/dev/null
    sql "SELECT pg_stat_statements_reset()" >/dev/null
    cpu0=$(cpu_s "$worker_pid")
    /usr/bin/python3 bench/run_helper.py post "$base" "$SPP_ADMIN_TOKEN" "/v1/partnerships/{}/digests" \
        "{\"date\":\"$past\"}" "$in/partnerships" "$in/jobs-$round" 202
    ids="{$(paste -sd, "$in/jobs-$round")}"
    t=3000
    # Polled for the unfinished digest jobs created since the first posted one, through
    # jobs_listing (kind, created_at), not by the 2,850 ids (70 ms a poll) nor through
    # jobs_unfinished, which holds every email the digests queue (up to 60,000: 100 ms a poll,
    # bench/RESULTS.md, p10-digest3). The status test is sql/0018's finished_at IS NULL.
    since=$(sql "SELECT min(created_at) FROM jobs WHERE id = ANY('$ids'::uuid[])")
    while [ "$(sql "SELECT count(*) FROM jobs WHERE kind = 'digest.compile' AND created_at >= '$since'
                    AND status IN ('queued', 'running', 'failed')")" != 0 ]; do
        t=$((t - 1)); [ "$t" -gt 0 ] || { echo "digests unfinished after 10 minutes" >&2; exit 1; }
        kill -0 "$worker_pid" 2>/dev/null || { tail -n 20 "$bench_tmp/worker-$round.log" >&2; exit 1; }
        sleep 0.2
    done
    cpu1=$(cpu_s "$worker_pid")
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    row=$(sql "WITH d AS (SELECT * FROM jobs WHERE id = ANY('$ids'::uuid[]))
        SELECT count(*), count(*) FILTER (WHERE status <> 'succeeded'),
          round(extract(epoch FROM max(finished_at) - min(created_at))::numeric, 3),
          round(extract(epoch FROM max(finished_at - started_at))::numeric, 3),
          round(extract(epoch FROM sum(finished_at - started_at))::numeric, 3),
          (SELECT count(*) FROM notifications n WHERE n.kind = 'digest' AND n.status <> 'skipped'),
          (SELECT count(*) FROM notifications n WHERE n.kind = 'digest' AND n.status = 'sent'
             AND n.sent_at <= (SELECT max(finished_at) FROM d))
        FROM d")
    IFS='|' read -r n bad wall longest sum queued sent <<<"$row"
    echo "DIGESTS $bin: $n digest jobs ($bad not succeeded), wall ${wall} s, longest job ${longest} s," \
        "sum of job times ${sum} s; digest emails queued $queued, sent before the last digest finished $sent; worker CPU" \
        "$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN {printf "%.1f", a - b}') s; load average $load"
    echo "top statements (pg_stat_statements, track = all; total ms, calls, ms per call):"
    sql "SELECT round(total_exec_time)::bigint || ' | ' || calls || ' | ' ||
           round((total_exec_time / calls)::numeric, 3) || ' | ' ||
           left(regexp_replace(query, '\s+', ' ', 'g'), 110)
         FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT ${BENCH_TOP:-12}" | sed 's/^/  /'
    kill -TERM "$worker_pid"; wait "$worker_pid" || true
    # The next build starts from the same state: no digest of that date, no emails queued.
    sql "DELETE FROM jobs WHERE kind IN ('notification.deliver', 'webhook.deliver')
           OR id = ANY('$ids'::uuid[]);
         DELETE FROM notifications WHERE kind = 'digest';
         DELETE FROM digests WHERE digest_date = '$past'" >/dev/null
    redis-cli -p "$redis_port" FLUSHALL >/dev/null
done
