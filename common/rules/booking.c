#include "booking.h"

#include <string.h>

const char *const booking_status_names[] = {"booked",   "waitlisted", "cancelled",
                                            "attended", "no_show",    NULL};

enum booking_status booking_status_parse(const char *s)
{
    for (int i = 0; booking_status_names[i]; i++)
        if (!strcmp(s, booking_status_names[i]))
            return (enum booking_status)i;
    return BOOKING_UNKNOWN;
}

enum booking_status booking_initial(int seats_taken, int capacity)
{
    return seats_taken < capacity ? BOOKING_BOOKED : BOOKING_WAITLISTED;
}

int booking_holds_seat(enum booking_status s)
{
    return s == BOOKING_BOOKED || s == BOOKING_ATTENDED || s == BOOKING_NO_SHOW;
}

enum booking_verdict booking_change(enum booking_status from, enum booking_status to,
                                    int session_started)
{
    if (from == to)
        return BOOKING_UNCHANGED;
    switch (to) {
    case BOOKING_CANCELLED:
        return from == BOOKING_BOOKED || from == BOOKING_WAITLISTED ? BOOKING_OK : BOOKING_INVALID;
    case BOOKING_ATTENDED:
    case BOOKING_NO_SHOW:
        if (from != BOOKING_BOOKED && from != BOOKING_ATTENDED && from != BOOKING_NO_SHOW)
            return BOOKING_INVALID;
        return session_started ? BOOKING_OK : BOOKING_NOT_STARTED;
    default:
        return BOOKING_INVALID;
    }
}

int booking_frees_seat(enum booking_status from, enum booking_status to)
{
    return from == BOOKING_BOOKED && to == BOOKING_CANCELLED;
}
