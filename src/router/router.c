/*
 * router.c — matches a request path against the route table.
 *
 * DESIGN: the table is small (tens of routes) and static, so a linear scan that
 * compares segment by segment beats building a trie: no allocation, no setup,
 * and the common routes (/health, /metrics) sit first. Parameters point into the
 * request path (zero-copy). Path bytes are compared exactly; percent-decoding of
 * parameters is the handler's business.
 */
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/router.h"

/* Match one template against a path; fills params. 1 on match. */
static int match_tmpl(const char *t, const char *p, size_t plen, cg_route_match *m)
{
    const char *pe = p + plen;
    m->n_params = 0;
    while (*t && p < pe) {
        if (*t == '{') {
            const char *close = strchr(t, '}');
            CG_ASSERT(close != NULL);
            const char *seg = p;
            while (p < pe && *p != '/') p++;
            if (p == seg || m->n_params >= CG_ROUTE_PARAMS_MAX) return 0;
            m->params[m->n_params].name = t + 1;
            m->params[m->n_params].name_len = (size_t)(close - t - 1);
            m->params[m->n_params].val = seg;
            m->params[m->n_params].val_len = (size_t)(p - seg);
            m->n_params++;
            t = close + 1;
            continue;
        }
        if (*t != *p) return 0;
        t++;
        p++;
    }
    return *t == 0 && p == pe;
}

void cg_router_match(const cg_route *table, int n, cg_http_method method, const char *path,
                     size_t path_len, cg_route_match *out)
{
    unsigned want = CG_M(method), allow = 0;
    if (method == CG_HTTP_HEAD) want |= CG_M(CG_HTTP_GET);
    int found = -1;
    cg_route_match tmp;
    for (int i = 0; i < n; i++) {
        if (!match_tmpl(table[i].tmpl, path, path_len, &tmp)) continue;
        allow |= table[i].methods;
        if (found < 0 && (table[i].methods & want)) {
            found = i;
            *out = tmp;
        }
    }
    if (found < 0) out->n_params = 0;
    out->route = found;
    out->status = found >= 0 ? 0 : allow ? 405 : 404;
    if (allow & CG_M(CG_HTTP_GET)) allow |= CG_M(CG_HTTP_HEAD);
    out->allow = allow;
}

void cg_router_allow_header(unsigned methods, cg_buf *b)
{
    int first = 1;
    for (int m = 0; m < CG_HTTP_OTHER; m++) {
        if (!(methods & CG_M(m))) continue;
        if (!first) cg_buf_puts(b, ", ");
        cg_buf_puts(b, cg_http_method_name((cg_http_method)m));
        first = 0;
    }
}
