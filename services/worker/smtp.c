/* One email through an SMTP relay with libcurl: the envelope (MAIL FROM, RCPT TO) for one
 * recipient, the headers a receiver needs to recognise and thread the message (Date, a
 * Message-ID on the sender's domain that stays the same across retries, From, To, an RFC 2047
 * Subject), RFC 8058's List-Unsubscribe and List-Unsubscribe-Post when the message has a
 * one-click link, and a multipart/alternative body of a text and an HTML part, both
 * quoted-printable UTF-8. */
#include "smtp.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

#define SMTP_CONNECT_TIMEOUT_S 10
#define SMTP_TIMEOUT_S         30
/* Raw bytes per encoded-word: 45 bytes are 60 base64 characters, 72 with =?UTF-8?B?…?=. */
#define SMTP_WORD_BYTES 45

long smtp_tls_level(const char *url)
{
    /* The authority runs from after "://" to the first '/', '?' or '#'; credentials end at
     * its last '@'. Anything unreadable counts as carrying them: the strict choice. */
    const char *sep = url ? strstr(url, "://") : NULL;
    if (!sep)
        return (long)CURLUSESSL_ALL;
    const char *auth = sep + 3;
    size_t n = strcspn(auth, "/?#");
    return memchr(auth, '@', n) ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY;
}

void smtp_format_date(time_t t, char *out, size_t outlen)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The length of the UTF-8 sequence that starts with byte c (1 for a stray byte). */
static size_t smtp_utf8_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

char *smtp_encode_subject(const char *subject)
{
    /* One line of printable characters, whatever the caller passed. */
    char *line = xstrdup(subject ? subject : "");
    int ascii = 1;
    for (unsigned char *p = (unsigned char *)line; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            *p = ' ';
        else if (*p >= 0x80)
            ascii = 0;
    }
    /* An ASCII subject that could be mistaken for an encoded-word is encoded too. */
    if (ascii && !strstr(line, "=?"))
        return line;
    struct buf b;
    buf_init(&b);
    size_t len = strlen(line);
    for (size_t at = 0; at < len;) {
        size_t n = 0;
        while (at + n < len) {
            size_t c = smtp_utf8_len((unsigned char)line[at + n]);
            if (at + n + c > len)
                c = len - at - n;
            if (n + c > SMTP_WORD_BYTES)
                break;
            n += c;
        }
        unsigned char enc[4 * ((SMTP_WORD_BYTES + 2) / 3) + 1];
        EVP_EncodeBlock(enc, (const unsigned char *)line + at, (int)n);
        /* Encoded-words on continuation lines: the space of the fold is not part of the text
         * (RFC 2047 §6.2). */
        buf_printf(&b, "%s=?UTF-8?B?%s?=", at ? "\r\n " : "", enc);
        at += n;
    }
    free(line);
    return buf_steal(&b, NULL);
}

/* Writes the bare address of "Name <addr>" or "addr" into out; -1 when it is not one plausible
 * address (empty, several, or holding characters that could end the SMTP command or the
 * header). */
static int smtp_address(const char *s, char *out, size_t outlen)
{
    const char *lt = strchr(s, '<');
    const char *start = lt ? lt + 1 : s;
    const char *end = lt ? strchr(start, '>') : s + strlen(s);
    if (!end)
        return -1;
    while (start < end && *start == ' ')
        start++;
    while (end > start && end[-1] == ' ')
        end--;
    size_t n = (size_t)(end - start);
    if (n == 0 || n >= outlen || !memchr(start, '@', n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)start[i];
        if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == ',' || c == ';')
            return -1;
    }
    memcpy(out, start, n);
    out[n] = '\0';
    return 0;
}

void smtp_message_id_domain(const char *from, char *out, size_t outlen)
{
    char addr[320];
    const char *at =
        smtp_address(from ? from : "", addr, sizeof addr) == 0 ? strrchr(addr, '@') : NULL;
    size_t n = at ? strlen(at + 1) : 0;
    int ok = n > 0 && n < outlen && at[1] != '.' && at[1] != '-' && at[n] != '.';
    for (size_t i = 1; ok && i <= n; i++) {
        unsigned char c = (unsigned char)at[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || (c == '.' && at[i + 1] != '.');
    }
    if (!ok) {
        snprintf(out, outlen, "localhost");
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (char)((at[i + 1] >= 'A' && at[i + 1] <= 'Z') ? at[i + 1] + 32 : at[i + 1]);
    out[n] = '\0';
}

/* s with every line ended by CRLF, as a message body's lines must be (the quoted-printable
 * encoder would otherwise encode bare line feeds as =0A). The caller frees it. */
static char *smtp_crlf(const char *s)
{
    struct buf b;
    buf_init(&b);
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            buf_putc(&b, '\r');
        buf_putc(&b, *p);
    }
    return buf_steal(&b, NULL);
}

/* A header line "Name: value" with any control character of value made a space. */
static struct curl_slist *smtp_header(struct curl_slist *list, const char *name, const char *value)
{
    char *line = xasprintf("%s: %s", name, value);
    for (unsigned char *p = (unsigned char *)line; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            *p = ' ';
    struct curl_slist *next = curl_slist_append(list, line);
    free(line);
    if (!next)
        abort(); /* allocation failure is decided once: abort, as xmalloc does */
    return next;
}

int smtp_send(const struct smtp_message *m, char *err, size_t errlen)
{
    char from[320], to[320], envelope_from[324], envelope_to[324];
    if (smtp_address(m->from, from, sizeof from) != 0) {
        snprintf(err, errlen, "SPP_MAIL_FROM is not a usable address");
        return -1;
    }
    if (smtp_address(m->to, to, sizeof to) != 0) {
        snprintf(err, errlen, "the recipient is not a usable address");
        return -1;
    }
    snprintf(envelope_from, sizeof envelope_from, "<%s>", from);
    snprintf(envelope_to, sizeof envelope_to, "<%s>", to);

    int rc = -1;
    char errbuf[CURL_ERROR_SIZE] = "";
    char date[64];
    smtp_format_date(m->date, date, sizeof date);
    char domain[256];
    smtp_message_id_domain(m->from, domain, sizeof domain);
    char *message_id = xasprintf("<%s@%s>", m->message_id, domain);
    char *subject = smtp_encode_subject(m->subject);
    char *text = smtp_crlf(m->text);
    char *html = smtp_crlf(m->html);
    struct curl_slist *rcpt = NULL, *headers = NULL;
    curl_mime *mime = NULL;
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(err, errlen, "curl_easy_init failed");
        goto done;
    }
    rcpt = curl_slist_append(NULL, envelope_to);
    headers = smtp_header(NULL, "Date", date);
    headers = smtp_header(headers, "Message-ID", message_id);
    headers = smtp_header(headers, "From", m->from);
    headers = smtp_header(headers, "To", to);
    /* Already one line (folded with CRLF SP between encoded-words): added as it is. */
    char *subject_line = xasprintf("Subject: %s", subject);
    headers = curl_slist_append(headers, subject_line);
    free(subject_line);
    headers = smtp_header(headers, "Auto-Submitted", "auto-generated");
    if (m->kind)
        headers = smtp_header(headers, "X-SPP-Kind", m->kind);
    if (m->unsubscribe_url) {
        /* RFC 8058: a mail client may POST "List-Unsubscribe=One-Click" to the URL. */
        char *link = xasprintf("<%s>", m->unsubscribe_url);
        headers = smtp_header(headers, "List-Unsubscribe", link);
        headers = smtp_header(headers, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        free(link);
    }
    /* The message itself is multipart/alternative: the root part's Content-Type header names
     * it and libcurl adds the boundary. */
    headers = smtp_header(headers, "Content-Type", "multipart/alternative");

    mime = curl_mime_init(curl);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_data(part, text, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "text/plain; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");
    part = curl_mime_addpart(mime);
    curl_mime_data(part, html, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "text/html; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");

    curl_easy_setopt(curl, CURLOPT_URL, m->url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, envelope_from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, smtp_tls_level(m->url));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)SMTP_CONNECT_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)SMTP_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode res = curl_easy_perform(curl);
    if (res != CURLE_OK) {
        snprintf(err, errlen, "smtp: %s", errbuf[0] ? errbuf : curl_easy_strerror(res));
        goto done;
    }
    rc = 0;
done:
    curl_mime_free(mime);
    curl_slist_free_all(headers);
    curl_slist_free_all(rcpt);
    if (curl)
        curl_easy_cleanup(curl);
    free(html);
    free(text);
    free(subject);
    free(message_id);
    return rc;
}
