/*
 * tok_impl.h — the tokenizer's implementation (contract in search.h), private to src/search:
 * identifier runs → sub-tokens (snake_case, camelCase, acronyms, digits) → lower case → stop
 * words out → light stemming.
 *
 * It runs over every byte of every indexed entity and every embedded snippet, so it is one
 * pass with a byte-class table and no allocation: sub-tokens are lowered into a stack buffer
 * and handed to the callback. It lives in a header so that a caller with a fixed callback
 * (the term bag, bag.c) gets the walk, the split and the callback inlined into one loop;
 * tokenize.c wraps it as cg_search_tokenize. Each including file has its own copy of the
 * small tables (initialised on first use; racing initialisations write the same bytes).
 */
#ifndef CG_SEARCH_TOK_IMPL_H
#define CG_SEARCH_TOK_IMPL_H

#include <stdint.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/search.h"

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
#define STOP_SLOTS 1024               /* open-addressed table of the stop words (power of two) */
static uint8_t stop_slot[STOP_SLOTS]; /* index + 1 into stop_words, 0 = empty */

static inline uint32_t stop_hash(const char *t, size_t n)
{
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)t[i]) * 0x01000193u;
    return h;
}

static void stop_init(void)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(stop_words); i++) {
        size_t n = strlen(stop_words[i]);
        CG_ASSERT(n <= STOP_LEN_MAX);
        uint32_t h = stop_hash(stop_words[i], n) & (STOP_SLOTS - 1);
        while (stop_slot[h]) h = (h + 1) & (STOP_SLOTS - 1);
        stop_slot[h] = (uint8_t)(i + 1);
    }
}

/* t is lower-case alphabetic. */
static inline int is_stop(const char *t, size_t n)
{
    if (n > STOP_LEN_MAX) return 0;
    for (uint32_t h = stop_hash(t, n) & (STOP_SLOTS - 1); stop_slot[h];
         h = (h + 1) & (STOP_SLOTS - 1)) {
        const char *w = stop_words[stop_slot[h] - 1];
        size_t j = 0;
        while (j < n && w[j] == t[j]) j++;
        if (j == n && w[n] == '\0') return 1;
    }
    return 0;
}

static inline int ends(const char *t, size_t n, const char *suf, size_t k)
{
    if (n <= k) return 0;
    for (size_t i = 0; i < k; i++)
        if (t[n - k + i] != suf[i]) return 0;
    return 1;
}

/* Light suffix stripping on a lower-case alphabetic token; returns the new length and may
 * rewrite the last byte ("ies" → "y"). Rules apply in order, each at most once. */
static size_t stem(char *t, size_t n)
{
    if (n <= 3) return n;
    if (ends(t, n, "ies", 3) && n > 4) {
        t[n - 3] = 'y';
        return n - 2;
    }
    if (ends(t, n, "sses", 4))
        n -= 2;
    else if (t[n - 1] == 's' && !ends(t, n, "ss", 2) && !ends(t, n, "us", 2) &&
             !ends(t, n, "is", 2))
        n--;
    if (ends(t, n, "ing", 3) && n - 3 >= 4)
        n -= 3;
    else if (ends(t, n, "ed", 2) && n - 2 >= 4)
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

/* One pass over the text: identifier runs are split into sub-tokens while they are lowered
 * (boundaries: '_', lower→upper, letter↔digit, the last capital of an upper-case run
 * followed by lower case); separators end runs. The state lives in locals (registers). */
TOK_INLINE int tok_walk(const char *text, size_t len, unsigned flags, cg_search_term_fn fn,
                        void *ctx)
{
    const unsigned char *u = (const unsigned char *)text;
    char t[CG_SEARCH_TERM_MAX];
    size_t k = 0, run = 0;
    int alpha = 1, parts = 0, rc = 0;
    uint8_t prev = C_SEP;

    if (!__atomic_load_n(&tok_ready, __ATOMIC_ACQUIRE)) tok_init();
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = u[i];
        uint8_t cl = tok_class[c];
        if (cl == C_SEP) {
            if (prev != C_SEP) {
                rc = tok_run_end(t, k, alpha, parts, text, run, i, flags, fn, ctx);
                k = 0, alpha = 1, parts = 0;
            }
            prev = C_SEP;
            /* indentation: skip eight spaces at a time */
            while (i + 9 <= len && !memcmp(u + i + 1, "        ", 8)) i += 8;
            continue;
        }
        if (prev == C_SEP) run = i;
        if (k && (cl == C_UND || (prev != cl && !(prev == C_UP && cl == C_LOW)) ||
                  (prev == C_UP && cl == C_UP && i + 1 < len && tok_class[u[i + 1]] == C_LOW))) {
            rc = finish(t, k, alpha, fn, ctx);
            parts++;
            k = 0, alpha = 1;
        }
        prev = cl;
        if (cl == C_UND) continue;
        if (k < sizeof t) t[k++] = (char)(cl == C_UP ? c | 0x20 : c);
        alpha &= cl == C_UP || (cl == C_LOW && c < 0x80);
    }
    if (!rc && prev != C_SEP) rc = tok_run_end(t, k, alpha, parts, text, run, len, flags, fn, ctx);
    return rc;
}

#endif
