/* A small HTTP client (libcurl) for the integration tests, talking to the spp-api that the
 * test command started: SPP_TEST_URL, SPP_TEST_ADMIN_TOKEN. */
#ifndef SPP_TEST_HTTP_H
#define SPP_TEST_HTTP_H

#include <jansson.h>
#include <stdarg.h>

struct http_resp {
    long status;
    char *body;
    size_t body_len;
    json_t *json;  /* the body parsed, when it is JSON */
    char *headers; /* raw response headers */
};

/* Sends method path with an optional bearer token, JSON body and extra header lines
 * ("Name: value", NULL-terminated). A body gets Content-Type: application/json unless the
 * extra headers set one. Aborts the test when the server cannot be reached. */
struct http_resp *http_call(const char *method, const char *path, const char *token,
                            const char *body, const char *const *headers);
/* The value of a response header (case-insensitive name), in a static per-thread buffer, or
 * NULL when absent. */
const char *http_header(const struct http_resp *r, const char *name);
void http_free(struct http_resp *r);

/* Memory that belongs to the running test: test_keep hands it p (from malloc, or NULL) and returns
 * p; it is freed when the test's process exits (Check forks one a test; without fork, when the
 * run ends). Every string the test_* helpers below and in fixtures.h return is kept so: tests
 * never free them. */
void *test_keep(void *p);
/* n times the character c, kept by the test. */
char *test_repeat(char c, size_t n);
/* fmt formatted (asserted), kept by the test. */
char *test_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *test_admin(void);
/* A fresh string unique to this run, e.g. "School 12345-7". */
char *test_unique(const char *prefix);
/* A fresh email address unique to this run, "<prefix>.12345-7@Example.ORG" (mixed case on
 * purpose). */
char *test_email(const char *prefix);
/* A fresh URN of 7 digits, unique to this run (static per-thread buffer). */
const char *test_urn(void);

/* fmt formatted with ap (asserted), or NULL when fmt is NULL. The caller frees it. */
char *test_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Creators that assert 201 and return the new id. */
char *test_create(const char *path, const char *token, const char *body_fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *test_hub(void);
char *test_partnership(const char *hub_id);
char *test_school(const char *partnership_id);
char *test_person(const char *school_id);
/* Creates an API key of role bound to scope_id (NULL for admin) and returns its token. */
char *test_key(const char *role, const char *scope_id);

/* The Message-ID the worker gives the email of notification id: "<id@domain of SPP_MAIL_FROM>"
 * (kept by the test). */
char *test_message_id(const char *id);

/* The problem code of a response, or "" when it has none. */
const char *test_code(const struct http_resp *r);

/* Sends one request (no extra headers) and asserts its status and, unless code is NULL, its
 * problem's code; the answer is freed. */
void test_expect(const char *method, const char *path, const char *token, const char *body,
                 long status, const char *code);
/* The same with extra headers (NULL-terminated, as http_call takes them). */
void test_expect_headers(const char *method, const char *path, const char *token, const char *body,
                         const char *const *headers, long status, const char *code);
/* The same, and the problem lists exactly nerrors errors. */
void test_expect_errors(const char *method, const char *path, const char *token, const char *body,
                        long status, const char *code, size_t nerrors);
/* The same, and the first error of the problem names field (a JSON pointer). */
void test_expect_field(const char *method, const char *path, const char *token, const char *body,
                       long status, const char *field);
/* POSTs body to collection (e.g. "/v1/hubs") as admin and asserts 201, ETag "1" and a Location
 * of collection/{id}; returns the answer (the caller frees it), and the new record's id and path
 * (kept by the test). */
struct http_resp *test_expect_created(const char *collection, const char *body, char **id,
                                      char **path);
/* DELETE /v1/{collection}/{id} answers 409 conflict (the record is still referred to) and a GET
 * of it still answers 200. */
void test_expect_in_use(const char *collection, const char *id);
/* POST body to path answers 422 validation_failed with an error for each of fields (JSON
 * pointers), every error with a message, and (unless nerrors is 0) exactly nerrors errors. */
void test_expect_invalid(const char *path, const char *body, const char *const *fields,
                         size_t nfields, size_t nerrors);
/* The record at path is at version 1: a PATCH with If-Match "1" and first answers 200, then a
 * PATCH with second and a DELETE, both with If-Match "1", answer 412 (the PATCH
 * precondition_failed). */
void test_expect_stale_if_match(const char *path, const char *first, const char *second);
/* The same, keeping the answer for more assertions (the caller frees it). */
struct http_resp *test_call(const char *method, const char *path, const char *token,
                            const char *body, long status, const char *code);

#endif
