#include "webhook.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <uriparser/Uri.h>

const char *const webhook_event_types[] = {"review.transitioned",
                                           "champion.assigned",
                                           "champion.unassignable",
                                           "digest.published",
                                           "booking.changed",
                                           "review_plan.ready",
                                           NULL};

int webhook_event_known(const char *type)
{
    for (const char *const *e = webhook_event_types; type && *e; e++)
        if (!strcmp(*e, type))
            return 1;
    return 0;
}

int webhook_event_index(const char *type)
{
    for (int i = 0; type && webhook_event_types[i]; i++)
        if (!strcmp(webhook_event_types[i], type))
            return i;
    return -1;
}

size_t webhook_event_count(void)
{
    size_t n = 0;
    while (webhook_event_types[n])
        n++;
    return n;
}

int webhook_sign(const char *secret, int64_t t, const char *body, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    char ts[24];
    int tlen = snprintf(ts, sizeof ts, "%" PRId64, t);
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    int rc = -1;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)ts, (size_t)tlen) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
        (len && EVP_MAC_update(ctx, (const unsigned char *)body, len) != 1) ||
        EVP_MAC_final(ctx, mac, &maclen, sizeof mac) != 1 || maclen != 32)
        goto done;
    int n = snprintf(out, WEBHOOK_SIGNATURE_MAX, "t=%s,v1=", ts);
    for (size_t i = 0; i < maclen; i++) {
        out[n + 2 * i] = digits[mac[i] >> 4];
        out[n + 2 * i + 1] = digits[mac[i] & 15];
    }
    out[n + 2 * maclen] = '\0';
    rc = 0;
done:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    return rc;
}

static int webhook_ip4_private(const unsigned char *a)
{
    return a[0] == 0 ||                               /* "this network" 0/8 */
           a[0] == 10 ||                              /* private 10/8 */
           a[0] == 127 ||                             /* loopback 127/8 */
           (a[0] == 100 && (a[1] & 0xC0) == 64) ||    /* shared (carrier NAT) 100.64/10 */
           (a[0] == 169 && a[1] == 254) ||            /* link-local 169.254/16 */
           (a[0] == 172 && (a[1] & 0xF0) == 16) ||    /* private 172.16/12 */
           (a[0] == 192 && a[1] == 168) ||            /* private 192.168/16 */
           (a[0] == 192 && a[1] == 0 && a[2] == 0) || /* IETF assignments 192.0.0/24 */
           (a[0] == 198 && (a[1] & 0xFE) == 18) ||    /* benchmarking 198.18/15 */
           a[0] >= 224;                               /* multicast, reserved, broadcast */
}

static int webhook_ip6_private(const unsigned char *a)
{
    static const unsigned char zero[12] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, zero, 12))
        return 1; /* ::/96: unspecified (::), loopback (::1), deprecated IPv4-compatible */
    if (!memcmp(a, mapped, 12) || !memcmp(a, nat64, 12))
        return webhook_ip4_private(a + 12); /* ::ffff:a.b.c.d, 64:ff9b::a.b.c.d */
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B && a[4] == 0 && a[5] == 1)
        return 1; /* 64:ff9b:1::/48, local-use NAT64 */
    if (a[0] == 0x20 && a[1] == 0x02)
        return webhook_ip4_private(a + 2); /* 6to4 2002:a.b.c.d::/48 */
    if (a[0] == 0x01 && a[1] == 0x00 && !memcmp(a + 2, zero, 6))
        return 1; /* discard-only 100::/64 */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8)
        return 1;                                     /* documentation 2001:db8::/32 */
    return (a[0] & 0xFE) == 0xFC ||                   /* unique local fc00::/7 */
           (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) || /* link-local fe80::/10 */
           (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) || /* site-local fec0::/10 */
           a[0] == 0xFF;                              /* multicast ff00::/8 */
}

int webhook_ip_private(int family, const unsigned char *addr)
{
    if (family == AF_INET)
        return webhook_ip4_private(addr);
    if (family == AF_INET6)
        return webhook_ip6_private(addr);
    return 1;
}

int webhook_sockaddr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return webhook_ip4_private((const unsigned char *)&in->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return webhook_ip6_private(in6->sin6_addr.s6_addr);
    }
    return 1;
}

static size_t webhook_range_len(const UriTextRangeA *r)
{
    return r->first && r->afterLast ? (size_t)(r->afterLast - r->first) : 0;
}

int webhook_url_parse(const char *url, struct webhook_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!url || strlen(url) > WEBHOOK_URL_MAX) {
        snprintf(err, errlen, "must be a URL of at most %d characters", WEBHOOK_URL_MAX);
        return WEBHOOK_ERR_URL;
    }
    UriUriA uri;
    const char *at = NULL;
    if (uriParseSingleUriA(&uri, url, &at) != URI_SUCCESS) {
        snprintf(err, errlen, "is not a valid URL");
        return WEBHOOK_ERR_URL;
    }
    int rc = WEBHOOK_ERR_URL;
    size_t slen = webhook_range_len(&uri.scheme);
    size_t hlen = webhook_range_len(&uri.hostText);
    size_t plen = webhook_range_len(&uri.portText);
    if (slen == 4 && !strncasecmp(uri.scheme.first, "http", 4)) {
        t->https = 0;
    } else if (slen == 5 && !strncasecmp(uri.scheme.first, "https", 5)) {
        t->https = 1;
    } else {
        snprintf(err, errlen, "must be an http or https URL");
        goto done;
    }
    if (uri.userInfo.first) {
        snprintf(err, errlen, "must not hold user information (user:password@)");
        goto done;
    }
    if (hlen == 0 || hlen >= sizeof t->host) {
        snprintf(err, errlen, "must name a host");
        goto done;
    }
    if (webhook_range_len(&uri.hostData.ipFuture)) {
        snprintf(err, errlen, "has a host form that is not supported");
        goto done;
    }
    for (size_t i = 0; i < hlen; i++) {
        unsigned char c = (unsigned char)uri.hostText.first[i];
        if (!uri.hostData.ip6 && !isalnum(c) && c != '-' && c != '.' && c != '_') {
            snprintf(err, errlen, "has a host with characters a DNS name may not have");
            goto done;
        }
        t->host[i] = (char)tolower(c);
    }
    t->host[hlen] = '\0';
    t->literal = uri.hostData.ip4 ? 4 : uri.hostData.ip6 ? 6 : 0;
    t->port = t->https ? 443 : 80;
    if (plen) {
        long port = 0;
        for (size_t i = 0; i < plen; i++) {
            char c = uri.portText.first[i];
            if (c < '0' || c > '9' || port > 65535) {
                port = -1;
                break;
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            snprintf(err, errlen, "has a port outside 1..65535");
            goto done;
        }
        t->port = (int)port;
    }
    rc = WEBHOOK_OK;
done:
    uriFreeUriMembersA(&uri);
    return rc;
}

int webhook_addrs_check(const struct webhook_target *t, const struct addrinfo *list,
                        int allow_private, char *pin, char *err, size_t errlen)
{
    pin[0] = '\0';
    if (!list) {
        snprintf(err, errlen, "the host %s has no address", t->host);
        return WEBHOOK_ERR_UNRESOLVED;
    }
    size_t used = (size_t)snprintf(pin, WEBHOOK_PIN_MAX, "%s:%d:", t->host, t->port);
    int first = 1;
    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        if (!ai->ai_addr)
            continue;
        char text[INET6_ADDRSTRLEN] = "?";
        const void *raw = NULL;
        if (ai->ai_family == AF_INET)
            raw = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
        else if (ai->ai_family == AF_INET6)
            raw = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
        if (raw)
            inet_ntop(ai->ai_family, raw, text, sizeof text);
        if (!allow_private && webhook_sockaddr_private(ai->ai_addr)) {
            pin[0] = '\0';
            snprintf(err, errlen, "the host %s resolves to a private or loopback address (%s)",
                     t->host, text);
            return WEBHOOK_ERR_PRIVATE;
        }
        if (!raw)
            continue;
        /* Addresses that do not fit are left out of the pin (the client then connects to the
         * ones that did); every address was still checked. */
        int six = ai->ai_family == AF_INET6;
        size_t need = strlen(text) + (six ? 2 : 0) + 1;
        if (used + need < WEBHOOK_PIN_MAX) {
            used += (size_t)snprintf(pin + used, WEBHOOK_PIN_MAX - used, "%s%s%s%s",
                                     first ? "" : ",", six ? "[" : "", text, six ? "]" : "");
            first = 0;
        }
    }
    if (first) {
        pin[0] = '\0';
        snprintf(err, errlen, "the host %s has no usable address", t->host);
        return WEBHOOK_ERR_UNRESOLVED;
    }
    return WEBHOOK_OK;
}

/* 1 when name is "localhost" or ends in ".localhost", with or without a final dot. */
static int webhook_localhost_name(const char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--;
    return (n == 9 && !strncmp(name, "localhost", 9)) ||
           (n > 10 && !strncmp(name + n - 10, ".localhost", 10));
}

int webhook_target_check(const struct webhook_target *t, int allow_private, char *err,
                         size_t errlen)
{
    unsigned char raw[16];
    if (t->literal) {
        int family = t->literal == 4 ? AF_INET : AF_INET6;
        if (inet_pton(family, t->host, raw) != 1) {
            snprintf(err, errlen, "the address %s is not valid", t->host);
            return WEBHOOK_ERR_UNRESOLVED;
        }
        if (!allow_private && webhook_ip_private(family, raw)) {
            snprintf(err, errlen, "the address %s is private or loopback", t->host);
            return WEBHOOK_ERR_PRIVATE;
        }
        return WEBHOOK_OK;
    }
    if (allow_private)
        return WEBHOOK_OK;
    /* inet_aton takes what getaddrinfo takes as an IPv4 address without asking DNS: decimal,
     * octal and hexadecimal parts, one to four of them. */
    struct in_addr a4;
    if (inet_aton(t->host, &a4) != 0 && webhook_ip_private(AF_INET, (unsigned char *)&a4)) {
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a4, text, sizeof text);
        snprintf(err, errlen, "the host %s is the private or loopback address %s", t->host, text);
        return WEBHOOK_ERR_PRIVATE;
    }
    if (webhook_localhost_name(t->host)) {
        snprintf(err, errlen, "the host %s is loopback", t->host);
        return WEBHOOK_ERR_PRIVATE;
    }
    return WEBHOOK_OK;
}

int webhook_resolve(const struct webhook_target *t, int allow_private, char *pin, char *err,
                    size_t errlen)
{
    pin[0] = '\0';
    int rc = webhook_target_check(t, allow_private, err, errlen);
    if (rc != WEBHOOK_OK || t->literal)
        return rc;
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(t->host, NULL, &hints, &list);
    if (gai != 0) {
        snprintf(err, errlen, "the host %s does not resolve (%s)", t->host, gai_strerror(gai));
        return gai == EAI_AGAIN ? WEBHOOK_ERR_AGAIN : WEBHOOK_ERR_UNRESOLVED;
    }
    rc = webhook_addrs_check(t, list, allow_private, pin, err, errlen);
    freeaddrinfo(list);
    return rc;
}
