/* A record's JSON representation written from its columns as PostgreSQL prints them, for a
 * GET, the answer to a create or update and the items of a list page: the same bytes as the
 * resource's representation function in SQL (row_to_json of its <resource>_out type, sql/),
 * which stays for the privacy export and webhooks, without PostgreSQL building the JSON. Pure:
 * no libpq, no clock.
 *
 * A representation is an array of fields in the order of the object's members, ended by a
 * NULL name. Each field names its member, how its text becomes JSON, and the result column it
 * is read from (NULL: the column has the member's name). */
#ifndef SPP_ROWJSON_H
#define SPP_ROWJSON_H

#include <stddef.h>

#include "buf.h"

enum rowjson_kind {
    ROWJSON_STRING, /* text, uuid, a date as to_char wrote it: a JSON string, escaped */
    ROWJSON_RAW,    /* an integer, or json/jsonb as PostgreSQL prints them: written as it is */
    ROWJSON_BOOL,   /* PostgreSQL's "t" or "f": true or false */
    ROWJSON_TIME,   /* microseconds since 1970 (spp_micros): spp_ts's "YYYY-MM-DDTHH:MM:SSZ" */
};

struct rowjson_field {
    const char *name; /* the member's name: written as it is, so only [a-z0-9_] */
    enum rowjson_kind kind;
    const char *col; /* the result column, when it is not named like the member */
};

/* The most fields a representation has (rowjson_object refuses more). */
#define ROWJSON_FIELDS_MAX 64

/* Room for rowjson_time's text with its NUL (PostgreSQL's last year is 294276). */
#define ROWJSON_TIME_MAX 32

/* Writes micros (since 1970-01-01 UTC) to out as spp_ts writes the timestamp:
 * to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), seconds truncated, a year of at
 * least four digits (a year BC by its number, as to_char's YYYY does). Returns its length. */
int rowjson_time(long long micros, char out[ROWJSON_TIME_MAX]);

/* Appends the object {"name":value,...} of the fields to b; values[i] is field i's text of
 * lens[i] bytes, NULL for SQL NULL (written null). Returns 0, or -1 when a value is not of its
 * kind (a boolean other than t/f, a time that is not a whole number, an empty raw value) or
 * there are more than ROWJSON_FIELDS_MAX fields: b is then as it was. */
int rowjson_object(struct buf *b, const struct rowjson_field *fields, const char *const *values,
                   const size_t *lens);

#endif
