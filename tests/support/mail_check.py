#!/usr/bin/python3
"""Every email the worker sent, as a receiver sees it (issue 14; DESIGN §4 "Delivery").

    /usr/bin/python3 tests/support/mail_check.py MAILDIR [--require digest,reminder] [--public URL]

Reads every message of the Maildir (its new/ and cur/ folders) with Python's `email` package
(policy=default) and checks that:
  - the message and each of its parts parse without a defect;
  - Message-ID is <notification uuid@domain of SPP_MAIL_FROM> (the environment's; "localhost"
    when it has no usable domain), and X-SPP-Kind names the notification's kind;
  - a digest or reminder carries List-Unsubscribe: <http(s)://…/unsubscribe/{token}> (under URL
    when --public names one) and List-Unsubscribe-Post: List-Unsubscribe=One-Click, and both its
    parts give the same URL; any other kind carries neither header;
  - it is multipart/alternative of a text/plain and a text/html part, both UTF-8;
  - the HTML parses with html.parser into balanced elements, has one <h1>, one column of at most
    600 px, no <script>, <style>, <link>, <img> or src attribute, and links only to http(s)
    URLs (under URL when --public names one).
--require lists what must be among the messages ("reminder": any reminder kind). Prints one line
per problem and a summary of the kinds seen; exits 1 on any problem.
"""
import email
import email.policy
import html.parser
import os
import re
import sys

REMINDERS = {"review_visit_7d", "review_visit_1d", "workshop_3d", "action_due_7d", "action_overdue",
             "impact_reflection_due", "training_2d", "review_planning_6w"}
OTHERS = {"booking.changed", "champion.unassignable"}
VOID = {"meta", "br", "hr", "input", "img", "link"}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def expected_domain():
    sender = os.environ.get("SPP_MAIL_FROM", "spp@localhost")
    m = re.search(r"@([A-Za-z0-9.-]+)>?\s*$", sender)
    domain = m.group(1).lower() if m else ""
    if not domain or domain.startswith((".", "-")) or domain.endswith(".") or ".." in domain:
        return "localhost"
    return domain


class Html(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.h1, self.links, self.narrow = [], [], 0, [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "link", "img", "iframe", "object"):
            self.problems.append("a <%s> element" % tag)
        if "src" in a:
            self.problems.append("a src attribute on <%s>" % tag)
        if tag == "h1":
            self.h1 += 1
        if tag == "a":
            self.links.append(a.get("href") or "")
        if "max-width:600px" in (a.get("style") or ""):
            self.narrow = True
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()

    def close(self):
        super().close()
        if self.stack:
            self.problems.append("unclosed: %s" % ", ".join(self.stack))


def check(path, domain, public):
    problems = []
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    kind = str(msg.get("X-SPP-Kind", ""))
    for part in msg.walk():
        if part.defects:
            problems.append("defects in %s: %s" % (part.get_content_type(), part.defects))
    mid = str(msg.get("Message-ID", ""))
    if not re.fullmatch("<%s@%s>" % (UUID, re.escape(domain)), mid):
        problems.append("Message-ID %r is not <uuid@%s>" % (mid, domain))
    if kind not in REMINDERS | OTHERS | {"digest"}:
        problems.append("X-SPP-Kind %r is not a notification kind" % kind)
    lu, lup = msg.get("List-Unsubscribe"), msg.get("List-Unsubscribe-Post")
    url = None
    if kind == "digest" or kind in REMINDERS:
        m = re.fullmatch(r"<(https?://[^<>\s]+/unsubscribe/[A-Za-z0-9_-]{46})>", str(lu or ""))
        if not m:
            problems.append("List-Unsubscribe %r" % lu)
        else:
            url = m.group(1)
            if public and not url.startswith(public.rstrip("/") + "/unsubscribe/"):
                problems.append("List-Unsubscribe %s is not under %s" % (url, public))
        if str(lup or "") != "List-Unsubscribe=One-Click":
            problems.append("List-Unsubscribe-Post %r" % lup)
    elif lu is not None or lup is not None:
        problems.append("List-Unsubscribe on a %s message" % kind)
    if msg.get_content_type() != "multipart/alternative":
        problems.append("Content-Type %s" % msg.get_content_type())
        return kind, problems
    text = msg.get_body(preferencelist=("plain",))
    body = msg.get_body(preferencelist=("html",))
    if text is None or body is None:
        problems.append("no text/plain or no text/html part")
        return kind, problems
    for p in (text, body):
        if p.get_content_charset() != "utf-8":
            problems.append("%s charset %s" % (p.get_content_type(), p.get_content_charset()))
    plain, markup = text.get_content(), body.get_content()
    if url and url not in plain:
        problems.append("the plain text lacks the unsubscribe URL")
    parser = Html()
    parser.feed(markup)
    parser.close()
    problems += parser.problems
    if parser.h1 != 1:
        problems.append("%d <h1> elements" % parser.h1)
    if not parser.narrow:
        problems.append("no column of max-width:600px")
    for href in parser.links:
        if not re.match(r"https?://", href) or (public and not href.startswith(public.rstrip("/") + "/")):
            problems.append("a link to %r" % href)
    if url and url not in parser.links:
        problems.append("the HTML lacks the unsubscribe link")
    return kind, problems


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root, require, public = sys.argv[1], [], ""
    args = sys.argv[2:]
    while len(args) >= 2 and args[0] in ("--require", "--public"):
        if args[0] == "--require":
            require = [r for r in args[1].split(",") if r]
        else:
            public = args[1]
        args = args[2:]
    if args:
        print(__doc__, file=sys.stderr)
        return 2
    domain = expected_domain()
    files = [os.path.join(root, sub, n) for sub in ("new", "cur")
             if os.path.isdir(os.path.join(root, sub)) for n in sorted(os.listdir(os.path.join(root, sub)))]
    seen, failed = {}, 0
    for path in files:
        kind, problems = check(path, domain, public)
        seen[kind] = seen.get(kind, 0) + 1
        for p in problems:
            print("FAILED %s (%s): %s" % (os.path.basename(path), kind, p))
        failed += bool(problems)
    for r in require:
        if not any(k == r or (r == "reminder" and k in REMINDERS) for k in seen):
            print("FAILED: no %s message among %d" % (r, len(files)))
            failed += 1
    print("mail check: %d messages (%s), %d with problems"
          % (len(files), ", ".join("%s %d" % kv for kv in sorted(seen.items())), failed))
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
