/* One-click unsubscribe tokens and pages: see unsub.h. */
#include "unsub.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "mail.h"
#include "secretbox.h"
#include "token.h"

#define UNSUB_VERSION 1
#define UNSUB_MAC_LEN 16
#define UNSUB_RAW_LEN (1 + 16 + 1 + UNSUB_MAC_LEN) /* 34 bytes: 46 base64url characters */

const char *const unsub_kinds[] = {
    "digest",
    "review_visit_7d",
    "review_visit_1d",
    "workshop_3d",
    "action_due_7d",
    "action_overdue",
    "impact_reflection_due",
    "training_2d",
    "review_planning_6w",
    NULL,
};

/* What each kind stops, in words for the pages and the footers. */
static const char *const unsub_words[][2] = {
    {"digest", "the best practice digest"},
    {"review_visit_7d", "reminders of peer review visits a week ahead"},
    {"review_visit_1d", "reminders of peer review visits the day before"},
    {"workshop_3d", "reminders of improvement workshops"},
    {"action_due_7d", "reminders of actions falling due"},
    {"action_overdue", "the weekly reminders of overdue actions"},
    {"impact_reflection_due", "reminders that an impact reflection is due"},
    {"training_2d", "reminders of your training courses"},
    {"review_planning_6w", "reminders of reviews still in planning"},
};

const char *unsub_kind_words(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof unsub_words / sizeof *unsub_words; i++)
        if (!strcmp(unsub_words[i][0], kind))
            return unsub_words[i][1];
    return kind ? kind : "";
}

/* The 16 bytes of a UUID in its 8-4-4-4-12 text form; -1 when it is not one. */
static int unsub_uuid_bytes(const char *s, unsigned char *out)
{
    if (!s || strlen(s) != 36)
        return -1;
    size_t j = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-')
                return -1;
            continue;
        }
        int hi = token_hex_digit(s[i]), lo = token_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[j++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}

static void unsub_uuid_text(const unsigned char *b, char *out)
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* The MAC of the first 18 bytes of raw (version, uuid, code). -1 when OpenSSL fails. */
static int unsub_mac(const unsigned char *key, size_t keylen, const unsigned char *raw,
                     unsigned char *mac)
{
    static const char label[] = "spp-unsubscribe";
    unsigned char msg[sizeof label - 1 + 18];
    memcpy(msg, label, sizeof label - 1);
    memcpy(msg + sizeof label - 1, raw, 18);
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int fulllen = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, msg, sizeof msg, full, &fulllen) || fulllen != 32)
        return -1;
    memcpy(mac, full, UNSUB_MAC_LEN);
    return 0;
}

_Static_assert(UNSUB_KEY_LEN == SECRETBOX_KEY_LEN, "both keys are 256 bits written in hex");

int unsub_key_parse(const char *hex, unsigned char *key)
{
    return secretbox_key_parse(hex, key);
}

static const char unsub_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int unsub_b64_value(char c)
{
    const char *p = c ? strchr(unsub_b64, c) : NULL;
    return p ? (int)(p - unsub_b64) : -1;
}

int unsub_token_make(const unsigned char *key, size_t keylen, const char *person, const char *kind,
                     char *out)
{
    unsigned char raw[UNSUB_RAW_LEN + 2] = {0}; /* two spare zero bytes for the last group */
    int code = -1;
    for (int i = 0; kind && unsub_kinds[i]; i++)
        if (!strcmp(unsub_kinds[i], kind))
            code = i;
    if (keylen != UNSUB_KEY_LEN || code < 0 || unsub_uuid_bytes(person, raw + 1) != 0)
        return -1;
    raw[0] = UNSUB_VERSION;
    raw[17] = (unsigned char)code;
    if (unsub_mac(key, keylen, raw, raw + 18) != 0)
        return -1;
    /* base64url without padding: 34 bytes are 11 groups of three and one of one (2 chars). */
    size_t o = 0;
    for (size_t i = 0; i < UNSUB_RAW_LEN; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        size_t chars = UNSUB_RAW_LEN - i >= 3 ? 4 : UNSUB_RAW_LEN - i + 1;
        for (size_t k = 0; k < chars; k++)
            out[o++] = unsub_b64[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
    return 0;
}

int unsub_token_check(const unsigned char *key, size_t keylen, const char *token, char *person,
                      const char **kind)
{
    if (!token || keylen != UNSUB_KEY_LEN || strlen(token) != UNSUB_TOKEN_LEN)
        return -1;
    unsigned char raw[UNSUB_RAW_LEN + 2] = {0};
    size_t o = 0;
    for (size_t i = 0; i < UNSUB_TOKEN_LEN; i += 4) {
        size_t chars = UNSUB_TOKEN_LEN - i >= 4 ? 4 : UNSUB_TOKEN_LEN - i;
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            int d = k < chars ? unsub_b64_value(token[i + k]) : 0;
            if (d < 0)
                return -1;
            v = v << 6 | (uint32_t)d;
        }
        raw[o++] = (unsigned char)(v >> 16);
        raw[o++] = (unsigned char)(v >> 8);
        raw[o++] = (unsigned char)v;
    }
    /* The last group of two characters carries 12 bits for one byte: its 4 spare bits must be
     * zero, so that exactly one spelling of each token is accepted. */
    if (raw[UNSUB_RAW_LEN] != 0 || raw[0] != UNSUB_VERSION)
        return -1;
    unsigned char mac[UNSUB_MAC_LEN];
    if (unsub_mac(key, keylen, raw, mac) != 0 ||
        !token_equal((const char *)mac, (const char *)raw + 18, UNSUB_MAC_LEN))
        return -1;
    size_t n = 0;
    while (unsub_kinds[n])
        n++;
    if (raw[17] >= n)
        return -1;
    unsub_uuid_text(raw + 1, person);
    *kind = unsub_kinds[raw[17]];
    return 0;
}

char *unsub_page(const char *kind, const char *token, int done)
{
    const char *what = unsub_kind_words(kind);
    struct buf b;
    buf_init(&b);
    struct mail_frame f = {done ? "Unsubscribed" : "Unsubscribe",
                           done ? "You are unsubscribed" : "Unsubscribe",
                           NULL,
                           "This page belongs to the link at the foot of an email we sent you.",
                           NULL,
                           NULL};
    mail_html_begin(&b, &f);
    if (done) {
        buf_puts(&b, MAIL_P "You will no longer receive ");
        html_escape(&b, what);
        buf_puts(&b, ".</p>\n" MAIL_NOTE "Changed your mind? Your school's lead for the programme "
                     "can switch it back on in your profile.</p>\n");
    } else {
        buf_puts(&b, MAIL_P "Stop receiving ");
        html_escape(&b, what);
        buf_puts(&b, " by email?</p>\n"
                     /* Relative to /unsubscribe/{token}: the same URL, whatever prefix the
                      * public URL has. RFC 8058's body, so the button and a mail client's
                      * one-click POST are the same request. */
                     "<form method=\"post\" action=\"");
        html_escape(&b, token);
        buf_puts(&b, "\" style=\"margin:0 0 16px\">\n"
                     "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                     "<button type=\"submit\" style=\"" MAIL_FONT
                     ";font-size:16px;line-height:24px;padding:10px 20px;color:#ffffff;"
                     "background-color:#0b5cad;border:0;border-radius:4px;cursor:pointer\">"
                     "Unsubscribe</button>\n</form>\n" MAIL_NOTE
                     "Nothing changes until you press the button.</p>\n");
    }
    mail_html_end(&b, &f);
    return buf_steal(&b, NULL);
}
