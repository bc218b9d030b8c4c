/*
 * test_chunked.c — proves the in-place chunked decoder produces exactly the body and
 * stops exactly after the terminating chunk and trailers, whether the input arrives
 * whole, byte at a time or in random splits (bytes not yet arrived are poisoned, so a
 * read past the current length would change the answer); that chunk extensions and
 * trailers are accepted when well-formed and rejected when not or when over their
 * bounds; that bad sizes (empty, signed, 0x, over 16 digits), missing or bare line
 * ends are 400; that body_max gives 413 as soon as a size crosses it; and that
 * errors and completion are sticky.
 */
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/http.h"

#define SPLIT_TRIALS 6 /* random split patterns per case, besides byte-at-a-time */
#define POISON 'Z'     /* stands for bytes that have not arrived yet */

static uint32_t rng_state = 777;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

typedef struct result {
    int r;
    size_t in_pos, out_len;
    char *out; /* malloc'd copy of the decoded bytes */
} result;

/* Decode s[0..n) arriving in steps of 1..step_max bytes (0 = all at once). */
static result decode(const char *s, size_t n, uint64_t body_max, size_t step_max)
{
    char *buf = malloc(n ? n : 1);
    memset(buf, POISON, n);
    cg_http_chunked d;
    cg_http_chunked_init(&d);
    result res = {0, 0, 0, NULL};
    size_t len = 0;
    while (len < n) {
        size_t step = step_max ? 1 + rng() % step_max : n;
        size_t next = CG_MIN(n, len + step);
        memcpy(buf + len, s + len, next - len);
        len = next;
        res.r = cg_http_chunked_decode(&d, buf, len, &res.in_pos, &res.out_len, body_max);
        if (res.r != 0) break;
    }
    if (n == 0) res.r = cg_http_chunked_decode(&d, buf, 0, &res.in_pos, &res.out_len, body_max);
    res.out = malloc(res.out_len + 1);
    memcpy(res.out, buf, res.out_len);
    res.out[res.out_len] = 0;
    free(buf);
    return res;
}

/* One-shot result; *agree is 0 unless every split gives the same result and bytes. */
static result run(const char *s, size_t n, uint64_t body_max, int *agree)
{
    result want = decode(s, n, body_max, 0);
    *agree = want.out_len <= want.in_pos && want.in_pos <= n;
    for (int t = 0; t <= SPLIT_TRIALS; t++) {
        result got = decode(s, n, body_max, t == 0 ? 1 : t % 2 ? 5 : n / 2 + 1);
        if (got.r != want.r) *agree = 0;
        if (want.r == 1 && (got.in_pos != want.in_pos || got.out_len != want.out_len ||
                            memcmp(got.out, want.out, want.out_len) != 0))
            *agree = 0;
        free(got.out);
    }
    return want;
}

#define BIG (1ull << 40)

/* Expect verdict `want`; for 1 also the decoded body and the bytes consumed. */
#define EXPECT_BODY(lit, max, want, body, consumed)                                                \
    do {                                                                                           \
        int agree_;                                                                                \
        result r_ = run(lit, sizeof(lit) - 1, (max), &agree_);                                     \
        CG_CHECK_EQ_INT(r_.r, (want));                                                             \
        CG_CHECK(agree_);                                                                          \
        if ((want) == 1) {                                                                         \
            CG_CHECK_STR(r_.out, (body));                                                          \
            CG_CHECK_EQ_INT(r_.in_pos, (consumed));                                                \
        }                                                                                          \
        free(r_.out);                                                                              \
    } while (0)
#define EXPECT_OK(lit, body) EXPECT_BODY(lit, BIG, 1, body, sizeof(lit) - 1)
#define EXPECT_ERR(lit, want) EXPECT_BODY(lit, BIG, want, "", 0)

CG_TEST(valid_bodies)
{
    EXPECT_OK("5\r\nhello\r\n0\r\n\r\n", "hello");
    EXPECT_OK("0\r\n\r\n", "");
    EXPECT_OK("3\r\nabc\r\nA\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\n", "abc0123456789!");
    EXPECT_OK("a\r\n0123456789\r\nF\r\nabcdefghijklmno\r\n0\r\n\r\n", "0123456789abcdefghijklmno");
    EXPECT_OK("0000000000000005\r\nhello\r\n000\r\n\r\n", "hello");
    EXPECT_OK("2\r\n\r\n\r\n0\r\n\r\n", "\r\n"); /* data may contain CRLF */
}

CG_TEST(stops_exactly_after_the_body)
{
    const char s[] = "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
    EXPECT_BODY(s, BIG, 1, "hello", strlen("5\r\nhello\r\n0\r\n\r\n"));
}

CG_TEST(incomplete_needs_more)
{
    EXPECT_ERR("", 0);
    EXPECT_ERR("5", 0);
    EXPECT_ERR("5\r\nhel", 0);
    EXPECT_ERR("5\r\nhello\r\n0\r\n", 0);
    EXPECT_ERR("5\r\nhello\r\n0\r\n\r", 0);
    EXPECT_ERR("0\r\nX: y\r\n", 0);
}

CG_TEST(chunk_extensions)
{
    EXPECT_OK("5;a\r\nhello\r\n0\r\n\r\n", "hello");
    EXPECT_OK("5;a=b\r\nhello\r\n0;last\r\n\r\n", "hello");
    EXPECT_OK("5 ;a = b ; c=\"q \\\" ;x\"\r\nhello\r\n0\r\n\r\n", "hello");
    EXPECT_OK("5\t; a=b;c;d=\"\"\r\nhello\r\n0\r\n\r\n", "hello");
    EXPECT_ERR("5;\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a=\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a=b c\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a=\"b\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a=b \r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5 \r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5 5\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a\x01\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n", -400);
}

/* "5;" + name, so the extension has exactly `ext` bytes after the size. */
static char *make_ext(size_t ext, size_t *n)
{
    char *s = malloc(ext + 64);
    s[0] = '5';
    s[1] = ';';
    memset(s + 2, 'e', ext - 1);
    size_t p = 1 + ext;
    memcpy(s + p, "\r\nhello\r\n0\r\n\r\n", 15);
    *n = p + 15;
    return s;
}

CG_TEST(chunk_extension_limit)
{
    for (int d = -1; d <= 1; d++) {
        size_t n;
        char *s = make_ext((size_t)(CG_HTTP_CHUNK_EXT_MAX + d), &n);
        int agree;
        result r = run(s, n, BIG, &agree);
        CG_CHECK_EQ_INT(r.r, d <= 0 ? 1 : -400);
        CG_CHECK(agree);
        if (d <= 0) CG_CHECK_STR(r.out, "hello");
        free(r.out);
        free(s);
    }
}

CG_TEST(trailers)
{
    EXPECT_OK("5\r\nhello\r\n0\r\nX-Sum: abc\r\nY:\r\n\r\n", "hello");
    EXPECT_OK("0\r\nX: \t v \xc3\xa9\r\n\r\n", "");
    EXPECT_ERR("0\r\nX : v\r\n\r\n", -400);
    EXPECT_ERR("0\r\n: v\r\n\r\n", -400);
    EXPECT_ERR("0\r\nX v\r\n\r\n", -400);
    EXPECT_ERR("0\r\nX: v\r\n w\r\n\r\n", -400);
    EXPECT_ERR("0\r\nX: v\0w\r\n\r\n", -400);
    EXPECT_ERR("0\r\nX: v\nY: w\r\n\r\n", -400);
    EXPECT_ERR("0\r\nX: v\r\n\n", -400);
    EXPECT_ERR("0\r\nX: v\r\rY", -400);
    EXPECT_ERR("0\r\n\rX", -400);
}

CG_TEST(trailer_section_is_bounded)
{
    size_t fields = CG_HTTP_HEADERS_TOTAL_MAX / 1000 + 2, n = 0;
    char *s = malloc(8 + fields * 1002 + 2);
    n += (size_t)sprintf(s, "0\r\n");
    for (size_t i = 0; i < fields; i++) {
        memcpy(s + n, "X: ", 3);
        memset(s + n + 3, 'v', 997);
        memcpy(s + n + 1000, "\r\n", 2);
        n += 1002;
    }
    memcpy(s + n, "\r\n", 2);
    n += 2;
    int agree;
    result r = run(s, n, BIG, &agree);
    CG_CHECK_EQ_INT(r.r, -400);
    CG_CHECK(agree);
    free(r.out);
    free(s);
}

CG_TEST(bad_sizes)
{
    EXPECT_ERR("\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("g\r\n", -400);
    EXPECT_ERR("+5\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("-5\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("0x5\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR(" 5\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR(";a\r\nhello\r\n0\r\n\r\n", -400);
    /* 17 digits is over the limit even with leading zeros; 16 F's is the largest size */
    EXPECT_ERR("00000000000000005\r\nhello\r\n0\r\n\r\n", -400);
    EXPECT_BODY("FFFFFFFFFFFFFFFF\r\nabc", UINT64_MAX, 0, "", 0);
    EXPECT_BODY("FFFFFFFFFFFFFFFFF\r\n", UINT64_MAX, -400, "", 0);
    EXPECT_BODY("10000000000000000\r\n", UINT64_MAX, -400, "", 0);
}

CG_TEST(line_ends_are_strict)
{
    EXPECT_ERR("5\nhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5\rhello\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5\r\nhelloX\r\n0\r\n\r\n", -400);
    EXPECT_ERR("5\r\nhello\n0\r\n\r\n", -400);
    EXPECT_ERR("5\r\nhello\r0\r\n\r\n", -400);
    EXPECT_ERR("5\r\nhello0\r\n\r\n", -400);
    EXPECT_ERR("5\r\nhello\r\n0\n\r\n", -400);
    EXPECT_ERR("5\r\nhello\r\n0\r\n\n", -400);
    EXPECT_ERR("5\r\nhello\r\n0\r\n\rX", -400);
    /* the verdict does not wait for more input */
    EXPECT_ERR("5\r\nhelloX", -400);
}

CG_TEST(body_max_is_413_as_soon_as_a_size_crosses_it)
{
    const char s[] = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
    EXPECT_BODY(s, 10, 1, "helloworld", sizeof s - 1);
    EXPECT_BODY(s, 11, 1, "helloworld", sizeof s - 1);
    EXPECT_BODY(s, 9, -413, "", 0);
    EXPECT_BODY("B\r\n", 10, -413, "", 0);       /* before any data arrives */
    EXPECT_BODY("A\r\n", 10, 0, "", 0);          /* exactly the max: fine so far */
    EXPECT_BODY("1000000\r\n", 10, -413, "", 0); /* on its second digit */
    EXPECT_BODY("0\r\n\r\n", 0, 1, "", 5);
    EXPECT_BODY("1\r\nx\r\n0\r\n\r\n", 0, -413, "", 0);
}

CG_TEST(errors_and_completion_are_sticky)
{
    char buf[64];
    cg_http_chunked d;
    size_t in = 0, out = 0;
    cg_http_chunked_init(&d);
    strcpy(buf, "5\r\nhelloX\r\n");
    CG_CHECK_EQ_INT(cg_http_chunked_decode(&d, buf, strlen(buf), &in, &out, BIG), -400);
    strcpy(buf, "0\r\n\r\n");
    in = out = 0;
    CG_CHECK_EQ_INT(cg_http_chunked_decode(&d, buf, strlen(buf), &in, &out, BIG), -400);

    cg_http_chunked_init(&d);
    in = out = 0;
    strcpy(buf, "1\r\na\r\n0\r\n\r\nXYZ");
    CG_CHECK_EQ_INT(cg_http_chunked_decode(&d, buf, strlen(buf), &in, &out, BIG), 1);
    CG_CHECK_EQ_INT(in, 11);
    CG_CHECK_EQ_INT(out, 1);
    CG_CHECK_EQ_INT(d.total, 1);
    CG_CHECK_EQ_INT(cg_http_chunked_decode(&d, buf, strlen(buf), &in, &out, BIG), 1);
    CG_CHECK_EQ_INT(in, 11); /* nothing more consumed */
    CG_CHECK(memcmp(buf + 11, "XYZ", 3) == 0);
}

CG_TEST(decodes_after_a_head_in_the_same_buffer)
{
    /* the server decodes from the end of the head, moving data down over the framing */
    char buf[] = "HEAD\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    cg_http_chunked d;
    cg_http_chunked_init(&d);
    size_t in = 6, out = 6;
    CG_CHECK_EQ_INT(cg_http_chunked_decode(&d, buf, sizeof buf - 1, &in, &out, BIG), 1);
    CG_CHECK_EQ_INT(in, sizeof buf - 1);
    CG_CHECK_EQ_INT(out, 13);
    CG_CHECK(memcmp(buf, "HEAD\r\nabcdefg", 13) == 0);
}

CG_TEST(random_bodies_round_trip)
{
    static char enc[8192], body[4096];
    for (int t = 0; t < 40; t++) {
        size_t n = 0, blen = 0;
        int chunks = (int)(rng() % 8);
        for (int c = 0; c < chunks; c++) {
            size_t k = 1 + rng() % 300;
            n += (size_t)sprintf(enc + n, rng() % 2 ? "%zx" : "%zX", k);
            if (rng() % 3 == 0) n += (size_t)sprintf(enc + n, ";n%d=\"v\"", c);
            n += (size_t)sprintf(enc + n, "\r\n");
            for (size_t i = 0; i < k; i++) body[blen++] = enc[n++] = (char)(rng() & 0xff);
            n += (size_t)sprintf(enc + n, "\r\n");
        }
        n += (size_t)sprintf(enc + n, "0\r\n%s\r\n", rng() % 2 ? "T: x\r\n" : "");
        int agree;
        result r = run(enc, n, BIG, &agree);
        CG_CHECK_EQ_INT(r.r, 1);
        CG_CHECK(agree);
        CG_CHECK_EQ_INT(r.out_len, blen);
        CG_CHECK(memcmp(r.out, body, blen) == 0);
        CG_CHECK_EQ_INT(r.in_pos, n);
        free(r.out);
    }
}

CG_TEST_MAIN()
