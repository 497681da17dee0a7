/* Who may see and change what (DESIGN §3, Auth): pure rules over a caller and the chain of
 * owners of a resource. */
#ifndef SPP_SCOPE_H
#define SPP_SCOPE_H

enum scope_role { ROLE_ADMIN, ROLE_HUB, ROLE_PARTNERSHIP, ROLE_SCHOOL, ROLE_PERSON };

/* The caller: a role and, for every role but admin, the id of what it is bound to. */
struct principal {
    char key_id[37]; /* the api key's id; "" for the bootstrap admin token */
    enum scope_role role;
    char scope_id[37];
    char hub_id[37]; /* the hub above what the key is bound to, "" when none (or admin) */
};

/* A resource's owners, each "" when it has none: a school's chain is its partnership's hub,
 * its partnership and itself. */
struct scope_owner {
    char hub_id[37];
    char partnership_id[37];
    char school_id[37];
    char person_id[37];
};

enum scope_kind {
    SCOPE_HUB,
    SCOPE_PARTNERSHIP,
    SCOPE_SCHOOL,
    SCOPE_PERSON,
    SCOPE_PERSON_DETAIL, /* a person's conflicts and unavailability */
    SCOPE_API_KEY,
    SCOPE_TRAINING, /* a training session: owner.hub_id is its hub ("" for none) */
    SCOPE_BOOKING,  /* a booking: the owner chain is its person's */
    SCOPE_CONFLICT, /* a declared conflict of interest: the chain is its person's. The person
                       reads and declares their own, but never clears one: that is for the
                       keys above them (DESIGN §1: never cleared by the person concerned). */
};

enum scope_op { SCOPE_READ, SCOPE_CREATE, SCOPE_UPDATE, SCOPE_DELETE };

enum scope_result { SCOPE_OK = 0, SCOPE_NOT_FOUND = -1, SCOPE_FORBIDDEN = -2 };

extern const char *const scope_role_names[]; /* NULL-terminated, in enum order */

/* Parses a role name; returns 0 or -1. */
int scope_role_parse(const char *s, enum scope_role *out);
/* Whether the caller may see the resource at all. */
int scope_visible(const struct principal *p, const struct scope_owner *o);
/* The decision for op on a resource of kind owned by o (for a create, o is the chain the new
 * resource would have). Invisible answers SCOPE_NOT_FOUND; visible but not the role's to
 * change answers SCOPE_FORBIDDEN. */
enum scope_result scope_check(const struct principal *p, enum scope_kind kind, enum scope_op op,
                              const struct scope_owner *o);

/* Training sessions are readable by every key: those with no hub by all, a hub's own by admin
 * keys and by that hub's keys and everything beneath it. Only admin and the session's own hub
 * key change them. */
int scope_training_visible(const struct principal *p, const char *session_hub_id);

/* Reviews (DESIGN §3 and issue 4): the host school drives its review, team members add
 * evidence and findings, the champion records the workshop and the actions; hub and
 * partnership keys read. A person key sees only the reviews it is involved in. */
enum review_act {
    REVIEW_ACT_READ,
    REVIEW_ACT_DRIVE,    /* create, focus, self-review, dates, team, champion, transitions */
    REVIEW_ACT_EVIDENCE, /* evidence and findings */
    REVIEW_ACT_WORKSHOP, /* the workshop date, actions and best practices */
};
#define REVIEW_ON_TEAM  1u
#define REVIEW_CHAMPION 2u

/* o is the host school's chain; involvement says how the caller's person (if a person key) sits
 * on the review. SCOPE_NOT_FOUND when the caller may not see it, SCOPE_FORBIDDEN when it may
 * see it but not take act. */
enum scope_result scope_review(const struct principal *p, const struct scope_owner *o,
                               unsigned involvement, enum review_act act);

/* Whether the caller's role ever creates a review: admin and school keys (the host school's own;
 * which school is the visibility check's). Every other role is refused with 403 before the body
 * is read, whatever school it names (DESIGN §3: an action the role may never take). */
int scope_creates_reviews(const struct principal *p);

/* Bookings (DESIGN §1, §3): a person key books only for itself; a session that has started,
 * and attendance, are recorded by admin, hub and partnership keys only. */
int scope_may_book_for(const struct principal *p, const char *person_id);
int scope_records_attendance(const struct principal *p);

/* The owner column a list query filters on for this caller: writes the scope id into the one of
 * the four slots that applies (hub, partnership, school, person) and NULL into the others, for
 * use as query parameters. Admin gets four NULLs. */
void scope_list_filter(const struct principal *p, const char *slots[4]);

#endif
