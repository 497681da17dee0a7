#include "booking.h"
#include "unit.h"

START_TEST(booking_seats)
{
    ck_assert_int_eq(booking_initial(0, 10), BOOKING_BOOKED);
    ck_assert_int_eq(booking_initial(9, 10), BOOKING_BOOKED);
    ck_assert_int_eq(booking_initial(10, 10), BOOKING_WAITLISTED);
    ck_assert_int_eq(booking_initial(11, 10), BOOKING_WAITLISTED);
    ck_assert(booking_holds_seat(BOOKING_BOOKED) && booking_holds_seat(BOOKING_ATTENDED) &&
              booking_holds_seat(BOOKING_NO_SHOW));
    ck_assert(!booking_holds_seat(BOOKING_WAITLISTED) && !booking_holds_seat(BOOKING_CANCELLED));
}
END_TEST

START_TEST(booking_changes)
{
    ck_assert_int_eq(booking_change(BOOKING_BOOKED, BOOKING_CANCELLED, 0), BOOKING_OK);
    ck_assert_int_eq(booking_change(BOOKING_WAITLISTED, BOOKING_CANCELLED, 1), BOOKING_OK);
    ck_assert_int_eq(booking_change(BOOKING_BOOKED, BOOKING_ATTENDED, 0), BOOKING_NOT_STARTED);
    ck_assert_int_eq(booking_change(BOOKING_BOOKED, BOOKING_NO_SHOW, 0), BOOKING_NOT_STARTED);
    ck_assert_int_eq(booking_change(BOOKING_BOOKED, BOOKING_ATTENDED, 1), BOOKING_OK);
    ck_assert_int_eq(booking_change(BOOKING_ATTENDED, BOOKING_NO_SHOW, 1), BOOKING_OK);
    ck_assert_int_eq(booking_change(BOOKING_WAITLISTED, BOOKING_ATTENDED, 1), BOOKING_INVALID);
    ck_assert_int_eq(booking_change(BOOKING_CANCELLED, BOOKING_ATTENDED, 1), BOOKING_INVALID);
    ck_assert_int_eq(booking_change(BOOKING_ATTENDED, BOOKING_CANCELLED, 1), BOOKING_INVALID);
    ck_assert_int_eq(booking_change(BOOKING_CANCELLED, BOOKING_CANCELLED, 1), BOOKING_UNCHANGED);
    ck_assert_int_eq(booking_change(BOOKING_BOOKED, BOOKING_WAITLISTED, 1), BOOKING_INVALID);
    ck_assert(booking_frees_seat(BOOKING_BOOKED, BOOKING_CANCELLED));
    ck_assert(!booking_frees_seat(BOOKING_WAITLISTED, BOOKING_CANCELLED));
    ck_assert_int_eq(booking_status_parse("no_show"), BOOKING_NO_SHOW);
    ck_assert_int_eq(booking_status_parse("gone"), BOOKING_UNKNOWN);
}
END_TEST

Suite *booking_suite(void)
{
    Suite *s = suite_create("booking");
    TCase *tc = tcase_create("booking");
    tcase_add_test(tc, booking_seats);
    tcase_add_test(tc, booking_changes);
    suite_add_tcase(s, tc);
    return s;
}
