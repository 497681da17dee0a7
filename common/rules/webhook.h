/* Webhooks (DESIGN §4): the event types, the X-SPP-Signature value, what a target URL may be
 * and which addresses a target may not reach (SSRF). Pure functions over plain values, except
 * webhook_resolve, which asks the system resolver and so runs in the worker only, at delivery:
 * the API checks a target with webhook_target_check, which never waits on the network. */
#ifndef SPP_WEBHOOK_H
#define SPP_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct addrinfo;
struct sockaddr;

/* "t=" + up to 20 digits + ",v1=" + 64 hex digits + NUL. */
#define WEBHOOK_SIGNATURE_MAX 96
#define WEBHOOK_HOST_MAX      256
/* A CURLOPT_RESOLVE entry "host:port:addr,addr,…" for up to a few dozen addresses. */
#define WEBHOOK_PIN_MAX 2048
#define WEBHOOK_URL_MAX 2000

enum webhook_status {
    WEBHOOK_OK = 0,
    WEBHOOK_ERR_URL = -1,        /* not a URL a webhook may have */
    WEBHOOK_ERR_PRIVATE = -2,    /* the host is, or resolves to, a private address */
    WEBHOOK_ERR_UNRESOLVED = -3, /* the host has no address */
    WEBHOOK_ERR_AGAIN = -4,      /* the resolver failed for now */
};

/* The event types a subscription may name, NULL-terminated. */
extern const char *const webhook_event_types[];
/* 1 when type is one of webhook_event_types. */
int webhook_event_known(const char *type);
/* type's index in webhook_event_types, or -1 when it is not one (or NULL). */
int webhook_event_index(const char *type);
/* How many event types there are: the most a subscription's events may list. */
size_t webhook_event_count(void);

/* Writes the X-SPP-Signature value "t=<t>,v1=<hex>" into out (WEBHOOK_SIGNATURE_MAX bytes):
 * lowercase hex HMAC-SHA256 over "<t>.<body>", keyed with the bytes of the secret string as it
 * was given to the subscriber ("whsec_" included). Returns 0, or -1 when OpenSSL fails. */
int webhook_sign(const char *secret, int64_t t, const char *body, size_t len, char *out);

/* 1 when an address is not one a webhook may reach: loopback, private, link-local, shared
 * (100.64/10), "this network" (0/8), multicast, reserved, unspecified, unique-local, site-local,
 * and IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) when the IPv4
 * address inside is one of those. addr holds 4 (AF_INET) or 16 (AF_INET6) bytes in network
 * order. Any other family counts as private. */
int webhook_ip_private(int family, const unsigned char *addr);
/* The same for a socket address (sockaddr_in or sockaddr_in6). */
int webhook_sockaddr_private(const struct sockaddr *sa);

/* A webhook URL taken apart. */
struct webhook_target {
    int https;
    char host[WEBHOOK_HOST_MAX]; /* lowercase; an IPv6 literal without its brackets */
    int port;                    /* the explicit port, or 80/443 */
    int literal;                 /* 4 or 6 when the host is an IP literal, else 0 */
};

/* Checks url with liburiparser: an absolute http or https URL of at most WEBHOOK_URL_MAX
 * characters, with a host (a name, an IPv4 or an IPv6 literal) and no user information, port
 * 1..65535 when given. Fills t and returns WEBHOOK_OK, or WEBHOOK_ERR_URL with the reason in
 * err. */
int webhook_url_parse(const char *url, struct webhook_target *t, char *err, size_t errlen);

/* Decides on the addresses a host resolved to (a getaddrinfo list): refuses them all
 * (WEBHOOK_ERR_PRIVATE, naming the first private one in err) when any is private and
 * allow_private is 0, else writes into pin (WEBHOOK_PIN_MAX bytes) the CURLOPT_RESOLVE entry
 * "host:port:addr,…" that makes the client connect to exactly these addresses. An empty list
 * is WEBHOOK_ERR_UNRESOLVED. */
int webhook_addrs_check(const struct webhook_target *t, const struct addrinfo *list,
                        int allow_private, char *pin, char *err, size_t errlen);

/* What can be decided about t without asking a resolver: an IP literal, or a name that is an
 * IPv4 address in another form ("2130706433", "0x7f.1": resolvers read them as addresses), is
 * checked as that address; "localhost" and names under ".localhost" always mean loopback
 * (RFC 6761). Returns WEBHOOK_OK (a public literal, or a name only resolution can judge),
 * WEBHOOK_ERR_PRIVATE with the reason in err (never when allow_private), or
 * WEBHOOK_ERR_UNRESOLVED for a literal that is not a valid address. Pure. */
int webhook_target_check(const struct webhook_target *t, int allow_private, char *err,
                         size_t errlen);

/* Resolves t's host (getaddrinfo: blocking; the worker's, never a request handler's) and applies
 * webhook_addrs_check. An IP literal is checked as it is and gets an empty pin (no name to
 * resolve). Returns a webhook_status. */
int webhook_resolve(const struct webhook_target *t, int allow_private, char *pin, char *err,
                    size_t errlen);

#endif
