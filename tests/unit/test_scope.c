#include <string.h>

#include "scope.h"
#include "unit.h"

#define HUB    "11111111-1111-1111-1111-111111111111"
#define PART   "22222222-2222-2222-2222-222222222222"
#define SCHOOL "33333333-3333-3333-3333-333333333333"
#define PERSON "44444444-4444-4444-4444-444444444444"
#define OTHER  "99999999-9999-9999-9999-999999999999"

static struct principal who(enum scope_role role, const char *scope)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    p.role = role;
    strcpy(p.scope_id, scope ? scope : "");
    return p;
}

static const struct scope_owner person_chain = {HUB, PART, SCHOOL, PERSON};
static const struct scope_owner school_chain = {HUB, PART, SCHOOL, ""};
static const struct scope_owner partnership_chain = {HUB, PART, "", ""};
static const struct scope_owner hub_chain = {HUB, "", "", ""};

START_TEST(scope_visibility_follows_the_chain)
{
    struct principal admin = who(ROLE_ADMIN, NULL), hub = who(ROLE_HUB, HUB),
                     part = who(ROLE_PARTNERSHIP, PART), school = who(ROLE_SCHOOL, SCHOOL),
                     person = who(ROLE_PERSON, PERSON), stranger = who(ROLE_HUB, OTHER);
    ck_assert(scope_visible(&admin, &hub_chain));
    ck_assert(scope_visible(&hub, &person_chain));
    ck_assert(scope_visible(&part, &school_chain));
    ck_assert(!scope_visible(&part, &hub_chain));
    ck_assert(scope_visible(&school, &person_chain));
    ck_assert(!scope_visible(&school, &partnership_chain));
    ck_assert(scope_visible(&person, &person_chain));
    ck_assert(!scope_visible(&person, &school_chain));
    ck_assert(!scope_visible(&stranger, &person_chain));
}
END_TEST

START_TEST(scope_outside_is_404_inside_but_not_yours_is_403)
{
    struct principal part = who(ROLE_PARTNERSHIP, PART), school = who(ROLE_SCHOOL, SCHOOL),
                     person = who(ROLE_PERSON, PERSON), other = who(ROLE_SCHOOL, OTHER);
    ck_assert_int_eq(scope_check(&other, SCOPE_SCHOOL, SCOPE_READ, &school_chain), SCOPE_NOT_FOUND);
    ck_assert_int_eq(scope_check(&school, SCOPE_SCHOOL, SCOPE_UPDATE, &school_chain), SCOPE_OK);
    ck_assert_int_eq(scope_check(&school, SCOPE_SCHOOL, SCOPE_DELETE, &school_chain),
                     SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_check(&school, SCOPE_PARTNERSHIP, SCOPE_CREATE, &partnership_chain),
                     SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_check(&part, SCOPE_SCHOOL, SCOPE_CREATE, &partnership_chain), SCOPE_OK);
    ck_assert_int_eq(scope_check(&person, SCOPE_PERSON, SCOPE_UPDATE, &person_chain), SCOPE_OK);
    ck_assert_int_eq(scope_check(&person, SCOPE_PERSON, SCOPE_DELETE, &person_chain),
                     SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_check(&person, SCOPE_PERSON_DETAIL, SCOPE_CREATE, &person_chain),
                     SCOPE_OK);
    ck_assert_int_eq(scope_check(&part, SCOPE_API_KEY, SCOPE_READ, &partnership_chain),
                     SCOPE_FORBIDDEN);
}
END_TEST

/* A declared conflict is read and declared by its person too, but cleared only by the keys
 * above them (school, partnership, hub, admin): never by the person concerned. */
START_TEST(scope_conflict_never_cleared_by_its_person)
{
    struct principal admin = who(ROLE_ADMIN, NULL), hub = who(ROLE_HUB, HUB),
                     part = who(ROLE_PARTNERSHIP, PART), school = who(ROLE_SCHOOL, SCHOOL),
                     person = who(ROLE_PERSON, PERSON), other = who(ROLE_PERSON, OTHER);
    ck_assert_int_eq(scope_check(&person, SCOPE_CONFLICT, SCOPE_READ, &person_chain), SCOPE_OK);
    ck_assert_int_eq(scope_check(&person, SCOPE_CONFLICT, SCOPE_CREATE, &person_chain), SCOPE_OK);
    ck_assert_int_eq(scope_check(&person, SCOPE_CONFLICT, SCOPE_DELETE, &person_chain),
                     SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_check(&other, SCOPE_CONFLICT, SCOPE_DELETE, &person_chain),
                     SCOPE_NOT_FOUND);
    const struct principal *above[] = {&admin, &hub, &part, &school};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(scope_check(above[i], SCOPE_CONFLICT, SCOPE_DELETE, &person_chain),
                         SCOPE_OK);
}
END_TEST

START_TEST(scope_list_filter_sets_one_slot)
{
    const char *slots[4];
    struct principal admin = who(ROLE_ADMIN, NULL), school = who(ROLE_SCHOOL, SCHOOL);
    scope_list_filter(&admin, slots);
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_null(slots[i]);
    scope_list_filter(&school, slots);
    ck_assert_ptr_null(slots[0]);
    ck_assert_ptr_null(slots[1]);
    ck_assert_str_eq(slots[2], SCHOOL);
    ck_assert_ptr_null(slots[3]);
    enum scope_role r;
    ck_assert_int_eq(scope_role_parse("partnership", &r), 0);
    ck_assert_int_eq(r, ROLE_PARTNERSHIP);
    ck_assert_int_eq(scope_role_parse("root", &r), -1);
}
END_TEST

START_TEST(scope_review_roles)
{
    struct principal admin = who(ROLE_ADMIN, NULL), hub = who(ROLE_HUB, HUB),
                     part = who(ROLE_PARTNERSHIP, PART), host = who(ROLE_SCHOOL, SCHOOL),
                     other = who(ROLE_SCHOOL, OTHER), person = who(ROLE_PERSON, PERSON);
    const struct scope_owner *o = &school_chain;
    ck_assert_int_eq(scope_review(&admin, o, 0, REVIEW_ACT_DRIVE), SCOPE_OK);
    ck_assert_int_eq(scope_review(&host, o, 0, REVIEW_ACT_DRIVE), SCOPE_OK);
    ck_assert_int_eq(scope_review(&host, o, 0, REVIEW_ACT_WORKSHOP), SCOPE_OK);
    ck_assert_int_eq(scope_review(&host, o, 0, REVIEW_ACT_EVIDENCE), SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_review(&hub, o, 0, REVIEW_ACT_READ), SCOPE_OK);
    ck_assert_int_eq(scope_review(&hub, o, 0, REVIEW_ACT_DRIVE), SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_review(&part, o, 0, REVIEW_ACT_WORKSHOP), SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_review(&other, o, 0, REVIEW_ACT_READ), SCOPE_NOT_FOUND);
    /* A person sees only what it sits on, and acts only in its part. */
    ck_assert_int_eq(scope_review(&person, o, 0, REVIEW_ACT_READ), SCOPE_NOT_FOUND);
    ck_assert_int_eq(scope_review(&person, o, REVIEW_ON_TEAM, REVIEW_ACT_EVIDENCE), SCOPE_OK);
    ck_assert_int_eq(scope_review(&person, o, REVIEW_ON_TEAM, REVIEW_ACT_WORKSHOP),
                     SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_review(&person, o, REVIEW_CHAMPION, REVIEW_ACT_WORKSHOP), SCOPE_OK);
    ck_assert_int_eq(scope_review(&person, o, REVIEW_CHAMPION, REVIEW_ACT_EVIDENCE),
                     SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_review(&person, o, REVIEW_ON_TEAM, REVIEW_ACT_DRIVE), SCOPE_FORBIDDEN);
}
END_TEST

START_TEST(scope_training_sessions)
{
    struct principal admin = who(ROLE_ADMIN, NULL), hub = who(ROLE_HUB, HUB),
                     person = who(ROLE_PERSON, PERSON), stranger = who(ROLE_HUB, OTHER);
    strcpy(hub.hub_id, HUB);
    strcpy(person.hub_id, HUB);
    strcpy(stranger.hub_id, OTHER);
    struct scope_owner mine = {HUB, "", "", ""}, none = {"", "", "", ""};
    ck_assert_int_eq(scope_check(&person, SCOPE_TRAINING, SCOPE_READ, &mine), SCOPE_OK);
    ck_assert_int_eq(scope_check(&stranger, SCOPE_TRAINING, SCOPE_READ, &mine), SCOPE_NOT_FOUND);
    ck_assert_int_eq(scope_check(&stranger, SCOPE_TRAINING, SCOPE_READ, &none), SCOPE_OK);
    ck_assert_int_eq(scope_check(&hub, SCOPE_TRAINING, SCOPE_UPDATE, &mine), SCOPE_OK);
    ck_assert_int_eq(scope_check(&hub, SCOPE_TRAINING, SCOPE_UPDATE, &none), SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_check(&person, SCOPE_TRAINING, SCOPE_UPDATE, &mine), SCOPE_FORBIDDEN);
    ck_assert_int_eq(scope_check(&stranger, SCOPE_TRAINING, SCOPE_DELETE, &mine), SCOPE_NOT_FOUND);
    ck_assert_int_eq(scope_check(&admin, SCOPE_TRAINING, SCOPE_CREATE, &none), SCOPE_OK);
}
END_TEST

START_TEST(scope_booking_roles)
{
    struct principal admin = who(ROLE_ADMIN, NULL), hub = who(ROLE_HUB, HUB),
                     part = who(ROLE_PARTNERSHIP, PART), school = who(ROLE_SCHOOL, SCHOOL),
                     person = who(ROLE_PERSON, PERSON);
    ck_assert(scope_may_book_for(&person, PERSON));
    ck_assert(!scope_may_book_for(&person, OTHER));
    /* The same UUID spelt in capitals is still the person itself. */
    struct principal lower = who(ROLE_PERSON, "4444abcd-4444-4444-4444-44444444abcd");
    ck_assert(scope_may_book_for(&lower, "4444ABCD-4444-4444-4444-44444444ABCD"));
    ck_assert(scope_may_book_for(&school, OTHER)); /* visibility is checked elsewhere */
    ck_assert(scope_records_attendance(&admin) && scope_records_attendance(&hub) &&
              scope_records_attendance(&part));
    ck_assert(!scope_records_attendance(&school) && !scope_records_attendance(&person));
}
END_TEST

/* Creating a review is the host school's (and admin's): other roles may never, wherever. */
START_TEST(scope_review_creators)
{
    struct principal admin = who(ROLE_ADMIN, NULL), hub = who(ROLE_HUB, HUB),
                     part = who(ROLE_PARTNERSHIP, PART), school = who(ROLE_SCHOOL, SCHOOL),
                     person = who(ROLE_PERSON, PERSON);
    ck_assert(scope_creates_reviews(&admin) && scope_creates_reviews(&school));
    ck_assert(!scope_creates_reviews(&hub) && !scope_creates_reviews(&part) &&
              !scope_creates_reviews(&person));
}
END_TEST

Suite *scope_suite(void)
{
    Suite *s = suite_create("scope");
    TCase *tc = tcase_create("scope");
    tcase_add_test(tc, scope_visibility_follows_the_chain);
    tcase_add_test(tc, scope_outside_is_404_inside_but_not_yours_is_403);
    tcase_add_test(tc, scope_conflict_never_cleared_by_its_person);
    tcase_add_test(tc, scope_list_filter_sets_one_slot);
    tcase_add_test(tc, scope_review_roles);
    tcase_add_test(tc, scope_training_sessions);
    tcase_add_test(tc, scope_booking_roles);
    tcase_add_test(tc, scope_review_creators);
    suite_add_tcase(s, tc);
    return s;
}
