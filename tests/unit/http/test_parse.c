/*
 * test_parse.c — proves the request-head parser is strict and split-independent:
 * well-formed requests parse to the right method/target/path/query/headers/framing;
 * every limit (request line, one header line, all headers, header count, body via
 * Content-Length) passes at limit-1 and limit and fails with its exact status at
 * limit+1, also on partial input; every request-smuggling shape (CL.TE, TE.CL, TE.TE
 * variants, duplicate CL, signed/hex/spaced CL, bare CR, bare LF, obs-fold, NUL and
 * control bytes, TE in HTTP/1.0, unsupported versions) gets its exact status; and
 * every case gives the same verdict and fields when fed whole, byte at a time, and in
 * pseudo-random splits.
 */
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/http.h"

#define SPLIT_TRIALS 6 /* random split patterns per case, besides byte-at-a-time */

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Feed s[0..n) in growing prefixes; step_max 1 = byte at a time. */
static int feed(cg_http_request *req, const char *s, size_t n, const cg_http_limits *l,
                size_t step_max)
{
    size_t pos = 0, scan = 0;
    while (pos < n) {
        size_t step = 1 + rng() % step_max;
        pos = CG_MIN(n, pos + step);
        int r = cg_http_parse_head(req, s, pos, l, &scan);
        if (r != 0) {
            if (scan != 0) return -99999; /* the cursor must be reset on a verdict */
            return r;
        }
    }
    return 0;
}

/* Same verdict fields; pointers compared as offsets from each request's buffer. */
static int same_req(const cg_http_request *a, const char *ba, const cg_http_request *b,
                    const char *bb)
{
    if (a->method != b->method || a->target_len != b->target_len ||
        memcmp(a->target, b->target, a->target_len) != 0 || a->path_len != b->path_len ||
        a->query_len != b->query_len || a->method_str - ba != b->method_str - bb ||
        a->version_minor != b->version_minor || a->n_headers != b->n_headers ||
        a->head_len != b->head_len || a->content_length != b->content_length ||
        a->chunked != b->chunked || a->keep_alive != b->keep_alive ||
        a->expect_continue != b->expect_continue)
        return 0;
    for (int i = 0; i < a->n_headers; i++)
        if (a->headers[i].name - ba != b->headers[i].name - bb ||
            a->headers[i].value - ba != b->headers[i].value - bb ||
            a->headers[i].value_len != b->headers[i].value_len)
            return 0;
    return 1;
}

/* One-shot verdict on s; *agree is 0 unless byte-at-a-time and random splits (on an
 * exact-size copy, so ASan sees any overread) give the same verdict and fields. */
static int run(const char *s, size_t n, const cg_http_limits *l, cg_http_request *req, int *agree)
{
    static cg_http_request other;
    size_t scan = 0;
    int want = cg_http_parse_head(req, s, n, l, &scan);
    *agree = (want <= 0 || (size_t)want <= n) && (want == 0 || scan == 0);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    for (int t = 0; t <= SPLIT_TRIALS; t++) {
        size_t step_max = t == 0 ? 1 : t % 2 ? 7 : n / 2 + 1;
        int got = feed(&other, copy, n, l, step_max);
        if (got != want || (want > 0 && !same_req(req, s, &other, copy))) *agree = 0;
    }
    free(copy);
    return want;
}

static cg_http_limits lim;
static cg_http_request rq;

#define EXPECT_N(s, n, l, want)                                                                    \
    do {                                                                                           \
        int agree_;                                                                                \
        int got_ = run((s), (n), (l), &rq, &agree_);                                               \
        CG_CHECK_EQ_INT(got_, (want));                                                             \
        CG_CHECK(agree_);                                                                          \
    } while (0)
#define EXPECT(lit, want) EXPECT_N(lit, sizeof(lit) - 1, &lim, want)
#define OK_LEN(lit) ((int)(sizeof(lit) - 1))
#define EXPECT_OK(lit) EXPECT(lit, OK_LEN(lit))

static int span_is(const char *p, size_t n, const char *lit)
{
    return p && n == strlen(lit) && memcmp(p, lit, n) == 0;
}

__attribute__((constructor)) static void setup(void)
{
    cg_http_limits_default(&lim, 1000);
}

CG_TEST(limits_default_match_limits_h)
{
    cg_http_limits l;
    cg_http_limits_default(&l, 77);
    CG_CHECK_EQ_INT(l.request_line_max, CG_HTTP_REQUEST_LINE_MAX);
    CG_CHECK_EQ_INT(l.header_line_max, CG_HTTP_HEADER_LINE_MAX);
    CG_CHECK_EQ_INT(l.headers_total_max, CG_HTTP_HEADERS_TOTAL_MAX);
    CG_CHECK_EQ_INT(l.headers_count_max, CG_HTTP_HEADERS_COUNT_MAX);
    CG_CHECK_EQ_INT(l.body_max, 77);
}

CG_TEST(simple_get)
{
    const char r[] = "GET /api/v1/search?q=a%20b&limit=3 HTTP/1.1\r\nHost: localhost:8080\r\n"
                     "User-Agent: t\r\n\r\n";
    EXPECT(r, OK_LEN(r));
    CG_CHECK_EQ_INT(rq.method, CG_HTTP_GET);
    CG_CHECK(span_is(rq.method_str, rq.method_len, "GET"));
    CG_CHECK(span_is(rq.target, rq.target_len, "/api/v1/search?q=a%20b&limit=3"));
    CG_CHECK(span_is(rq.path, rq.path_len, "/api/v1/search"));
    CG_CHECK(span_is(rq.query, rq.query_len, "q=a%20b&limit=3"));
    CG_CHECK_EQ_INT(rq.version_minor, 1);
    CG_CHECK_EQ_INT(rq.n_headers, 2);
    CG_CHECK_EQ_INT(rq.head_len, sizeof(r) - 1);
    CG_CHECK_EQ_INT(rq.content_length, -1);
    CG_CHECK_EQ_INT(rq.chunked, 0);
    CG_CHECK_EQ_INT(rq.keep_alive, 1);
    CG_CHECK_EQ_INT(rq.expect_continue, 0);
    const cg_http_header *h = cg_http_find_header(&rq, "user-AGENT");
    CG_CHECK(h && span_is(h->value, h->value_len, "t"));
    CG_CHECK(cg_http_find_header(&rq, "Accept") == NULL);
}

CG_TEST(every_method_and_other_tokens)
{
    static const struct {
        const char *req;
        cg_http_method m;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_GET},
        {"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_HEAD},
        {"POST / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_POST},
        {"PUT / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_PUT},
        {"DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_DELETE},
        {"PATCH / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_PATCH},
        {"OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_OPTIONS},
        {"PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_OTHER},
        {"get / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_OTHER}, /* methods are case-sensitive */
        {"GETX / HTTP/1.1\r\nHost: a\r\n\r\n", CG_HTTP_OTHER},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].req);
        EXPECT_N(cases[i].req, n, &lim, (int)n);
        CG_CHECK_EQ_INT(rq.method, cases[i].m);
    }
    EXPECT("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400);
    EXPECT("GET /\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET\r\nHost: a\r\n\r\n", -400);
}

CG_TEST(targets)
{
    EXPECT_OK("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    CG_CHECK(span_is(rq.path, rq.path_len, "*"));
    CG_CHECK_EQ_INT(rq.query_len, 0);
    EXPECT("GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT_OK("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_OK("GET /? HTTP/1.1\r\nHost: a\r\n\r\n");
    CG_CHECK(span_is(rq.path, rq.path_len, "/"));
    CG_CHECK_EQ_INT(rq.query_len, 0);
    EXPECT("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    /* absolute-form is reduced to its origin-form part */
    EXPECT_OK("GET http://example.com:80/p/q?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    CG_CHECK(span_is(rq.target, rq.target_len, "/p/q?x=1"));
    CG_CHECK(span_is(rq.path, rq.path_len, "/p/q"));
    CG_CHECK(span_is(rq.query, rq.query_len, "x=1"));
    EXPECT_OK("GET HTTPS://example.com HTTP/1.1\r\nHost: a\r\n\r\n");
    CG_CHECK(span_is(rq.path, rq.path_len, "/"));
    EXPECT("GET http:///p HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET http://u@h/p HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET ftp://h/p HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET http://h?q HTTP/1.1\r\nHost: a\r\n\r\n", -400);
}

CG_TEST(versions)
{
    EXPECT_OK("GET / HTTP/1.0\r\n\r\n");
    CG_CHECK_EQ_INT(rq.version_minor, 0);
    CG_CHECK_EQ_INT(rq.keep_alive, 0);
    EXPECT("GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505);
    EXPECT("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", -505);
    EXPECT("GET / HTTP/1.2\r\nHost: a\r\n\r\n", -505);
    EXPECT("GET / HTTP/0.9\r\nHost: a\r\n\r\n", -505);
    EXPECT("GET / HTTP/9.9\r\nHost: a\r\n\r\n", -505);
    EXPECT("GET / HTTP/2\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / http/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.a\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/11\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTX/1.1\r\nHost: a\r\n\r\n", -400);
}

CG_TEST(incomplete_heads_need_more)
{
    EXPECT("", 0);
    EXPECT("GET / HTTP/1.1", 0);
    EXPECT("GET / HTTP/1.1\r", 0);
    EXPECT("GET / HTTP/1.1\r\n", 0);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n", 0);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n\r", 0);
    EXPECT("\r\n\r\n\r\n", 0);
}

CG_TEST(leading_empty_lines_are_skipped_but_counted)
{
    const char r[] = "\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    EXPECT(r, OK_LEN(r));
    CG_CHECK_EQ_INT(rq.method, CG_HTTP_GET);
    CG_CHECK(span_is(rq.path, rq.path_len, "/x"));
    EXPECT("\n\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", -400);
}

CG_TEST(pipelined_bytes_after_the_head_are_not_consumed)
{
    const char r[] = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"
                     "abcGET / HTTP/1.1\r\n";
    EXPECT(r, (int)(strstr(r, "abc") - r));
    CG_CHECK_EQ_INT(rq.content_length, 3);
    CG_CHECK_EQ_INT(rq.method, CG_HTTP_POST);
}

CG_TEST(header_values_trim_ows_and_keep_inner_bytes)
{
    const char r[] = "GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v \t v\t \r\nX-Empty:\r\n"
                     "X-Utf8: caf\xc3\xa9\r\nX-Q: \"a,b\"\r\n\r\n";
    EXPECT(r, OK_LEN(r));
    const cg_http_header *h = cg_http_find_header(&rq, "x-a");
    CG_CHECK(h && span_is(h->value, h->value_len, "v \t v"));
    CG_CHECK(h && span_is(h->name, h->name_len, "X-A"));
    h = cg_http_find_header(&rq, "X-EMPTY");
    CG_CHECK(h && h->value_len == 0);
    h = cg_http_find_header(&rq, "x-utf8");
    CG_CHECK(h && span_is(h->value, h->value_len, "caf\xc3\xa9"));
    CG_CHECK_EQ_INT(rq.n_headers, 5);
}

CG_TEST(field_syntax_errors)
{
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A : v\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A\t: v\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A v\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX(A): v\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A: v\x7f\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A: v\x1b[0m\r\n\r\n", -400);
    /* obs-fold */
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A: v\r\n w\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A: v\r\n\tw\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400);
}

CG_TEST(nul_bytes_are_rejected_everywhere)
{
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-A: v\0w\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX-\0A: v\r\n\r\n", -400);
    EXPECT("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("G\0T / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n", -400);
    EXPECT("\0GET / HTTP/1.1\r\nHost: a\r\n\r\n", -400);
}

CG_TEST(bare_cr_and_bare_lf_are_400)
{
    EXPECT("GET / HTTP/1.1\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\rHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\n\r\r", -400);
    /* the verdict comes before the head ends */
    EXPECT("GET / HTTP/1.1\n", -400);
    EXPECT("GET / HTTP/1.1\rX", -400);
}

CG_TEST(host_rules)
{
    EXPECT("GET / HTTP/1.1\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nhost: a\r\nHOST: b\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -400);
    EXPECT("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", -400);
    EXPECT_OK("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
    EXPECT_OK("GET / HTTP/1.1\r\nHost:\r\n\r\n");
    EXPECT("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", -400);
}

CG_TEST(keep_alive_defaults_and_connection_tokens)
{
    EXPECT_OK("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 1);
    EXPECT_OK("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 0);
    EXPECT_OK("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 0);
    EXPECT_OK("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 1);
    EXPECT_OK("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 1);
    EXPECT_OK("GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 0);
    EXPECT_OK("GET / HTTP/1.0\r\nConnection: ,,keep-alive,\r\n\r\n");
    CG_CHECK_EQ_INT(rq.keep_alive, 1);
    EXPECT("GET / HTTP/1.1\r\nHost: a\r\nConnection: \"close\"\r\n\r\n", -400);
}

CG_TEST(expect)
{
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n");
    CG_CHECK_EQ_INT(rq.expect_continue, 1);
    EXPECT_OK("POST / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    CG_CHECK_EQ_INT(rq.expect_continue, 0); /* RFC 9110 §10.1.1: ignored from 1.0 */
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", -417);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n\r\n", -417);
}

CG_TEST(content_length)
{
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999\r\n\r\n");
    CG_CHECK_EQ_INT(rq.content_length, 999);
    CG_CHECK_EQ_INT(rq.chunked, 0);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
    CG_CHECK_EQ_INT(rq.content_length, 1000);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", -413);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
    CG_CHECK_EQ_INT(rq.content_length, 0);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n");
    CG_CHECK_EQ_INT(rq.content_length, 7);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t 7 \t\r\n\r\n");
    CG_CHECK_EQ_INT(rq.content_length, 7);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 9223372036854775807\r\n\r\n", -413);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", -400);
}

CG_TEST(content_length_smuggling_shapes)
{
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5a\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xd9\xa5\r\n\r\n", -400);
}

CG_TEST(transfer_encoding)
{
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    CG_CHECK_EQ_INT(rq.chunked, 1);
    CG_CHECK_EQ_INT(rq.content_length, -1);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: CHUNKED\r\n\r\n");
    CG_CHECK_EQ_INT(rq.chunked, 1);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n");
    CG_CHECK_EQ_INT(rq.chunked, 1);
    EXPECT_OK("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked \t\r\n\r\n");
    CG_CHECK_EQ_INT(rq.chunked, 1);
}

CG_TEST(transfer_encoding_smuggling_shapes)
{
    /* CL.TE and TE.CL */
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           "Content-Length: 5\r\n\r\n",
           -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
           "Content-Length: 5\r\n\r\n",
           -400);
    /* TE.TE variants */
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", -501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n", -501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", -501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;q=\"a,b\"\r\n\r\n", -501);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;a=b\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked chunked\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip;q\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun\x0bked\r\n\r\n", -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           -400);
    EXPECT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
           " identity\r\n\r\n",
           -400);
    /* Transfer-Encoding in HTTP/1.0 */
    EXPECT("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400);
}

/* ---- limits at limit-1, limit, limit+1, on complete and partial input ---- */

/* "GET /aaa… HTTP/1.1" of exactly `line` bytes, then CRLF and (if complete) the rest. */
static char *make_request_line(size_t line, int complete, size_t *n)
{
    char *s = malloc(line + 64);
    size_t k = line - strlen("GET  HTTP/1.1");
    memcpy(s, "GET /", 5);
    memset(s + 5, 'a', k - 1);
    size_t p = 4 + k;
    p += (size_t)sprintf(s + p, " HTTP/1.1");
    if (complete) p += (size_t)sprintf(s + p, "\r\nHost: a\r\n\r\n");
    *n = p;
    return s;
}

CG_TEST(request_line_limit)
{
    size_t max = lim.request_line_max, n;
    for (int d = -1; d <= 1; d++) {
        char *s = make_request_line(max + (size_t)(long)d, 1, &n);
        EXPECT_N(s, n, &lim, d <= 0 ? (int)n : -414);
        free(s);
        s = make_request_line(max + (size_t)(long)d, 0, &n); /* no CRLF yet */
        EXPECT_N(s, n, &lim, d <= 0 ? 0 : -414);
        free(s);
    }
}

/* Request line, Host, then one "X: vvv…" field line of exactly `line` bytes. */
static char *make_header_line(size_t line, int complete, size_t *n)
{
    char *s = malloc(line + 64);
    size_t p = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
    memset(s + p, 'v', line - 3);
    p += line - 3;
    if (complete) p += (size_t)sprintf(s + p, "\r\n\r\n");
    *n = p;
    return s;
}

CG_TEST(header_line_limit)
{
    size_t max = lim.header_line_max, n;
    for (int d = -1; d <= 1; d++) {
        char *s = make_header_line(max + (size_t)(long)d, 1, &n);
        EXPECT_N(s, n, &lim, d <= 0 ? (int)n : -431);
        if (d <= 0) CG_CHECK_EQ_INT(rq.headers[1].value_len, max + (size_t)(long)d - 3);
        free(s);
        s = make_header_line(max + (size_t)(long)d, 0, &n);
        EXPECT_N(s, n, &lim, d <= 0 ? 0 : -431);
        free(s);
    }
}

/* A complete head of exactly `total` bytes built from "X: vvv…" fields of <= 4000 bytes. */
static char *make_total(size_t total, size_t *n)
{
    char *s = malloc(total + 1);
    size_t p = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (;;) {
        size_t left = total - p - 2; /* bytes for field lines before the final CRLF */
        if (left == 0) break;
        CG_ASSERT(left >= 5);
        size_t line = left <= 4002 ? left - 2 : left - 4002 < 5 ? 3990 : 4000;
        memcpy(s + p, "X: ", 3);
        memset(s + p + 3, 'v', line - 3);
        memcpy(s + p + line, "\r\n", 2);
        p += line + 2;
    }
    memcpy(s + p, "\r\n", 2);
    *n = p + 2;
    return s;
}

CG_TEST(headers_total_limit)
{
    size_t max = lim.headers_total_max, n;
    for (int d = -1; d <= 1; d++) {
        char *s = make_total(max + (size_t)(long)d, &n);
        CG_CHECK_EQ_INT(n, max + (size_t)(long)d);
        EXPECT_N(s, n, &lim, d <= 0 ? (int)n : -431);
        free(s);
    }
    /* on partial input: the byte past the total is judged before any CRLF */
    char *s = make_total(max + 100, &n);
    EXPECT_N(s, max, &lim, 0);
    EXPECT_N(s, max + 1, &lim, -431);
    free(s);
}

/* A head with `count` fields (Host included). */
static char *make_count(int count, size_t *n)
{
    char *s = malloc((size_t)count * 16 + 64);
    size_t p = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < count; i++) p += (size_t)sprintf(s + p, "X-%d: %d\r\n", i, i);
    p += (size_t)sprintf(s + p, "\r\n");
    *n = p;
    return s;
}

CG_TEST(header_count_limit)
{
    int max = lim.headers_count_max;
    size_t n;
    for (int d = -1; d <= 1; d++) {
        char *s = make_count(max + d, &n);
        EXPECT_N(s, n, &lim, d <= 0 ? (int)n : -431);
        if (d <= 0) CG_CHECK_EQ_INT(rq.n_headers, max + d);
        EXPECT_N(s, n - 2, &lim, d <= 0 ? 0 : -431); /* before the final CRLF */
        free(s);
    }
}

CG_TEST(small_custom_limits)
{
    cg_http_limits l = lim;
    l.request_line_max = 16;                            /* "GET /abc HTTP/1.1" is 17 */
    EXPECT_N("GET /ab HTTP/1.1\r\n\r\n", 20, &l, -400); /* 16: fits; Host missing */
    EXPECT_N("GET /abc HTTP/1.1\r\n", 19, &l, -414);
    EXPECT_N("GET /abc HTTP/1.", 16, &l, 0);
    EXPECT_N("GET /abc HTTP/1.1", 17, &l, -414);
    l = lim;
    l.headers_total_max = 30; /* the CRLF ending the head is the 31st byte */
    EXPECT_N("GET / HTTP/1.1\r\nHost: abcdef\r\n\r\n", 32, &l, -431);
    EXPECT_N("GET / HTTP/1.1\r\nHost: abcd\r\n\r\n", 30, &l, 30);
    l.headers_count_max = 0;
    EXPECT_N("GET / HTTP/1.0\r\n\r\n", 18, &l, 18);
    EXPECT_N("GET / HTTP/1.0\r\nA: b\r\n", 22, &l, -431);
}

CG_TEST(scan_cursor_resets_on_verdict)
{
    const char r[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t scan = 0;
    CG_CHECK_EQ_INT(cg_http_parse_head(&rq, r, 20, &lim, &scan), 0);
    CG_CHECK(scan != 0);
    CG_CHECK_EQ_INT(cg_http_parse_head(&rq, r, sizeof r - 1, &lim, &scan), 27);
    CG_CHECK_EQ_INT(scan, 0);
    /* the next request parses from its own start with a fresh cursor */
    CG_CHECK_EQ_INT(cg_http_parse_head(&rq, r + 27, sizeof r - 1 - 27, &lim, &scan), 28);
    CG_CHECK(span_is(rq.path, rq.path_len, "/2"));
    /* calling again after a verdict gives the same verdict */
    CG_CHECK_EQ_INT(cg_http_parse_head(&rq, r + 27, sizeof r - 1 - 27, &lim, &scan), 28);
}

CG_TEST(random_garbage_is_split_independent)
{
    static const char alphabet[] = "GET /HP1.0\r\n:;, \tHost:chunked\x00\x7f\x80";
    char s[200];
    for (int t = 0; t < 300; t++) {
        size_t n = 1 + rng() % sizeof s;
        memcpy(s, "POST /x HTTP/1.1\r\n", 18);
        for (size_t i = 18; i < n; i++) s[i] = alphabet[rng() % (sizeof alphabet - 1)];
        int agree;
        int r = run(s, n, &lim, &rq, &agree);
        CG_CHECK(agree);
        CG_CHECK(r <= (int)n);
    }
}

CG_TEST_MAIN()
