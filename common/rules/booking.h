/* Training bookings (DESIGN §1, §2): which status a new booking gets and which changes a
 * booking may go through. Pure rules. */
#ifndef SPP_BOOKING_H
#define SPP_BOOKING_H

enum booking_status {
    BOOKING_BOOKED,
    BOOKING_WAITLISTED,
    BOOKING_CANCELLED,
    BOOKING_ATTENDED,
    BOOKING_NO_SHOW,
    BOOKING_UNKNOWN
};

enum booking_verdict {
    BOOKING_OK,          /* apply it */
    BOOKING_UNCHANGED,   /* already in that status: nothing to do */
    BOOKING_INVALID,     /* not a change this booking can make (409 invalid_transition) */
    BOOKING_NOT_STARTED, /* attendance before the session starts (422) */
};

extern const char *const booking_status_names[]; /* NULL-terminated, in enum order */

enum booking_status booking_status_parse(const char *s);
/* A new booking takes a seat while one is left, else joins the waiting list. */
enum booking_status booking_initial(int seats_taken, int capacity);
/* 1 for the statuses that hold a seat: booked, attended, no-show. */
int booking_holds_seat(enum booking_status s);
/* Whether a booking in from may become to, given whether its session has started. Booked or
 * waitlisted may be cancelled; a booked place may be marked attended or no-show once the
 * session has started, and those two may be corrected into each other; nothing comes back
 * from cancelled. */
enum booking_verdict booking_change(enum booking_status from, enum booking_status to,
                                    int session_started);
/* 1 when the change frees a seat that the oldest waitlisted booking should take. */
int booking_frees_seat(enum booking_status from, enum booking_status to);

#endif
