/*
 * tokenize.c — cg_search_tokenize and cg_search_term_hash (search.h); the tokenizer itself
 * is in tok_impl.h.
 */
#define XXH_INLINE_ALL /* the hash of every term: inline it */
#include <xxhash.h>

#include "search/tok_impl.h"

int cg_search_tokenize(const char *text, size_t len, unsigned flags, cg_search_term_fn fn,
                       void *ctx)
{
    return tok_walk(text, len, flags, fn, ctx);
}

uint64_t cg_search_term_hash(const char *t, size_t n)
{
    return XXH3_64bits(t, n);
}
