#!/usr/bin/env bash
# Renders every kind of email the service sends, from the demo data, so that anyone can look at
# them: a private PostgreSQL, Redis, mail catcher (aiosmtpd), spp-api and spp-worker in a temp
# folder, on free ports, the demo loaded (`spp-api seed`, as scripts/run.sh does), then the day's
# reminder scan and each demo partnership's digest, as run.sh does. A kind the demo day does not
# produce (the scan's reminders depend on today's date) is queued with spp_notify from demo
# rows, in the shape its producer writes, and sent by the worker like any other. Everything goes
# through the real renderer, SMTP and the catcher. Into OUTDIR (default: a new folder under /tmp)
# it writes, for each kind:
#
#   <kind>.eml         the message as the catcher received it
#   <kind>.html        its HTML part
#   <kind>.png         a headless-Chromium screenshot 800 px wide
#   <kind>-narrow.png  the same 390 px wide (a phone)
#
# and the unsubscribe page a digest's link opens, then prints the folder. It also runs
# tests/support/mail_check.py over every message the catcher holds. Needs Debian's chromium (installed
# when missing, with the build's packages). Stops what it started by PID and deletes the temp
# folder; OUTDIR stays.
#
#   scripts/mail-preview.sh [OUTDIR]
#
# SPP_BUILD_DIR names a build folder to use instead of building build/release.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

SPP_PACKAGES="$SPP_PACKAGES chromium fonts-dejavu-core" spp_install_deps
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed" >&2; exit 1; }

build=${SPP_BUILD_DIR:-build/release}
if [ -z "${SPP_BUILD_DIR:-}" ]; then
    spp_log "building (build/release)"
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build/release -j "$(nproc)" >/dev/null
fi

out=${1:-$(mktemp -d /tmp/spp-mail-preview.XXXXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d /tmp/spp-mail-stack.XXXXXX)
chmod 755 "$tmp"
cleanup() {
    spp_stop_stack "$tmp" "$tmp" worker api smtp redis
    rm -rf "$tmp"
}
trap cleanup EXIT

pg_port=$(spp_free_port)
redis_port=$(spp_free_port)
smtp_port=$(spp_free_port)
api_port=$(spp_free_port)
spp_log "starting PostgreSQL, Redis and a mail catcher in $tmp"
spp_start_postgres "$tmp" "$pg_port" "-c fsync=off -c synchronous_commit=off" >/dev/null
spp_start_redis "$tmp" "$redis_port" >/dev/null
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$tmp/maildir" \
    >"$tmp/smtp.log" 2>&1 &
echo $! >"$tmp/smtp.pid"

export SPP_DATABASE_URL="postgresql://spp@127.0.0.1:$pg_port/spp"
export SPP_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export SPP_LISTEN="127.0.0.1:$api_port" SPP_PUBLIC_URL="http://127.0.0.1:$api_port"
export SPP_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export SPP_MAIL_FROM="Schools Partnership Programme <spp@example.org>"
export SPP_ADMIN_TOKEN; SPP_ADMIN_TOKEN=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export SPP_WEBHOOK_KEY; SPP_WEBHOOK_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export SPP_SWEEP_INTERVAL_S=1 SPP_LOG_LEVEL=warn

spp_log "migrating and loading the demo data"
"$build/spp-api" migrate 2>"$tmp/migrate.log" || { cat "$tmp/migrate.log" >&2; exit 1; }
"$build/spp-api" seed --schools 30 --partnerships 6 --hubs 2 --seed 1 >"$tmp/seed.out" 2>&1 ||
    { cat "$tmp/seed.out" >&2; exit 1; }
"$build/spp-api" >"$tmp/api.log" 2>&1 &
echo $! >"$tmp/api.pid"
SPP_WORKER_METRICS_LISTEN="127.0.0.1:$(spp_free_port)" "$build/spp-worker" >"$tmp/worker.log" 2>&1 &
echo $! >"$tmp/worker.pid"
spp_wait_http "$SPP_PUBLIC_URL/readyz" 60 || { tail -n 30 "$tmp/api.log" >&2; exit 1; }

url=$SPP_PUBLIC_URL
spp_log "the day's reminder scan and every demo partnership's digest"
spp_mail_today "$url"
wait_idle() {
    spp_wait_mail_sent "$url" 120 ||
        echo "the worker is still busy after two minutes; going on with what has arrived" >&2
}
# Wait for the scan and the compiles, so that only the kinds they did not produce are added.
wait_idle

spp_log "queueing the kinds the demo day did not produce, from demo rows"
# One recipient (the first demo person with an address), one review with its school, a session:
# each kind's data as its producer writes it (services/worker/jobs/reminders_scan.c, bookings,
# champion assignment). The job rows start unpublished; the sweeper publishes them.
psql -q "$SPP_DATABASE_URL" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
WITH pe AS (SELECT id, full_name, email FROM people WHERE email IS NOT NULL AND erased_at IS NULL
            ORDER BY id LIMIT 1),
r AS (SELECT r.id, s.name AS school_name, COALESCE(r.focus, 'Reading for pleasure') AS focus,
             COALESCE(r.review_starts_on, current_date + 7) AS starts_on,
             COALESCE(r.review_ends_on, current_date + 8) AS ends_on
      FROM reviews r JOIN schools s ON s.id = r.school_id ORDER BY r.id LIMIT 1),
a AS (SELECT COALESCE((SELECT description FROM actions ORDER BY id LIMIT 1),
                      'Run a weekly library hour in every class') AS action),
t AS (SELECT COALESCE((SELECT location FROM training_sessions ORDER BY id LIMIT 1),
                      'Leeds Civic Hall') AS location),
d AS (SELECT 'FMDay FMDD FMMonth YYYY' AS day)
SELECT spp_notify(k.kind, gen_random_uuid(), pe.id, pe.email, current_date, k.review, k.data)
FROM pe, r, a, t, d CROSS JOIN LATERAL (VALUES
  ('review_visit_7d', r.id, jsonb_build_object('name', pe.full_name, 'school_name', r.school_name,
     'focus', r.focus, 'starts', to_char(r.starts_on, d.day), 'ends', to_char(r.ends_on, d.day),
     'days', 7, 'role', 'team')),
  ('review_visit_1d', r.id, jsonb_build_object('name', pe.full_name, 'school_name', r.school_name,
     'focus', r.focus, 'starts', to_char(r.starts_on, d.day), 'ends', to_char(r.ends_on, d.day),
     'days', 1, 'role', 'host')),
  ('workshop_3d', r.id, jsonb_build_object('name', pe.full_name, 'school_name', r.school_name,
     'focus', r.focus, 'workshop_on', to_char(current_date + 3, d.day), 'days', 3,
     'role', 'champion')),
  ('action_due_7d', r.id, jsonb_build_object('name', pe.full_name, 'school_name', r.school_name,
     'action', a.action, 'due_on', to_char(current_date + 5, d.day), 'days', 5)),
  ('action_overdue', r.id, jsonb_build_object('name', pe.full_name, 'school_name', r.school_name,
     'action', a.action, 'due_on', to_char(current_date - 9, d.day), 'days', 9)),
  ('impact_reflection_due', r.id, jsonb_build_object('name', pe.full_name,
     'school_name', r.school_name, 'focus', r.focus, 'due_on', to_char(current_date, d.day))),
  ('training_2d', NULL::uuid, jsonb_build_object('name', pe.full_name, 'course', 'peer reviewer',
     'starts', to_char(current_date + 2 + time '09:30', 'FMDay FMDD FMMonth YYYY "at" HH24:MI'),
     'location', t.location, 'days', 2)),
  ('review_planning_6w', r.id, jsonb_build_object('name', pe.full_name,
     'school_name', r.school_name, 'focus', r.focus, 'starts', to_char(r.starts_on, d.day),
     'days', 30)),
  ('booking.changed', NULL::uuid, jsonb_build_object('name', pe.full_name,
     'course', 'improvement champion',
     'starts', to_char(current_date + 9 + time '09:30', 'FMDay FMDD FMMonth YYYY "at" HH24:MI'),
     'location', t.location, 'status', 'booked')),
  ('champion.unassignable', r.id, jsonb_build_object('school_name', r.school_name,
     'focus', r.focus, 'reason', 'No accredited champion is free on the workshop day.',
     'review_id', r.id))
) AS k(kind, review, data)
WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.kind = k.kind AND n.status = 'sent');
SQL
wait_idle

spp_log "collecting one message of each kind, and screenshots"
/usr/bin/python3 - "$tmp/maildir" "$out" <<'PY'
import email, email.policy, os, sys
maildir, out = sys.argv[1], sys.argv[2]
seen = {}
for name in sorted(os.listdir(os.path.join(maildir, "new"))):
    path = os.path.join(maildir, "new", name)
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    kind = str(msg.get("X-SPP-Kind", "unknown"))
    if kind in seen:
        continue
    seen[kind] = True
    base = os.path.join(out, kind.replace(".", "-"))
    open(base + ".eml", "wb").write(raw)
    html = msg.get_body(preferencelist=("html",))
    open(base + ".html", "w", encoding="utf-8").write(html.get_content() if html else "")
    if kind == "digest":
        unsub = str(msg.get("List-Unsubscribe", "")).strip("<>")
        open(os.path.join(out, "unsubscribe-url.txt"), "w").write(unsub + "\n")
print("kinds: " + ", ".join(sorted(seen)))
PY
# The page a digest's unsubscribe link opens (GET: it changes nothing).
if [ -s "$out/unsubscribe-url.txt" ]; then
    curl -sS -o "$out/unsubscribe-page.html" "$(cat "$out/unsubscribe-url.txt")"
fi
for html in "$out"/*.html; do
    base=${html%.html}
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --window-size=800,1800 --screenshot="$base.png" "file://$html" >/dev/null 2>&1 ||
        echo "chromium could not screenshot $html" >&2
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --window-size=390,2200 --screenshot="$base-narrow.png" "file://$html" >/dev/null 2>&1 ||
        echo "chromium could not screenshot $html" >&2
done
/usr/bin/python3 tests/support/mail_check.py "$tmp/maildir" --require digest,reminder --public "$url" |
    tail -n 5 >&2 || true

echo
echo "Mail preview: $(ls "$out"/*.eml | wc -l) kinds as .eml, .html and .png in $out"
