/* Accreditations: the awards a person holds (attended courses and recorded awards) and what
 * they add up to. The rule is common/accreditation.c; after any change to a person's awards in
 * a role, accreditations_refresh stores its outcome (valid_until, counts) on every award of
 * that person and role, so that "accredited as R on D" is a plain query. */
#include <stdio.h>
#include <string.h>

#include "accreditation.h"
#include "config.h"
#include "handlers.h"
#include "resource.h"

const struct db_stmt accreditation_statements[] = {
    {"accr_awards", "SELECT id, source, refresher, awarded_on FROM accreditations "
                    "WHERE person_id = $1 AND role = $2 ORDER BY awarded_on, id FOR UPDATE"},
    {"accr_set", "UPDATE accreditations SET valid_until = $2::date, counts = $3::boolean "
                 "WHERE id = $1"},
    /* The award of an attended booking: its course decides role and refresher; the date is the
     * session's start in the schedules' time zone ($2). */
    {"accr_attended",
     "INSERT INTO accreditations (person_id, role, source, refresher, awarded_on, valid_until, "
     "booking_id, session_id) SELECT b.person_id, regexp_replace(t.course, '_refresher$', ''), "
     "'training', t.course LIKE '%_refresher', (t.starts_at AT TIME ZONE $2)::date, "
     "(t.starts_at AT TIME ZONE $2)::date, b.id, t.id FROM bookings b "
     "JOIN training_sessions t ON t.id = b.session_id WHERE b.id = $1 "
     "ON CONFLICT (booking_id) DO NOTHING RETURNING person_id, role"},
    {"accr_unattended",
     "DELETE FROM accreditations WHERE booking_id = $1 RETURNING person_id, role"},
    {NULL, NULL},
};

int accreditations_refresh(struct req *r, const char *person_id, const char *role)
{
    const char *p[] = {person_id, role};
    PGresult *res = req_db(r, "accr_awards", 2, p);
    if (!res)
        return -1;
    int n = PQntuples(res);
    struct accreditation_award *awards =
        arena_alloc(&r->arena, (size_t)(n ? n : 1) * sizeof *awards);
    for (int i = 0; i < n; i++) {
        int recorded = !strcmp(PQgetvalue(res, i, 1), "recorded");
        int refresher = PQgetvalue(res, i, 2)[0] == 't';
        awards[i].kind = recorded ? ACCR_RECORDED : refresher ? ACCR_REFRESHER : ACCR_INITIAL;
        caldate_parse(PQgetvalue(res, i, 3), &awards[i].on);
    }
    accreditation_evaluate(awards, (size_t)n, handlers_config()->accreditation_months);
    for (int i = 0; i < n; i++) {
        char until[11];
        caldate_format(awards[i].valid_until, until);
        const char *u[] = {PQgetvalue(res, i, 0), until, awards[i].counts ? "true" : "false"};
        if (!req_db(r, "accr_set", 3, u))
            return -1;
    }
    return 0;
}

/* Runs one of the attendance statements and refreshes the person's awards in its role. */
static int accreditations_attendance(struct req *r, const char *stmt, const char *booking_id)
{
    const char *p[] = {booking_id, handlers_config()->tz};
    PGresult *res = req_db(r, stmt, strcmp(stmt, "accr_attended") ? 1 : 2, p);
    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        return 0;
    return accreditations_refresh(r, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
}

int accreditations_attended(struct req *r, const char *booking_id)
{
    return accreditations_attendance(r, "accr_attended", booking_id);
}

int accreditations_unattended(struct req *r, const char *booking_id)
{
    return accreditations_attendance(r, "accr_unattended", booking_id);
}
