#!/usr/bin/env bash
# Runs the whole platform on this machine, from a fresh Debian machine as root: installs what
# is missing, builds a release build, starts a private PostgreSQL (its data where the postgres
# user can reach it: see spp_pg_home in lib.sh) and Redis in .data/ (fixed ports, reused when
# already running), migrates, loads the demo data (`spp-api seed`: once; a second run finds it
# and leaves it), and starts spp-api and spp-worker in the background. Then it has the worker
# run the day's reminder scan and compile each demo partnership's digest, waits until those
# emails are in the mail catcher, and prints the URL, the admin token, a few demo ids and a curl
# example, then exits leaving everything running. Works from a checkout anywhere, a mode-700 home included.
#
#   scripts/run.sh        start (or restart the API and worker after a rebuild)
#   scripts/run.sh stop   stop the API, the worker, Redis and PostgreSQL (by PID), keep the data
#   scripts/run.sh reset  stop, then delete the data (.data/ and the PostgreSQL folder)
#
# Ports below Linux's ephemeral range (32768-60999), so that no outgoing connection's local port
# can hold them: SPP_PG_PORT (default 25433), SPP_REDIS_PORT (default 26380), SPP_LISTEN (default
# 127.0.0.1:8080). Any other SPP_* variable in the environment reaches both services.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

data="$root/.data"
pg_home=$(spp_pg_home "$root")
logs="$data/logs"
pg_port=${SPP_PG_PORT:-25433}
redis_port=${SPP_REDIS_PORT:-26380}
listen=${SPP_LISTEN:-127.0.0.1:8080}

# alive PIDFILE: the process named in PIDFILE is running.
alive() {
    [ -f "$1" ] && kill -0 "$(head -n 1 "$1")" 2>/dev/null
}

# port_taken PORT: something accepts connections on 127.0.0.1:PORT.
port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_all() {
    spp_log "stopping spp-api, spp-worker, Redis and PostgreSQL"
    spp_stop_stack "$data" "$pg_home" api worker smtp redis
}

case "${1:-start}" in
start) ;;
stop)
    stop_all
    echo "stopped (data kept in $data and $pg_home; scripts/run.sh reset deletes it)"
    exit 0
    ;;
reset)
    stop_all
    rm -rf "$data"
    [ "$pg_home" != "$data" ] && rm -rf "$pg_home"
    echo "deleted $data and $pg_home: the next scripts/run.sh starts afresh"
    exit 0
    ;;
*)
    echo "usage: scripts/run.sh [start|stop|reset]" >&2
    exit 2
    ;;
esac

spp_install_deps

mkdir -p "$logs"
spp_log "building (release) into build/release; log in .data/logs/build.log"
if ! { cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release &&
    cmake --build build/release -j"$(nproc)"; } >"$logs/build.log" 2>&1; then
    tail -n 40 "$logs/build.log" >&2
    echo "build failed: see $logs/build.log" >&2
    exit 1
fi

# PostgreSQL: reuse the cluster in $pg_home/pg when its postmaster is alive (on the port it has).
if alive "$pg_home/pg/postmaster.pid"; then
    pg_port=$(sed -n 4p "$pg_home/pg/postmaster.pid")
    spp_log "PostgreSQL already running on $pg_port"
else
    if port_taken "$pg_port"; then
        echo "port $pg_port is taken by another program: set SPP_PG_PORT to a free port" >&2
        exit 1
    fi
    spp_log "starting PostgreSQL on $pg_port with its data in $pg_home/pg"
    spp_start_postgres "$pg_home" "$pg_port"
fi

# Redis: its own session, so that it outlives this script and the terminal.
if alive "$data/redis.pid"; then
    spp_log "Redis already running (pid $(cat "$data/redis.pid"))"
    redis_port=$(cat "$data/redis.port" 2>/dev/null || echo "$redis_port")
else
    if port_taken "$redis_port"; then
        echo "port $redis_port is taken by another program: set SPP_REDIS_PORT to a free port" >&2
        exit 1
    fi
    spp_log "starting Redis on $redis_port in .data/redis"
    if ! setsid -w bash -c '. scripts/lib.sh && spp_start_redis "$1" "$2"' _ "$data" "$redis_port" \
        </dev/null >"$logs/redis-start.log" 2>&1; then
        cat "$logs/redis-start.log" >&2
        exit 1
    fi
    echo "$redis_port" >"$data/redis.port"
fi

export SPP_DATABASE_URL="postgresql://spp@127.0.0.1:$pg_port/spp"
export SPP_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export SPP_LISTEN="$listen"

spp_log "migrating"
build/release/spp-api migrate 2>>"$logs/migrate.log" || {
    tail -n 20 "$logs/migrate.log" >&2
    exit 1
}
# The demo: 30 schools in 6 partnerships under 2 hubs, seed 1, dated from today (fixed ids:
# see the README). Loaded once; on a later run `spp-api seed` finds it and changes nothing.
spp_log "loading the demo data (spp-api seed); log in .data/logs/seed.log"
build/release/spp-api seed --schools 30 --partnerships 6 --hubs 2 --seed 1 \
    >"$logs/seed.out" 2>>"$logs/seed.log" || {
    cat "$logs/seed.out" >&2
    tail -n 20 "$logs/seed.log" >&2
    exit 1
}
cat "$logs/seed.out" >>"$logs/seed.log"

# The bootstrap admin token: made once, kept in .data/admin-token (mode 600).
if [ ! -s "$data/admin-token" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$data/admin-token")
fi
chmod 600 "$data/admin-token"
export SPP_ADMIN_TOKEN; SPP_ADMIN_TOKEN=$(cat "$data/admin-token")
# The key that encrypts webhook signing secrets at rest: yours when SPP_WEBHOOK_KEY is set,
# else made once, like the token.
if [ -z "${SPP_WEBHOOK_KEY:-}" ]; then
    if [ ! -s "$data/webhook-key" ]; then
        (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$data/webhook-key")
    fi
    chmod 600 "$data/webhook-key"
    export SPP_WEBHOOK_KEY; SPP_WEBHOOK_KEY=$(cat "$data/webhook-key")
fi

mail_note=""
# A local mail catcher (Debian's aiosmtpd) keeping every message the worker sends in
# .data/mail (a Maildir), unless SPP_SMTP_URL names a real relay.
if [ -z "${SPP_SMTP_URL:-}" ]; then
    smtp_port=${SPP_SMTP_PORT:-1025}
    if ! alive "$data/smtp.pid"; then
        if port_taken "$smtp_port"; then
            echo "port $smtp_port is taken: set SPP_SMTP_PORT or SPP_SMTP_URL" >&2
            exit 1
        fi
        setsid nohup /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" \
            -c aiosmtpd.handlers.Mailbox "$data/mail" </dev/null >>"$logs/smtp.log" 2>&1 &
        echo $! >"$data/smtp.pid"
    fi
    export SPP_SMTP_URL="smtp://127.0.0.1:$smtp_port"
    mail_note=" (a local catcher: messages land in .data/mail/new)"
fi

# The API and the worker: restarted, so that a new build takes effect.
spp_stop_pidfile "$data/api.pid"
spp_stop_pidfile "$data/worker.pid"
listen_port=${listen##*:}
if port_taken "$listen_port"; then
    echo "port $listen_port is taken by another program: set SPP_LISTEN to a free host:port" >&2
    exit 1
fi
host=${listen%:*}
case "$host" in 0.0.0.0 | "" | "[::]" | "::") host=127.0.0.1 ;; esac
url="http://$host:$listen_port"
# Links in emails (the one-click unsubscribe URL among them) point at the URL printed below,
# unless SPP_PUBLIC_URL says where people reach the service.
export SPP_PUBLIC_URL="${SPP_PUBLIC_URL:-$url}"
spp_log "starting spp-api on $listen and spp-worker; logs in .data/logs/"
setsid nohup build/release/spp-api </dev/null >>"$logs/api.log" 2>&1 &
echo $! >"$data/api.pid"
setsid nohup build/release/spp-worker </dev/null >>"$logs/worker.log" 2>&1 &
echo $! >"$data/worker.pid"

ready=0
for _ in $(seq 1 600); do
    if ! alive "$data/api.pid"; then
        break
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ "$ready" -ne 1 ]; then
    tail -n 30 "$logs/api.log" >&2
    echo "spp-api did not become ready at $url/readyz: see $logs/api.log" >&2
    exit 1
fi
if ! alive "$data/worker.pid"; then
    tail -n 30 "$logs/worker.log" >&2
    echo "spp-worker stopped: see $logs/worker.log" >&2
    exit 1
fi

# The day's mail, at once rather than at the worker's next slot: the reminder scan for now,
# and a digest compiled now for each demo partnership (news: yesterday's status changes). Both
# are idempotent: a second run sends nothing twice (spp_mail_today). Then wait (up to a minute)
# until no notification is pending and no job queued or running, so that the mail is in the
# catcher when the summary is printed.
spp_mail_today "$url"
spp_log "waiting for the worker to send the day's reminders and digests"
spp_wait_mail_sent "$url" 60 || true
if [ -n "$mail_note" ]; then
    mail_note=" (a local catcher: $(ls "$data/mail/new" 2>/dev/null | wc -l) messages so far in .data/mail/new)"
fi

# A URN starting with 98 that the demo data does not use, so that the example creates.
urn="98$(od -An -tu2 -N2 /dev/urandom | tr -d ' ' | awk '{printf "%05d", $1 % 100000}')"
partnership=5eed0002-81c6-4564-8bde-000000000000
cat <<EOF

SPP API is running at $url
  admin token   $SPP_ADMIN_TOKEN   (in .data/admin-token)
  PostgreSQL    $SPP_DATABASE_URL   (data in $pg_home/pg)
  Redis         $SPP_REDIS_URL
  mail          $SPP_SMTP_URL$mail_note
  logs          .data/logs/api.log, .data/logs/worker.log
  demo data     2 hubs, 6 partnerships, 30 schools, 380 people, 120 reviews (spp-api seed; .data/logs/seed.log)
$(grep -E '^  (hub|partnership|review) ' "$logs/seed.out" | sed 's/^  /                /')
  stop with     scripts/run.sh stop   (scripts/run.sh reset also deletes the data)

Create a school in the demo partnership, then list that partnership's schools:

TOKEN=$SPP_ADMIN_TOKEN
curl -sS -w '\n' -X POST $url/v1/schools -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"urn":"$urn","name":"Harehills Lane Primary School","phase_of_education":"primary","local_authority":"Leeds","partnership_id":"$partnership"}'
curl -sS -w '\n' "$url/v1/schools?partnership_id=$partnership&limit=10" -H "Authorization: Bearer \$TOKEN"
EOF
