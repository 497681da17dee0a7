/* Checks the renderer harnesses share (fuzz_digest.c, fuzz_notify.c): what a rendered message
 * must be whatever its data held. Each aborts, so that libFuzzer reports the input. */
#ifndef SPP_FUZZ_RENDER_H
#define SPP_FUZZ_RENDER_H

#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* Output made of valid UTF-8 data must be valid UTF-8 (no character cut in two). */
static inline void fuzz_check_utf8(const char *s)
{
    if (!s || !validate_utf8(s, strlen(s)))
        abort();
}

/* A subject goes into a mail header: one line, no control character. */
static inline void fuzz_check_subject(const char *s)
{
    fuzz_check_utf8(s);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            abort();
}

/* Every '<' of the HTML opens one of the renderers' own tags (<p>, </li>, <!DOCTYPE …): a '<'
 * from the data, escaped or not, would show here as one that opens anything else. */
static inline void fuzz_check_html(const char *s)
{
    static const char *const tags[] = {
        "!DOCTYPE", "html",  "head", "meta", "title", "body", "p",  "h1", "h2",   "ul", "li",
        "strong",   "small", "br",   "hr",   "table", "tr",   "td", "a",  "span", NULL};
    fuzz_check_utf8(s);
    for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
        const char *name = p + 1 + (p[1] == '/');
        size_t n = strcspn(name, " >");
        if (name[n] != ' ' && name[n] != '>')
            abort();
        size_t i = 0;
        while (tags[i] && !(strlen(tags[i]) == n && !strncmp(tags[i], name, n)))
            i++;
        if (!tags[i])
            abort();
    }
}

#endif
