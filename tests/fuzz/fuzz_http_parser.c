/*
 * fuzz_http_parser.c — libFuzzer target for cg_http_parse_head.
 *
 * Input: byte 0 picks the limits (default or tiny, so limit paths are reachable with
 * small inputs) and seeds the split pattern; the rest is the request bytes.
 * Checks (abort on failure): the verdict fed in splits equals the one-shot verdict
 * with the same fields (pointers compared as offsets); a complete head has
 * head_len <= len and every field inside it; a verdict resets the cursor. While
 * feeding, bytes that have not "arrived" are ASan-poisoned, so any read past the
 * current length is reported.
 */
// fuzz-sources: src/http/*.c src/base/*.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/http.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef POISON
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define CHECK(e) ((e) ? (void)0 : abort())

static cg_http_request one, split;

static void limits_for(uint8_t sel, cg_http_limits *l)
{
    cg_http_limits_default(l, 1u << 20);
    if (sel & 1) {
        l->request_line_max = 24 + (sel >> 4);
        l->header_line_max = 16 + (sel >> 5);
        l->headers_total_max = 96 + (sel >> 2);
        l->headers_count_max = (sel >> 1) & 7;
        l->body_max = sel;
    }
}

static int in_head(const char *p, size_t n, const char *base, size_t head_len)
{
    return p >= base && p + n <= base + head_len;
}

/* A stored field: name of token bytes, value without CTLs and without edge OWS. */
static int field_ok(const cg_http_header *h)
{
    static const char tchar_punct[] = "!#$%&'*+-.^_`|~";
    for (size_t i = 0; i < h->name_len; i++) {
        unsigned char c = (unsigned char)h->name[i];
        int alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        if (!alnum && (c == 0 || !strchr(tchar_punct, c))) return 0;
    }
    for (size_t i = 0; i < h->value_len; i++) {
        unsigned char c = (unsigned char)h->value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
    }
    if (h->value_len == 0) return 1;
    char f = h->value[0], l = h->value[h->value_len - 1];
    return f != ' ' && f != '\t' && l != ' ' && l != '\t';
}

static void check_fields(const cg_http_request *a, const char *ba, const cg_http_request *b,
                         const char *bb, const cg_http_limits *l)
{
    size_t hl = a->head_len;
    CHECK(a->method == b->method && a->method_len == b->method_len);
    CHECK(a->method_str - ba == b->method_str - bb);
    CHECK(in_head(a->method_str, a->method_len, ba, hl));
    CHECK(a->target_len == b->target_len && memcmp(a->target, b->target, a->target_len) == 0);
    CHECK(a->target_len > 0 && a->path == a->target && a->path_len <= a->target_len);
    CHECK(a->query_len == 0 || a->path_len + 1 + a->query_len == a->target_len);
    CHECK(a->path_len == b->path_len && a->query_len == b->query_len);
    CHECK(a->version_minor == b->version_minor && (a->version_minor | 1) == 1);
    CHECK(a->n_headers == b->n_headers && a->n_headers <= l->headers_count_max);
    CHECK(a->head_len == b->head_len && a->content_length == b->content_length);
    CHECK(a->content_length < 0 || (uint64_t)a->content_length <= l->body_max);
    CHECK(a->chunked == b->chunked && a->keep_alive == b->keep_alive);
    CHECK(!(a->chunked && a->content_length >= 0));
    CHECK(a->expect_continue == b->expect_continue);
    for (int i = 0; i < a->n_headers; i++) {
        const cg_http_header *h = &a->headers[i], *g = &b->headers[i];
        CHECK(h->name - ba == g->name - bb && h->name_len == g->name_len && h->name_len > 0);
        CHECK(h->value - ba == g->value - bb && h->value_len == g->value_len);
        CHECK(in_head(h->name, h->name_len, ba, hl) && in_head(h->value, h->value_len, ba, hl));
        CHECK(field_ok(h));
    }
    CHECK(hl >= 4 && memcmp(ba + hl - 4, "\r\n\r\n", 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    uint8_t sel = data[0];
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    cg_http_limits lim;
    limits_for(sel, &lim);

    size_t scan = 0;
    int want = cg_http_parse_head(&one, in, n, &lim, &scan);
    CHECK(want <= 0 || ((size_t)want <= n && (size_t)want == one.head_len && scan == 0));

    char *buf = malloc(n ? n : 1);
    memcpy(buf, in, n);
    POISON(buf, n);
    uint32_t x = 0x9e3779b9u * (uint32_t)(sel + 1);
    size_t step_max = sel < 64 ? 1 : sel < 160 ? 7 : (size_t)(sel - 150) * 4;
    size_t pos = 0;
    int got = 0;
    scan = 0;
    while (pos < n) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        pos += 1 + x % step_max;
        if (pos > n) pos = n;
        UNPOISON(buf, pos);
        got = cg_http_parse_head(&split, buf, pos, &lim, &scan);
        if (got != 0) {
            CHECK(scan == 0);
            break;
        }
    }
    CHECK(got == want);
    if (want > 0) check_fields(&one, in, &split, buf, &lim);
    UNPOISON(buf, n);
    free(buf);
    return 0;
}
