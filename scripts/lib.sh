# Shared by run.sh and test.sh: packages, free ports, and a private PostgreSQL and Redis
# started in a folder and stopped by PID. Source it; it defines functions only.

SPP_PACKAGES="build-essential cmake pkg-config clang-format libevent-dev libpq-dev libjansson-dev
libhiredis-dev check libssl-dev libcurl4-openssl-dev liburiparser-dev libical-dev postgresql
redis-server curl ca-certificates python3-aiosmtpd python3-icalendar nodejs npm clang libclang-rt-14-dev
libfuzzer-14-dev"

spp_log() { printf '==> %s\n' "$*" >&2; }

# Installs whatever of SPP_PACKAGES is missing (apt-get update first, as apt needs).
spp_install_deps() {
    local missing=()
    for p in $SPP_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    # Node may come from elsewhere on the machine; only ask apt when there is none.
    if command -v node >/dev/null && command -v npm >/dev/null; then
        missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
    fi
    local want=()
    for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
    [ ${#want[@]} -eq 0 ] && return 0
    spp_log "installing ${want[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
spp_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

spp_pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

# spp_pg_home CHECKOUT: where the run command keeps this checkout's PostgreSQL cluster. As root
# PostgreSQL runs as the postgres user, who cannot enter a checkout under a mode-700 home (or a
# mktemp folder), so the cluster lives in a folder of the project's own under /var/lib/spp,
# named after the checkout: its folder name and the first 12 hex digits of the SHA-256 of its
# path, so that two checkouts never share one. As another user PostgreSQL runs as that user and
# the cluster stays in the checkout's .data/. SPP_PG_HOME chooses another folder.
spp_pg_home() {
    local checkout=$1
    if [ -n "${SPP_PG_HOME:-}" ]; then
        echo "$SPP_PG_HOME"
    elif [ "$(id -u)" -eq 0 ]; then
        echo "/var/lib/spp/$(basename "$checkout")-$(printf '%s' "$checkout" | sha256sum | cut -c1-12)"
    else
        echo "$checkout/.data"
    fi
}

# spp_start_postgres DIR PORT [extra postgres options]: a cluster in DIR/pg owned by the
# postgres user (initdb refuses root), listening on 127.0.0.1:PORT, database "spp".
spp_start_postgres() (
    local dir=$1 port=$2; shift 2
    local bin; bin=$(spp_pg_bin)
    local as=""
    [ "$(id -u)" -eq 0 ] && as="runuser -u postgres --"
    # Every folder on the way must let the postgres user through: made here with 755 whatever
    # the umask (folders that already exist are left as they are).
    (umask 022 && mkdir -p "$dir")
    chmod 755 "$dir"
    # The postgres user's programs start in a folder it can enter (not a checkout in /root);
    # the body is a subshell, so the caller's folder does not change.
    cd "$dir" || return 1
    if [ ! -f "$dir/pg/PG_VERSION" ]; then
        mkdir -p "$dir/pg"
        [ -n "$as" ] && chown postgres: "$dir/pg"
        chmod 700 "$dir/pg"
        $as "$bin/initdb" -D "$dir/pg" -U spp --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    $as "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 60 \
        -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 $*" start >/dev/null \
        || { cat "$dir/pg/server.log" >&2; return 1; }
    "$bin/psql" -h 127.0.0.1 -p "$port" -U spp -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'spp'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$port" -U spp spp
)

spp_stop_postgres() {
    local dir=$1
    [ -f "$dir/pg/postmaster.pid" ] || return 0
    local pid; pid=$(head -n 1 "$dir/pg/postmaster.pid")
    kill -INT "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

# spp_start_redis DIR PORT: AOF on, noeviction (DESIGN §4.9); writes DIR/redis.pid.
spp_start_redis() {
    local dir=$1 port=$2
    mkdir -p "$dir/redis"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes \
        --appendfsync everysec --maxmemory-policy noeviction --save "" --daemonize no \
        --logfile "$dir/redis/redis.log" &
    echo $! >"$dir/redis.pid"
    for _ in $(seq 1 100); do
        redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    cat "$dir/redis/redis.log" >&2
    return 1
}

spp_stop_pidfile() {
    local f=$1
    [ -f "$f" ] || return 0
    local pid; pid=$(cat "$f")
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

# spp_stop_stack PIDDIR PGDIR NAME...: stops the processes of PIDDIR/NAME.pid in that order,
# then the PostgreSQL of PGDIR.
spp_stop_stack() {
    local piddir=$1 pgdir=$2 name
    shift 2
    for name in "$@"; do spp_stop_pidfile "$piddir/$name.pid"; done
    spp_stop_postgres "$pgdir"
}

# spp_mail_today URL: the day's mail at once rather than at the worker's next slot, with the
# admin token SPP_ADMIN_TOKEN: the reminder scan for now, and a digest compiled now for each
# demo partnership (`spp-api seed` ids, 5eed0002-...). Both are idempotent: a second run sends
# nothing twice.
spp_mail_today() {
    local url=$1 auth="Authorization: Bearer $SPP_ADMIN_TOKEN" p
    curl -sS -o /dev/null -X POST -H "$auth" -H 'Content-Type: application/json' \
        -d "{\"as_of\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}" "$url/v1/admin/reminder-scan"
    for p in $(curl -sS -H "$auth" "$url/v1/partnerships?limit=200" |
        grep -o '"id":"5eed0002-[0-9a-f-]*"' | cut -d'"' -f4); do
        curl -sS -o /dev/null -X POST -H "$auth" -H 'Content-Type: application/json' -d '{}' \
            "$url/v1/partnerships/$p/digests"
    done
}

# spp_wait_mail_sent URL SECONDS: waits until no notification is pending and no job is queued
# or running (the mail is in the catcher); returns 1 when SECONDS pass first.
spp_wait_mail_sent() {
    local url=$1 secs=$2 auth="Authorization: Bearer $SPP_ADMIN_TOKEN" pending queued running
    for _ in $(seq 1 $((secs * 2))); do
        sleep 0.5
        pending=$(curl -sS -H "$auth" "$url/v1/notifications?status=pending&limit=1")
        queued=$(curl -sS -H "$auth" "$url/v1/jobs?status=queued&limit=1")
        running=$(curl -sS -H "$auth" "$url/v1/jobs?status=running&limit=1")
        case "$pending$queued$running" in *'"items":[]'*'"items":[]'*'"items":[]'*) return 0 ;; esac
    done
    return 1
}

# spp_wait_http URL SECONDS: waits for a 200.
spp_wait_http() {
    local url=$1 secs=${2:-30}
    for _ in $(seq 1 $((secs * 10))); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}
