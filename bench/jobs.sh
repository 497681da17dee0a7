#!/usr/bin/env bash
# Benchmark of the job system on this machine: a release build of spp-worker-test on a private
# PostgreSQL and Redis. For 1, 2 and 4 worker processes in turn, a fresh batch of bench.noop jobs
# is enqueued as the API does it (rows written in one statement with published_at set, then
# their ids XADDed in one pipeline: "enqueued/s" is that insert + publish rate, with no worker
# running), then the workers are started and timed until every job of the batch has succeeded
# ("done/s": the time from starting the workers, their start-up included, to the last
# completion). Each worker runs the default settings (lease 60 s, sweep 5 s, SPP_JOB_BATCH,
# SPP_JOB_FLUSH_MS) with [threads] runner threads: each runner claims the jobs of one stream read
# in one statement and, bench.noop having no database effects, writes their completions in one
# statement fenced per row, then XACKs and XDELs the entries in one command each. PostgreSQL
# runs with its default durability (a WAL flush per claim and per completion statement). The
# machine is shared and noisy: read the figures as ratios within one run.
#   bench/jobs.sh [jobs per batch, default 20000] [runner threads per worker, default 4]
# With SPP_BENCH_CPU=1 it also prints, on stderr, the CPU time per job of PostgreSQL (every
# backend, from the postmaster's account of its children), of the workers and of Redis while
# the batch drained: where a job's cost goes, whatever else the machine runs.
# SPP_BENCH_WORKER_BIN names another worker binary (a build of an earlier commit, for a before
# and after); the default is this checkout's build/release/spp-worker-test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
. bench/lib.sh
n=${1:-20000}
concurrency=${2:-4}
bench_build
bench_env spp-bench
export SPP_WORKER_CONCURRENCY=$concurrency
# The test build's stand-ins for reminders.scan and digest.compile record a row here.
psql -q "$SPP_DATABASE_URL" -c "CREATE TABLE IF NOT EXISTS test_job_effects (job_id uuid,
    attempt int, worker text, kind text, payload jsonb, created_at timestamptz DEFAULT clock_timestamp())"

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

# cpu_ticks PID: user + system clock ticks of the process and of its children it has reaped.
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
pg_pid=$(head -n 1 "$bench_tmp/pg/postmaster.pid")
redis_pid=$(cat "$bench_tmp/redis.pid")
hz=$(getconf CLK_TCK)

printf '%-8s %-8s %8s %10s %10s %12s %10s %10s\n' workers threads jobs insert_s publish_s enqueued/s drain_s done/s
for k in ${SPP_BENCH_WORKERS:-1 2 4}; do
    read -r ins pub < <(enqueue "$k")
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
