/* The nightly best-practice digest (DESIGN §4): rendering a compiled digest as plain text and
 * HTML, every user string escaped. Pure. */
#ifndef SPP_DIGEST_H
#define SPP_DIGEST_H

#include <jansson.h>

struct mail_context;
struct mail_message;

/* Renders digest (the representation digest_json gives: id, partnership_id, digest_date,
 * cut_off, empty, items {partnership_name, best_practices[], status_changes[], upcoming[],
 * training[]}) into out, in the frame of common/rules/mail.h. A review that changed status several
 * times in the window is one line, first status to last. ctx (may be NULL) gives the public URL
 * for links (to each review and to the digest) and the recipient's one-click unsubscribe URL
 * for the footer; without it the footer says whom to ask. Returns 0, or -1 when digest is not
 * shaped like one. */
int digest_render(const json_t *digest, const struct mail_context *ctx, struct mail_message *out);

#endif
