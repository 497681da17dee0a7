/* The best-practice digest renderer (common/rules/digest.c): any JSON document through
 * digest_render. The seeds are digests shaped like digest_json's, so that mutations stay near real
 * ones.
 *
 * Input: the digest's JSON text.
 *
 * Beyond crashes and sanitizer reports it aborts when a rendered digest lacks a part, when its
 * subject is not one line without control characters, when text or HTML is not valid UTF-8,
 * or when the HTML holds a tag the renderer does not write (an escape missed). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "digest.h"
#include "mail.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *digest = json_loadb((const char *)data, size, 0, NULL);
    if (!digest)
        return 0;
    struct mail_message m;
    /* Links on, so that the review ids of the data reach an href too. */
    struct mail_context ctx = {"https://spp.example.org", "https://spp.example.org/unsubscribe/t",
                               NULL};
    if (digest_render(digest, &ctx, &m) == 0) {
        fuzz_check_subject(m.subject);
        fuzz_check_utf8(m.text);
        fuzz_check_html(m.html);
    } else if (m.subject || m.text || m.html) {
        abort();
    }
    mail_message_cleanup(&m);
    json_decref(digest);
    return 0;
}
