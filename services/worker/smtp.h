/* Sending one email through an SMTP relay with libcurl (DESIGN §4: SPP_SMTP_URL, SPP_MAIL_FROM):
 * a multipart/alternative message of a plain-text and an HTML part, to one recipient. */
#ifndef SPP_SMTP_H
#define SPP_SMTP_H

#include <stddef.h>
#include <time.h>

struct smtp_message {
    const char *url;        /* smtp://host:port or smtps://…, credentials in it if any */
    const char *from;       /* "addr@example.org" or "Display Name <addr@example.org>" */
    const char *to;         /* one address */
    const char *message_id; /* the left part of <id@domain of from>: stable across retries */
    time_t date;            /* the Date header */
    const char *subject;    /* UTF-8, one line */
    const char *text;       /* UTF-8 */
    const char *html;       /* UTF-8 */
    const char *kind;       /* the notification's kind, sent as X-SPP-Kind; NULL: none */
    /* The recipient's one-click unsubscribe URL (RFC 8058): List-Unsubscribe and
     * List-Unsubscribe-Post headers when set; NULL for messages one cannot unsubscribe from. */
    const char *unsubscribe_url;
};

/* Sends m. Returns 0 once the relay accepted the message, or -1 with curl's reason (or the
 * address problem) in err. Connecting times out after 10 s, the whole exchange after 30 s.
 * Thread-safe: every call has its own curl handle; curl_global_init must have run (main). */
int smtp_send(const struct smtp_message *m, char *err, size_t errlen);

/* The CURLOPT_USE_SSL level for a relay URL: CURLUSESSL_ALL (TLS or nothing: a relay that does
 * not offer STARTTLS, or an attacker who strips it, gets no credentials) when the URL carries
 * credentials (user information before an '@'), else CURLUSESSL_TRY (a local relay without
 * TLS still works). smtps:// is TLS from the start either way. Pure. */
long smtp_tls_level(const char *url);
/* The Date header value for t (RFC 5322, UTC, English names whatever the locale) into out
 * (at least 32 bytes). Pure. */
void smtp_format_date(time_t t, char *out, size_t outlen);
/* The domain for Message-IDs (<id@domain>, DESIGN §4): the domain of the address in from
 * ("addr@example.org" or "Name <addr@example.org>"), lowercased, into out. When it has none, or
 * one that is not a plain host name (letters, digits, '-' and '.'), "localhost". Pure. */
void smtp_message_id_domain(const char *from, char *out, size_t outlen);
/* The Subject header value for a UTF-8 subject: as it is when it is printable ASCII, else RFC
 * 2047 encoded-words (=?UTF-8?B?…?=, each under 76 characters, never splitting a character),
 * folded onto continuation lines. Control characters become spaces. The caller frees it. Pure. */
char *smtp_encode_subject(const char *subject);

#endif
