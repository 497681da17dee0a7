/* The nightly digest slot with three workers, two of them killed and restarted at the tick:
 * one digest.compile job per partnership for the slot, each run once (DESIGN §4.6). It holds
 * for the test build's stand-in kind and for the product's digest.compile alike. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fault.h"

static long fault_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fault_sleep_until(long wall_ms)
{
    long d = wall_ms - fault_wall_ms();
    if (d > 0)
        fault_sleep_ms((int)d);
}

static void fault_restart(struct fault_worker *w, const char *label, const char *const *env)
{
    fault_worker_kill(w);
    fault_worker_start(w, label, env);
}

/* (d) SPP_DIGEST_AT has minutes only: the slot is put a few seconds ahead by choosing SPP_TZ, a
 * POSIX zone east of UTC by the seconds missing to the next whole minute, so that the slot's
 * local time is a whole minute. */
START_TEST(digest_slot_once)
{
    char run[64];
    fault_tag(run, sizeof run, "digest");
    time_t slot = time(NULL) + 8;
    int off = (int)((60 - slot % 60) % 60);
    time_t local = slot + off;
    struct tm tm;
    gmtime_r(&local, &tm);
    char tz[64], at[64], date[16];
    if (off)
        snprintf(tz, sizeof tz, "SPP_TZ=FLT-00:00:%02d", off);
    else
        snprintf(tz, sizeof tz, "SPP_TZ=UTC");
    strftime(at, sizeof at, "SPP_DIGEST_AT=%H:%M", &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    const char *env[] = {tz, at, NULL};

    /* Three partnerships of this run; the slot of that date expanded by no one yet (an earlier
     * scenario's workers, with the default zone, may have expanded a slot of the same date). */
    PGresult *res = fault_sql("INSERT INTO partnerships (name, kind) SELECT '%s-' || g, 'mat' "
                              "FROM generate_series(1, 3) g RETURNING id",
                              run);
    ck_assert_int_eq(PQntuples(res), 3);
    char keys[3][128], in[512] = "";
    for (int i = 0; i < 3; i++) {
        snprintf(keys[i], sizeof keys[i], "digest.compile:%s:%s", PQgetvalue(res, i, 0), date);
        snprintf(in + strlen(in), sizeof in - strlen(in), "%s'%s'", i ? "," : "", keys[i]);
    }
    PQclear(res);
    res = fault_sql("DELETE FROM schedule_slots WHERE slot_key = 'digest:%s'", date);
    PQclear(res);

    struct fault_worker w[3];
    fault_workers_start(w, 3, "digest", env);
    /* Two of them killed and restarted just before the tick, and one of those again just
     * after it. */
    fault_sleep_until((long)slot * 1000 - 500);
    fault_restart(&w[1], "digest", env);
    fault_restart(&w[2], "digest", env);
    fault_sleep_until((long)slot * 1000 + 300);
    fault_restart(&w[1], "digest", env);

    ck_assert_msg(fault_wait_long(3, 40,
                                  "SELECT count(*) FROM jobs WHERE dedupe_key IN (%s) "
                                  "AND status = 'succeeded'",
                                  in) == 3,
                  "the slot's digest jobs did not all succeed (see %s)", w[0].log);
    fault_workers_stop(w, 3);

    /* One job per partnership for the slot, by key and by slot time; one effect each. */
    ck_assert_int_eq(fault_long("SELECT count(*) FROM jobs WHERE dedupe_key IN (%s)", in), 3);
    ck_assert_int_eq(fault_long("SELECT count(*) FROM jobs j JOIN partnerships p "
                                "ON j.payload->>'partnership_id' = p.id::text "
                                "WHERE p.name LIKE '%s-%%' AND j.kind = 'digest.compile' "
                                "AND j.run_at = to_timestamp(%lld)",
                                run, (long long)slot),
                     3);
    /* A digest.compile's effect: the test build's stand-in records a row in test_job_effects,
     * the product's kind a digest (one per partnership and date) naming its job. */
    ck_assert_int_eq(fault_long("SELECT count(*) FROM jobs j WHERE j.dedupe_key IN (%s) AND "
                                "(SELECT count(*) FROM test_job_effects e WHERE e.job_id = j.id) + "
                                "(SELECT count(*) FROM digests d WHERE d.job_id = j.id) = 1 AND "
                                "NOT EXISTS (SELECT 1 FROM test_job_effects e WHERE e.job_id = "
                                "j.id AND e.attempt <> j.attempts)",
                                in),
                     3);
    ck_assert_int_eq(fault_long("SELECT count(*) FROM schedule_slots WHERE slot_key = "
                                "'digest:%s' AND run_at = to_timestamp(%lld)",
                                date, (long long)slot),
                     1);
    /* These partnerships would be digested by every later scenario's workers: retire them. */
    res = fault_sql("UPDATE partnerships SET digest_enabled = false WHERE name LIKE '%s-%%'", run);
    PQclear(res);
}
END_TEST

Suite *fault_schedule_suite(void)
{
    Suite *s = suite_create("fault: schedules");
    suite_add_tcase(s, fault_tcase("digest slot with restarts at the tick", digest_slot_once, 90));
    return s;
}
