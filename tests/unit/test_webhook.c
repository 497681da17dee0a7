/* common/rules/webhook.c and common/secretbox.c: the signature against a vector computed
 * independently, private address classification (IPv4, IPv6, mapped and embedded forms), URL
 * checks, address pinning, and the encrypted secrets (round trip, a box made by another
 * implementation, tampering, wrong key or row). */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "secretbox.h"
#include "unit.h"
#include "webhook.h"

START_TEST(webhook_signature_vector)
{
    /* Computed with Python's hmac, independently of OpenSSL's C API:
     *   hmac.new(b"whsec_test-secret-0123456789", b"1790000000." + body,
     *            hashlib.sha256).hexdigest() */
    const char *body = "{\"id\":\"6f1c2a9e-0000-4000-8000-000000000001\",\"type\":\"review."
                       "transitioned\",\"created_at\":\"2026-11-22T09:00:00Z\",\"data\":{"
                       "\"status\":\"scheduled\"}}";
    char sig[WEBHOOK_SIGNATURE_MAX];
    ck_assert_int_eq(
        webhook_sign("whsec_test-secret-0123456789", 1790000000, body, strlen(body), sig), 0);
    ck_assert_str_eq(sig, "t=1790000000,v1="
                          "30a9b3b8635a2fccc0ddea0762ccf315fc2c278bdc051125d0fd27c7678f308e");
    /* An empty body: hmac.new(b"key", b"0.", hashlib.sha256).hexdigest() */
    ck_assert_int_eq(webhook_sign("key", 0, "", 0, sig), 0);
    ck_assert_str_eq(sig,
                     "t=0,v1=85841b4efc3cd7776c3c8f9b7cca9e281c550e5d19889d78e9e669c6337f000d");
    /* Another time or another secret gives another signature. */
    char other[WEBHOOK_SIGNATURE_MAX];
    ck_assert_int_eq(webhook_sign("key", 1, "", 0, other), 0);
    ck_assert_str_ne(strchr(sig, ','), strchr(other, ','));
}
END_TEST

START_TEST(webhook_event_types_known)
{
    ck_assert(webhook_event_known("review.transitioned"));
    ck_assert(webhook_event_known("champion.assigned"));
    ck_assert(webhook_event_known("champion.unassignable"));
    ck_assert(webhook_event_known("digest.published"));
    ck_assert(webhook_event_known("booking.changed"));
    ck_assert(!webhook_event_known("review.created"));
    ck_assert(!webhook_event_known("Review.Transitioned"));
    ck_assert(!webhook_event_known(""));
    ck_assert(!webhook_event_known(NULL));
}
END_TEST

static int private4(const char *text)
{
    unsigned char a[4];
    ck_assert_msg(inet_pton(AF_INET, text, a) == 1, "%s", text);
    return webhook_ip_private(AF_INET, a);
}

static int private6(const char *text)
{
    unsigned char a[16];
    ck_assert_msg(inet_pton(AF_INET6, text, a) == 1, "%s", text);
    return webhook_ip_private(AF_INET6, a);
}

START_TEST(webhook_private_ipv4)
{
    static const char *const refused[] = {
        "127.0.0.1",       "127.255.255.254", "10.0.0.1",        "10.255.255.255",
        "172.16.0.1",      "172.31.255.255",  "192.168.0.1",     "192.168.255.255",
        "169.254.169.254", "100.64.0.1",      "100.127.255.255", "0.0.0.0",
        "0.1.2.3",         "224.0.0.1",       "239.255.255.250", "240.0.0.1",
        "255.255.255.255", "192.0.0.8",       "198.18.0.1",      "198.19.255.255",
    };
    static const char *const allowed[] = {
        "8.8.8.8",         "1.1.1.1",        "172.15.255.255", "172.32.0.0",  "192.167.255.255",
        "192.169.0.0",     "100.63.255.255", "100.128.0.0",    "169.253.0.1", "11.0.0.1",
        "126.255.255.255", "128.0.0.1",      "198.17.255.255", "198.20.0.0",  "223.255.255.255",
        "192.0.1.1",       "93.184.216.34",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        ck_assert_msg(private4(refused[i]), "%s should be private", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        ck_assert_msg(!private4(allowed[i]), "%s should be public", allowed[i]);
}
END_TEST

START_TEST(webhook_private_ipv6)
{
    static const char *const refused[] = {
        "::1",
        "::",
        "fe80::1",
        "febf:ffff::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::127.0.0.1",
        "::8.8.8.8",
        "64:ff9b::7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2002:c0a8:101::1",
        "100::1",
        "2001:db8::1",
    };
    static const char *const allowed[] = {
        "2001:4860:4860::8888",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
        "fe00::1",
        "fbff::1",
        "2a00:1450:4009::1",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        ck_assert_msg(private6(refused[i]), "%s should be private", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        ck_assert_msg(!private6(allowed[i]), "%s should be public", allowed[i]);
    unsigned char any[16] = {0};
    ck_assert(webhook_ip_private(AF_UNIX, any)); /* an unknown family is never reachable */
}
END_TEST

START_TEST(webhook_private_sockaddr)
{
    static const struct {
        int family;
        const char *ip;
        int private;
    } cases[] = {
        {AF_INET, "192.168.1.10", 1},
        {AF_INET, "8.8.4.4", 0},
        {AF_INET6, "::ffff:192.168.1.10", 1},
        {AF_INET6, "2001:4860:4860::8844", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        memset(&in4, 0, sizeof in4);
        memset(&in6, 0, sizeof in6);
        in4.sin_family = AF_INET;
        in6.sin6_family = AF_INET6;
        void *addr = cases[i].family == AF_INET ? (void *)&in4.sin_addr : (void *)&in6.sin6_addr;
        struct sockaddr *sa =
            cases[i].family == AF_INET ? (struct sockaddr *)&in4 : (struct sockaddr *)&in6;
        inet_pton(cases[i].family, cases[i].ip, addr);
        ck_assert_msg(!webhook_sockaddr_private(sa) == !cases[i].private, "%s", cases[i].ip);
    }
}
END_TEST

START_TEST(webhook_url_checks)
{
    struct webhook_target t;
    char err[256];
    /* What each accepted URL parses to; -1 and NULL: not looked at for that URL. */
    static const struct {
        const char *url;
        int https;
        const char *host;
        int port, literal;
    } good[] = {
        {"https://Hooks.Example.org/spp?x=1", 1, "hooks.example.org", 443, 0},
        {"http://127.0.0.1:8080/in", 0, "127.0.0.1", 8080, 4},
        {"HTTP://[::1]:9000/", -1, "::1", 9000, 6},
        {"http://example.org", -1, NULL, 80, -1},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        ck_assert_msg(webhook_url_parse(good[i].url, &t, err, sizeof err) == WEBHOOK_OK, "%s",
                      good[i].url);
        if (good[i].https >= 0)
            ck_assert_int_eq(t.https, good[i].https);
        if (good[i].host)
            ck_assert_str_eq(t.host, good[i].host);
        ck_assert_int_eq(t.port, good[i].port);
        if (good[i].literal >= 0)
            ck_assert_int_eq(t.literal, good[i].literal);
    }

    static const char *const bad[] = {
        "ftp://example.org/",
        "file:///etc/passwd",
        "gopher://example.org/",
        "javascript:alert(1)",
        "https://user:pass@example.org/",
        "https://user@example.org/",
        "https://@example.org/",
        "https:///path-only",
        "https://",
        "http:/relative",
        "/relative/path",
        "example.org/hook",
        "https://example.org:0/",
        "https://example.org:65536/",
        "https://example.org:99999999999/",
        "https://[v1.fe]/",
        "https://exa mple.org/",
        "https://%65xample.org/",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        ck_assert_msg(webhook_url_parse(bad[i], &t, err, sizeof err) == WEBHOOK_ERR_URL,
                      "\"%s\" should be refused", bad[i]);
        ck_assert_msg(err[0], "\"%s\" refused without a reason", bad[i]);
    }
    char *longer = malloc(WEBHOOK_URL_MAX + 2);
    memcpy(longer, "https://example.org/", 20);
    memset(longer + 20, 'a', WEBHOOK_URL_MAX - 19);
    longer[WEBHOOK_URL_MAX + 1] = '\0';
    ck_assert_int_eq(webhook_url_parse(longer, &t, err, sizeof err), WEBHOOK_ERR_URL);
    free(longer);
    ck_assert_int_eq(webhook_url_parse(NULL, &t, err, sizeof err), WEBHOOK_ERR_URL);
}
END_TEST

/* A getaddrinfo-shaped list of the given addresses (IPv4 or IPv6 text), for the pure check. */
struct fake_addrs {
    struct addrinfo ai[4];
    struct sockaddr_storage sa[4];
};

static const struct addrinfo *fake_list(struct fake_addrs *f, const char *const *texts, int n)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < n; i++) {
        struct addrinfo *ai = &f->ai[i];
        if (strchr(texts[i], ':')) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&f->sa[i];
            s6->sin6_family = AF_INET6;
            ck_assert_int_eq(inet_pton(AF_INET6, texts[i], &s6->sin6_addr), 1);
            ai->ai_family = AF_INET6;
            ai->ai_addrlen = sizeof *s6;
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&f->sa[i];
            s4->sin_family = AF_INET;
            ck_assert_int_eq(inet_pton(AF_INET, texts[i], &s4->sin_addr), 1);
            ai->ai_family = AF_INET;
            ai->ai_addrlen = sizeof *s4;
        }
        ai->ai_socktype = SOCK_STREAM;
        ai->ai_addr = (struct sockaddr *)&f->sa[i];
        ai->ai_next = i + 1 < n ? &f->ai[i + 1] : NULL;
    }
    return n ? f->ai : NULL;
}

START_TEST(webhook_addresses_pinned)
{
    struct webhook_target t;
    char err[256], pin[WEBHOOK_PIN_MAX];
    ck_assert_int_eq(webhook_url_parse("https://hooks.example.org/x", &t, err, sizeof err),
                     WEBHOOK_OK);
    struct fake_addrs f;
    const char *const public_only[] = {"93.184.216.34", "2606:2800:220:1::248"};
    ck_assert_int_eq(
        webhook_addrs_check(&t, fake_list(&f, public_only, 2), 0, pin, err, sizeof err),
        WEBHOOK_OK);
    ck_assert_str_eq(pin, "hooks.example.org:443:93.184.216.34,[2606:2800:220:1::248]");

    /* One private address among public ones refuses the whole name (rebinding by round
     * robin). */
    const char *const mixed[] = {"93.184.216.34", "10.0.0.5"};
    ck_assert_int_eq(webhook_addrs_check(&t, fake_list(&f, mixed, 2), 0, pin, err, sizeof err),
                     WEBHOOK_ERR_PRIVATE);
    ck_assert_str_eq(pin, "");
    ck_assert_ptr_nonnull(strstr(err, "10.0.0.5"));
    const char *const mapped[] = {"::ffff:127.0.0.1"};
    ck_assert_int_eq(webhook_addrs_check(&t, fake_list(&f, mapped, 1), 0, pin, err, sizeof err),
                     WEBHOOK_ERR_PRIVATE);
    /* Allowed (local set-ups and tests): pinned like any other. */
    ck_assert_int_eq(webhook_addrs_check(&t, fake_list(&f, mixed, 2), 1, pin, err, sizeof err),
                     WEBHOOK_OK);
    ck_assert_str_eq(pin, "hooks.example.org:443:93.184.216.34,10.0.0.5");
    ck_assert_int_eq(webhook_addrs_check(&t, NULL, 0, pin, err, sizeof err),
                     WEBHOOK_ERR_UNRESOLVED);
}
END_TEST

START_TEST(webhook_resolve_literals_and_localhost)
{
    struct webhook_target t;
    char err[256], pin[WEBHOOK_PIN_MAX];
    ck_assert_int_eq(webhook_url_parse("http://127.0.0.1:9/x", &t, err, sizeof err), WEBHOOK_OK);
    ck_assert_int_eq(webhook_resolve(&t, 0, pin, err, sizeof err), WEBHOOK_ERR_PRIVATE);
    ck_assert_int_eq(webhook_resolve(&t, 1, pin, err, sizeof err), WEBHOOK_OK);
    ck_assert_str_eq(pin, ""); /* a literal is not resolved, so nothing to pin */
    ck_assert_int_eq(webhook_url_parse("http://[::ffff:7f00:1]/x", &t, err, sizeof err),
                     WEBHOOK_OK);
    ck_assert_int_eq(webhook_resolve(&t, 0, pin, err, sizeof err), WEBHOOK_ERR_PRIVATE);
    ck_assert_int_eq(webhook_url_parse("http://8.8.8.8/x", &t, err, sizeof err), WEBHOOK_OK);
    ck_assert_int_eq(webhook_resolve(&t, 0, pin, err, sizeof err), WEBHOOK_OK);
    /* Names the system resolver answers from /etc/hosts, and numeric forms it reads as
     * 127.0.0.1, are refused like the literal. */
    ck_assert_int_eq(webhook_url_parse("http://localhost:8080/x", &t, err, sizeof err), WEBHOOK_OK);
    ck_assert_int_eq(webhook_resolve(&t, 0, pin, err, sizeof err), WEBHOOK_ERR_PRIVATE);
    ck_assert_int_eq(webhook_resolve(&t, 1, pin, err, sizeof err), WEBHOOK_OK);
    ck_assert(strncmp(pin, "localhost:8080:", 15) == 0);
    ck_assert_int_eq(webhook_url_parse("http://2130706433/x", &t, err, sizeof err), WEBHOOK_OK);
    ck_assert_int_eq(webhook_resolve(&t, 0, pin, err, sizeof err), WEBHOOK_ERR_PRIVATE);
}
END_TEST

/* What the API decides without a resolver: literals and numeric forms, localhost names; every
 * other name passes (the worker judges it after resolving, at delivery). */
START_TEST(webhook_target_checked_without_dns)
{
    struct webhook_target t;
    char err[256];
    /* Each URL and whether it is refused as private (and then allowed when private targets
     * are). */
    static const struct {
        const char *url;
        int private_target;
    } cases[] = {
        {"http://127.0.0.1:9/x", 1},
        {"http://[::1]/x", 1},
        {"http://10.1.2.3/x", 1},
        {"http://2130706433/x", 1},
        {"http://0x7f.1/x", 1},
        {"http://017700000001/x", 1},
        {"http://localhost/x", 1},
        {"http://LOCALHOST./x", 1},
        {"http://api.localhost:8080/x", 1},
        {"http://[fe80::1]/x", 1},
        {"http://169.254.169.254/latest", 1},
        {"https://hooks.example.invalid/x", 0},
        {"http://8.8.8.8/x", 0},
        {"http://134744072/x", 0},
        {"http://notlocalhost/x", 0},
        {"http://localhost.example.org/x", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *url = cases[i].url;
        ck_assert_msg(webhook_url_parse(url, &t, err, sizeof err) == WEBHOOK_OK, "%s: %s", url,
                      err);
        int want = cases[i].private_target ? WEBHOOK_ERR_PRIVATE : WEBHOOK_OK;
        ck_assert_msg(webhook_target_check(&t, 0, err, sizeof err) == want, "%s: %s", url, err);
        if (cases[i].private_target)
            ck_assert_msg(webhook_target_check(&t, 1, err, sizeof err) == WEBHOOK_OK, "%s: %s", url,
                          err);
    }
}
END_TEST

START_TEST(webhook_event_indexes)
{
    ck_assert_uint_eq(webhook_event_count(), 6);
    for (size_t i = 0; i < webhook_event_count(); i++)
        ck_assert_int_eq(webhook_event_index(webhook_event_types[i]), (int)i);
    ck_assert_int_eq(webhook_event_index("review.created"), -1);
    ck_assert_int_eq(webhook_event_index(NULL), -1);
}
END_TEST

static const unsigned char test_key[SECRETBOX_KEY_LEN] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

START_TEST(secretbox_key_parsing)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    ck_assert_int_eq(secretbox_key_parse(
                         "000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f", key),
                     0);
    ck_assert_mem_eq(key, test_key, sizeof key);
    ck_assert_int_eq(secretbox_key_parse(NULL, key), -1);
    ck_assert_int_eq(secretbox_key_parse("", key), -1);
    ck_assert_int_eq(secretbox_key_parse("0001", key), -1);
    ck_assert_int_eq(secretbox_key_parse(
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g", key),
                     -1);
    ck_assert_int_eq(secretbox_key_parse(
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00", key),
                     -1);
}
END_TEST

START_TEST(secretbox_round_trip)
{
    const char *secret = "whsec_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd";
    const char *row = "5b0e7c3a-1111-4222-8333-444455556666";
    char *a = NULL, *b = NULL;
    ck_assert_int_eq(
        secretbox_seal(test_key, row, (const unsigned char *)secret, strlen(secret), &a), 0);
    ck_assert_int_eq(
        secretbox_seal(test_key, row, (const unsigned char *)secret, strlen(secret), &b), 0);
    ck_assert_str_ne(a, b); /* a fresh nonce each time */
    ck_assert_ptr_null(strstr(a, "whsec_"));
    unsigned char *plain = NULL;
    size_t len = 0;
    ck_assert_int_eq(secretbox_open(test_key, row, a, &plain, &len), 0);
    ck_assert_uint_eq(len, strlen(secret));
    ck_assert_str_eq((const char *)plain, secret);
    free(plain);

    /* Another key or another row does not open it. */
    unsigned char other[SECRETBOX_KEY_LEN];
    memcpy(other, test_key, sizeof other);
    other[31] ^= 1;
    ck_assert_int_eq(secretbox_open(other, row, a, &plain, &len), -1);
    ck_assert_ptr_null(plain);
    ck_assert_int_eq(
        secretbox_open(test_key, "5b0e7c3a-1111-4222-8333-444455556667", a, &plain, &len), -1);
    ck_assert_int_eq(secretbox_open(test_key, NULL, a, &plain, &len), -1);

    /* Any altered character, in the nonce, the ciphertext or the tag, is detected. */
    size_t n = strlen(a);
    for (size_t i = 0; i < n && a[i] != '='; i++) {
        char *t = strdup(a);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        ck_assert_msg(secretbox_open(test_key, row, t, &plain, &len) == -1,
                      "altered at %zu and still opened", i);
        free(t);
    }
    /* Malformed boxes. */
    ck_assert_int_eq(secretbox_open(test_key, row, "", &plain, &len), -1);
    ck_assert_int_eq(secretbox_open(test_key, row, "abc", &plain, &len), -1);
    ck_assert_int_eq(secretbox_open(test_key, row, "!!!!", &plain, &len), -1);
    ck_assert_int_eq(secretbox_open(test_key, row, "AAAAAAAAAAAAAAAAAAAAAAAA", &plain, &len), -1);
    ck_assert_int_eq(secretbox_open(test_key, row, NULL, &plain, &len), -1);
    free(a);
    free(b);

    /* An empty plaintext still round-trips. */
    ck_assert_int_eq(secretbox_seal(test_key, NULL, (const unsigned char *)"", 0, &a), 0);
    ck_assert_int_eq(secretbox_open(test_key, NULL, a, &plain, &len), 0);
    ck_assert_uint_eq(len, 0);
    free(plain);
    free(a);
}
END_TEST

START_TEST(secretbox_opens_another_implementation)
{
    /* Sealed by Python's cryptography (AESGCM), key bytes 0..31, nonce a0..ab:
     *   ct = AESGCM(bytes(range(32))).encrypt(nonce, b"whsec_known-answer",
     *                                         b"11111111-2222-4333-8444-555555555555")
     *   base64.b64encode(nonce + ct) */
    const char *box = "oKGio6SlpqeoqaqrkXAPSCaUadENEun+ZhSzqRXeQXcFQJ4wZYkNupRczo5N5w==";
    unsigned char *plain = NULL;
    size_t len = 0;
    ck_assert_int_eq(
        secretbox_open(test_key, "11111111-2222-4333-8444-555555555555", box, &plain, &len), 0);
    ck_assert_str_eq((const char *)plain, "whsec_known-answer");
    free(plain);
}
END_TEST

Suite *webhook_suite(void)
{
    Suite *s = suite_create("webhook");
    TCase *tc = tcase_create("webhook");
    tcase_add_test(tc, webhook_signature_vector);
    tcase_add_test(tc, webhook_event_types_known);
    tcase_add_test(tc, webhook_private_ipv4);
    tcase_add_test(tc, webhook_private_ipv6);
    tcase_add_test(tc, webhook_private_sockaddr);
    tcase_add_test(tc, webhook_url_checks);
    tcase_add_test(tc, webhook_addresses_pinned);
    tcase_add_test(tc, webhook_resolve_literals_and_localhost);
    tcase_add_test(tc, webhook_target_checked_without_dns);
    tcase_add_test(tc, webhook_event_indexes);
    tcase_add_test(tc, secretbox_key_parsing);
    tcase_add_test(tc, secretbox_round_trip);
    tcase_add_test(tc, secretbox_opens_another_implementation);
    suite_add_tcase(s, tc);
    return s;
}
