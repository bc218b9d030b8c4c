/*
 * parse.c — the strict, incremental, zero-copy HTTP/1.x request-head parser (RFC 9112).
 *
 * DESIGN
 * Parsing a head runs in two phases so that byte-at-a-time input stays linear:
 *
 *  1. head_scan() walks only the bytes no earlier call has seen, line by line. It
 *     enforces what can be judged before the head is complete: every line ends in
 *     CRLF (a bare CR or bare LF is 400), the request line and each field line stay
 *     within their limits (414 / 431), the whole head stays within the total (431)
 *     and the field count stays within its limit (431). It stops at the empty line
 *     that ends the head. Leading empty lines before the request line are skipped
 *     (RFC 9112 §2.2) but count toward the total.
 *  2. head_parse() then parses the complete head once: request line, fields, and
 *     the framing rules that need the whole head (Content-Length vs
 *     Transfer-Encoding, Host, Connection, Expect).
 *
 * Invariants:
 *  - Phase 1 reports the first error in byte order, and the verdict at byte i only
 *    depends on bytes [0, i+1]. Phase 2 only depends on the head bytes. So the result
 *    for a prefix that is not 0 is the result for every extension of it: how the
 *    input was split never changes the answer (fuzz_http_parser checks this).
 *  - Phase 2 only runs on heads where every CR is followed by LF and every LF is
 *    preceded by CR, so it may find line ends with memchr('\r').
 *  - At most lim->headers_count_max (<= CG_HTTP_HEADERS_COUNT_MAX) fields are stored.
 *
 * The scanner state lives in the caller's *scan_from, packed into 64 bits (see
 * SCAN_*): the scan position, the offset of the current line start behind it, the
 * field count and whether the request line has been seen.
 */
#include <limits.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/http.h"
#include "http/chars.h"

/* ---- scanner cursor layout in *scan_from (bounds asserted on the limits) ---- */
#define SCAN_POS_BITS 32 /**< scan position: head total must stay below 2^31 */
#define SCAN_OFF_BITS 20 /**< pos - line start: line limits must stay below 2^20 */
#define SCAN_CNT_BITS 11 /**< field count: headers_count_max below 2^11 */
#define SCAN_STARTED_BIT 63
_Static_assert(sizeof(size_t) == 8, "the scan cursor packs into 64 bits");
_Static_assert(SCAN_POS_BITS + SCAN_OFF_BITS + SCAN_CNT_BITS == SCAN_STARTED_BIT, "layout");
_Static_assert(CG_HTTP_HEADERS_COUNT_MAX < (1 << SCAN_CNT_BITS), "count fits the cursor");
_Static_assert(CG_HTTP_HEADERS_TOTAL_MAX < INT_MAX, "head length is returned as int");

/* ---- character classes (RFC 9110 §5.6.2 tchar, §5.5 field values, RFC 3986) ---- */
#define CC_TCHAR CG_HTTP_CC_TCHAR
#define CC_VALUE CG_HTTP_CC_VALUE
#define CC_TARGET CG_HTTP_CC_TARGET
#define CC_HOST CG_HTTP_CC_HOST
#define CC_TCV (CC_TCHAR | CC_VALUE | CC_TARGET)
#define CC_ALL (CC_TCV | CC_HOST)
#define CC_VT (CC_VALUE | CC_TARGET)

/* clang-format off */
const unsigned char cg_http_cc_tab[256] = {
    ['\t'] = CC_VALUE,
    [' '] = CC_VALUE,
    ['!'] = CC_ALL, ['"'] = CC_VT, ['#'] = CC_TCV, ['$'] = CC_ALL, ['%'] = CC_ALL,
    ['&'] = CC_ALL, ['\''] = CC_ALL, ['('] = CC_VT | CC_HOST, [')'] = CC_VT | CC_HOST,
    ['*'] = CC_ALL, ['+'] = CC_ALL, [','] = CC_VT | CC_HOST, ['-'] = CC_ALL,
    ['.'] = CC_ALL, ['/'] = CC_VT,
    ['0' ... '9'] = CC_ALL,
    [':'] = CC_VT | CC_HOST, [';'] = CC_VT | CC_HOST, ['<'] = CC_VT,
    ['='] = CC_VT | CC_HOST, ['>'] = CC_VT, ['?'] = CC_VT, ['@'] = CC_VT,
    ['A' ... 'Z'] = CC_ALL,
    ['['] = CC_VT | CC_HOST, ['\\'] = CC_VT, [']'] = CC_VT | CC_HOST, ['^'] = CC_TCV,
    ['_'] = CC_ALL, ['`'] = CC_TCV,
    ['a' ... 'z'] = CC_ALL,
    ['{'] = CC_VT, ['|'] = CC_TCV, ['}'] = CC_VT, ['~'] = CC_ALL,
    [0x80 ... 0xff] = CC_VALUE,
};
/* clang-format on */

#define cc_is cg_http_cc_is
#define is_ows(c) cg_http_is_ows((unsigned char)(c))

/* ---- method table (names for cg_http_method_name too) ---- */
const cg_http_method_entry cg_http_method_tab[CG_HTTP_METHOD_COUNT] = {
    [CG_HTTP_GET] = {"GET", 3},         [CG_HTTP_HEAD] = {"HEAD", 4},
    [CG_HTTP_POST] = {"POST", 4},       [CG_HTTP_PUT] = {"PUT", 3},
    [CG_HTTP_DELETE] = {"DELETE", 6},   [CG_HTTP_PATCH] = {"PATCH", 5},
    [CG_HTTP_OPTIONS] = {"OPTIONS", 7}, [CG_HTTP_OTHER] = {"OTHER", 5},
};

static cg_http_method method_lookup(const char *s, size_t n)
{
    for (int m = 0; m < CG_HTTP_OTHER; m++)
        if (cg_http_method_tab[m].len == n && memcmp(cg_http_method_tab[m].name, s, n) == 0)
            return (cg_http_method)m;
    return CG_HTTP_OTHER;
}

void cg_http_limits_default(cg_http_limits *l, uint64_t body_max)
{
    l->request_line_max = CG_HTTP_REQUEST_LINE_MAX;
    l->header_line_max = CG_HTTP_HEADER_LINE_MAX;
    l->headers_total_max = CG_HTTP_HEADERS_TOTAL_MAX;
    l->headers_count_max = CG_HTTP_HEADERS_COUNT_MAX;
    l->body_max = body_max;
}

/* ======================= phase 1: the line scanner ======================= */

typedef struct scan_state {
    size_t pos;        /**< first byte not yet judged */
    size_t line_start; /**< first byte of the current line */
    int nfields;       /**< complete field lines so far */
    int started;       /**< the request line is complete */
} scan_state;

static scan_state scan_unpack(size_t c)
{
    scan_state s;
    s.pos = c & ((1ull << SCAN_POS_BITS) - 1);
    s.line_start = s.pos - ((c >> SCAN_POS_BITS) & ((1ull << SCAN_OFF_BITS) - 1));
    s.nfields = (int)((c >> (SCAN_POS_BITS + SCAN_OFF_BITS)) & ((1ull << SCAN_CNT_BITS) - 1));
    s.started = (int)(c >> SCAN_STARTED_BIT);
    return s;
}

static size_t scan_pack(const scan_state *s)
{
    return (size_t)s->pos | (size_t)(s->pos - s->line_start) << SCAN_POS_BITS |
           (size_t)s->nfields << (SCAN_POS_BITS + SCAN_OFF_BITS) |
           (size_t)s->started << SCAN_STARTED_BIT;
}

/* A line [line_start, cr) ended with CRLF. >0 head length, 0 go on, <0 status. */
static int scan_line_done(scan_state *s, const cg_http_limits *lim, size_t cr)
{
    size_t content = cr - s->line_start;
    s->pos = s->line_start = cr + 2;
    if (content == 0) return s->started ? (int)(cr + 2) : 0;
    if (!s->started) {
        s->started = 1;
        return 0;
    }
    if (++s->nfields > lim->headers_count_max) return -431;
    return 0;
}

/*
 * Judge bytes [s->pos, len). Byte i is an error when: i >= total (431); it is LF
 * (every valid LF is consumed with its CR: bare LF, 400); it is CR and byte i+1 is
 * not LF (bare CR, 400); it is any other byte beyond the line limit (414/431).
 */
static int head_scan(scan_state *s, const char *b, size_t len, const cg_http_limits *lim)
{
    size_t total = lim->headers_total_max;
    while (s->pos < len) {
        size_t line_max = s->started ? lim->header_line_max : lim->request_line_max;
        size_t stop = CG_MIN(len, CG_MIN(total, s->line_start + line_max));
        size_t end = stop;
        if (s->pos < stop) {
            const char *cr = memchr(b + s->pos, '\r', stop - s->pos);
            if (cr) end = (size_t)(cr - b);
            if (memchr(b + s->pos, '\n', end - s->pos)) return -400;
        }
        s->pos = end;
        if (end == len) return 0;
        if (end >= total) return -431;
        if (b[end] == '\n') return -400;
        if (b[end] != '\r') return s->started ? -431 : -414;
        if (end + 1 == len) return 0; /* the CR is judged again with its next byte */
        if (b[end + 1] != '\n') return -400;
        if (end + 1 >= total) return -431;
        int r = scan_line_done(s, lim, end);
        if (r != 0) return r;
    }
    return 0;
}

/* ======================= phase 2: the complete head ======================= */

typedef struct head_ctx {
    int cl_seen, te_seen, te_result, host_count;
    int conn_close, conn_keep_alive, expect_100, expect_other;
} head_ctx;

/* ASCII case-insensitive equality with a lower-case literal (locale-independent). */
static int ci_eq(const char *s, size_t n, const char *lit, size_t lit_len)
{
    if (n != lit_len) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c | 0x20);
        if (c != (unsigned char)lit[i]) return 0;
    }
    return 1;
}
#define CI_EQ(s, n, lit) ci_eq((s), (n), lit, sizeof(lit) - 1)

/* "HTTP/1.x" → x; another well-formed HTTP-version → -505; anything else → -400. */
static int parse_version(const char *v, size_t n)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.') return -400;
    if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return -400;
    if (v[5] == '1' && (v[7] == '0' || v[7] == '1')) return v[7] - '0';
    return -505;
}

/* absolute-form "http[s]://authority[/path][?query]" → its origin-form part. */
static int parse_absolute(cg_http_request *req, const char *t, size_t n)
{
    size_t i;
    if (n > 7 && CI_EQ(t, 7, "http://"))
        i = 7;
    else if (n > 8 && CI_EQ(t, 8, "https://"))
        i = 8;
    else
        return -400;
    size_t a = i;
    while (i < n && t[i] != '/' && t[i] != '?') {
        if (!cc_is((unsigned char)t[i], CC_HOST)) return -400;
        i++;
    }
    if (i == a) return -400;
    if (i == n) {
        req->target = "/";
        req->target_len = 1;
        return 0;
    }
    if (t[i] != '/') return -400; /* "http://h?q" has no path to point at */
    req->target = t + i;
    req->target_len = n - i;
    return 0;
}

static int parse_target(cg_http_request *req, const char *t, size_t n)
{
    unsigned bad = 0; /* VCHAR only; no early exit so that it vectorises */
    for (size_t i = 0; i < n; i++) bad |= (unsigned)((unsigned char)t[i] - 0x21u > 0x7eu - 0x21u);
    if (bad) return -400;
    if (t[0] == '/') {
        req->target = t;
        req->target_len = n;
    } else if (n == 1 && t[0] == '*') {
        if (req->method != CG_HTTP_OPTIONS) return -400;
        req->target = t;
        req->target_len = n;
    } else {
        int r = parse_absolute(req, t, n);
        if (r < 0) return r;
    }
    const char *q = memchr(req->target, '?', req->target_len);
    req->path = req->target;
    req->path_len = q ? (size_t)(q - req->target) : req->target_len;
    req->query = q ? q + 1 : req->target + req->target_len;
    req->query_len = q ? req->target_len - req->path_len - 1 : 0;
    return 0;
}

/* request-line = method SP request-target SP HTTP-version (exactly one SP each). */
static int parse_request_line(cg_http_request *req, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && cc_is((unsigned char)s[i], CC_TCHAR)) i++;
    if (i == 0 || i == n || s[i] != ' ') return -400;
    req->method_str = s;
    req->method_len = i;
    req->method = method_lookup(s, i);
    size_t t = i + 1, j = t;
    while (j < n && s[j] != ' ') j++;
    if (j == t || j == n) return -400;
    int minor = parse_version(s + j + 1, n - j - 1);
    if (minor < 0) return minor;
    req->version_minor = minor;
    return parse_target(req, s + t, j - t);
}

static int parse_content_length(cg_http_request *req, head_ctx *ctx, const cg_http_header *h)
{
    if (ctx->cl_seen++ || h->value_len == 0) return -400;
    int64_t v = 0;
    for (size_t i = 0; i < h->value_len; i++) {
        unsigned d = (unsigned)(unsigned char)h->value[i] - '0';
        if (d > 9) return -400;
        if (v > (INT64_MAX - (int64_t)d) / 10) return -400;
        v = v * 10 + (int64_t)d;
    }
    req->content_length = v;
    return 0;
}

/* quoted-string at v[0..n) → bytes it spans, or 0 when malformed. */
static size_t quoted_len(const char *v, size_t n)
{
    if (n == 0 || v[0] != '"') return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"') return i + 1;
        if (c == '\\') {
            if (++i == n || !cc_is((unsigned char)v[i], CC_VALUE)) return 0;
        } else if (!cc_is(c, CC_VALUE)) {
            return 0;
        }
    }
    return 0;
}

static size_t token_len(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n && cc_is((unsigned char)v[i], CC_TCHAR)) i++;
    return i;
}

static size_t skip_ows(const char *v, size_t n, size_t i)
{
    while (i < n && is_ows(v[i])) i++;
    return i;
}

/* *( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) ) from v[i]. */
static int te_params(const char *v, size_t n, size_t *ip, int *has_params)
{
    size_t i = *ip;
    for (;;) {
        size_t j = skip_ows(v, n, i);
        if (j == n || v[j] != ';') break;
        *has_params = 1;
        j = skip_ows(v, n, j + 1);
        size_t k = token_len(v + j, n - j);
        if (k == 0) return -400;
        j = skip_ows(v, n, j + k);
        if (j == n || v[j] != '=') return -400;
        j = skip_ows(v, n, j + 1);
        k = token_len(v + j, n - j);
        if (k == 0) k = quoted_len(v + j, n - j);
        if (k == 0) return -400;
        i = j + k;
    }
    *ip = i;
    return 0;
}

/*
 * Transfer-Encoding = 1#transfer-coding. Exactly "chunked" → 1. A well-formed list
 * we cannot decode ("gzip", "gzip, chunked") → -501. Malformed, empty elements,
 * chunked with parameters, twice, or not last → -400 (these are the smuggling shapes).
 */
static int parse_te(const char *v, size_t n)
{
    size_t i = 0;
    int elems = 0, chunked = 0;
    for (;;) {
        i = skip_ows(v, n, i);
        size_t k = token_len(v + i, n - i);
        if (k == 0) return -400;
        int is_chunked = CI_EQ(v + i, k, "chunked");
        int has_params = 0;
        i += k;
        if (te_params(v, n, &i, &has_params) < 0) return -400;
        if (chunked || (is_chunked && has_params)) return -400; /* chunked must be last */
        chunked = is_chunked;
        elems++;
        i = skip_ows(v, n, i);
        if (i == n) break;
        if (v[i] != ',') return -400;
        i++;
    }
    return chunked && elems == 1 ? 1 : -501;
}

/* Connection = #connection-option; empty elements are ignored (RFC 9110 §5.6.1.2). */
static int parse_connection(head_ctx *ctx, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        i = skip_ows(v, n, i);
        size_t k = token_len(v + i, n - i);
        if (CI_EQ(v + i, k, "close")) ctx->conn_close = 1;
        if (CI_EQ(v + i, k, "keep-alive")) ctx->conn_keep_alive = 1;
        i = skip_ows(v, n, i + k);
        if (i == n) break;
        if (v[i] != ',') return -400;
        i++;
    }
    return 0;
}

/* The fields whose meaning the parser owns. */
static int parse_special(cg_http_request *req, head_ctx *ctx, const cg_http_header *h)
{
    const char *nm = h->name;
    size_t nl = h->name_len;
    if (CI_EQ(nm, nl, "content-length")) return parse_content_length(req, ctx, h);
    if (CI_EQ(nm, nl, "transfer-encoding")) {
        if (ctx->te_seen++) return -400;
        ctx->te_result = parse_te(h->value, h->value_len);
        return ctx->te_result == -400 ? -400 : 0;
    }
    if (CI_EQ(nm, nl, "host")) {
        if (ctx->host_count++) return -400;
        for (size_t i = 0; i < h->value_len; i++)
            if (!cc_is((unsigned char)h->value[i], CC_HOST)) return -400;
        return 0;
    }
    if (CI_EQ(nm, nl, "connection")) return parse_connection(ctx, h->value, h->value_len);
    if (CI_EQ(nm, nl, "expect")) {
        if (CI_EQ(h->value, h->value_len, "100-continue"))
            ctx->expect_100 = 1;
        else
            ctx->expect_other = 1;
    }
    return 0;
}

/* 1 when every byte is HTAB, SP, VCHAR or obs-text. Written without an early exit so
 * the compiler vectorises it: this loop sees most of the head's bytes. */
static int value_ok(const char *s, size_t n)
{
    unsigned bad = 0;
    for (size_t j = 0; j < n; j++) {
        unsigned char c = (unsigned char)s[j];
        bad |= (unsigned)(c < 0x20 && c != '\t') | (unsigned)(c == 0x7f);
    }
    return !bad;
}

/* field-line = field-name ":" OWS field-value OWS, the name a token right before ':'. */
static int parse_field(cg_http_request *req, head_ctx *ctx, const char *s, size_t n)
{
    size_t i = token_len(s, n);
    if (i == 0 || i == n || s[i] != ':') return -400; /* obs-fold, space before ':' */
    if (!value_ok(s + i + 1, n - i - 1)) return -400;
    size_t v = skip_ows(s, n, i + 1), e = n;
    while (e > v && is_ows(s[e - 1])) e--;
    CG_ASSERT(req->n_headers < CG_HTTP_HEADERS_COUNT_MAX);
    cg_http_header *h = &req->headers[req->n_headers++];
    h->name = s;
    h->name_len = i;
    h->value = s + v;
    h->value_len = e - v;
    return parse_special(req, ctx, h);
}

/* Framing rules that need the whole head, in a fixed order. */
static int head_finish(cg_http_request *req, const head_ctx *ctx, const cg_http_limits *lim)
{
    if (ctx->te_seen) {
        if (ctx->cl_seen || req->version_minor == 0) return -400;
        if (ctx->te_result < 0) return ctx->te_result;
        req->chunked = 1;
    }
    if (req->version_minor == 1 && ctx->host_count == 0) return -400;
    if (ctx->expect_other) return -417;
    if (req->content_length > 0 && (uint64_t)req->content_length > lim->body_max) return -413;
    if (req->version_minor == 1)
        req->keep_alive = !ctx->conn_close;
    else
        req->keep_alive = ctx->conn_keep_alive && !ctx->conn_close;
    req->expect_continue = ctx->expect_100 && req->version_minor == 1;
    return 0;
}

static void req_reset(cg_http_request *req)
{
    req->method = CG_HTTP_OTHER;
    req->method_str = req->target = req->path = req->query = NULL;
    req->method_len = req->target_len = req->path_len = req->query_len = 0;
    req->version_minor = 1;
    req->n_headers = 0;
    req->head_len = 0;
    req->content_length = -1;
    req->chunked = req->keep_alive = req->expect_continue = 0;
    req->body = NULL;
    req->body_len = 0;
}

/* Parse the complete head b[0..head_len) that head_scan accepted. */
static int head_parse(cg_http_request *req, const char *b, size_t head_len,
                      const cg_http_limits *lim)
{
    size_t p = 0, end = head_len - 2; /* the final CRLF */
    while (b[p] == '\r') p += 2;      /* leading empty lines */
    const char *cr = memchr(b + p, '\r', end - p);
    CG_ASSERT(cr != NULL);
    int r = parse_request_line(req, b + p, (size_t)(cr - b) - p);
    if (r < 0) return r;
    head_ctx ctx = {0};
    for (p = (size_t)(cr - b) + 2; p < end; p = (size_t)(cr - b) + 2) {
        cr = memchr(b + p, '\r', end + 1 - p);
        CG_ASSERT(cr != NULL);
        r = parse_field(req, &ctx, b + p, (size_t)(cr - b) - p);
        if (r < 0) return r;
    }
    r = head_finish(req, &ctx, lim);
    if (r < 0) return r;
    req->head_len = head_len;
    return (int)head_len;
}

int cg_http_parse_head(cg_http_request *req, const char *buf, size_t len, const cg_http_limits *lim,
                       size_t *scan_from)
{
    CG_ASSERT(lim->headers_total_max < (1ull << (SCAN_POS_BITS - 1)));
    CG_ASSERT(lim->request_line_max < (1ull << SCAN_OFF_BITS));
    CG_ASSERT(lim->header_line_max < (1ull << SCAN_OFF_BITS));
    CG_ASSERT(lim->headers_count_max >= 0);
    CG_ASSERT(lim->headers_count_max <= CG_HTTP_HEADERS_COUNT_MAX);
    scan_state s = scan_unpack(*scan_from);
    CG_ASSERT(s.pos <= len && s.line_start <= s.pos);
    int r = head_scan(&s, buf, len, lim);
    if (r == 0) {
        *scan_from = scan_pack(&s);
        return 0;
    }
    *scan_from = 0;
    req_reset(req);
    if (r < 0) return r;
    return head_parse(req, buf, (size_t)r, lim);
}

/* ASCII case-insensitive equality of two n-byte strings. */
static int ci_same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x | 0x20);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y | 0x20);
        if (x != y) return 0;
    }
    return 1;
}

const cg_http_header *cg_http_find_header(const cg_http_request *req, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < req->n_headers; i++) {
        const cg_http_header *h = &req->headers[i];
        if (h->name_len == n && ci_same(h->name, name, n)) return h;
    }
    return NULL;
}
