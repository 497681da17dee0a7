#include "accreditation.h"

#include <string.h>

static const char *const accreditation_roles[] = {"peer_reviewer", "improvement_champion"};

enum accreditation_role accreditation_course_role(const char *course, int *refresher)
{
    *refresher = 0;
    for (int r = 0; r < 2; r++) {
        size_t n = strlen(accreditation_roles[r]);
        if (strncmp(course, accreditation_roles[r], n) != 0)
            continue;
        if (course[n] == '\0')
            return (enum accreditation_role)r;
        if (!strcmp(course + n, "_refresher")) {
            *refresher = 1;
            return (enum accreditation_role)r;
        }
    }
    return ACCR_NO_ROLE;
}

const char *accreditation_role_name(enum accreditation_role role)
{
    return role < ACCR_NO_ROLE ? accreditation_roles[role] : "";
}

int accreditation_role_parse(const char *s, enum accreditation_role *out)
{
    for (int r = 0; r < 2; r++) {
        if (!strcmp(s, accreditation_roles[r])) {
            *out = (enum accreditation_role)r;
            return 0;
        }
    }
    return -1;
}

void accreditation_evaluate(struct accreditation_award *awards, size_t n, int months)
{
    /* A refresher counts when something that counts came before it (on or before its day).
     * Refreshers may chain, but every chain starts at an award that is not a refresher, so a
     * refresher counts exactly when the earliest such award is on or before its day: one pass
     * to find it, one to decide, however many awards a person holds (imports add thousands). */
    int any_initial = 0;
    struct caldate first = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        awards[i].valid_until = caldate_add_months(awards[i].on, months);
        if (awards[i].kind != ACCR_REFRESHER &&
            (!any_initial || caldate_cmp(awards[i].on, first) < 0)) {
            first = awards[i].on;
            any_initial = 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        awards[i].counts = awards[i].kind != ACCR_REFRESHER ||
                           (any_initial && caldate_cmp(first, awards[i].on) <= 0);
}

int accreditation_on(const struct accreditation_award *awards, size_t n, struct caldate day,
                     struct caldate *until)
{
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        const struct accreditation_award *a = &awards[i];
        if (!a->counts || caldate_cmp(a->on, day) > 0 || caldate_cmp(day, a->valid_until) > 0)
            continue;
        if (until && (!found || caldate_cmp(a->valid_until, *until) > 0))
            *until = a->valid_until;
        found = 1;
    }
    return found;
}
