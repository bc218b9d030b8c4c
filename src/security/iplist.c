/*
 * iplist.c — IPv4/IPv6 addresses and CIDR lists for [security] ip_allowlist,
 * ip_blocklist and trusted_proxies.
 *
 * Every address is held in its 128-bit form; IPv4 becomes ::ffff:a.b.c.d (a /n IPv4 block
 * becomes /96+n), so one comparison covers both families and an IPv4 client reaching an
 * IPv6 listener (v4-mapped) matches its IPv4 rules. Lists are small and scanned linearly.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/security.h"

#define ADDR_TEXT_MAX 64 /* bytes of an address literal we parse */

static void v4_mapped(const void *v4, uint8_t out[16])
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, v4, 4);
}

int cg_ip_parse(const char *s, size_t n, uint8_t out[16])
{
    char t[ADDR_TEXT_MAX];
    uint8_t v4[4];
    if (n == 0 || n >= sizeof t) return CG_EINVAL;
    memcpy(t, s, n);
    t[n] = 0;
    if (inet_pton(AF_INET, t, v4) == 1) {
        v4_mapped(v4, out);
        return 0;
    }
    return inet_pton(AF_INET6, t, out) == 1 ? 0 : CG_EINVAL;
}

int cg_ip_from_sockaddr(const struct sockaddr *sa, socklen_t len, uint8_t out[16])
{
    if (!sa) return CG_EINVAL;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        v4_mapped(&((const struct sockaddr_in *)sa)->sin_addr, out);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return 0;
    }
    return CG_EINVAL;
}

static int cidr_parse(const char *s, cg_cidr *c)
{
    size_t n = strcspn(s, "/");
    if (cg_ip_parse(s, n, c->addr) != 0) return CG_EINVAL;
    int v4 = strchr(s, ':') == NULL, max = v4 ? 32 : 128;
    int bits = max;
    if (s[n] == '/') {
        const char *p = s + n + 1;
        char *end;
        long b = strtol(p, &end, 10);
        if (end == p || *end || *p < '0' || *p > '9' || b < 0 || b > max) return CG_EINVAL;
        bits = (int)b;
    }
    c->bits = v4 ? 96 + bits : bits;
    /* Clear the host bits so matching is a plain prefix comparison. */
    for (int i = 0; i < 16; i++) {
        int keep = c->bits - 8 * i;
        if (keep >= 8) continue;
        c->addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
    return 0;
}

int cg_iplist_parse(cg_iplist *l, const cg_strlist *items, char *err, size_t errlen)
{
    l->v = NULL;
    l->n = 0;
    if (items->n == 0) return 0;
    if (items->n > CG_IPLIST_MAX || !(l->v = calloc((size_t)items->n, sizeof *l->v)))
        return CG_ENOMEM;
    for (int i = 0; i < items->n; i++) {
        if (cidr_parse(items->items[i], &l->v[i]) != 0) {
            snprintf(err, errlen, "'%.64s' is not an IP address or CIDR block", items->items[i]);
            cg_iplist_release(l);
            return CG_EINVAL;
        }
    }
    l->n = items->n;
    return 0;
}

void cg_iplist_release(cg_iplist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int cidr_match(const cg_cidr *c, const uint8_t a[16])
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, a, (size_t)full) != 0) return 0;
    if (rest == 0) return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == c->addr[full];
}

int cg_iplist_match_ip(const cg_iplist *l, const uint8_t a[16])
{
    for (int i = 0; i < l->n; i++)
        if (cidr_match(&l->v[i], a)) return 1;
    return 0;
}

int cg_iplist_match(const cg_iplist *l, const struct sockaddr *sa, socklen_t len)
{
    uint8_t a[16];
    if (cg_ip_from_sockaddr(sa, len, a) != 0) return 0;
    return cg_iplist_match_ip(l, a);
}
