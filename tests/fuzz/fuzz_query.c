/*
 * fuzz_query.c — libFuzzer target for the REST parameter parsing in src/api/params.c:
 * cg_api_query_get and every cg_api_param_* / cg_api_route_* helper.
 *
 * Input: byte 0 picks the buffer size handed to cg_api_query_get and where the input is
 * split; the rest before the first 0xff byte is the query string (after '?'), the rest
 * after it is the value of the route parameter {id}.
 * Checks (abort on failure):
 *   * cg_api_query_get agrees with an independent reference decoder written here from
 *     the form-urlencoded rules (first matching name wins, '+' is a space, a bad escape
 *     or a NUL byte is CG_EINVAL, a value longer than cap - 1 is CG_ELIMIT), for several
 *     names and buffer sizes; a found value is NUL-terminated at its length.
 *   * Each helper answers exactly once (a 400 with CG011 and a non-empty message) when it
 *     fails and never when it succeeds; integers lie in the range asked for; a page limit
 *     is within [1, CG_GRAPH_LIMIT_MAX].
 * cg_req_error and cg_req_param are the two functions of src/server that params.c calls;
 * they are provided here (recording the answer / reading the route parameter exactly as
 * respond.c does) so the target needs no server; cg_graph_edge_name likewise (the edge
 * names only decide which inputs are accepted, never an invariant checked here).
 */
// fuzz-sources: src/api/params.c src/base/buf.c src/base/err.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "codegraph/base.h"

#define CHECK(e) ((e) ? (void)0 : abort())
#define VALUE_MAX 4096

static int answers, last_status, last_err;

void cg_req_error(cg_req *rq, int status, int cg_err, const char *message,
                  const char *extra_headers)
{
    (void)extra_headers;
    CHECK(!rq->responded);
    CHECK(message && message[0]);
    rq->responded = 1;
    answers++;
    last_status = status;
    last_err = cg_err;
}

const char *cg_req_param(const cg_req *rq, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (int i = 0; i < rq->match.n_params; i++) {
        if (rq->match.params[i].name_len == nl && memcmp(rq->match.params[i].name, name, nl) == 0) {
            *len = rq->match.params[i].val_len;
            return rq->match.params[i].val;
        }
    }
    *len = 0;
    return NULL;
}

const char *cg_graph_edge_name(int kind)
{
    static const char *const names[] = {"contains", "calls",      "imports",
                                        "inherits", "implements", "references"};
    return kind >= 0 && kind < CG_EDGE_COUNT && kind < (int)CG_ARRAY_LEN(names) ? names[kind] : "?";
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reference form-urlencoded decoding of s[0..n): 0, CG_EINVAL or CG_ELIMIT. */
static int ref_decode(const char *s, size_t n, char *out, size_t cap, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || hexv(s[i + 1]) < 0 || hexv(s[i + 2]) < 0) return CG_EINVAL;
            c = hexv(s[i + 1]) * 16 + hexv(s[i + 2]);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0) return CG_EINVAL;
        if (o + 1 >= cap) return CG_ELIMIT;
        out[o++] = (char)c;
    }
    out[o] = 0;
    *len = o;
    return 0;
}

static int ref_query_get(const char *q, size_t qn, const char *name, char *out, size_t cap,
                         size_t *len)
{
    char key[64];
    size_t start = 0;
    while (start < qn) {
        size_t end = start;
        while (end < qn && q[end] != '&') end++;
        size_t eq = start;
        while (eq < end && q[eq] != '=') eq++;
        size_t kl;
        if (eq > start && ref_decode(q + start, eq - start, key, sizeof key, &kl) == 0 &&
            strcmp(key, name) == 0) {
            size_t vs = eq < end ? eq + 1 : end;
            int rc = ref_decode(q + vs, end - vs, out, cap, len);
            return rc ? rc : 1;
        }
        start = end + 1;
    }
    return 0;
}

static void check_query_get(cg_req *rq, const cg_http_request *h, size_t cap)
{
    static const char *const names[] = {"q", "limit", "a", "x y", "project", "path", ""};
    static char got[VALUE_MAX], want[VALUE_MAX];
    for (size_t i = 0; i < CG_ARRAY_LEN(names); i++) {
        size_t gl = 0, wl = 0;
        int g = cg_api_query_get(rq, names[i], got, cap, &gl);
        int w = ref_query_get(h->query, h->query_len, names[i], want, cap, &wl);
        CHECK(g == w);
        if (g == 1) CHECK(gl == wl && gl < cap && memcmp(got, want, gl + 1) == 0);
    }
}

/* Run one helper: on failure exactly one 400/CG011 answer, on success none. */
#define HELPER(call)                                                                               \
    do {                                                                                           \
        answers = 0;                                                                               \
        rq->responded = 0;                                                                         \
        int rc_ = (call);                                                                          \
        CHECK(rc_ <= 0);                                                                           \
        CHECK(answers == (rc_ < 0));                                                               \
        if (rc_ < 0) CHECK(last_status == 400 && last_err == CG_EINVAL);                           \
        ok = rc_ == 0;                                                                             \
    } while (0)

static void check_helpers(cg_req *rq)
{
    static char v[VALUE_MAX];
    int64_t i64 = 0;
    uint64_t u64 = 0;
    uint32_t mask = 0;
    cg_graph_page page;
    int ok, present;
    HELPER(cg_api_param_int(rq, "limit", -5, 1000, 7, &i64));
    if (ok) CHECK(i64 >= -5 && i64 <= 1000);
    HELPER(cg_api_param_page(rq, &page));
    if (ok) CHECK(page.limit >= 1 && page.limit <= CG_GRAPH_LIMIT_MAX);
    HELPER(cg_api_param_id(rq, "a", &u64));
    if (ok) CHECK(u64 >= 1 && u64 <= (UINT64_C(1) << 53));
    HELPER(cg_api_param_edges(rq, "q", &mask));
    HELPER(cg_api_param_str(rq, "q", (int)(rq->shard & 1), v, sizeof v, &present));
    if (ok) CHECK(strlen(v) < sizeof v);
    HELPER(cg_api_route_str(rq, "id", v, 64));
    if (ok) CHECK(strlen(v) < 64);
    HELPER(cg_api_route_id(rq, "id", &u64));
    if (ok) CHECK(u64 >= 1 && u64 <= (UINT64_C(1) << 53));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    static const size_t caps[] = {1, 2, 5, 16, 64, VALUE_MAX};
    size_t cap = caps[data[0] % CG_ARRAY_LEN(caps)];
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    const char *sep = memchr(in, 0xff, n);
    size_t qn = sep ? (size_t)(sep - in) : n;
    /* Copies of exactly the right size, so ASan sees any read past the end. */
    char *q = malloc(qn ? qn : 1), *idv = NULL;
    memcpy(q, in, qn);
    size_t idn = sep ? n - qn - 1 : 0;
    if (sep) {
        idv = malloc(idn ? idn : 1);
        memcpy(idv, sep + 1, idn);
    }
    cg_http_request h;
    memset(&h, 0, sizeof h);
    h.query = q;
    h.query_len = qn;
    cg_req rq;
    memset(&rq, 0, sizeof rq);
    rq.http = &h;
    rq.shard = data[0] >> 4;
    if (sep) {
        rq.match.params[0].name = "id";
        rq.match.params[0].name_len = 2;
        rq.match.params[0].val = idv;
        rq.match.params[0].val_len = idn;
        rq.match.n_params = 1;
    }
    check_query_get(&rq, &h, cap);
    check_helpers(&rq);
    free(q);
    free(idv);
    return 0;
}
