/*
 * bag.h — a term bag: the distinct terms of a document (an entity, a query, a snippet)
 * with field-weighted frequencies and field masks. Private to src/search and src/embed.
 *
 * The lexical index stores one bag per entity (terms as strings, for its postings keys),
 * and the built-in embedder hashes a bag into a vector, so indexing, re-embedding and
 * queries all see the same terms.
 */
#ifndef CG_SEARCH_BAG_H
#define CG_SEARCH_BAG_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/embed.h"
#include "codegraph/search.h"

/* Field weights folded into a term's frequency: a name hit counts as much as six body
 * hits. Qualified-name parts (the enclosing class, module) weigh less than the name. */
#define CG_BAG_W_NAME 6
#define CG_BAG_W_QNAME 2
#define CG_BAG_W_SIGNATURE 3
#define CG_BAG_W_DOC 2
#define CG_BAG_W_BODY 1

typedef struct cg_bag {
    cg_embed_term *terms; /* distinct terms in first-seen order */
    uint32_t *off;        /* offset of each term's bytes in strs */
    uint8_t *len;         /* their lengths (<= CG_SEARCH_TERM_MAX) */
    int n, cap;
    cg_buf strs;
    int32_t *slot; /* open addressing over terms (index, -1 empty) */
    uint32_t slot_cap;
    uint64_t total; /* sum of tf: the document length for BM25 */
    int oom;
    /* what tokenising adds: weight and field of the text being added */
    uint32_t cur_w, cur_mask;
} cg_bag;

void cg_bag_init(cg_bag *b);
void cg_bag_release(cg_bag *b);
/** Empty the bag, keeping its memory. */
void cg_bag_reset(cg_bag *b);
/** Add one term with weight w in field f. 0 or CG_ENOMEM. */
int cg_bag_add(cg_bag *b, const char *t, size_t n, uint32_t w, int field);
/** The index of term t[0..n) whose cg_search_term_hash is `hash`, added with tf 0 and no
 *  field when absent (a term dictionary: the lexical index's per-file terms). The index, or
 *  CG_ENOMEM. */
int cg_bag_intern(cg_bag *b, const char *t, size_t n, uint64_t hash);
/** Tokenise text into the bag (CG_TOK_JOINED for names). 0 or CG_ENOMEM. */
int cg_bag_add_text(cg_bag *b, const char *text, size_t len, uint32_t w, int field, unsigned flags);
/** Add an entity's fields: name (with the joined form), qualified name, signature, doc,
 *  body. Any may be NULL. 0 or CG_ENOMEM. */
int cg_bag_add_entity(cg_bag *b, const char *name, const char *qname, const char *sig,
                      const char *doc, const char *body, size_t body_len);
/** The bytes of term i. */
static inline const char *cg_bag_term(const cg_bag *b, int i, size_t *n)
{
    *n = b->len[i];
    return b->strs.data + b->off[i];
}
/** Keep only the `max` most frequent terms (ties: first seen), preserving nothing else
 *  about order. Rebuilds the slots. */
void cg_bag_cap(cg_bag *b, int max);

#endif
