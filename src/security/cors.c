/*
 * cors.c — Cross-Origin Resource Sharing from [server] cors_enabled, cors_origins,
 * cors_methods, cors_headers, cors_max_age (and [development] cors_permissive).
 *
 * Rules (Fetch standard): an allowed Origin is echoed exactly with `Vary: Origin` and
 * `Access-Control-Allow-Credentials: true`; a "*" origin list (or cors_permissive) answers
 * `Access-Control-Allow-Origin: *` and never sends Allow-Credentials — browsers refuse
 * that pair, and a wildcard must never be combined with credentials. A preflight (OPTIONS
 * with Origin and Access-Control-Request-Method) is answered only when the origin, the
 * method (in cors_methods and served by the path) and every requested header (in
 * cors_headers or CORS-safelisted) are allowed; otherwise the 204 carries no CORS
 * headers and the browser blocks the call. Preflights never need credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codegraph/base.h"
#include "security/sec_int.h"

#define CORS_LIST_MAX 256 /* bytes of a joined methods/headers list we send */

static char *join(const cg_strlist *l)
{
    size_t n = 1;
    for (int i = 0; i < l->n; i++) n += strlen(l->items[i]) + 2;
    char *s = malloc(n), *o = s;
    if (!s) return NULL;
    *o = 0;
    for (int i = 0; i < l->n; i++) o += sprintf(o, "%s%s", i ? ", " : "", l->items[i]);
    if (strlen(s) > CORS_LIST_MAX) s[0] = 0; /* too long to send: allow nothing extra */
    return s;
}

int cg_sec_cors_build(sec_policy *p, const cg_config *c)
{
    const cg_config_server *k = &c->server;
    p->cors_on = k->cors_enabled || c->development.cors_permissive;
    if (!p->cors_on) return 0;
    p->cors_any = c->development.cors_permissive;
    p->cors_max_age = k->cors_max_age;
    if (k->cors_origins.n && !(p->origins = calloc((size_t)k->cors_origins.n, sizeof(char *))))
        return CG_ENOMEM;
    for (int i = 0; i < k->cors_origins.n; i++) {
        if (strcmp(k->cors_origins.items[i], "*") == 0) {
            p->cors_any = 1;
            continue;
        }
        if (!(p->origins[p->n_origins++] = strdup(k->cors_origins.items[i]))) return CG_ENOMEM;
    }
    p->cors_methods = join(&k->cors_methods);
    p->cors_headers = join(&k->cors_headers);
    return p->cors_methods && p->cors_headers ? 0 : CG_ENOMEM;
}

void cg_sec_cors_free(sec_policy *p)
{
    for (int i = 0; i < p->n_origins; i++) free(p->origins[i]);
    free(p->origins);
    free(p->cors_methods);
    free(p->cors_headers);
}

/* 0 not allowed, 1 allowed as a listed origin, 2 allowed by the wildcard. */
static int origin_allowed(const sec_policy *p, const cg_http_header *o)
{
    if (!p->cors_on || !o || o->value_len == 0 || o->value_len > CG_SEC_ORIGIN_MAX) return 0;
    for (int i = 0; i < p->n_origins; i++)
        if (strlen(p->origins[i]) == o->value_len &&
            strncasecmp(p->origins[i], o->value, o->value_len) == 0)
            return 1;
    return p->cors_any ? 2 : 0;
}

static void put(char *out, size_t cap, size_t *n, const char *fmt, const char *a, size_t al)
{
    if (*n >= cap) return;
    int w = snprintf(out + *n, cap - *n, fmt, (int)al, a);
    *n = w < 0 || (size_t)w >= cap - *n ? cap : *n + (size_t)w;
}

/* The Allow-Origin part; returns 0 (and writes only Vary) when the origin is refused. */
static int allow_origin(const sec_policy *p, const cg_http_header *o, char *out, size_t cap,
                        size_t *n)
{
    int how = origin_allowed(p, o);
    if (how == 2) {
        put(out, cap, n, "Access-Control-Allow-Origin: *\r\n%.*s", "", 0);
        return 1;
    }
    if (p->n_origins) put(out, cap, n, "Vary: Origin\r\n%.*s", "", 0);
    if (how == 0) return 0;
    put(out, cap, n, "Access-Control-Allow-Origin: %.*s\r\n", o->value, o->value_len);
    put(out, cap, n, "Access-Control-Allow-Credentials: true\r\n%.*s", "", 0);
    return 1;
}

void cg_sec_cors_actual(const sec_policy *p, const cg_http_request *h, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    if (!p->cors_on) return;
    const cg_http_header *o = cg_http_find_header(h, "Origin");
    if (!o) return;
    if (allow_origin(p, o, out, cap, &n))
        put(out, cap, &n, "Access-Control-Expose-Headers: X-Request-Id, Retry-After%.*s\r\n", "",
            0);
    if (n >= cap) out[0] = 0; /* never send a cut header */
}

void cg_sec_cors_headers(cg_sec *s, int reader, const cg_http_request *h, char *out, size_t cap)
{
    out[0] = 0;
    if (!h) return;
    sec_policy *p = cg_sec_enter(s, reader);
    cg_sec_cors_actual(p, h, out, cap);
    cg_sec_leave(s, reader);
}

/* 1 when `v` (one token of a comma list) names an item of the joined list. */
static int list_has(const char *joined, const char *v, size_t vn)
{
    for (const char *p = joined; *p;) {
        size_t n = strcspn(p, ",");
        if (n == vn && strncasecmp(p, v, vn) == 0) return 1;
        p += n;
        while (*p == ',' || *p == ' ') p++;
    }
    return 0;
}

static int headers_allowed(const sec_policy *p, const cg_http_header *rh)
{
    static const char safelisted[] = "Accept, Accept-Language, Content-Language, Content-Type";
    if (!rh) return 1;
    const char *v = rh->value, *end = rh->value + rh->value_len;
    while (v < end) {
        while (v < end && (*v == ' ' || *v == '\t' || *v == ',')) v++;
        const char *t = v;
        while (v < end && *v != ',' && *v != ' ' && *v != '\t') v++;
        size_t tn = (size_t)(v - t);
        if (tn && !list_has(p->cors_headers, t, tn) && !list_has(safelisted, t, tn)) return 0;
    }
    return 1;
}

static int method_allowed(const sec_policy *p, const cg_http_header *rm, unsigned allow)
{
    for (int m = 0; m < CG_HTTP_OTHER; m++) {
        const char *name = cg_http_method_name((cg_http_method)m);
        if (strlen(name) == rm->value_len && memcmp(name, rm->value, rm->value_len) == 0)
            return (allow & CG_M(m)) && list_has(p->cors_methods, name, strlen(name));
    }
    return 0;
}

int cg_sec_preflight(cg_sec *s, int reader, const cg_http_request *h, unsigned allow, char *out,
                     size_t cap)
{
    const cg_http_header *o = cg_http_find_header(h, "Origin");
    const cg_http_header *rm = cg_http_find_header(h, "Access-Control-Request-Method");
    out[0] = 0;
    if (h->method != CG_HTTP_OPTIONS || !o || !rm) return 0;
    sec_policy *p = cg_sec_enter(s, reader);
    size_t n = 0;
    char age[24];
    if (p->cors_on && method_allowed(p, rm, allow) &&
        headers_allowed(p, cg_http_find_header(h, "Access-Control-Request-Headers")) &&
        allow_origin(p, o, out, cap, &n)) {
        put(out, cap, &n, "Access-Control-Allow-Methods: %.*s\r\n", p->cors_methods,
            strlen(p->cors_methods));
        put(out, cap, &n, "Access-Control-Allow-Headers: %.*s\r\n", p->cors_headers,
            strlen(p->cors_headers));
        snprintf(age, sizeof age, "%d", p->cors_max_age);
        put(out, cap, &n, "Access-Control-Max-Age: %.*s\r\n", age, strlen(age));
    } else {
        out[0] = 0;
    }
    cg_sec_leave(s, reader);
    if (n >= cap) out[0] = 0;
    return 1;
}
