/* Request validation as pure functions: field specs checked against a parsed JSON body, every
 * problem collected (not only the first) into a jansson array of {field, rule, message}. */
#ifndef SPP_VALIDATE_H
#define SPP_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#define VALIDATE_NAME_MAX 200
#define VALIDATE_TEXT_MAX 10000
#define VALIDATE_LIST_MAX 100
/* The most problems one answer lists: past it, one last item (rule too_many_errors) says that
 * more were found, so that the answer (and the work of building it) never outgrows a fixed
 * size however many problems a body holds. */
#define VALIDATE_ERRORS_MAX 100

enum vtype {
    V_NAME, /* string, 1..max_len (default 200) characters */
    V_TEXT, /* string, 0..max_len (default 10,000) characters */
    V_EMAIL,
    V_URN, /* 6 or 7 digits */
    V_UUID,
    V_DATE,      /* YYYY-MM-DD, a real calendar day */
    V_TIMESTAMP, /* RFC 3339 */
    V_ENUM,
    V_BOOL,
    V_INT,
    V_TIMEZONE,  /* checked by the context's predicate */
    V_BOOL_MAP,  /* object whose keys are in enums and values booleans */
    V_URL,       /* http or https URL */
    V_UUID_LIST, /* array of distinct UUID strings, at most max_len items (default 100) */
};

#define V_REQUIRED 1u /* must be present on create; null never allowed */
#define V_READONLY 2u /* part of the representation, never accepted in a body */
#define V_NOT_NULL 4u /* optional, with a default when absent; null never allowed */

struct vfield {
    const char *name;
    enum vtype type;
    unsigned flags;
    int max_len;              /* 0 = the type's default (characters; items for V_UUID_LIST) */
    const char *const *enums; /* NULL-terminated, for V_ENUM and V_BOOL_MAP */
    long min, max;            /* for V_INT */
};

enum vmode { VALIDATE_CREATE, VALIDATE_PATCH };

struct validate_ctx {
    /* Returns 1 when name is a time zone the database knows. NULL accepts any well-formed name. */
    int (*timezone_known)(const char *name);
};

/* Adds one problem to errors (a JSON array). field and rule may be NULL. Once errors holds
 * VALIDATE_ERRORS_MAX problems, adds the too_many_errors item instead, once, and then nothing. */
void validate_add(json_t *errors, const char *field, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks body (an object) against fields, terminated by an entry with a NULL name. On create,
 * required fields must be present; on patch, null clears an optional field and is refused for
 * a required one. Unknown and read-only members are refused. Returns the number of problems
 * added to errors. */
int validate_object(const struct vfield *fields, const json_t *body, enum vmode mode,
                    const struct validate_ctx *ctx, json_t *errors);

/* Checks one value against one field; pointer is the JSON pointer or parameter name used in
 * the problem. Returns the number of problems added. */
int validate_value(const struct vfield *f, const json_t *v, const char *pointer,
                   const struct validate_ctx *ctx, json_t *errors);

/* A CHECK constraint of the schema as a client sees its violation: the body field it guards,
 * and the rule and message of the 422 validation_failed it answers. */
struct vcheck {
    const char *constraint, *field, *rule, *message;
};
/* The words for CHECK constraint name (may be NULL), or NULL when it is not one a request can
 * break (a violation of those is a bug on our side and answers 500). */
const struct vcheck *validate_check_constraint(const char *name);

/* Scalar checks; each returns 1 when s is well formed. */
int validate_utf8(const char *s, size_t len);
size_t validate_utf8_chars(const char *s); /* code points of a valid UTF-8 string */
int validate_uuid(const char *s);
int validate_date(const char *s);
int validate_timestamp(const char *s);
int validate_email(const char *s);
int validate_urn(const char *s);
int validate_url(const char *s);
int validate_enum(const char *s, const char *const *values);
/* Parses a decimal integer in [min, max]; returns 1 and stores it, else 0. */
int validate_long(const char *s, long min, long max, long *out);

#endif
