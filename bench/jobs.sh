#!/usr/bin/env bash
# Benchmark of the job system on this machine: a release build of spp-worker-test on a private
# PostgreSQL and Redis. For 1, 2 and 4 worker processes in turn, a fresh batch of bench.noop jobs
# is enqueued as the API does it (rows written in one statement with published_at set, then
# their ids XADDed in one pipeline: "enqueued/s" is that insert + publish rate, with no worker
# running), then the workers are started and timed until every job of the batch has succeeded
# ("done/s": the time from starting the workers, their start-up included, to the last
# completion). Each worker runs the default settings (lease 60 s, sweep 5 s, SPP_JOB_BATCH,
# SPP_JOB_FLUSH_MS) with [threads] runner threads: each runner claims the jobs of one stream read
# in one statement and, bench.noop having no database effects, writes their completions, fenced
# per row, in the statement that claims its next read (alone when no entry follows), then XACKs
# and XDELs the entries in one command each. PostgreSQL runs with its default durability (a WAL
# flush per statement: one a batch). The
# machine is shared and noisy: read the figures as ratios within one run.
#   bench/jobs.sh [jobs per batch, default 20000] [runner threads per worker, default 4]
# With SPP_BENCH_CPU=1 it also prints, on stderr, the CPU time per job of PostgreSQL (every
# backend, from the postmaster's account of its children), of the workers and of Redis while
# the batch drained: where a job's cost goes, whatever else the machine runs.
# SPP_BENCH_WORKER_BIN names another worker binary (a build of an earlier commit, for a before
# and after); the default is this checkout's build/release/spp-worker-test.
# SPP_BENCH_HISTORY=N first writes a ledger like the one bench/run's worker steps leave (N
# finished jobs, each inserted, claimed and completed as the worker does it: dead versions
# included, left to autovacuum), so that a batch drains over a table with a past.
# SPP_BENCH_PROFILE=1 (on stderr, per batch): PostgreSQL with pg_stat_statements, its statements
# (calls, rows, time, WAL), pg_stat_wal, the jobs table's counters, and the wait events of the
# workers' backends sampled every 50 ms while the batch drained.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
. bench/lib.sh
n=${1:-20000}
concurrency=${2:-4}
bench_build
pg_opts=()
[ -n "${SPP_BENCH_PROFILE:-}" ] && pg_opts=(-c shared_preload_libraries=pg_stat_statements
    -c pg_stat_statements.track=all -c track_wal_io_timing=on)
bench_env spp-bench "${pg_opts[@]}"
export SPP_WORKER_CONCURRENCY=$concurrency
# The test build's stand-ins for reminders.scan and digest.compile record a row here.
psql -q "$SPP_DATABASE_URL" -c "CREATE TABLE IF NOT EXISTS test_job_effects (job_id uuid,
    attempt int, worker text, kind text, payload jsonb, created_at timestamptz DEFAULT clock_timestamp())"

[ -n "${SPP_BENCH_PROFILE:-}" ] && psql -q "$SPP_DATABASE_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"

now() { date +%s.%N; }
# psql itself, not Debian's wrapper (a Perl start-up per poll, on the CPU the workers use).
sql() { "$(spp_pg_bin)/psql" -Atq "$SPP_DATABASE_URL" -c "$1"; }

# enqueue BATCH: inserts the batch and publishes it; prints "insert_s publish_s".
enqueue() {
    local batch=$1 t0 t1 t2
    t0=$(now)
    # Due and published at the same instant, as spp_enqueue writes them: a job published
    # before it came due (published_at < run_at) is published again by the sweeper.
    sql "INSERT INTO jobs (kind, payload, run_at, published_at) SELECT 'bench.noop',
         jsonb_build_object('batch', $batch, 'n', g), t, t
         FROM (SELECT g, clock_timestamp() AS t FROM generate_series(1, $n) g) s
         RETURNING id" >"$bench_tmp/ids"
    t1=$(now)
    # One pipeline of XADD spp:jobs * id <uuid>, in the Redis protocol.
    awk '{ printf "*5\r\n$4\r\nXADD\r\n$8\r\nspp:jobs\r\n$1\r\n*\r\n$2\r\nid\r\n$%d\r\n%s\r\n", length($1), $1 }' \
        "$bench_tmp/ids" | redis-cli -p "$redis_port" --pipe >"$bench_tmp/pipe.out"
    t2=$(now)
    grep -q "errors: 0, replies: $n" "$bench_tmp/pipe.out" || { cat "$bench_tmp/pipe.out" >&2; exit 1; }
    echo "$(echo "$t1 - $t0" | bc -l) $(echo "$t2 - $t1" | bc -l)"
}

# unfinished: t while the stream holds an entry: a runner deletes its entries only after their
# jobs' outcomes are recorded, so an empty stream means every job of the batch has one (the
# count below checks that each succeeded). Asked of Redis, so that polling costs PostgreSQL
# nothing (a scan for unfinished jobs cost it 5-20 ms a poll during a drain).
unfinished() {
    [ "$(redis-cli -p "$redis_port" XLEN spp:jobs)" = 0 ] || echo t
}

# The history: bench/run's worker steps leave some 230,000 finished jobs (a reminder scan's
# 25,000 emails, 2,850 digests and their 200,000 emails, 1,000 champion assignments).
if [ "${SPP_BENCH_HISTORY:-0}" -gt 0 ]; then
    sql "INSERT INTO jobs (kind, payload, run_at, published_at) SELECT
         CASE WHEN g % 100 = 0 THEN 'digest.compile' ELSE 'notification.deliver' END,
         jsonb_build_object('history', g), clock_timestamp(), clock_timestamp()
         FROM generate_series(1, $SPP_BENCH_HISTORY) g" >/dev/null
    sql "UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'history',
         locked_until = clock_timestamp() + interval '60 s', started_at = clock_timestamp()
         WHERE kind <> 'bench.noop'" >/dev/null
    sql "UPDATE jobs SET status = 'succeeded', finished_at = clock_timestamp(), locked_by = NULL,
         locked_until = NULL WHERE kind <> 'bench.noop'" >/dev/null
fi

# profile_begin / profile_end: SPP_BENCH_PROFILE's statistics of one batch's drain.
profile_begin() {
    [ -n "${SPP_BENCH_PROFILE:-}" ] || return 0
    sql "SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal'), pg_stat_reset()" >/dev/null
    "$(spp_pg_bin)/psql" -Atq "$SPP_DATABASE_URL" >"$bench_tmp/waits" 2>&1 <<'SQL' &
SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') FROM pg_stat_activity
WHERE application_name = 'spp' AND state = 'active' AND pid <> pg_backend_pid() \watch 0.05
SQL
    profile_pid=$!; bench_track $profile_pid
}
profile_end() {
    [ -n "${SPP_BENCH_PROFILE:-}" ] || return 0
    kill "$profile_pid" 2>/dev/null; wait "$profile_pid" 2>/dev/null || true
    {
        echo "-- wait events of active worker backends, 50 ms samples (count event):"
        grep -v '^$' "$bench_tmp/waits" | sort | uniq -c | sort -rn | head -n 12
        "$(spp_pg_bin)/psql" -q "$SPP_DATABASE_URL" -c "SELECT calls, rows,
            round(total_exec_time::numeric, 1) AS exec_ms, round(total_plan_time::numeric, 1) AS plan_ms,
            wal_records, wal_fpi, wal_bytes, shared_blks_hit AS hits, shared_blks_dirtied AS dirtied,
            left(regexp_replace(query, '\s+', ' ', 'g'), 60) AS query
            FROM pg_stat_statements WHERE calls > 0 ORDER BY total_exec_time DESC LIMIT 12" \
            -c "SELECT wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync,
            round(wal_sync_time::numeric, 1) AS sync_ms FROM pg_stat_wal" \
            -c "SELECT n_tup_upd, n_tup_hot_upd, n_dead_tup, n_live_tup, autovacuum_count,
            autoanalyze_count, pg_relation_size('jobs') / 8192 AS pages FROM pg_stat_user_tables
            WHERE relname = 'jobs'" \
            -c "SELECT xact_commit, xact_rollback, blks_read, blks_hit, deadlocks FROM pg_stat_database
            WHERE datname = current_database()"
    } >&2
}

# cpu_ticks PID: user + system clock ticks of the process and of its children it has reaped.
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
pg_pid=$(head -n 1 "$bench_tmp/pg/postmaster.pid")
redis_pid=$(cat "$bench_tmp/redis.pid")
hz=$(getconf CLK_TCK)

printf '%-8s %-8s %8s %10s %10s %12s %10s %10s\n' workers threads jobs insert_s publish_s enqueued/s drain_s done/s
for k in ${SPP_BENCH_WORKERS:-1 2 4}; do
    read -r ins pub < <(enqueue "$k")
    profile_begin
    pg0=$(cpu_ticks "$pg_pid"); redis0=$(cpu_ticks "$redis_pid"); worker_ticks=0
    t0=$(now)
    worker_pids=()
    for i in $(seq 1 "$k"); do
        SPP_WORKER_METRICS_LISTEN="127.0.0.1:$(spp_free_port)" "${SPP_BENCH_WORKER_BIN:-build/release/spp-worker-test}" \
            >>"$bench_tmp/worker-$k-$i.log" 2>&1 </dev/null &
        worker_pids+=($!); bench_track $!
    done
    while [ "$(unfinished)" = t ]; do
        for pid in "${worker_pids[@]}"; do
            kill -0 "$pid" 2>/dev/null || { echo "a worker died:" >&2; cat "$bench_tmp"/worker-"$k"-*.log >&2; exit 1; }
        done
        sleep 0.2
    done
    t1=$(now)
    for pid in "${worker_pids[@]}"; do worker_ticks=$((worker_ticks + $(cpu_ticks "$pid"))); done
    for pid in "${worker_pids[@]}"; do kill -TERM "$pid"; done
    for pid in "${worker_pids[@]}"; do wait "$pid" || true; done
    worker_pids=()
    # The CPU counts end here, before the check below (a scan of every batch so far).
    if [ -n "${SPP_BENCH_CPU:-}" ]; then
        sleep 0.5 # the workers' backends end and are reaped
        pg1=$(cpu_ticks "$pg_pid"); redis1=$(cpu_ticks "$redis_pid")
    fi
    profile_end
    done_n=$(sql "SELECT count(*) FROM jobs WHERE kind = 'bench.noop' AND payload->>'batch' = '$k' AND status = 'succeeded'")
    [ "$done_n" = "$n" ] || { echo "batch $k: $done_n of $n succeeded" >&2; exit 1; }
    drain=$(echo "$t1 - $t0" | bc -l)
    if [ -n "${SPP_BENCH_CPU:-}" ]; then
        printf 'cpu us/job (%s workers): postgres %.1f, workers %.1f, redis %.1f\n' "$k" \
            "$(echo "($pg1 - $pg0) * 1000000 / $hz / $n" | bc -l)" \
            "$(echo "$worker_ticks * 1000000 / $hz / $n" | bc -l)" \
            "$(echo "($redis1 - $redis0) * 1000000 / $hz / $n" | bc -l)" >&2
    fi
    printf '%-8s %-8s %8s %10.3f %10.3f %12.0f %10.2f %10.0f\n' "$k" "$concurrency" "$n" "$ins" "$pub" \
        "$(echo "$n / ($ins + $pub)" | bc -l)" "$drain" "$(echo "$n / $drain" | bc -l)"
    # Finished jobs stay (as for SPP_JOB_RETENTION_DAYS), and the statistics are taken now,
    # with nothing queued: the steady state of a healthy queue, in which the next batch comes
    # as a burst. (The claim and completion statements must not be planned on a partial index
    # that looks empty then: see common/jobs.c.)
    sql "ANALYZE jobs" >/dev/null
done
