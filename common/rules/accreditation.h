/* Accreditation (DESIGN §1): attending a course accredits a person in its role until the start
 * date + SPP_ACCREDITATION_MONTHS, inclusive; attending the matching refresher extends it;
 * awards recorded for training elsewhere count like attended courses. Pure rules. */
#ifndef SPP_ACCREDITATION_H
#define SPP_ACCREDITATION_H

#include <stddef.h>

#include "caldate.h"

enum accreditation_role { ACCR_PEER_REVIEWER, ACCR_IMPROVEMENT_CHAMPION, ACCR_NO_ROLE };

enum accreditation_kind {
    ACCR_INITIAL,   /* the role's own course, attended */
    ACCR_REFRESHER, /* the matching refresher, attended */
    ACCR_RECORDED,  /* an award earned before joining the platform */
};

struct accreditation_award {
    enum accreditation_kind kind;
    struct caldate on; /* the course's start date, or the award date */
    /* Filled by accreditation_evaluate: */
    struct caldate valid_until;
    int counts; /* 0 for a refresher with no earlier award to extend */
};

/* The role a course accredits and whether it is a refresher. Returns ACCR_NO_ROLE for an
 * unknown course. */
enum accreditation_role accreditation_course_role(const char *course, int *refresher);
const char *accreditation_role_name(enum accreditation_role role);
int accreditation_role_parse(const char *s, enum accreditation_role *out);

/* Fills valid_until and counts of every award of one person in one role: valid_until is the
 * date + months; an initial or recorded award counts; a refresher counts when an award that
 * counts lies on or before its date (it extends an accreditation; alone it makes none). */
void accreditation_evaluate(struct accreditation_award *awards, size_t n, int months);
/* 1 when the evaluated awards accredit on day: some award that counts has on <= day <=
 * valid_until. Writes the latest such valid_until into until when not NULL. */
int accreditation_on(const struct accreditation_award *awards, size_t n, struct caldate day,
                     struct caldate *until);

#endif
