/* The shared frame of HTML mail and of the unsubscribe pages: see mail.h. Every string that is
 * not a literal of this file goes through html_escape. */
#include "mail.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "validate.h"
#include "xalloc.h"

#define MAIL_PROGRAMME "Schools Partnership Programme"

static int mail_has(const char *s)
{
    return s && *s;
}

void mail_html_begin(struct buf *b, const struct mail_frame *f)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"color-scheme\" content=\"light\">\n<title>");
    html_escape(b, mail_has(f->title) ? f->title : MAIL_PROGRAMME);
    buf_puts(b, "</title>\n</head>\n"
                "<body style=\"margin:0;padding:0;background-color:#f3f4f6\">\n"
                "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
                "border=\"0\" style=\"width:100%;background-color:#f3f4f6\">\n"
                "<tr><td align=\"center\" style=\"padding:24px 12px\">\n"
                "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" "
                "border=\"0\" style=\"width:100%;max-width:600px;background-color:#ffffff;"
                "border:1px solid #e4e7eb;border-radius:6px\">\n"
                "<tr><td style=\"padding:24px 32px 16px;" MAIL_FONT
                ";border-top:6px solid #0b5cad;border-radius:6px 6px 0 0\">\n"
                "<p style=\"margin:0 0 8px;font-size:13px;line-height:18px;letter-spacing:0.04em;"
                "text-transform:uppercase;color:#52606d\">" MAIL_PROGRAMME);
    if (mail_has(f->partnership)) {
        buf_puts(b, " &middot; ");
        html_escape(b, f->partnership);
    }
    buf_puts(b, "</p>\n<h1 style=\"margin:0;font-size:24px;line-height:32px;font-weight:bold;"
                "color:#102a43\">");
    html_escape(b, mail_has(f->heading) ? f->heading : MAIL_PROGRAMME);
    buf_puts(b, "</h1>\n</td></tr>\n<tr><td style=\"padding:8px 32px 16px;" MAIL_FONT
                ";color:#1f2933\">\n");
}

void mail_html_end(struct buf *b, const struct mail_frame *f)
{
    buf_puts(b, "</td></tr>\n<tr><td style=\"padding:16px 32px 24px;" MAIL_FONT
                ";font-size:13px;line-height:20px;color:#52606d;border-top:1px solid #e4e7eb\">\n"
                "<p style=\"margin:0 0 8px\">" MAIL_PROGRAMME "</p>\n");
    if (mail_has(f->reason)) {
        buf_puts(b, "<p style=\"margin:0 0 8px\">");
        html_escape(b, f->reason);
        buf_puts(b, "</p>\n");
    }
    if (mail_has(f->unsubscribe_url)) {
        buf_puts(b, "<p style=\"margin:0\">");
        mail_html_link(b, f->unsubscribe_url, "Unsubscribe");
        if (mail_has(f->unsubscribe_what)) {
            buf_puts(b, " from ");
            html_escape(b, f->unsubscribe_what);
        }
        buf_puts(b, " with one click.</p>\n");
    }
    buf_puts(b, "</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n");
}

void mail_text_end(struct buf *b, const struct mail_frame *f)
{
    buf_puts(b, "\n-- \n" MAIL_PROGRAMME "\n");
    if (mail_has(f->reason))
        buf_printf(b, "%s\n", f->reason);
    if (mail_has(f->unsubscribe_url))
        buf_printf(b, "Unsubscribe%s%s: %s\n", mail_has(f->unsubscribe_what) ? " from " : "",
                   mail_has(f->unsubscribe_what) ? f->unsubscribe_what : "", f->unsubscribe_url);
}

void mail_html_link(struct buf *b, const char *href, const char *label)
{
    buf_puts(b, "<a href=\"");
    html_escape(b, href);
    buf_puts(b, "\" style=\"" MAIL_A_STYLE "\">");
    html_escape(b, label);
    buf_puts(b, "</a>");
}

char *mail_url(const char *base, const char *path)
{
    if (!mail_has(base))
        return NULL;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, base, path ? path : "");
}

char *mail_resource_url(const char *base, const char *collection, const char *id)
{
    if (!id || !validate_uuid(id))
        return NULL;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", collection, id);
    return mail_url(base, path);
}

void mail_message_cleanup(struct mail_message *m)
{
    if (!m)
        return;
    free(m->subject);
    free(m->text);
    free(m->html);
    m->subject = m->text = m->html = NULL;
}
