/* The notification renderer (common/rules/notify.c): a kind and its data through notify_render.
 *
 * Input: "<kind>\n<data JSON>", e.g. "action_overdue\n{\"school_name\":\"A\",\"days\":-3}".
 * The data need not be an object (notify_render reads anything else as {}).
 *
 * Beyond crashes and sanitizer reports it aborts when a known kind is refused or an unknown one
 * rendered, when the subject is not one line without control characters, when text or HTML is
 * not valid UTF-8, or when the HTML holds a tag the renderer does not write. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "notify.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t klen = nl ? (size_t)(nl - data) : size;
    char *kind = malloc(klen + 1);
    memcpy(kind, data, klen);
    kind[klen] = '\0';
    json_t *json = nl ? json_loadb((const char *)nl + 1, size - klen - 1, 0, NULL) : NULL;

    struct mail_message m;
    /* Links on, so that a review id of the data reaches an href too. */
    struct mail_context ctx = {"https://spp.example.org", "https://spp.example.org/unsubscribe/t",
                               "Partnership <b>"};
    int rc = notify_render(kind, json, &ctx, &m);
    if (rc == 0) {
        fuzz_check_subject(m.subject);
        fuzz_check_utf8(m.text);
        fuzz_check_html(m.html);
    } else if (m.subject || m.text || m.html) {
        abort();
    }
    for (const char *const *k = notify_reminder_kinds; *k; k++)
        if (!strcmp(*k, kind) && rc != 0)
            abort();
    mail_message_cleanup(&m);
    json_decref(json);
    free(kind);
    return 0;
}
