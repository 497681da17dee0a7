#!/usr/bin/env bash
# PostgreSQL's own ceiling for the API's statements (bench/RESULTS.md, "PostgreSQL's own
# ceiling for GET one school" and "… rate for create a school's INSERT"): pgbench alone, no HTTP
# and no API, on a private PostgreSQL seeded at England scale, interleaved rounds of
#   S        pgbench -S -M prepared (bench/run's select-1-row)
#   ids      a one-row primary-key read of a table mapping 1..n to the schools' ids (the work of -S)
#   get      GET one school's statement as it was before p10-rows (school_json), joined to ids
#   getcols  the same with the columns the API now selects
#   ids8     eight of ids in one pipeline (one Sync): what several requests' reads on one
#            connection would give (tps counts pipelines of eight)
#   w        bench/run's insert-1-row (one durable INSERT a transaction)
#   s        the API's school INSERT as it now runs (a random URN), one durable transaction each
# with the same client count as bench/run, each with its transactions' p50 and p99 (pgbench's
# per-transaction log). Read the figures as ratios within a round.
#   bench/ceiling.sh [seconds per run, default 6] [rounds, default 2]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs=${1:-6}
rounds=${2:-2}
conns=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
bench_start spp-ceiling -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB
bench_seed "${BENCH_SCHOOLS:-24000}" >/dev/null
url=$SPP_DATABASE_URL
sql() { psql -X -Atq -v ON_ERROR_STOP=1 "$url" -c "$1"; }
sql "CREATE TABLE bench_ids AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM schools;
     ALTER TABLE bench_ids ADD PRIMARY KEY (n); ANALYZE bench_ids;
     CREATE TABLE w (id bigserial PRIMARY KEY, urn text UNIQUE, name text, phase text, la text,
                     created_at timestamptz DEFAULT now())"
n=$(sql "SELECT count(*) FROM bench_ids")
pgbin=$(spp_pg_bin)
"$pgbin/pgbench" -i -q -s 1 "$url" >"$bench_tmp/pgbench-init.log" 2>&1
s=$bench_tmp
ids="SELECT b.id FROM bench_ids b WHERE b.n = :n;"
printf '\\set n random(1, %s)\n%s\n' "$n" "$ids" >"$s/ids.sql"
printf '\\set n random(1, %s)\nSELECT school_json(s)::text AS json, s.version, p.hub_id, s.partnership_id, s.id AS school_id, NULL::uuid AS person_id FROM bench_ids b JOIN schools s ON s.id = b.id LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE b.n = :n;\n' "$n" >"$s/get.sql"
printf '\\set n random(1, %s)\nSELECT s.id, s.urn, s.name, s.phase_of_education, s.local_authority, s.postcode, s.partnership_id, s.lead_contact_id, s.version, spp_micros(s.created_at) AS micros, spp_micros(s.updated_at) AS updated_at, p.hub_id, s.id AS school_id, NULL::uuid AS person_id FROM bench_ids b JOIN schools s ON s.id = b.id LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE b.n = :n;\n' "$n" >"$s/getcols.sql"
{ printf '\\set n random(1, %s)\n\\startpipeline\n' "$n"; for _ in 1 2 3 4 5 6 7 8; do echo "$ids"; done; echo '\endpipeline'; } >"$s/ids8.sql"
cat >"$s/w.sql" <<'SQL'
\set n random(1, 2000000000)
INSERT INTO w (urn, name, phase, la) VALUES (:client_id || '-' || :n || '-' || random(), 'Bench School', 'primary', 'Leeds');
SQL
cat >"$s/s.sql" <<'SQL'
\set n random(1000000, 9999999)
INSERT INTO schools AS s (urn, name, phase_of_education, local_authority, postcode, partnership_id, lead_contact_id) VALUES (:n::text, 'Bench School', 'primary', 'Leeds', NULL, NULL, NULL) ON CONFLICT DO NOTHING RETURNING s.id, s.urn, s.name, s.phase_of_education, s.local_authority, s.postcode, s.partnership_id, s.lead_contact_id, s.version, spp_micros(s.created_at) AS micros, spp_micros(s.updated_at) AS updated_at;
SQL
pgb=("$pgbin/pgbench" -n -M prepared -c "$conns" -j "$threads" -T "$secs")
# p50 and p99 of a run's transactions, from pgbench's per-transaction log (latency in µs, field 3).
pct() { cat "$1".* | awk '{print $3}' | sort -n | awk '{v[NR] = $1} END {
    printf "p50 %.2f ms  p99 %.2f ms", v[int(NR * 0.50) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000 }'; }
for round in $(seq 1 "$rounds"); do
    for w in S ids get getcols ids8 w s; do
        log=(-l --log-prefix="$s/log-$w-$round")
        if [ "$w" = S ]; then out=$("${pgb[@]}" "${log[@]}" -S "$url" 2>&1); else out=$("${pgb[@]}" "${log[@]}" -f "$s/$w.sql" "$url" 2>&1); fi
        printf 'round %s %-8s %10.0f tps  latency avg %s ms  %s  (load %s)\n' "$round" "$w" \
            "$(awk '/^tps/ {print $3}' <<<"$out")" "$(awk '/latency average/ {print $4}' <<<"$out")" \
            "$(pct "$s/log-$w-$round")" "$(cut -d' ' -f1 /proc/loadavg)"
        rm -f "$s/log-$w-$round".*
    done
done
