#include "cors.h"
#include "unit.h"

START_TEST(cors_origins)
{
    const char *list = "https://app.example.org, http://localhost:5173";
    ck_assert(cors_origin_allowed(list, "https://app.example.org"));
    ck_assert(cors_origin_allowed(list, "HTTPS://APP.EXAMPLE.ORG"));
    ck_assert(cors_origin_allowed(list, "http://localhost:5173"));
    ck_assert(!cors_origin_allowed(list, "http://localhost:5174"));
    ck_assert(!cors_origin_allowed(list, "https://app.example.org.evil.com"));
    ck_assert(!cors_origin_allowed(list, "https://app.example"));
    ck_assert(!cors_origin_allowed("", "https://app.example.org"));
    ck_assert(!cors_origin_allowed(list, NULL));
    ck_assert(cors_origin_allowed("*", "https://anything.example"));
}
END_TEST

Suite *cors_suite(void)
{
    Suite *s = suite_create("cors");
    TCase *tc = tcase_create("cors");
    tcase_add_test(tc, cors_origins);
    suite_add_tcase(s, tc);
    return s;
}
