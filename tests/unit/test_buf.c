/* The growable buffer (common/buf.c), JSON string literals included: every literal it writes is
 * read back by jansson. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "xalloc.h"

START_TEST(buf_starts_empty_and_appends)
{
    struct buf b;
    buf_init(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    buf_puts(&b, "abc");
    buf_putc(&b, '-');
    buf_append(&b, "xyz", 2);
    buf_puts(&b, "");
    ck_assert_str_eq(b.data, "abc-xy");
    ck_assert_uint_eq(b.len, 6);
    ck_assert_uint_ge(b.cap, b.len + 1);
    buf_cleanup(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    buf_cleanup(&b); /* twice is harmless */
}
END_TEST

START_TEST(buf_holds_binary)
{
    struct buf b;
    buf_init(&b);
    buf_append(&b, "a\0b", 3);
    buf_putc(&b, '\0');
    ck_assert_uint_eq(b.len, 4);
    ck_assert_mem_eq(b.data, "a\0b\0", 5); /* and the terminator after them */
    buf_cleanup(&b);
}
END_TEST

START_TEST(buf_grows_and_keeps_everything)
{
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    ck_assert_uint_eq(b.len, 10000);
    ck_assert_uint_eq(strlen(b.data), 10000);
    for (int i = 0; i < 10000; i++)
        ck_assert_int_eq(b.data[i], 'a' + i % 26);
    /* One append far past the capacity. */
    char big[70000];
    memset(big, 'z', sizeof big);
    buf_append(&b, big, sizeof big);
    ck_assert_uint_eq(b.len, 80000);
    ck_assert_int_eq(b.data[9999], 'a' + 9999 % 26);
    ck_assert_int_eq(b.data[79999], 'z');
    ck_assert_int_eq(b.data[80000], '\0');
    buf_cleanup(&b);
}
END_TEST

START_TEST(buf_printf_short_and_long)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%d-%s-%05.1f", 42, "x", 3.14159);
    ck_assert_str_eq(b.data, "42-x-003.1");
    /* Longer than the 256-byte scratch buffer: formatted straight into the buffer. */
    char word[1001];
    memset(word, 'w', 1000);
    word[1000] = '\0';
    buf_printf(&b, "[%s]%d", word, 7);
    ck_assert_uint_eq(b.len, 10 + 1002 + 1);
    ck_assert_int_eq(b.data[10], '[');
    ck_assert_int_eq(b.data[1011], ']');
    ck_assert_str_eq(b.data + 1012, "7");
    /* Exactly at the scratch buffer's edge (255 and 256 characters). */
    struct buf e;
    buf_init(&e);
    buf_printf(&e, "%.*s", 255, word);
    ck_assert_uint_eq(e.len, 255);
    buf_printf(&e, "%.*s", 256, word);
    ck_assert_uint_eq(e.len, 511);
    ck_assert_uint_eq(strlen(e.data), 511);
    buf_cleanup(&e);
    buf_cleanup(&b);
}
END_TEST

/* Writes s as a JSON literal, checks it is want, and that jansson reads s back from it. */
static void buf_json_check(const char *s, const char *want)
{
    struct buf b;
    buf_init(&b);
    buf_json_string(&b, s);
    ck_assert_str_eq(b.data, want);
    json_error_t err;
    json_t *v = json_loads(b.data, JSON_DECODE_ANY, &err);
    ck_assert_msg(v != NULL, "jansson refused %s: %s", b.data, err.text);
    ck_assert(json_is_string(v));
    ck_assert_str_eq(json_string_value(v), s);
    json_decref(v);
    buf_cleanup(&b);
}

START_TEST(buf_json_string_escapes)
{
    buf_json_check("", "\"\"");
    buf_json_check("plain", "\"plain\"");
    buf_json_check("say \"hi\"", "\"say \\\"hi\\\"\"");
    buf_json_check("C:\\path", "\"C:\\\\path\"");
    buf_json_check("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
    buf_json_check("\x01\x1f", "\"\\u0001\\u001f\"");
    buf_json_check("\x1b[31m", "\"\\u001b[31m\"");
    /* Backspace and form feed as PostgreSQL's row_to_json and jansson write them. */
    buf_json_check("a\bb\fc", "\"a\\bb\\fc\"");
    buf_json_check("\"\"x\\", "\"\\\"\\\"x\\\\\"");
    /* UTF-8 and the characters JSON lets through as they are. */
    buf_json_check("caf\xc3\xa9 </script> \x7f", "\"caf\xc3\xa9 </script> \x7f\"");
    /* Every control character reads back. */
    char all[32];
    for (int i = 1; i < 32; i++)
        all[i - 1] = (char)i;
    all[31] = '\0';
    struct buf b;
    buf_init(&b);
    buf_json_string(&b, all);
    json_t *v = json_loads(b.data, JSON_DECODE_ANY, NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(json_string_value(v), all);
    json_decref(v);
    buf_cleanup(&b);
}
END_TEST

/* The escapes found a word at a time: each character that needs one, at every offset of a text
 * longer than two words, between bytes that need none (their neighbours in value, UTF-8). */
START_TEST(buf_json_string_escapes_at_every_offset)
{
    static const char *const specials[][2] = {
        {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x01", "\\u0001"}, {"\x1f", "\\u001f"}};
    const char *plain = "!#[]\x7f\xc3\xa9 \xe5\xad\xa6 plain text ~ ";
    size_t len = strlen(plain);
    for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) {
        for (size_t k = 0; k <= len; k++) {
            if ((plain[k] & 0xc0) == 0x80)
                continue; /* not inside a UTF-8 character: the text stays valid */
            char *in = xasprintf("%.*s%s%s", (int)k, plain, specials[i][0], plain + k);
            char *want = xasprintf("\"%.*s%s%s\"", (int)k, plain, specials[i][1], plain + k);
            buf_json_check(in, want);
            free(want);
            free(in);
        }
    }
}
END_TEST

START_TEST(buf_steal_hands_over)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "hello");
    size_t len = 0;
    char *s = buf_steal(&b, &len);
    ck_assert_str_eq(s, "hello");
    ck_assert_uint_eq(len, 5);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    free(s);
    /* An empty buffer still hands over a string, and len may be left out. */
    s = buf_steal(&b, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);
    buf_puts(&b, "again");
    s = buf_steal(&b, NULL);
    ck_assert_str_eq(s, "again");
    free(s);
    buf_cleanup(&b);
}
END_TEST

Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, buf_starts_empty_and_appends);
    tcase_add_test(tc, buf_holds_binary);
    tcase_add_test(tc, buf_grows_and_keeps_everything);
    tcase_add_test(tc, buf_printf_short_and_long);
    tcase_add_test(tc, buf_json_string_escapes);
    tcase_add_test(tc, buf_json_string_escapes_at_every_offset);
    tcase_add_test(tc, buf_steal_hands_over);
    suite_add_tcase(s, tc);
    return s;
}
