# Shared by the benchmarks (bench/run, api.sh, digests.sh, jobs.sh, load.sh, profile.sh, seed.sh):
# a release build and a private PostgreSQL (and Redis) in a temp folder, stopped by PID on exit.
# Sourcing it (`. "$(dirname "$0")/lib.sh"`) moves to the checkout's root ($root) and sources
# scripts/lib.sh; otherwise it defines functions only.
#   bench_build                   packages, wrk, and build/release
#   bench_env PREFIX [pg options] a temp folder $bench_tmp (/tmp/PREFIX.XXXXXX, or under
#                                 SPP_BENCH_TMPDIR), PostgreSQL on $pg_port, Redis on $redis_port
#                                 (BENCH_NO_REDIS=1 skips it), SPP_DATABASE_URL, SPP_REDIS_URL,
#                                 SPP_ADMIN_TOKEN (random) and the rate limit set never to refuse;
#                                 migrated; an EXIT trap stops everything
#   bench_start PREFIX [pg opts]  bench_build, a log line with the commit and the load average
#                                 (the machine is shared), then bench_env PREFIX [pg opts]
#   bench_track PID               a process the EXIT trap kills (spp-api, workers, samplers)
#   bench_seed SCHOOLS [args]     spp-api seed at that size (--seed 1 unless given); the first
#                                 line of its output on stdout, its log in $bench_tmp/seed.log
# SPP_BENCH_KEEP=1 keeps the temp folder.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/lib.sh

bench_pids=()

bench_build() {
    spp_install_deps
    command -v wrk >/dev/null || {
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
    }
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build/release -j "$(nproc)" >/dev/null
}

bench_track() { bench_pids+=("$1"); }

bench_cleanup() {
    local pid
    for pid in "${bench_pids[@]}"; do [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true; done
    [ -z "${bench_tmp:-}" ] && return 0
    spp_stop_pidfile "$bench_tmp/redis.pid"
    spp_stop_postgres "$bench_tmp"
    if [ -n "${SPP_BENCH_KEEP:-}" ]; then echo "kept $bench_tmp" >&2; else rm -rf "$bench_tmp"; fi
}

bench_env() {
    local prefix=$1; shift
    bench_tmp=$(mktemp -d "${SPP_BENCH_TMPDIR:-/tmp}/$prefix.XXXXXX")
    chmod 755 "$bench_tmp"
    trap bench_cleanup EXIT
    trap "exit 130" INT
    trap "exit 143" TERM
    pg_port=$(spp_free_port)
    spp_start_postgres "$bench_tmp" "$pg_port" "$@"
    export SPP_DATABASE_URL="postgresql://spp@127.0.0.1:$pg_port/spp"
    if [ -z "${BENCH_NO_REDIS:-}" ]; then
        redis_port=$(spp_free_port)
        spp_start_redis "$bench_tmp" "$redis_port" </dev/null >/dev/null 2>&1
        export SPP_REDIS_URL="redis://127.0.0.1:$redis_port/0"
    fi
    export SPP_ADMIN_TOKEN
    SPP_ADMIN_TOKEN="bench-admin-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
    export SPP_LOG_LEVEL=warn SPP_RATE_LIMIT_PER_S=100000 SPP_RATE_LIMIT_BURST=1000000
    build/release/spp-api migrate 2>"$bench_tmp/migrate.log" || { cat "$bench_tmp/migrate.log" >&2; return 1; }
}

bench_start() {
    bench_build
    spp_log "commit $(git describe --always --dirty 2>/dev/null || echo unknown); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    bench_env "$@"
}

bench_seed() {
    local schools=$1; shift
    local args=("$@")
    [[ " ${args[*]} " == *" --seed "* ]] || args+=(--seed 1)
    build/release/spp-api seed --schools "$schools" "${args[@]}" >"$bench_tmp/seed.out" 2>"$bench_tmp/seed.log" ||
        { cat "$bench_tmp/seed.log" >&2; return 1; }
    head -n 1 "$bench_tmp/seed.out"
}
