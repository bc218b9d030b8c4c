/*
 * plist.c — decoding one lex_postings value, a file's posting list for one term (encoding in
 * lex.c's DESIGN comment; written by post.c). Kept apart from the writer so the decoder,
 * which reads whatever the store holds, can be fuzzed alone (tests/fuzz/fuzz_plist.c): it
 * never reads past the value, yields at most the n entries its header announces, with local
 * ids strictly ascending and below GR_LOCAL_SPACE, and stops at the first malformed entry.
 */
#include "codegraph/base.h"
#include "search/search_int.h"

/* A varint of at most 32 bits at *p (< end); sets *bad past the end or when too long. */
static inline uint32_t fp_rd_var(const uint8_t **p, const uint8_t *end, int *bad)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        v |= (uint32_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    *bad = 1;
    return 0;
}

int lex_plist_open(lex_plist *pl, const void *v, size_t n)
{
    int bad = 0;
    pl->p = v;
    pl->end = pl->p + n;
    pl->n = pl->left = fp_rd_var(&pl->p, pl->end, &bad);
    pl->lang = pl->p < pl->end ? *pl->p++ : 0;
    pl->local = 0;
    return bad || pl->n == 0 ? CG_ECORRUPT : 0; /* lang 0: a file of no known language */
}

int lex_plist_next(lex_plist *pl, lex_posting *e)
{
    int bad = 0;
    if (!pl->left) return 0;
    uint32_t d = fp_rd_var(&pl->p, pl->end, &bad);
    e->tf = fp_rd_var(&pl->p, pl->end, &bad);
    e->doclen = fp_rd_var(&pl->p, pl->end, &bad);
    /* locals ascend strictly and stay local ids (below GR_LOCAL_SPACE), so an id made from
     * one never reaches into the file uid's bits */
    if (bad || pl->p >= pl->end || (d == 0 && pl->left != pl->n) ||
        (uint64_t)pl->local + d >= GR_LOCAL_SPACE) {
        pl->left = 0; /* a malformed list ends here */
        return 0;
    }
    e->kind = *pl->p++;
    pl->local += d;
    e->local = pl->local;
    pl->left--;
    return 1;
}
