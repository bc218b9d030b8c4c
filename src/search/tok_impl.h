/*
 * tok_impl.h — the tokenizer's implementation (contract in search.h), private to src/search:
 * identifier runs → sub-tokens (snake_case, camelCase, acronyms, digits) → lower case → stop
 * words out → light stemming.
 *
 * It runs over every byte of every indexed entity and every embedded snippet (the built-in
 * embedder's budget is >= 200 MB per CPU-second), so it allocates nothing and works per word,
 * not per byte, where it can: the text is read in 16-byte windows turned into class bit masks
 * (SSE2, or the byte-class table elsewhere); a run of lower-case letters, digits and '_' that
 * ends inside its window, most of real code, is split from the masks alone; other runs
 * (camelCase, acronyms, UTF-8, long ones) go through a per-byte state machine. Both give the
 * same sub-tokens, and the stop-word and stem steps are branch-light. The output is a format:
 * the terms feed stored postings and vectors, so any change to it is a format change.
 * Sub-tokens are lowered into a stack buffer of CG_SEARCH_TERM_MAX bytes and handed to the
 * callback. It lives in a header so that a caller with a fixed callback (the term bag, bag.c)
 * gets the walk, the split and the callback inlined into one loop; tokenize.c wraps it as
 * cg_search_tokenize. Each including file has its own copy of the small tables (initialised
 * on first use; racing initialisations write the same bytes).
 */
#ifndef CG_SEARCH_TOK_IMPL_H
#define CG_SEARCH_TOK_IMPL_H

#include <stdint.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/search.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define TOK_INLINE static inline __attribute__((always_inline))

/* Byte classes. Bytes >= 0x80 (UTF-8) count as lower-case letters. */
enum { C_SEP = 0, C_LOW, C_UP, C_DIG, C_UND };

static uint8_t tok_class[256];
static int tok_ready;

static void stop_init(void);

static void tok_init(void)
{
    for (int c = 0; c < 256; c++) {
        uint8_t k = C_SEP;
        if (c >= 'a' && c <= 'z')
            k = C_LOW;
        else if (c >= 'A' && c <= 'Z')
            k = C_UP;
        else if (c >= '0' && c <= '9')
            k = C_DIG;
        else if (c == '_')
            k = C_UND;
        else if (c >= 0x80)
            k = C_LOW;
        tok_class[c] = k;
    }
    stop_init();
    __atomic_store_n(&tok_ready, 1, __ATOMIC_RELEASE);
}

/* Minimal English function words: they carry no meaning in a query about code. */
static const char *const stop_words[] = {
    "an",    "the",   "of",    "to",     "in",   "on",    "at",    "by",    "for",  "and",
    "or",    "is",    "are",   "was",    "were", "be",    "been",  "it",    "its",  "this",
    "that",  "these", "those", "as",     "into", "we",    "you",   "which", "than", "then",
    "there", "will",  "can",   "should", "may",  "would", "could", "also",  "such", "our",
    "your",  "their", "with",  "from",   "if",   "a",
};
#define STOP_LEN_MAX 6
#define STOP_BITS 9 /* a 512-slot table: big enough that a collision-free multiplier exists */
#define STOP_SLOTS (1u << STOP_BITS)
/* A stop word as a key: its bytes packed little-end first (<= 6 letters, none zero, so the
 * key is unique and never 0 = empty). stop_init picks a multiplier under which the words
 * land in distinct slots (a perfect hash), so a lookup is one multiply, one load, one
 * compare and no loop: this runs for every short sub-token. */
static uint64_t stop_key[STOP_SLOTS];
static uint64_t stop_mul;

/* The term's first n (2..STOP_LEN_MAX) bytes as a key. t is a CG_SEARCH_TERM_MAX buffer, so
 * reading 8 bytes is in bounds; the bytes past n are masked off. */
static inline uint64_t stop_pack(const char *t, size_t n)
{
    uint64_t k;
    memcpy(&k, t, sizeof k);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    k = __builtin_bswap64(k);
#endif
    return k & (~0ull >> (64 - 8 * n));
}

static inline uint32_t stop_slot_of(uint64_t k, uint64_t mul)
{
    return (uint32_t)((k * mul) >> (64 - STOP_BITS));
}

static void stop_init(void)
{
    uint64_t keys[CG_ARRAY_LEN(stop_words)], table[STOP_SLOTS];
    char w[CG_SEARCH_TERM_MAX] = {0};
    for (size_t i = 0; i < CG_ARRAY_LEN(stop_words); i++) {
        size_t n = strlen(stop_words[i]);
        CG_ASSERT(n >= 1 && n <= STOP_LEN_MAX);
        memcpy(w, stop_words[i], n);
        keys[i] = stop_pack(w, n);
    }
    /* odd multipliers from a fixed sequence until one places every word alone; the search
     * runs on a local table so that a racing first use only ever sees the final bytes */
    for (uint64_t mul = 0x9E3779B97F4A7C15ull;; mul = mul * 6364136223846793005ull + 2) {
        memset(table, 0, sizeof table);
        size_t i = 0;
        for (; i < CG_ARRAY_LEN(keys) && !table[stop_slot_of(keys[i], mul | 1)]; i++)
            table[stop_slot_of(keys[i], mul | 1)] = keys[i];
        if (i == CG_ARRAY_LEN(keys)) {
            memcpy(stop_key, table, sizeof table);
            stop_mul = mul | 1;
            return;
        }
    }
}

/* t[0..n) is lower-case alphabetic, n >= 2, in a CG_SEARCH_TERM_MAX buffer. */
static inline int is_stop(const char *t, size_t n)
{
    if (n > STOP_LEN_MAX) return 0;
    uint64_t k = stop_pack(t, n);
    return stop_key[stop_slot_of(k, stop_mul)] == k;
}

/* Light suffix stripping on a lower-case alphabetic token; returns the new length and may
 * rewrite the last byte ("ies" → "y"). Rules, in order, each at most once: -ies → -y (when
 * more than one letter stays), -sses → -ss, -s unless -ss/-us/-is, then -ing or -ed when four
 * letters stay, then a final -e when four letters stay. Written as byte compares on the tail
 * (it runs for every alphabetic sub-token). */
static inline size_t stem(char *t, size_t n)
{
    if (n <= 3) return n;
    if (t[n - 1] == 's') {
        char c2 = t[n - 2], c3 = t[n - 3];
        if (c2 == 'e' && c3 == 'i' && n > 4) {
            t[n - 3] = 'y';
            return n - 2;
        }
        if (c2 == 'e' && c3 == 's' && n > 4 && t[n - 4] == 's')
            n -= 2;
        else if (c2 != 's' && c2 != 'u' && c2 != 'i')
            n--;
    }
    if (n >= 7 && t[n - 1] == 'g' && t[n - 2] == 'n' && t[n - 3] == 'i')
        n -= 3;
    else if (n >= 6 && t[n - 1] == 'd' && t[n - 2] == 'e')
        n -= 2;
    if (n >= 4 && t[n - 1] == 'e') n--;
    return n;
}

/* A finished lower-case sub-token t[0..n): drop single letters and stop words, stem, emit. */
TOK_INLINE int finish(char *t, size_t n, int alpha, cg_search_term_fn fn, void *ctx)
{
    if (alpha) {
        if (n == 1 || is_stop(t, n)) return 0;
        n = stem(t, n);
    }
    return fn(ctx, t, n);
}

/* Emit the run s[0..n) whole, lowered without underscores (the "joined" form). */
static int emit_joined(const char *s, size_t n, cg_search_term_fn fn, void *ctx)
{
    char t[CG_SEARCH_TERM_MAX];
    size_t k = 0;

    for (size_t i = 0; i < n && k < sizeof t; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '_') continue;
        t[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return k > 1 ? fn(ctx, t, k) : 0;
}

/* The run text[run..end) is over: finish its last sub-token t[0..k), then emit its joined
 * form when it had several parts. */
TOK_INLINE int tok_run_end(char *t, size_t k, int alpha, int parts, const char *text, size_t run,
                           size_t end, unsigned flags, cg_search_term_fn fn, void *ctx)
{
    int rc = 0;
    if (k) {
        rc = finish(t, k, alpha, fn, ctx);
        parts++;
    }
    if (!rc && parts > 1 && (flags & CG_TOK_JOINED))
        rc = emit_joined(text + run, end - run, fn, ctx);
    return rc;
}

/* Per-byte class bits of a 16-byte window: bit j describes byte p[j]. */
typedef struct tok_masks {
    uint32_t word;  /* in a word: a letter, digit, '_' or a UTF-8 byte */
    uint32_t lower; /* ASCII lower-case letter */
    uint32_t digit; /* ASCII digit */
    uint32_t under; /* '_' */
    uint32_t upper; /* ASCII capital */
} tok_masks;

/* The masks of p[0..16), bytes at or past avail counting as separators (the end of the text).
 * SSE2 where there is one (all of x86-64), else the class table. */
TOK_INLINE tok_masks tok_mask16(const unsigned char *p, size_t avail)
{
    tok_masks m = {0, 0, 0, 0, 0};
#ifdef __SSE2__
    if (avail >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        /* x - lo, then a signed compare against -128 + span: lo <= x < lo + span */
#define TOK_IN(x, lo, span)                                                                        \
    _mm_cmplt_epi8(_mm_add_epi8((x), _mm_set1_epi8((char)(0x80 - (lo)))),                          \
                   _mm_set1_epi8((char)(-128 + (span))))
        __m128i letter = TOK_IN(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
        m.lower = (uint32_t)_mm_movemask_epi8(TOK_IN(v, 'a', 26));
        m.digit = (uint32_t)_mm_movemask_epi8(TOK_IN(v, '0', 10));
        m.under = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
#undef TOK_IN
        /* movemask of v itself: the high bit, i.e. the UTF-8 bytes */
        m.upper = (uint32_t)_mm_movemask_epi8(letter) & ~m.lower;
        m.word = m.lower | m.upper | m.digit | m.under | (uint32_t)_mm_movemask_epi8(v);
        return m;
    }
#endif
    for (size_t j = 0; j < 16 && j < avail; j++) {
        m.word |= (uint32_t)(tok_class[p[j]] != C_SEP) << j;
        m.lower |= (uint32_t)(p[j] >= 'a' && p[j] <= 'z') << j;
        m.digit |= (uint32_t)(tok_class[p[j]] == C_DIG) << j;
        m.under |= (uint32_t)(p[j] == '_') << j;
        m.upper |= (uint32_t)(tok_class[p[j]] == C_UP) << j;
    }
    return m;
}

/* The general case of one identifier run u[run..end): split into sub-tokens while lowering
 * (boundaries: '_', lower→upper, letter↔digit, the last capital of an upper-case run
 * followed by lower case), then the joined form. The state lives in locals (registers). */
TOK_INLINE int tok_run(const unsigned char *u, size_t run, size_t end, unsigned flags,
                       cg_search_term_fn fn, void *ctx)
{
    char t[CG_SEARCH_TERM_MAX];
    size_t k = 0;
    int alpha = 1, parts = 0, rc = 0;
    uint8_t prev = C_SEP;

    for (size_t i = run; i < end && !rc; i++) {
        unsigned char c = u[i];
        uint8_t cl = tok_class[c];
        if (k && (cl == C_UND || (prev != cl && !(prev == C_UP && cl == C_LOW)) ||
                  (prev == C_UP && cl == C_UP && i + 1 < end && tok_class[u[i + 1]] == C_LOW))) {
            rc = finish(t, k, alpha, fn, ctx);
            parts++;
            k = 0, alpha = 1;
        }
        prev = cl;
        if (cl == C_UND) continue;
        if (k < sizeof t) t[k++] = (char)(cl == C_UP ? c | 0x20 : c);
        alpha &= cl == C_UP || (cl == C_LOW && c < 0x80);
    }
    if (!rc) rc = tok_run_end(t, k, alpha, parts, (const char *)u, run, end, flags, fn, ctx);
    return rc;
}

/* A run u[0..n) (n < 16) of letters, digits and underscores whose letters (mask `letter`)
 * are all lower-case but maybe a leading capital, or all capitals ("value", "Value",
 * "read_config2", "CG_TERM_MAX"): then no lower→upper or acronym boundary can occur, and the
 * sub-tokens are the maximal letter and digit segments, taken straight from the masks — the
 * same split tok_run makes, without the per-byte state machine. */
TOK_INLINE int tok_run_simple(const unsigned char *u, size_t n, size_t avail, uint32_t letter,
                              uint32_t digit, unsigned flags, cg_search_term_fn fn, void *ctx)
{
    uint32_t starts = (letter & ~(letter << 1)) | (digit & ~(digit << 1));
    int parts = 0, rc = 0;

    while (starts && !rc) {
        size_t s = (size_t)__builtin_ctz(starts);
        starts &= starts - 1;
        int alpha = (letter >> s) & 1;
        size_t e = s + (size_t)__builtin_ctz(~((alpha ? letter : digit) >> s));
        char t[CG_SEARCH_TERM_MAX];
        /* lowering is OR 0x20 on every byte: capitals fold, 'a'-'z' and digits keep */
        if (avail - s >= 16) { /* two fixed-size words, no memcpy call, no per-byte loop */
            uint64_t w[2];
            memcpy(w, u + s, 16);
            w[0] |= 0x2020202020202020ull, w[1] |= 0x2020202020202020ull;
            memcpy(t, w, 16);
        } else {
            for (size_t j = 0; j < e - s; j++) t[j] = (char)(u[s + j] | 0x20);
        }
        rc = finish(t, e - s, alpha, fn, ctx);
        parts++;
    }
    if (!rc && parts > 1 && (flags & CG_TOK_JOINED)) rc = emit_joined((const char *)u, n, fn, ctx);
    return rc;
}

/* The run u[s..e) of a window (masks m, e < 16 or the text ends): one of letters of a single
 * case, digits and underscores, the common case, goes through tok_run_simple; anything else
 * (camelCase, acronyms followed by words, UTF-8) through tok_run. */
TOK_INLINE int tok_window_run(const unsigned char *u, size_t len, size_t s, size_t e,
                              const tok_masks *m, unsigned flags, cg_search_term_fn fn, void *ctx)
{
    uint32_t bits = (1u << (e - s)) - 1;
    uint32_t lower = (m->lower >> s) & bits, upper = (m->upper >> s) & bits;
    uint32_t digit = (m->digit >> s) & bits;
    if (((lower | upper | digit | (m->under >> s)) & bits) == bits) {
        if ((upper & ~1u) == 0) /* lower-case, maybe capitalised */
            return tok_run_simple(u + s, e - s, len - s, lower | upper, digit, flags, fn, ctx);
        if (lower == 0) /* capitals only */
            return tok_run_simple(u + s, e - s, len - s, upper, digit, flags, fn, ctx);
    }
    return tok_run(u, s, e, flags, fn, ctx);
}

/* The text is read in 16-byte windows: every run that ends inside a window is split from that
 * window's masks (no per-byte loop over separators); a run reaching the window's end is read
 * again from its start, and one of 16 bytes or more goes through tok_run. */
TOK_INLINE int tok_walk(const char *text, size_t len, unsigned flags, cg_search_term_fn fn,
                        void *ctx)
{
    const unsigned char *u = (const unsigned char *)text;
    size_t i = 0;
    int rc = 0;

    if (!__atomic_load_n(&tok_ready, __ATOMIC_ACQUIRE)) tok_init();
    while (i < len && !rc) {
        tok_masks m = tok_mask16(u + i, len - i);
        uint32_t w = m.word;
        size_t s = 16, e = 0;
        while (w && !rc) {
            s = (size_t)__builtin_ctz(w);
            e = s + (size_t)__builtin_ctz(~(m.word >> s)); /* bytes past the text are not words */
            if (e >= 16) break;
            rc = tok_window_run(u + i, len - i, s, e, &m, flags, fn, ctx);
            w &= ~0u << e;
            s = 16;
        }
        if (s == 0) { /* a run of 16 bytes or more */
            size_t end = i + 16;
            while (end < len && tok_class[u[end]] != C_SEP) end++;
            if (!rc) rc = tok_run(u, i, end, flags, fn, ctx);
            i = end;
        } else {
            i += CG_MIN(s, len - i); /* s < 16: the start of a run going on past the window */
        }
    }
    return rc;
}

#endif
