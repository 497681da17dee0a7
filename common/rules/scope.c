#include "scope.h"

#include <string.h>
#include <strings.h>

const char *const scope_role_names[] = {"admin", "hub", "partnership", "school", "person", NULL};

int scope_role_parse(const char *s, enum scope_role *out)
{
    for (int i = 0; scope_role_names[i]; i++) {
        if (!strcmp(s, scope_role_names[i])) {
            *out = (enum scope_role)i;
            return 0;
        }
    }
    return -1;
}

/* The owner field a role is bound to. */
static const char *scope_owner_field(const struct scope_owner *o, enum scope_role role)
{
    switch (role) {
    case ROLE_HUB:
        return o->hub_id;
    case ROLE_PARTNERSHIP:
        return o->partnership_id;
    case ROLE_SCHOOL:
        return o->school_id;
    case ROLE_PERSON:
        return o->person_id;
    default:
        return "";
    }
}

int scope_visible(const struct principal *p, const struct scope_owner *o)
{
    if (p->role == ROLE_ADMIN)
        return 1;
    const char *owner = scope_owner_field(o, p->role);
    return owner[0] && !strcmp(owner, p->scope_id);
}

/* The weakest role that may take op on kind: roles are ordered admin < hub < partnership <
 * school < person, and a role may act when it is at most this one (and sees the resource). */
static int scope_weakest(enum scope_kind kind, enum scope_op op)
{
    switch (kind) {
    case SCOPE_HUB:
        return op == SCOPE_UPDATE ? ROLE_HUB : ROLE_ADMIN;
    case SCOPE_PARTNERSHIP:
        return op == SCOPE_UPDATE ? ROLE_PARTNERSHIP : ROLE_HUB;
    case SCOPE_SCHOOL:
        return op == SCOPE_UPDATE ? ROLE_SCHOOL : ROLE_PARTNERSHIP;
    case SCOPE_PERSON:
        return op == SCOPE_UPDATE ? ROLE_PERSON : ROLE_SCHOOL;
    case SCOPE_PERSON_DETAIL:
        return ROLE_PERSON;
    case SCOPE_API_KEY:
        return ROLE_ADMIN;
    case SCOPE_TRAINING:
        return ROLE_HUB;
    case SCOPE_BOOKING:
        return ROLE_PERSON;
    case SCOPE_CONFLICT:
        return op == SCOPE_DELETE ? ROLE_SCHOOL : ROLE_PERSON;
    }
    return ROLE_ADMIN;
}

enum scope_result scope_check(const struct principal *p, enum scope_kind kind, enum scope_op op,
                              const struct scope_owner *o)
{
    /* API keys are admin business: other roles are refused outright rather than shown 404. */
    if (kind == SCOPE_API_KEY)
        return p->role == ROLE_ADMIN ? SCOPE_OK : SCOPE_FORBIDDEN;
    if (kind == SCOPE_TRAINING) {
        int writer = p->role == ROLE_ADMIN ||
                     (p->role == ROLE_HUB && o->hub_id[0] && !strcmp(o->hub_id, p->scope_id));
        if (op == SCOPE_READ)
            return scope_training_visible(p, o->hub_id) ? SCOPE_OK : SCOPE_NOT_FOUND;
        if (writer)
            return SCOPE_OK;
        return op == SCOPE_CREATE || scope_training_visible(p, o->hub_id) ? SCOPE_FORBIDDEN
                                                                          : SCOPE_NOT_FOUND;
    }
    if (op == SCOPE_CREATE) {
        /* A create names its parent; a parent the caller cannot see is for the handler to
         * report (as a field that names nothing). Here only the role decides. */
        if ((int)p->role > scope_weakest(kind, op))
            return SCOPE_FORBIDDEN;
        return scope_visible(p, o) ? SCOPE_OK : SCOPE_FORBIDDEN;
    }
    if (!scope_visible(p, o))
        return SCOPE_NOT_FOUND;
    if (op == SCOPE_READ)
        return SCOPE_OK;
    return (int)p->role <= scope_weakest(kind, op) ? SCOPE_OK : SCOPE_FORBIDDEN;
}

int scope_training_visible(const struct principal *p, const char *session_hub_id)
{
    return p->role == ROLE_ADMIN || !session_hub_id[0] ||
           (p->hub_id[0] && !strcmp(p->hub_id, session_hub_id));
}

enum scope_result scope_review(const struct principal *p, const struct scope_owner *o,
                               unsigned involvement, enum review_act act)
{
    int visible = p->role == ROLE_PERSON ? involvement != 0 : scope_visible(p, o);
    if (!visible)
        return SCOPE_NOT_FOUND;
    int admin = p->role == ROLE_ADMIN, host = p->role == ROLE_SCHOOL;
    switch (act) {
    case REVIEW_ACT_READ:
        return SCOPE_OK;
    case REVIEW_ACT_DRIVE:
        return admin || host ? SCOPE_OK : SCOPE_FORBIDDEN;
    case REVIEW_ACT_EVIDENCE:
        return admin || (p->role == ROLE_PERSON && (involvement & REVIEW_ON_TEAM))
                   ? SCOPE_OK
                   : SCOPE_FORBIDDEN;
    case REVIEW_ACT_WORKSHOP:
        return admin || host || (p->role == ROLE_PERSON && (involvement & REVIEW_CHAMPION))
                   ? SCOPE_OK
                   : SCOPE_FORBIDDEN;
    }
    return SCOPE_FORBIDDEN;
}

int scope_creates_reviews(const struct principal *p)
{
    return p->role == ROLE_ADMIN || p->role == ROLE_SCHOOL;
}

int scope_may_book_for(const struct principal *p, const char *person_id)
{
    /* A UUID may come in either case; the scope id is PostgreSQL's lower-case spelling. */
    return p->role != ROLE_PERSON || !strcasecmp(person_id, p->scope_id);
}

int scope_records_attendance(const struct principal *p)
{
    return p->role <= ROLE_PARTNERSHIP;
}

void scope_list_filter(const struct principal *p, const char *slots[4])
{
    for (int i = 0; i < 4; i++)
        slots[i] = NULL;
    if (p->role != ROLE_ADMIN)
        slots[p->role - ROLE_HUB] = p->scope_id;
}
