/*
 * fuzz_chunked.c — libFuzzer target for cg_http_chunked_decode.
 *
 * Input: byte 0 picks body_max and seeds the split pattern; the rest is the body.
 * Checks (abort on failure): decoding in splits gives the same verdict, the same
 * consumed length and the same decoded bytes as decoding in one call; the output
 * never exceeds the input consumed (out_len <= in_pos <= len); the decoded total
 * never exceeds body_max. Bytes that have not "arrived" are ASan-poisoned.
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

static uint64_t body_max_for(uint8_t sel)
{
    switch (sel & 3) {
    case 0: return UINT64_MAX;
    case 1: return 1u << 20;
    case 2: return sel >> 2;
    default: return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    uint8_t sel = data[0];
    size_t n = size - 1;
    uint64_t max = body_max_for(sel);

    char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);
    memcpy(a, data + 1, n);
    memcpy(b, data + 1, n);
    cg_http_chunked d1, d2;
    cg_http_chunked_init(&d1);
    size_t in1 = 0, out1 = 0;
    int want = cg_http_chunked_decode(&d1, a, n, &in1, &out1, max);
    CHECK(out1 <= in1 && in1 <= n && d1.total <= max);
    CHECK(want != 0 || in1 == n);
    if (want >= 0) CHECK(d1.total == out1);

    POISON(b, n);
    cg_http_chunked_init(&d2);
    uint32_t x = 0x9e3779b9u * (uint32_t)(sel + 1);
    size_t step_max = sel < 64 ? 1 : sel < 160 ? 5 : (size_t)(sel - 150) * 4;
    size_t len = 0, in2 = 0, out2 = 0;
    int got = 0;
    while (len < n) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        len += 1 + x % step_max;
        if (len > n) len = n;
        UNPOISON(b, len);
        got = cg_http_chunked_decode(&d2, b, len, &in2, &out2, max);
        CHECK(out2 <= in2 && in2 <= len && d2.total <= max);
        if (got != 0) break;
    }
    if (n == 0) got = cg_http_chunked_decode(&d2, b, 0, &in2, &out2, max);
    CHECK(got == want);
    if (want >= 0) CHECK(in1 == in2 && out1 == out2 && memcmp(a, b, out1) == 0);
    if (want == 1) CHECK(cg_http_chunked_decode(&d2, b, len, &in2, &out2, max) == 1);
    if (want < 0) CHECK(cg_http_chunked_decode(&d2, b, len, &in2, &out2, max) == want);
    UNPOISON(b, n);
    free(a);
    free(b);
    return 0;
}
