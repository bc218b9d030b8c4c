/*
 * params.c — request parameters for the REST handlers: the query string
 * (application/x-www-form-urlencoded: "a=1&b=x%20y+z") and route parameters ({id}).
 *
 * Values are percent-decoded ("+" is a space) into caller buffers of bounded size; a bad
 * escape, a NUL byte or an over-long value is a 400 that names the parameter. Integers are
 * strict decimal (no sign unless negatives are allowed, no spaces, no overflow), checked
 * against a range that the message states. The first occurrence of a name wins.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "codegraph/base.h"

#define PARAM_NAME_MAX 64 /* bytes of a decoded parameter name we compare */
#define PARAM_MSG_MAX 256 /* bytes of a 400 message */
#define ID_MAX ((UINT64_C(1) << 53) - 1)

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (NUL-terminated). 0, CG_EINVAL, CG_ELIMIT. */
static int pct_decode(const char *s, size_t n, int plus_space, char *out, size_t cap, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return CG_EINVAL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return CG_EINVAL;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == '\0') return CG_EINVAL;
        if (o + 1 >= cap) return CG_ELIMIT;
        out[o++] = c;
    }
    out[o] = '\0';
    if (len) *len = o;
    return 0;
}

int cg_api_query_get(const cg_req *rq, const char *name, char *out, size_t cap, size_t *len)
{
    const char *q = rq->http ? rq->http->query : NULL;
    size_t qn = rq->http ? rq->http->query_len : 0;
    char key[PARAM_NAME_MAX];
    size_t i = 0;
    while (q && i < qn) {
        const char *amp = memchr(q + i, '&', qn - i);
        size_t end = amp ? (size_t)(amp - q) : qn;
        const char *eq = memchr(q + i, '=', end - i);
        size_t kend = eq ? (size_t)(eq - q) : end;
        size_t kl;
        if (kend > i && pct_decode(q + i, kend - i, 1, key, sizeof key, &kl) == 0 &&
            strcmp(key, name) == 0) {
            size_t vs = eq ? kend + 1 : end;
            int rc = pct_decode(q + vs, end - vs, 1, out, cap, len);
            return rc ? rc : 1;
        }
        i = end + 1;
    }
    return 0;
}

static void bad_param(cg_req *rq, const char *name, const char *why)
{
    char msg[PARAM_MSG_MAX];
    snprintf(msg, sizeof msg, "parameter '%s' %s", name, why);
    cg_req_error(rq, 400, CG_EINVAL, msg, NULL);
}

int cg_api_param_str(cg_req *rq, const char *name, int required, char *out, size_t cap,
                     int *present)
{
    size_t len = 0;
    int rc = cg_api_query_get(rq, name, out, cap, &len);
    if (present) *present = rc == 1;
    if (rc == CG_ELIMIT) {
        bad_param(rq, name, "is too long");
        return rc;
    }
    if (rc < 0) {
        bad_param(rq, name, "has a bad percent-escape or a NUL byte");
        return rc;
    }
    if (rc == 0) out[0] = '\0';
    if (required && (rc == 0 || len == 0)) {
        bad_param(rq, name, "is required");
        return CG_EINVAL;
    }
    return 0;
}

int cg_api_parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20) return CG_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return CG_EINVAL;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return CG_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Strict decimal int64 (optional leading '-'). 0 or CG_EINVAL. */
static int parse_i64(const char *s, size_t n, int64_t *out)
{
    int neg = n > 0 && s[0] == '-';
    uint64_t u;
    if (cg_api_parse_u64(s + neg, n - (size_t)neg, &u) != 0) return CG_EINVAL;
    if (u > (uint64_t)INT64_MAX + (uint64_t)neg) return CG_EINVAL;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

int cg_api_param_int(cg_req *rq, const char *name, int64_t lo, int64_t hi, int64_t def,
                     int64_t *out)
{
    char v[32], why[128];
    size_t len = 0;
    int rc = cg_api_query_get(rq, name, v, sizeof v, &len);
    int64_t x = def;
    if (rc == 0) {
        *out = def;
        return 0;
    }
    if (rc < 0 || parse_i64(v, len, &x) != 0 || x < lo || x > hi) {
        snprintf(why, sizeof why, "must be an integer from %lld to %lld", (long long)lo,
                 (long long)hi);
        bad_param(rq, name, why);
        return CG_EINVAL;
    }
    *out = x;
    return 0;
}

static int id_check(cg_req *rq, const char *name, const char *v, size_t len, uint64_t *out)
{
    uint64_t id;
    if (cg_api_parse_u64(v, len, &id) != 0 || id == 0 || id > ID_MAX) {
        bad_param(rq, name, "must be an id (a positive decimal integer below 2^53)");
        return CG_EINVAL;
    }
    *out = id;
    return 0;
}

int cg_api_param_id(cg_req *rq, const char *name, uint64_t *out)
{
    char v[32];
    size_t len = 0;
    int rc = cg_api_query_get(rq, name, v, sizeof v, &len);
    if (rc == 0) {
        bad_param(rq, name, "is required");
        return CG_EINVAL;
    }
    /* too long or malformed: an empty value, which id_check refuses with its message */
    return id_check(rq, name, v, rc < 0 ? 0 : len, out);
}

int cg_api_param_page(cg_req *rq, cg_graph_page *page)
{
    int64_t limit, offset;
    if (cg_api_param_int(rq, "limit", 1, UINT32_MAX, CG_GRAPH_LIMIT_DEFAULT, &limit) != 0 ||
        cg_api_param_int(rq, "offset", 0, INT64_MAX, 0, &offset) != 0)
        return CG_EINVAL;
    page->limit = (uint32_t)CG_MIN(limit, (int64_t)CG_GRAPH_LIMIT_MAX);
    page->offset = (uint64_t)offset;
    return 0;
}

int cg_api_param_edges(cg_req *rq, const char *name, uint32_t *mask)
{
    char v[256], why[PARAM_MSG_MAX];
    int present;
    *mask = 0;
    if (cg_api_param_str(rq, name, 0, v, sizeof v, &present) != 0) return CG_EINVAL;
    for (char *save = NULL, *t = strtok_r(v, ",", &save); present && t;
         t = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < CG_EDGE_COUNT && strcmp(cg_graph_edge_name(k), t) != 0) k++;
        if (k == CG_EDGE_COUNT) {
            snprintf(why, sizeof why,
                     "has an unknown edge kind '%.64s' (contains, calls, imports, inherits, "
                     "implements, references)",
                     t);
            bad_param(rq, name, why);
            return CG_EINVAL;
        }
        *mask |= CG_EDGE_BIT(k);
    }
    return 0;
}

int cg_api_route_str(cg_req *rq, const char *name, char *out, size_t cap)
{
    size_t n;
    const char *v = cg_req_param(rq, name, &n);
    if (!v || n == 0 || pct_decode(v, n, 0, out, cap, NULL) != 0) {
        bad_param(rq, name, "is missing, too long or badly escaped");
        return CG_EINVAL;
    }
    return 0;
}

int cg_api_route_id(cg_req *rq, const char *name, uint64_t *out)
{
    char v[32];
    if (cg_api_route_str(rq, name, v, sizeof v) != 0) return CG_EINVAL;
    return id_check(rq, name, v, strlen(v), out);
}
