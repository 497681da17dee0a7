#include <string.h>

#include "sqlparams.h"
#include "unit.h"

/* Rewrites sql into out and returns the count; names[k] as text in name_text[k]. */
static char name_text[8][32];
static int rewrite(const char *sql, char *out, size_t outlen)
{
    struct sqlparams_name names[8];
    int n = sqlparams_rewrite(sql, out, outlen, names, 8);
    for (int k = 0; k < n; k++) {
        ck_assert_uint_lt(names[k].len, sizeof name_text[k]);
        memcpy(name_text[k], sql + names[k].at, names[k].len);
        name_text[k][names[k].len] = '\0';
    }
    return n;
}

START_TEST(sqlparams_numbers_names_in_order_of_first_use)
{
    char out[256];
    ck_assert_int_eq(rewrite("UPDATE schools SET name = $name, urn = $urn WHERE id = $id "
                             "RETURNING $name::text",
                             out, sizeof out),
                     3);
    ck_assert_str_eq(out,
                     "UPDATE schools SET name = $1, urn = $2 WHERE id = $3 RETURNING $1::text");
    ck_assert_str_eq(name_text[0], "name");
    ck_assert_str_eq(name_text[1], "urn");
    ck_assert_str_eq(name_text[2], "id");
    /* Names with digits and underscores, next to casts and brackets. */
    ck_assert_int_eq(rewrite("SELECT ($after_1::uuid, $_x)", out, sizeof out), 2);
    ck_assert_str_eq(out, "SELECT ($1::uuid, $2)");
    ck_assert_str_eq(name_text[0], "after_1");
    ck_assert_str_eq(name_text[1], "_x");
}
END_TEST

START_TEST(sqlparams_leaves_numbers_and_quoted_text_alone)
{
    char out[256];
    /* A numbered statement, or one without parameters, is written as it is. */
    ck_assert_int_eq(rewrite("SELECT * FROM t WHERE a = $1 AND b = $2", out, sizeof out), 0);
    ck_assert_str_eq(out, "SELECT * FROM t WHERE a = $1 AND b = $2");
    ck_assert_int_eq(rewrite("SELECT 1", out, sizeof out), 0);
    ck_assert_str_eq(out, "SELECT 1");
    /* Strings, identifiers, comments, dollar quotes and identifiers holding `$` are not names. */
    const char *sql = "SELECT '$no', 'it''s $no', E'\\'$no', \"$no\"\"$no\", a$no, -- $no\n"
                      "/* $no /* $no */ $no */ $$ $no $$, $q$ $no $q$, $yes";
    ck_assert_int_eq(rewrite(sql, out, sizeof out), 1);
    ck_assert_str_eq(name_text[0], "yes");
    ck_assert_str_eq(out, "SELECT '$no', 'it''s $no', E'\\'$no', \"$no\"\"$no\", a$no, -- $no\n"
                          "/* $no /* $no */ $no */ $$ $no $$, $q$ $no $q$, $1");
    /* A comment running to the end of the text. */
    ck_assert_int_eq(rewrite("SELECT $a -- $b", out, sizeof out), 1);
    ck_assert_str_eq(out, "SELECT $1 -- $b");
}
END_TEST

START_TEST(sqlparams_rejects)
{
    char out[256];
    struct sqlparams_name names[2];
    /* Names and numbers mixed. */
    ck_assert_int_eq(rewrite("SELECT $1, $a", out, sizeof out), -1);
    /* Something left open. */
    ck_assert_int_eq(rewrite("SELECT 'x", out, sizeof out), -1);
    ck_assert_int_eq(rewrite("SELECT \"x", out, sizeof out), -1);
    ck_assert_int_eq(rewrite("SELECT /* x", out, sizeof out), -1);
    ck_assert_int_eq(rewrite("SELECT $q$ x $q", out, sizeof out), -1);
    /* No room for the names or the text. */
    ck_assert_int_eq(sqlparams_rewrite("SELECT $a, $b, $c", out, sizeof out, names, 2), -1);
    ck_assert_int_eq(sqlparams_rewrite("SELECT $a", out, 5, names, 2), -1);
    ck_assert_int_eq(sqlparams_rewrite("SELECT $a", out, 0, names, 2), -1);
}
END_TEST

START_TEST(sqlparams_bounds_hold)
{
    /* The sizes sqlparams.h promises are enough: many one-letter names, numbers of two digits. */
    char sql[200] = "SELECT ";
    for (int k = 0; k < 26; k++) {
        char one[8] = {'$', (char)('a' + k), ',', '\0'};
        strcat(sql, one);
    }
    strcat(sql, "$a");
    size_t len = strlen(sql);
    char out[3 * 200 + 1];
    struct sqlparams_name names[200 / 2 + 1];
    ck_assert_int_eq(sqlparams_rewrite(sql, out, 3 * len + 1, names, (int)(len / 2 + 1)), 26);
    ck_assert_ptr_nonnull(strstr(out, "$26,$1"));
}
END_TEST

START_TEST(sqlparams_parse_owns_its_text_and_names)
{
    struct sqlparams_parsed p;
    ck_assert_int_eq(sqlparams_parse("SELECT $b, $a, $b", &p), 2);
    ck_assert_str_eq(p.sql, "SELECT $1, $2, $1");
    ck_assert_str_eq(p.names[0], "b");
    ck_assert_str_eq(p.names[1], "a");
    sqlparams_parsed_free(&p);
    /* Nothing named: the text as it is; refused: -1, and nothing left to free but the copy. */
    ck_assert_int_eq(sqlparams_parse("SELECT 1", &p), 0);
    ck_assert_str_eq(p.sql, "SELECT 1");
    ck_assert_ptr_null(p.names);
    sqlparams_parsed_free(&p);
    ck_assert_int_eq(sqlparams_parse("SELECT $1, $a", &p), -1);
    sqlparams_parsed_free(&p);
    ck_assert_ptr_null(p.sql);
}
END_TEST

Suite *sqlparams_suite(void)
{
    return unit_suite("sqlparams",
                      UNIT_TCASE("core", sqlparams_numbers_names_in_order_of_first_use,
                                 sqlparams_leaves_numbers_and_quoted_text_alone, sqlparams_rejects,
                                 sqlparams_bounds_hold, sqlparams_parse_owns_its_text_and_names));
}
