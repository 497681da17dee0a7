#include "html.h"

#include "buf.h"

void html_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        case '\r':
            break;
        case '\n':
            buf_puts(b, "<br>\n");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}
