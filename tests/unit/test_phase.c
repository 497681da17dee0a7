#include "phase.h"
#include "unit.h"

START_TEST(phase_moves_forward_one_step)
{
    ck_assert_int_eq(phase_next_ok("build", "embed"), 0);
    ck_assert_int_eq(phase_next_ok("embed", "sustain"), 0);
}
END_TEST

START_TEST(phase_refuses_same_backward_and_skipping)
{
    ck_assert_int_eq(phase_next_ok("build", "build"), -1);
    ck_assert_int_eq(phase_next_ok("embed", "embed"), -1);
    ck_assert_int_eq(phase_next_ok("sustain", "sustain"), -1);
    ck_assert_int_eq(phase_next_ok("embed", "build"), -1);
    ck_assert_int_eq(phase_next_ok("sustain", "embed"), -1);
    ck_assert_int_eq(phase_next_ok("sustain", "build"), -1);
    ck_assert_int_eq(phase_next_ok("build", "sustain"), -1);
}
END_TEST

START_TEST(phase_refuses_unknown_names)
{
    ck_assert_int_eq(phase_next_ok("build", "Embed"), -1);
    ck_assert_int_eq(phase_next_ok("nothing", "build"), -1);
    ck_assert_int_eq(phase_next_ok("sustain", "beyond"), -1);
    ck_assert_int_eq(phase_next_ok(NULL, "embed"), -1);
    ck_assert_int_eq(phase_next_ok("build", NULL), -1);
    ck_assert_int_eq(phase_next_ok("", ""), -1);
}
END_TEST

START_TEST(phase_index_follows_the_order)
{
    ck_assert_int_eq(phase_index("build"), 0);
    ck_assert_int_eq(phase_index("embed"), 1);
    ck_assert_int_eq(phase_index("sustain"), 2);
    ck_assert_int_eq(phase_index("planning"), -1);
    ck_assert_ptr_null(phase_names[3]);
}
END_TEST

Suite *phase_suite(void)
{
    Suite *s = suite_create("phase");
    TCase *tc = tcase_create("phase");
    tcase_add_test(tc, phase_moves_forward_one_step);
    tcase_add_test(tc, phase_refuses_same_backward_and_skipping);
    tcase_add_test(tc, phase_refuses_unknown_names);
    tcase_add_test(tc, phase_index_follows_the_order);
    suite_add_tcase(s, tc);
    return s;
}
