/* Escaping for HTML, shared by every renderer of HTML mail (notify.c, digest.c). Pure. */
#ifndef SPP_HTML_H
#define SPP_HTML_H

struct buf;

/* Appends s to b for an HTML text node or a quoted attribute value: & < > " ' become character
 * references, line breaks become <br> followed by a newline, and carriage returns are dropped
 * (so CRLF and LF give the same output). Every other byte, UTF-8 included, is copied as it is. */
void html_escape(struct buf *b, const char *s);

#endif
