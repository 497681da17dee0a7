#!/usr/bin/env bash
# Stops and starts the test command's own Redis and PostgreSQL for the fault suite
# (tests/fault), with the settings scripts/lib.sh gives them:
#   ctl.sh redis stop|start|start-empty|ensure
#   ctl.sh postgres restart|stop|start|ensure
# start-empty deletes Redis's data (the AOF) first, as a Redis that lost everything.
# Needs SPP_TEST_TMP (the folder holding pg/ and redis.pid), SPP_TEST_PG_PORT and
# SPP_TEST_REDIS_PORT, as scripts/test.sh exports them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib.sh"

what=${1:?usage: ctl.sh redis|postgres ACTION}
action=${2:?usage: ctl.sh redis|postgres ACTION}
tmp=${SPP_TEST_TMP:?SPP_TEST_TMP is not set}

redis_up() { redis-cli -p "${SPP_TEST_REDIS_PORT:?}" ping 2>/dev/null | grep -q PONG; }

# Servers started here outlive this script: their output goes to their own logs, never to
# whatever pipe this script's caller reads.
redis_start() { spp_start_redis "$tmp" "${SPP_TEST_REDIS_PORT:?}" </dev/null >>"$tmp/redis-ctl.log" 2>&1; }

pg_as() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_() { pg_as "$(spp_pg_bin)/pg_ctl" -D "$tmp/pg" "$@"; }

pg_up() { "$(spp_pg_bin)/pg_isready" -q -h 127.0.0.1 -p "${SPP_TEST_PG_PORT:?}"; }

# Starts the cluster with the options it last ran with (postmaster.opts: its command line), so
# that test.sh's settings (fsync off...) hold after a stop and start.
pg_start() {
    local opts=""
    if [ -f "$tmp/pg/postmaster.opts" ]; then
        local args
        eval "args=($(cat "$tmp/pg/postmaster.opts"))"
        local i=1
        while [ $i -lt ${#args[@]} ]; do
            if [ "${args[$i]}" = "-D" ]; then i=$((i + 2)); continue; fi
            opts+=" ${args[$i]}"
            i=$((i + 1))
        done
    else
        opts="-p $SPP_TEST_PG_PORT -k $tmp/pg -c listen_addresses=127.0.0.1"
    fi
    pg_ctl_ -l "$tmp/pg/server.log" -w -t 60 -o "$opts" start </dev/null >/dev/null
}

case "$what $action" in
"redis stop") spp_stop_pidfile "$tmp/redis.pid" ;;
"redis start") redis_up || redis_start ;;
"redis start-empty")
    spp_stop_pidfile "$tmp/redis.pid"
    rm -rf "$tmp/redis"
    redis_start
    ;;
"redis ensure") redis_up || redis_start ;;
"postgres restart") pg_ctl_ -l "$tmp/pg/server.log" -m fast -w -t 60 restart </dev/null >/dev/null ;;
"postgres stop") pg_ctl_ -m fast -w -t 60 stop </dev/null >/dev/null ;;
"postgres start") pg_up || pg_start ;;
"postgres ensure") pg_up || pg_start ;;
*)
    echo "ctl.sh: unknown command: $what $action" >&2
    exit 2
    ;;
esac
