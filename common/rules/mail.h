/* The look every HTML message (digests, reminders, notices) and the unsubscribe pages share
 * (DESIGN §4 "Delivery"): one centred column at most 600 px wide, built from tables with inline
 * CSS because that is what common mail clients render (no <style> block, no external images or
 * fonts: a system font stack), a header with the programme's and the partnership's names and a
 * clear heading, and a footer saying why the reader gets it and how to stop. The plain-text
 * part gets the same footer. Pure. */
#ifndef SPP_MAIL_H
#define SPP_MAIL_H

struct buf;

/* The inline styles of the body's elements, for the renderers' own markup. */
#define MAIL_FONT "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
#define MAIL_P    "<p style=\"margin:0 0 16px;font-size:16px;line-height:24px;color:#1f2933\">"
#define MAIL_H2                                                                                    \
    "<h2 style=\"margin:28px 0 8px;font-size:18px;line-height:24px;font-weight:bold;"              \
    "color:#1f2933;border-bottom:1px solid #e4e7eb;padding-bottom:4px\">"
#define MAIL_UL   "<ul style=\"margin:0 0 16px;padding:0 0 0 20px\">"
#define MAIL_LI   "<li style=\"margin:0 0 10px;font-size:16px;line-height:24px;color:#1f2933\">"
#define MAIL_NOTE "<p style=\"margin:0 0 16px;font-size:14px;line-height:20px;color:#52606d\">"
#define MAIL_QUOTE                                                                                 \
    "<p style=\"margin:0 0 16px;padding:8px 12px;font-size:16px;line-height:24px;"                 \
    "color:#1f2933;background-color:#f5f7fa;border-left:4px solid #0b5cad\">"
#define MAIL_A_STYLE "color:#0b5cad;text-decoration:underline"

/* What frames one message. Strings are borrowed and escaped where they are written; NULL or ""
 * leaves that part out. */
struct mail_frame {
    const char *title;            /* the document's <title> (the subject) */
    const char *heading;          /* the <h1> */
    const char *partnership;      /* shown above the heading, beside the programme's name */
    const char *reason;           /* footer: why the reader gets this */
    const char *unsubscribe_url;  /* footer: the one-click unsubscribe page, when there is one */
    const char *unsubscribe_what; /* footer: what that link stops ("this digest") */
};

/* One rendered message, whichever renderer made it (digest_render, notify_render): heap strings
 * that mail_message_cleanup frees. */
struct mail_message {
    char *subject;
    char *text;
    char *html;
};
void mail_message_cleanup(struct mail_message *m);

/* What a renderer needs besides the message's own data. Borrowed; NULL or "" leaves it out. */
struct mail_context {
    const char *public_url;      /* SPP_PUBLIC_URL: links into the service */
    const char *unsubscribe_url; /* this recipient's one-click unsubscribe page */
    const char *partnership;     /* the recipient's partnership (a digest names its own) */
};

/* Opens the document and its column up to where the body's paragraphs go. */
void mail_html_begin(struct buf *b, const struct mail_frame *f);
/* Closes the body, writes the footer and ends the document. */
void mail_html_end(struct buf *b, const struct mail_frame *f);
/* The plain-text footer: a signature line, the reason and the unsubscribe URL. */
void mail_text_end(struct buf *b, const struct mail_frame *f);
/* <a href="href" style=…>label</a>, both escaped. */
void mail_html_link(struct buf *b, const char *href, const char *label);
/* base (SPP_PUBLIC_URL, a trailing '/' dropped) followed by path; NULL when base is NULL or
 * empty, so that a renderer without a public URL writes no link. The caller frees it. */
char *mail_url(const char *base, const char *path);
/* The public URL of collection/id ("/v1/reviews", id) under base, or NULL without a public URL
 * or when id is not a UUID (an id from stored JSON is not trusted to be one). */
char *mail_resource_url(const char *base, const char *collection, const char *id);

#endif
