/* One-click unsubscribe (RFC 8058; DESIGN §2 /unsubscribe/{token}, §4 "Delivery"): the token
 * that names a person and one kind of message, and the small pages GET and POST answer. Pure:
 * no I/O, no clock; the key comes from the caller (the database's unsubscribe_key, see
 * sql/0011_unsubscribe.sql).
 *
 * A token is base64url (no padding) of 34 bytes: a version byte (1), the person's UUID (16
 * bytes), the kind's code (1 byte, unsub_kinds below) and the first 16 bytes of
 * HMAC-SHA256(key, "spp-unsubscribe" || version || uuid || code). It needs no storage, is the
 * same in every message of that kind to that person, and cannot be made or altered without the
 * key: 128 bits of MAC. */
#ifndef SPP_UNSUB_H
#define SPP_UNSUB_H

#include <stddef.h>

#define UNSUB_TOKEN_LEN 46 /* characters, without the terminating NUL */
#define UNSUB_KEY_LEN   32

/* The kinds a person can unsubscribe from: "digest" and every reminder kind of
 * notify_reminder_kinds, NULL-terminated. A kind's code is its index: the list may only grow
 * at its end, or tokens in mail already sent would name another kind. */
extern const char *const unsub_kinds[];

/* Parses the key as the database gives it (encode(key, 'hex'): 64 hex characters) into key
 * (UNSUB_KEY_LEN bytes). Returns 0, or -1 when it is not one. */
int unsub_key_parse(const char *hex, unsigned char *key);

/* Writes the token for person (a UUID in its text form) and kind into out (at least
 * UNSUB_TOKEN_LEN + 1 bytes). Returns 0, or -1 for an unknown kind, a malformed UUID or a key
 * that is not UNSUB_KEY_LEN bytes. */
int unsub_token_make(const unsigned char *key, size_t keylen, const char *person, const char *kind,
                     char *out);

/* Checks token against key: 0 with the person's UUID (lowercase, 37 bytes with the NUL) in
 * person and the kind (borrowed from unsub_kinds) in *kind, or -1 when it is not a token this
 * key made (any length, any bytes). The MAC is compared in constant time. */
int unsub_token_check(const unsigned char *key, size_t keylen, const char *token, char *person,
                      const char **kind);

/* The page GET (done 0: what the link does, and a button that POSTs to the same URL) or POST
 * (done 1: it is done) answers for kind; a complete HTML document with inline CSS. token goes
 * into the form's action as a relative reference, so the page works under any prefix the
 * public URL has. The caller frees it. */
char *unsub_page(const char *kind, const char *token, int done);

/* What kind is called in a sentence ("the best practice digest", "reminders of peer review
 * visits a week ahead"); the kind itself when unknown. Borrowed. */
const char *unsub_kind_words(const char *kind);

#endif
