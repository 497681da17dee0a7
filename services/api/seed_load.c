/* `spp-api seed [--schools N] [--seed S] [--today YYYY-MM-DD] [--partnerships P] [--hubs H]
 *               [--digest-days D] [--dry-run]`
 *
 * Loads the rows of common/rules/seed.c in one transaction: every table by COPY, the lead contacts
 * by one UPDATE each from a temporary table, then ANALYZE, then the past digests (the D nights
 * before today) by one INSERT … SELECT. Deterministic for fixed options: the same options, --today
 * included, give the same rows and ids. Without --today the day is today's date in SPP_TZ, so the
 * demo is "live" whenever it is loaded.
 *
 * Idempotent: when the first hub of this seed is already there, it changes nothing and says so
 * (the data may have been changed through the API since; it is left as it is). Any failure
 * (a URN or an email that exists already, say) rolls everything back. */
#include "seed_load.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seed.h"
#include "config.h"
#include "db.h"
#include "log.h"

/* The lead contacts wait here until the people exist (the foreign keys are not deferrable). */
#define SEED_LEADS_TABLE                                                                           \
    "CREATE TEMP TABLE seed_leads (kind char(1) NOT NULL, id uuid NOT NULL, lead uuid NOT NULL) "  \
    "ON COMMIT DROP"

#define SEED_SCHOOL_LEADS                                                                          \
    "UPDATE schools s SET lead_contact_id = l.lead FROM seed_leads l "                             \
    "WHERE l.kind = 's' AND s.id = l.id"
#define SEED_PARTNERSHIP_LEADS                                                                     \
    "UPDATE partnerships p SET lead_contact_id = l.lead FROM seed_leads l "                        \
    "WHERE l.kind = 'p' AND p.id = l.id"

/* The nightly digests of the $days days before $today for the seeded partnerships, as
 * digest.compile would have stored them at 02:00 ($seed makes their ids), with the same items: the
 * news of each window (best practices published, status changes) and the context (visits and
 * workshops in the 14 days from its date, of reviews not cancelled; the 20 soonest sessions after
 * it with seats left today). A digest with news is marked handed to delivery; the emails themselves
 * are not recreated. Set-based: the news is grouped by partnership and digest date in one pass each
 * (an instant belongs to the digest of the first 02:00 after it), rather than a query per
 * digest. */
#define SEED_DIGESTS                                                                               \
    "WITH d AS (SELECT p.id AS pid, p.name, p.timezone, p.hub_id, $today::date - g AS day, "       \
    "  spp_local_slot($today::date - g, '02:00', p.timezone) AS cut, "                             \
    "  spp_local_slot($today::date - g - 1, '02:00', p.timezone) AS wfrom "                        \
    "  FROM partnerships p JOIN seed_leads l ON l.kind = 'p' AND l.id = p.id "                     \
    "  CROSS JOIN generate_series(1, $days::int) g WHERE p.digest_enabled), "                      \
    "bp AS (SELECT r.partnership_id AS pid, "                                                      \
    "  ((b.published_at AT TIME ZONE p.timezone) - interval '2 hours')::date + 1 AS day, "         \
    "  jsonb_agg(jsonb_build_object('id', b.id, 'title', b.title, "                                \
    "    'description', b.description, 'school_name', s.name, 'review_id', r.id, "                 \
    "    'published_at', spp_ts(b.published_at)) ORDER BY b.published_at, b.id) AS items "         \
    "  FROM best_practices b JOIN reviews r ON r.id = b.review_id "                                \
    "  JOIN partnerships p ON p.id = r.partnership_id JOIN schools s ON s.id = r.school_id "       \
    "  WHERE b.published_at >= ($today::date - $days::int - 2)::timestamptz GROUP BY 1, 2), "      \
    "sc AS (SELECT r.partnership_id AS pid, "                                                      \
    "  ((e.created_at AT TIME ZONE p.timezone) - interval '2 hours')::date + 1 AS day, "           \
    "  jsonb_agg(jsonb_build_object('review_id', r.id, 'school_name', s.name, "                    \
    "    'from', e.from_status, 'to', e.to_status, 'at', spp_ts(e.created_at), "                   \
    "    'at_local', to_char(e.created_at AT TIME ZONE p.timezone, 'YYYY-MM-DD HH24:MI')) "        \
    "    ORDER BY e.created_at, e.id) AS items "                                                   \
    "  FROM review_events e JOIN reviews r ON r.id = e.review_id "                                 \
    "  JOIN partnerships p ON p.id = r.partnership_id JOIN schools s ON s.id = r.school_id "       \
    "  WHERE e.kind = 'transition' AND e.created_at >= ($today::date - $days::int - "              \
    "2)::timestamptz "                                                                             \
    "  GROUP BY 1, 2), "                                                                           \
    "up AS (SELECT u.pid, u.day, jsonb_agg(u.item ORDER BY u.starts_on, u.kind DESC, "             \
    "  u.school_name, u.review_id) AS items FROM ("                                                \
    "  SELECT d.pid, d.day, jsonb_build_object('kind', 'visit', 'review_id', r.id, "               \
    "    'school_name', s.name, 'starts_on', r.review_starts_on, "                                 \
    "    'ends_on', COALESCE(r.review_ends_on, r.review_starts_on)) AS item, "                     \
    "    r.review_starts_on AS starts_on, 'visit' AS kind, s.name AS school_name, "                \
    "    r.id AS review_id "                                                                       \
    "  FROM d JOIN reviews r ON r.partnership_id = d.pid JOIN schools s ON s.id = r.school_id "    \
    "  WHERE r.status <> 'cancelled' AND r.review_starts_on < d.day + 14 "                         \
    "  AND COALESCE(r.review_ends_on, r.review_starts_on) >= d.day "                               \
    "  UNION ALL "                                                                                 \
    "  SELECT d.pid, d.day, jsonb_build_object('kind', 'workshop', 'review_id', r.id, "            \
    "    'school_name', s.name, 'starts_on', r.workshop_on, 'ends_on', r.workshop_on), "           \
    "    r.workshop_on, 'workshop', s.name, r.id "                                                 \
    "  FROM d JOIN reviews r ON r.partnership_id = d.pid JOIN schools s ON s.id = r.school_id "    \
    "  WHERE r.status <> 'cancelled' AND r.workshop_on >= d.day AND r.workshop_on < d.day + 14"    \
    "  ) u GROUP BY 1, 2), "                                                                       \
    "tr AS (SELECT d.pid, d.day, t.items FROM d CROSS JOIN LATERAL ("                              \
    "  SELECT jsonb_agg(x.item ORDER BY x.starts_at, x.id) AS items FROM ("                        \
    "    SELECT jsonb_build_object('id', ts.id, 'course', ts.course, "                             \
    "      'starts_at', spp_ts(ts.starts_at), "                                                    \
    "      'starts_local', to_char(ts.starts_at AT TIME ZONE d.timezone, 'YYYY-MM-DD HH24:MI'), "  \
    "      'location', ts.location, 'seats_left', ts.capacity - ts.booked_count) AS item, "        \
    "      ts.starts_at, ts.id FROM training_sessions ts "                                         \
    "    WHERE ts.starts_at > d.cut AND ts.booked_count < ts.capacity "                            \
    "    AND (ts.hub_id IS NULL OR ts.hub_id = d.hub_id) "                                         \
    "    ORDER BY ts.starts_at, ts.id LIMIT 20) x) t) "                                            \
    "INSERT INTO digests (id, partnership_id, digest_date, window_from, cut_off, items, empty, "   \
    "  delivered_at, created_at) "                                                                 \
    "SELECT md5('seed-digest:' || $seed || ':' || d.pid || ':' || d.day)::uuid, d.pid, d.day, "    \
    "  d.wfrom, d.cut, jsonb_build_object('partnership_name', d.name, "                            \
    "  'timezone', d.timezone, 'window_from', spp_ts(d.wfrom), "                                   \
    "  'window_from_local', to_char(d.wfrom AT TIME ZONE d.timezone, 'YYYY-MM-DD HH24:MI'), "      \
    "  'cut_off_local', to_char(d.cut AT TIME ZONE d.timezone, 'YYYY-MM-DD HH24:MI'), "            \
    "  'best_practices', COALESCE(bp.items, '[]'::jsonb), "                                        \
    "  'status_changes', COALESCE(sc.items, '[]'::jsonb), "                                        \
    "  'upcoming', COALESCE(up.items, '[]'::jsonb), "                                              \
    "  'training', COALESCE(tr.items, '[]'::jsonb)), "                                             \
    "  bp.items IS NULL AND sc.items IS NULL, "                                                    \
    "  CASE WHEN bp.items IS NULL AND sc.items IS NULL THEN NULL "                                 \
    "    ELSE d.cut + interval '2 minutes' END, d.cut + interval '1 minute' "                      \
    "FROM d LEFT JOIN bp ON bp.pid = d.pid AND bp.day = d.day "                                    \
    "LEFT JOIN sc ON sc.pid = d.pid AND sc.day = d.day "                                           \
    "LEFT JOIN up ON up.pid = d.pid AND up.day = d.day "                                           \
    "LEFT JOIN tr ON tr.pid = d.pid AND tr.day = d.day"

/* The foreign keys of the tables the seed loads, as statements that drop them and add them
 * back. PostgreSQL checks a foreign key row by row while rows arrive, and in one join when the
 * key is added to a filled table, which is many times faster ("Populating a Database" in its
 * manual): the keys are dropped before the COPYs and added back, checking every row, before
 * COMMIT, all in one transaction, so no one ever sees the tables without them. */
#define SEED_FOREIGN_KEYS                                                                          \
    "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) "         \
    "  AS drop_sql, "                                                                              \
    "  format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, "            \
    "    pg_get_constraintdef(c.oid)) AS add_sql "                                                 \
    "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY (ARRAY['hubs', "              \
    "  'partnerships', 'schools', 'people', 'training_sessions', 'bookings', 'accreditations', "   \
    "  'conflicts', 'unavailability', 'reviews', 'review_team', 'evidence', 'findings', "          \
    "  'actions', 'best_practices', 'review_events', 'digests']::regclass[]) "                     \
    "ORDER BY c.conrelid::regclass::text, c.conname"

static double seed_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int seed_put(void *ctx, const char *data, size_t len)
{
    return PQputCopyData(ctx, data, (int)len) == 1 ? 0 : -1;
}

/* The statements that take parameters (the rest are plain SQL run by seed_exec). */
enum { SEED_TODAY, SEED_HUB_THERE, SEED_DIGESTS_INSERT };
static const struct db_stmt seed_statements[] = {
    [SEED_TODAY] = {"seed_today", "SELECT (now() AT TIME ZONE $tz)::date::text AS today"},
    [SEED_HUB_THERE] = {"seed_hub_there", "SELECT 1 FROM hubs WHERE id = $id"},
    [SEED_DIGESTS_INSERT] = {"seed_digests", SEED_DIGESTS},
};

/* Runs sql without parameters; 0 on success, else -1 with the message logged. */
static int seed_exec(PGconn *conn, const char *what, const char *sql)
{
    PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        log_error("seed: %s: %s", what, PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

/* Inserts the past digests (SEED_DIGESTS); 0 on success, else -1 with the message logged. */
static int seed_digests(struct db *db, const char *seed, const char *today, const char *days)
{
    PGresult *res = db_exec(db, &seed_statements[SEED_DIGESTS_INSERT],
                            DB_ARGS({"seed", seed}, {"today", today}, {"days", days}));
    int ok = db_ok(res);
    if (!ok)
        log_error("seed: digests: %s", res ? PQresultErrorMessage(res) : "no connection");
    if (res)
        PQclear(res);
    return ok ? 0 : -1;
}

/* COPYs one table; returns its row count or -1. */
static long seed_copy(PGconn *conn, const struct seed_model *m, enum seed_table t)
{
    PGresult *res = PQexec(conn, seed_table_copy(t));
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        log_error("seed: %s: %s", seed_table_name(t), PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    long rows = seed_emit(m, t, seed_put, conn);
    if (PQputCopyEnd(conn, rows < 0 ? "generator stopped" : NULL) != 1) {
        log_error("seed: %s: %s", seed_table_name(t), PQerrorMessage(conn));
        return -1;
    }
    int ok = 1;
    while ((res = PQgetResult(conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            log_error("seed: %s: %s", seed_table_name(t), PQresultErrorMessage(res));
            ok = 0;
        }
        PQclear(res);
    }
    return ok ? rows : -1;
}

static void seed_usage(void)
{
    fprintf(stderr, "usage: spp-api seed [--schools N] [--seed S] [--today YYYY-MM-DD] "
                    "[--partnerships P] [--hubs H] [--digest-days D] [--dry-run]\n"
                    "  defaults: 30 schools, seed 1, today in SPP_TZ, schools/8 partnerships,\n"
                    "  partnerships/25 hubs, 7 days of past digests\n");
}

/* Parses a whole decimal number in [lo, hi]; 0 or -1. */
static int seed_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Prints the ids a newcomer wants at hand: the first hub and partnership, and one review of
 * the first partnership in each status. */
static void seed_print_ids(const struct seed_model *m)
{
    char id[37];
    seed_id_of(m, SEED_HUBS, 0, id);
    printf("  hub            %s\n", id);
    seed_id_of(m, SEED_PARTNERSHIPS, 0, id);
    printf("  partnership    %s\n", id);
    for (int s = 0; s < 9; s++) {
        for (int i = 0; i < seed_review_count(m, 0); i++) {
            if (!strcmp(seed_review_status(m, 0, i), seed_statuses[s])) {
                seed_review_id(m, 0, i, id);
                printf("  review %-13s %s\n", seed_statuses[s], id);
                break;
            }
        }
    }
}

int seed_load_main(const struct config *cfg, int argc, char **argv)
{
    struct seed_opts o = {1, 30, 0, 0, {0, 0, 0}, cfg->accreditation_months};
    long digest_days = 7;
    int dry = 0;
    const char *today = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            seed_usage();
            return 0;
        }
        if (!strcmp(a, "--dry-run")) {
            dry = 1;
            continue;
        }
        if (!v) {
            seed_usage();
            return 2;
        }
        i++;
        if (!strcmp(a, "--schools") && !seed_int(v, 3, 1000000, &n)) {
            o.schools = (int)n;
        } else if (!strcmp(a, "--seed") && !seed_int(v, 0, 0x7fffffffL, &n)) {
            o.seed = (uint64_t)n;
        } else if (!strcmp(a, "--partnerships") && !seed_int(v, 1, 1000000, &n)) {
            o.partnerships = (int)n;
        } else if (!strcmp(a, "--hubs") && !seed_int(v, 1, 1000000, &n)) {
            o.hubs = (int)n;
        } else if (!strcmp(a, "--digest-days") && !seed_int(v, 0, 60, &n)) {
            digest_days = n;
        } else if (!strcmp(a, "--today") && !caldate_parse(v, &o.today)) {
            today = v;
        } else {
            fprintf(stderr, "spp-api seed: bad option or value: %s %s\n", a, v);
            seed_usage();
            return 2;
        }
    }

    int rc = 1;
    struct seed_model *m = NULL;
    PGresult *fks = NULL;
    struct db *db = db_new(cfg->database_url, NULL);
    char err[512];
    if (db_ensure(db, err, sizeof err) != 0) {
        log_error("seed: %s", err);
        goto done;
    }
    PGconn *conn = db_conn(db);
    char day[16];
    if (!today) {
        PGresult *res = db_exec(db, &seed_statements[SEED_TODAY], DB_ARGS({"tz", cfg->tz}));
        if (PQresultStatus(res) != PGRES_TUPLES_OK ||
            caldate_parse(db_value(res, 0, "today"), &o.today)) {
            log_error("seed: cannot read today's date: %s", PQresultErrorMessage(res));
            PQclear(res);
            goto done;
        }
        PQclear(res);
    }
    caldate_format(o.today, day);
    m = seed_model_new(&o, err, sizeof err);
    if (!m) {
        fprintf(stderr, "spp-api seed: %s\n", err);
        rc = 2;
        goto done;
    }
    if (dry) {
        double d0 = seed_now();
        long total = 0;
        for (int ti = 0; ti < SEED_TABLE_COUNT; ti++) {
            long rows = seed_count(m, (enum seed_table)ti);
            fprintf(stderr, "seed: %-18s %8ld rows\n", seed_table_name((enum seed_table)ti), rows);
            total += rows;
        }
        printf("generated %ld rows in %.2f s without loading them (--dry-run)\n", total,
               seed_now() - d0);
        rc = 0;
        goto done;
    }
    char hub[37];
    seed_id_of(m, SEED_HUBS, 0, hub);
    PGresult *res = db_exec(db, &seed_statements[SEED_HUB_THERE], DB_ARGS({"id", hub}));
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("seed: %s", PQresultErrorMessage(res));
        PQclear(res);
        goto done;
    }
    int there = PQntuples(res) > 0;
    PQclear(res);
    if (there) {
        printf("already seeded (hub %s exists): nothing changed\n", hub);
        seed_print_ids(m);
        rc = 0;
        goto done;
    }

    double t0 = seed_now(), t = t0;
    if (seed_exec(conn, "begin", "BEGIN") ||
        seed_exec(conn, "settings", "SET LOCAL synchronous_commit = off") ||
        /* The digest statement's estimate is large enough to trigger JIT compilation, which
         * costs far more than the statement itself. */
        seed_exec(conn, "settings", "SET LOCAL jit = off") ||
        seed_exec(conn, "lead table", SEED_LEADS_TABLE))
        goto rollback;
    fks = PQexec(conn, SEED_FOREIGN_KEYS);
    if (PQresultStatus(fks) != PGRES_TUPLES_OK) {
        log_error("seed: foreign keys: %s", PQresultErrorMessage(fks));
        goto rollback;
    }
    int drop_sql = db_col(fks, "drop_sql"), add_sql = db_col(fks, "add_sql");
    for (int i = 0; i < PQntuples(fks); i++)
        if (seed_exec(conn, "dropping a foreign key", PQgetvalue(fks, i, drop_sql)))
            goto rollback;
    long total = 0;
    for (int ti = 0; ti < SEED_TABLE_COUNT; ti++) {
        long rows = seed_copy(conn, m, (enum seed_table)ti);
        if (rows < 0)
            goto rollback;
        total += rows;
        double now = seed_now();
        fprintf(stderr, "seed: %-18s %8ld rows %6.2f s\n", seed_table_name((enum seed_table)ti),
                rows, now - t);
        t = now;
        if (ti == SEED_LEADS && (seed_exec(conn, "school leads", SEED_SCHOOL_LEADS) ||
                                 seed_exec(conn, "partnership leads", SEED_PARTNERSHIP_LEADS)))
            goto rollback;
    }
    for (int i = 0; i < PQntuples(fks); i++)
        if (seed_exec(conn, "checking a foreign key", PQgetvalue(fks, i, add_sql)))
            goto rollback;
    fprintf(stderr, "seed: %-18s %8d keys %6.2f s\n", "foreign keys", PQntuples(fks),
            seed_now() - t);
    t = seed_now();
    char seedtxt[24], daystxt[24];
    snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)o.seed);
    snprintf(daystxt, sizeof daystxt, "%ld", digest_days);
    /* Statistics first, so that the digests' joins are planned on the real sizes. */
    if (seed_exec(conn, "analyze", "ANALYZE"))
        goto rollback;
    fprintf(stderr, "seed: %-18s %8s      %6.2f s\n", "analyze", "", seed_now() - t);
    t = seed_now();
    if (digest_days > 0 && seed_digests(db, seedtxt, day, daystxt) != 0)
        goto rollback;
    fprintf(stderr, "seed: %-18s %8s      %6.2f s\n", "digests", "", seed_now() - t);
    t = seed_now();
    if (seed_exec(conn, "commit", "COMMIT"))
        goto done;
    fprintf(stderr, "seed: %-18s %8s      %6.2f s\n", "commit", "", seed_now() - t);
    t = seed_now();
    printf("seeded %ld rows in %.1f s: %d schools, %d partnerships, %ld people, %ld reviews "
           "(seed %s, today %s)\n",
           total, seed_now() - t0, o.schools, seed_partnership_count(m), seed_count(m, SEED_PEOPLE),
           seed_count(m, SEED_REVIEWS), seedtxt, day);
    seed_print_ids(m);
    rc = 0;
    goto done;
rollback:
    seed_exec(conn, "rollback", "ROLLBACK");
    fprintf(stderr, "spp-api seed: nothing loaded (rolled back)\n");
done:
    PQclear(fks);
    seed_model_free(m);
    db_free(db);
    return rc;
}
