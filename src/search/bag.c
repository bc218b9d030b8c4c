/*
 * bag.c — term bags (see bag.h): a small open-addressing map from term bytes to
 * (frequency, field mask), grown by doubling, reused across documents without freeing.
 */
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL /* the same XXH3 as cg_search_term_hash, inlined in the hot path */
#include <xxhash.h>

#include "codegraph/base.h"
#include "search/bag.h"
#include "search/tok_impl.h"

#define BAG_SLOTS_MIN 64u    /* initial slot count (power of two) */
#define BAG_CLEAR_SPARSE 16u /* reset clears term by term when slots > 16 x terms */

void cg_bag_init(cg_bag *b)
{
    memset(b, 0, sizeof *b);
    cg_buf_init(&b->strs);
}

void cg_bag_release(cg_bag *b)
{
    free(b->terms);
    free(b->off);
    free(b->len);
    free(b->slot);
    cg_buf_release(&b->strs);
    memset(b, 0, sizeof *b);
}

/* Empty the slots. A table grown by one large document stays large, so for a small one it
 * clears just the slots of its terms (found by probing, as a lookup would) rather than the
 * whole table; a term not found where it should be (the slots were not rebuilt after a failed
 * rehash) falls back to clearing everything. */
static void bag_slots_clear(cg_bag *b)
{
    uint32_t mask = b->slot_cap - 1;
    if ((uint32_t)b->n * BAG_CLEAR_SPARSE < b->slot_cap) {
        for (int i = 0; i < b->n; i++) {
            uint32_t h = (uint32_t)b->terms[i].hash & mask, k = 0;
            while (b->slot[h] != i && ++k < b->slot_cap) h = (h + 1) & mask;
            if (k == b->slot_cap) break;
            b->slot[h] = -1;
            if (i == b->n - 1) return;
        }
    }
    memset(b->slot, 0xff, b->slot_cap * sizeof *b->slot);
}

void cg_bag_reset(cg_bag *b)
{
    if (b->n && b->slot) bag_slots_clear(b);
    b->n = 0;
    b->total = 0;
    b->oom = 0;
    cg_buf_reset(&b->strs);
}

static int bag_rehash(cg_bag *b, uint32_t cap)
{
    int32_t *s = malloc(cap * sizeof *s);
    if (!s) return CG_ENOMEM;
    memset(s, 0xff, cap * sizeof *s);
    for (int i = 0; i < b->n; i++) {
        uint32_t h = (uint32_t)b->terms[i].hash & (cap - 1);
        while (s[h] >= 0) h = (h + 1) & (cap - 1);
        s[h] = i;
    }
    free(b->slot);
    b->slot = s;
    b->slot_cap = cap;
    return 0;
}

static int bag_grow(cg_bag *b)
{
    int cap = b->cap ? b->cap * 2 : 32;
    cg_embed_term *t = realloc(b->terms, (size_t)cap * sizeof *t);
    if (t) b->terms = t;
    uint32_t *o = realloc(b->off, (size_t)cap * sizeof *o);
    if (o) b->off = o;
    uint8_t *l = realloc(b->len, (size_t)cap);
    if (l) b->len = l;
    if (!t || !o || !l) return CG_ENOMEM;
    b->cap = cap;
    return 0;
}

/* The index of term t[0..n) (h = its cg_search_term_hash), added with tf 0 and no field
 * when absent; -1 when out of memory. Inlined into the tokenizer's loop through bag_add. */
static inline __attribute__((always_inline)) int bag_index(cg_bag *b, const char *t, size_t n,
                                                           uint64_t h)
{
    if (b->oom) return -1;
    if ((uint32_t)(b->n + 1) * 2 > b->slot_cap &&
        bag_rehash(b, b->slot_cap ? b->slot_cap * 2 : BAG_SLOTS_MIN) != 0)
        goto oom;
    uint32_t i = (uint32_t)h & (b->slot_cap - 1);
    for (; b->slot[i] >= 0; i = (i + 1) & (b->slot_cap - 1))
        /* equal 64-bit hashes and lengths are taken as equal terms (p ~ 2^-64) */
        if (b->terms[b->slot[i]].hash == h && b->len[b->slot[i]] == n) return b->slot[i];
    if (b->n == b->cap && bag_grow(b) != 0) goto oom;
    b->off[b->n] = (uint32_t)b->strs.len;
    b->len[b->n] = (uint8_t)n;
    if (b->strs.cap - b->strs.len > n) { /* room: append in place, as cg_buf_append would */
        memcpy(b->strs.data + b->strs.len, t, n);
        b->strs.len += n;
        b->strs.data[b->strs.len] = '\0';
    } else {
        cg_buf_append(&b->strs, t, n);
        if (!cg_buf_ok(&b->strs)) goto oom;
    }
    b->terms[b->n] = (cg_embed_term){.hash = h, .tf = 0, .mask = 0};
    b->slot[i] = b->n;
    return b->n++;
oom:
    b->oom = 1;
    return -1;
}

static inline int bag_add(cg_bag *b, const char *t, size_t n, uint32_t w, int field)
{
    int i = bag_index(b, t, n, XXH3_64bits(t, n)); /* == cg_search_term_hash(t, n) */
    if (i < 0) return CG_ENOMEM;
    b->terms[i].tf += w;
    b->terms[i].mask |= 1u << field;
    b->total += w;
    return 0;
}

int cg_bag_intern(cg_bag *b, const char *t, size_t n, uint64_t hash)
{
    int i = bag_index(b, t, n, hash);
    return i < 0 ? CG_ENOMEM : i;
}

int cg_bag_add(cg_bag *b, const char *t, size_t n, uint32_t w, int field)
{
    return bag_add(b, t, n, w, field);
}

static inline int bag_term_cb(void *ctx, const char *t, size_t n)
{
    cg_bag *b = ctx;
    return bag_add(b, t, n, b->cur_w, (int)b->cur_mask);
}

int cg_bag_add_text(cg_bag *b, const char *text, size_t len, uint32_t w, int field, unsigned flags)
{
    if (!text || !len) return 0;
    b->cur_w = w;
    b->cur_mask = (uint32_t)field;
    return tok_walk(text, len, flags, bag_term_cb, b); /* inlined with bag_term_cb */
}

int cg_bag_add_entity(cg_bag *b, const char *name, const char *qname, const char *sig,
                      const char *doc, const char *body, size_t body_len)
{
    int rc = 0;
    if (name)
        rc = cg_bag_add_text(b, name, strlen(name), CG_BAG_W_NAME, CG_EMBED_F_NAME, CG_TOK_JOINED);
    /* the qualified name repeats the name: only its other parts add weight */
    if (!rc && qname && name) {
        size_t ql = strlen(qname), nl = strlen(name);
        if (ql >= nl && memcmp(qname + ql - nl, name, nl) == 0) ql -= nl;
        rc = cg_bag_add_text(b, qname, ql, CG_BAG_W_QNAME, CG_EMBED_F_NAME, 0);
    }
    if (!rc && sig)
        rc = cg_bag_add_text(b, sig, strlen(sig), CG_BAG_W_SIGNATURE, CG_EMBED_F_SIGNATURE, 0);
    if (!rc && doc) rc = cg_bag_add_text(b, doc, strlen(doc), CG_BAG_W_DOC, CG_EMBED_F_DOC, 0);
    if (!rc && body) {
        size_t n = CG_MIN(body_len, (size_t)CG_SEARCH_BODY_MAX);
        rc = cg_bag_add_text(b, body, n, CG_BAG_W_BODY, CG_EMBED_F_BODY, 0);
    }
    return rc;
}

/* Sort order for capping: higher tf first, then earlier. */
typedef struct bag_ix {
    uint32_t tf;
    int i;
} bag_ix;

static int bag_ix_cmp(const void *a, const void *b)
{
    const bag_ix *x = a, *y = b;
    if (x->tf != y->tf) return x->tf > y->tf ? -1 : 1;
    return x->i - y->i;
}

void cg_bag_cap(cg_bag *b, int max)
{
    if (b->n <= max || max <= 0) return;
    bag_ix *ix = malloc((size_t)b->n * sizeof *ix);
    if (!ix) {
        b->n = max; /* keep the first ones: still a valid, smaller bag */
    } else {
        for (int i = 0; i < b->n; i++) ix[i] = (bag_ix){b->terms[i].tf, i};
        qsort(ix, (size_t)b->n, sizeof *ix, bag_ix_cmp);
        /* keep the chosen ones in first-seen order */
        char *keep = calloc((size_t)b->n, 1);
        for (int i = 0; keep && i < max; i++) keep[ix[i].i] = 1;
        int k = 0;
        for (int i = 0; i < b->n; i++) {
            if (keep ? !keep[i] : i >= max) continue;
            b->terms[k] = b->terms[i];
            b->off[k] = b->off[i];
            b->len[k] = b->len[i];
            k++;
        }
        b->n = k;
        free(keep);
        free(ix);
    }
    b->total = 0;
    for (int i = 0; i < b->n; i++) b->total += b->terms[i].tf;
    if (b->slot) bag_rehash(b, b->slot_cap);
}
