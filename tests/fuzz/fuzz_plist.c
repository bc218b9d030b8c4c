/*
 * fuzz_plist.c — libFuzzer target for the posting-list decoder (src/search/plist.c), which
 * reads whatever lex_postings values the store holds.
 * Checks (abort on failure):
 *   * arbitrary bytes as a value: the decoder never reads outside them (ASan), yields at
 *     most the n entries its header announces, local ids strictly ascending (the first may
 *     be 0) and below GR_LOCAL_SPACE;
 *   * a list encoded from the input as lex.c's DESIGN comment specifies (n, lang, then per
 *     entry local delta, tf, doclen as varints and kind) decodes to exactly those entries,
 *     and every truncation of it decodes to a prefix of them.
 * Seeds: tests/fuzz/corpus/plist/ (small valid lists and a few broken ones).
 */
// fuzz-sources: src/search/plist.c
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search/search_int.h"

#define FUZZ_PLIST_MAX 4096    /* input bytes looked at */
#define FUZZ_PLIST_ENTRIES 256 /* entries of the encoded list at most */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode v[0..n): every invariant of the decoder; the entries into out (may be NULL). */
static uint32_t decode(const uint8_t *v, size_t n, lex_posting *out, uint32_t cap)
{
    lex_plist pl;
    lex_posting e;
    uint32_t got = 0, prev = 0;
    if (lex_plist_open(&pl, v, n) != 0) return 0;
    while (lex_plist_next(&pl, &e)) {
        if (got >= pl.n || e.local >= GR_LOCAL_SPACE || (got && e.local <= prev)) abort();
        if (out && got < cap) out[got] = e;
        prev = e.local;
        got++;
    }
    if (lex_plist_next(&pl, &e)) abort(); /* the end stays the end */
    return got;
}

/* A valid list from the input bytes: 4 bytes an entry (delta, tf, doclen, kind). */
static size_t encode(const uint8_t *d, size_t size, uint8_t *v, lex_posting *want, uint32_t *n)
{
    uint32_t local = 0;
    *n = (uint32_t)CG_MIN(size / 4, (size_t)FUZZ_PLIST_ENTRIES);
    if (*n == 0) return 0;
    uint8_t *p = lex_put_var(v, *n);
    *p++ = d[0];
    for (uint32_t i = 0; i < *n; i++) {
        const uint8_t *x = d + 4 * i;
        uint32_t delta = (i ? 1u : 0u) + (uint32_t)x[0] * 15u; /* < GR_LOCAL_SPACE after 256 */
        local += delta;
        want[i] =
            (lex_posting){local, (uint32_t)x[1] << (x[3] & 15), (uint32_t)x[2] * 40503u, x[3]};
        p = lex_put_var(p, delta);
        p = lex_put_var(p, want[i].tf);
        p = lex_put_var(p, want[i].doclen);
        *p++ = (uint8_t)want[i].kind;
    }
    return (size_t)(p - v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lex_posting want[FUZZ_PLIST_ENTRIES], got[FUZZ_PLIST_ENTRIES];
    static uint8_t v[8 + FUZZ_PLIST_ENTRIES * 16];
    uint32_t n;
    if (size > FUZZ_PLIST_MAX) return 0;
    /* the bytes as they are, in an exact-size copy so ASan sees any over-read */
    uint8_t *raw = malloc(size ? size : 1);
    if (!raw) return 0;
    memcpy(raw, data, size);
    decode(raw, size, NULL, 0);
    free(raw);
    size_t len = encode(data, size, v, want, &n);
    if (!len) return 0;
    if (decode(v, len, got, FUZZ_PLIST_ENTRIES) != n) abort();
    for (uint32_t i = 0; i < n; i++)
        if (got[i].local != want[i].local || got[i].tf != want[i].tf ||
            got[i].doclen != want[i].doclen || got[i].kind != want[i].kind)
            abort();
    for (size_t cut = 0; cut < len; cut++) { /* a truncated list: a prefix, never more */
        uint8_t *t = malloc(cut ? cut : 1);
        if (!t) return 0;
        memcpy(t, v, cut);
        uint32_t k = decode(t, cut, got, FUZZ_PLIST_ENTRIES);
        free(t);
        if (k >= n) abort();
        for (uint32_t i = 0; i < k; i++)
            if (got[i].local != want[i].local || got[i].tf != want[i].tf) abort();
    }
    return 0;
}
