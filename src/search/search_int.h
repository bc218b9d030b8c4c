/*
 * search_int.h — private to src/search: the lexical index's keys and records, the pending
 * state of a file write, and the cg_search handle.
 */
#ifndef CG_SEARCH_INT_H
#define CG_SEARCH_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "codegraph/embed.h"
#include "codegraph/pool.h"
#include "codegraph/search.h"
#include "codegraph/vindex.h"
#include "graph/graph_int.h"
#include "search/bag.h"

#define LEX_REC_VERSION 1
#define LEX_LAYOUT                                                                                 \
    2 /* postings layout (meta "search.postings_layout"); 1: per entity, unrecorded */
#define LEX_TAG_BAG 0x01  /* lex_docs: 01 P id → term bag */
#define LEX_TAG_FILE 0x02 /* lex_docs: 02 P uid → per-file corpus stats */
#define LEX_TAG_VEC 0x03  /* lex_docs: 03 P id → stored vector (HTTP provider embedders only) */

/* IDF table: df counts by term-hash bucket (approximate: buckets are shared). */
#define LEX_IDF_BITS 20
#define LEX_IDF_BUCKETS (1u << LEX_IDF_BITS)
/* Refresh the IDF table when the document count moved by more than this fraction. */
#define LEX_IDF_DRIFT 0.10
#define LEX_IDF_TABLES_KEEP 8         /* old tables kept alive for embed calls still reading them */
#define LEX_COMMON_MIN_DOCS 1000      /* corpora this large skip their most common query terms */
#define LEX_COMMON_FRACTION (1.0 / 3) /* … those in more than this fraction of the documents */
#define LEX_REPLAY_EPS 1e-5f        /* a stored vector this close to the re-embedded one is kept */
#define LEX_STATS_CACHE 64          /* projects whose BM25 corpus stats are cached (by id modulo) */
#define LEX_REBUILD_DELTA_MIN 20000 /* delta vectors before a replay asks for a rebuild */

/* Bytes of a bag record's header and of one of its terms, at most (varints of <= 32 bits
 * take 5 bytes). */
#define LEX_BAG_HEAD_MAX (3 + 5 + 5)
#define LEX_BAG_TERM_MAX (1 + CG_SEARCH_TERM_MAX + 5 + 1)

/* Write v as a varint (LEB128, as gr_put_var) at p; returns the byte after it. */
static inline uint8_t *lex_put_var(uint8_t *p, uint32_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* A decoded term bag record (terms point into the value). */
typedef struct lex_bag {
    int kind, lang;
    uint32_t doclen;
    uint32_t n;
    const uint8_t *p, *end; /* the encoded terms */
} lex_bag;

/* One decoded term of a bag. */
typedef struct lex_term {
    const char *t;
    size_t n;
    uint32_t tf, mask;
} lex_term;

void lex_k_posting(gr_key *k, uint32_t p, const char *t, size_t n, uint64_t id);
void lex_k_bag(gr_key *k, uint32_t p, uint64_t id);
void lex_k_file(gr_key *k, uint32_t p, uint64_t uid);
void lex_k_vec(gr_key *k, uint32_t p, uint64_t id);
int lex_bag_dec(const void *v, size_t n, lex_bag *b);
/* Next term of a decoded bag: 1, or 0 at the end (or on a malformed record). */
int lex_bag_next(lex_bag *b, lex_term *t);
/* The bag's terms as cg_embed_terms (hashes computed) into out (grown); returns count. */
int lex_bag_terms(const void *v, size_t n, cg_embed_term **out, int *cap, lex_bag *hdr);

/* The postings of one file being written (post.c): distinct terms (a term bag used as a
 * dictionary: its indexes name the terms), entities, and each entity's (term, tf)
 * occurrences; reused across files without freeing. */
typedef struct lex_fent {
    uint32_t local, doclen, start; /* start: its first occurrence in occ */
    uint8_t kind;
} lex_fent;

typedef struct lex_focc {
    uint32_t ix; /* occ: a term index; sorted: an entity index */
    uint32_t tf;
} lex_focc;

typedef struct lex_fpost {
    cg_bag dict;         /* the file's distinct terms (tf and mask unused) */
    uint32_t *cnt, *pos; /* per term: entities containing it; the end of its run in sorted */
    uint32_t cap_cnt, cap_pos;
    lex_fent *ents; /* ents[n_ents].start ends the last entity's occurrences */
    uint32_t n_ents, cap_ents;
    lex_focc *occ, *sorted;
    uint32_t n_occ, cap_occ, cap_sorted;
    uint64_t *order; /* local << 32 | entity index, ascending */
    uint32_t cap_order;
    cg_buf val;
    int oom;
} lex_fpost;

void lex_fpost_init(lex_fpost *f);
void lex_fpost_release(lex_fpost *f);
void lex_fpost_reset(lex_fpost *f);
/* The index of term t[0..n) (hash = cg_search_term_hash), added when new; or CG_ENOMEM. */
int lex_fpost_term(lex_fpost *f, const char *t, size_t n, uint64_t hash);
/* Start the next entity; its bag's terms follow with lex_fpost_occ. 0 or CG_ENOMEM. */
int lex_fpost_entity(lex_fpost *f, uint32_t local, uint32_t doclen, int kind);
int lex_fpost_occ(lex_fpost *f, const char *t, size_t n, uint64_t hash, uint32_t tf);
/* Queue one posting list per term into b (file uid of project, language lang). */
int lex_fpost_put(lex_fpost *f, cg_store_batch *b, uint32_t project, uint64_t uid, int lang);
/* Queue the deletes of the posting lists of every term added (a dropped file's terms). */
void lex_fpost_delete(const lex_fpost *f, cg_store_batch *b, uint32_t project, uint64_t uid);

/* A posting list being read: the header, then one lex_posting per entity. */
typedef struct lex_plist {
    const uint8_t *p, *end;
    uint32_t n, left, local;
    int lang;
} lex_plist;

typedef struct lex_posting {
    uint32_t local, tf, doclen;
    int kind;
} lex_posting;

/* Decode a posting list's header (n >= 1 entries, the file's language). 0 or CG_ECORRUPT. */
int lex_plist_open(lex_plist *pl, const void *v, size_t n);
/* Next entry: 1, or 0 at the end (or at a malformed entry). */
int lex_plist_next(lex_plist *pl, lex_posting *e);
/* Make sure the store's postings have this build's layout: records it in a new store,
 * rebuilds the postings of an older layout from the term bags (once, under a lock), refuses
 * a newer one (CG_EDB, err set). 0 or an error. */
int lex_layout_check(cg_store *s, char *err, size_t errlen);

struct cg_search {
    cg_graph *g;
    cg_store *store;
    cg_embedder *emb;
    cg_vindex *vi;
    cg_pool *pool;
    int dim;
    /* document frequencies (approximate, by bucket) and the document count */
    _Atomic uint32_t *df;
    _Atomic int64_t docs;
    /* published IDF tables (the newest is tables[n_tables - 1]) */
    pthread_mutex_t idf_mu;
    cg_embed_idf *tables[LEX_IDF_TABLES_KEEP];
    int n_tables;
    uint64_t idf_version;
    cg_job replay_job;         /* re-embed + upsert what differs (search.c) */
    _Atomic int replay_queued; /* replay_job is queued or running */
    _Atomic int replay_again;  /* asked again meanwhile: run once more when done */
    int remote;                /* the embedder is an HTTP provider (vectors are stored) */
    pthread_mutex_t stats_mu;  /* BM25 corpus stats per (project, generation) */
    struct {
        uint32_t project;
        uint64_t generation;
        double docs, avgdl;
    } stats[LEX_STATS_CACHE];
    int batch;             /* inputs per provider call ([vector] embedding_batch_size) */
    char vec_problem[160]; /* why vectors are unavailable ("" = fine) */
};

/* A committed file write, as the hooks saw it (lex.c). */
typedef struct sr_write {
    uint32_t project;
    const uint64_t *old_ids; /* entities the write removed or replaced */
    size_t n_old;
    const uint64_t *old_hashes; /* their bags' term hashes (df decrements) */
    size_t n_oh;
    const uint64_t *new_ids;   /* entities written */
    const uint32_t *new_start; /* terms[new_start[i] .. new_start[i + 1]) are i's bag */
    const uint64_t *new_meta;  /* cg_embed_meta_hash of each */
    const cg_embed_input *in;  /* each entity's text (valid until the commit hook returns) */
    size_t n_new;
    const cg_embed_term *terms;
} sr_write;

/* The installed search (hooks), or NULL. */
cg_search *cg_search_installed(void);
/* Apply a committed file write: df counts, vectors. */
void sr_commit(cg_search *s, const sr_write *w);
/* HTTP-provider embedders (remote.c): vectors of a committed write embedded from the
 * entities' text, stored (03 keys) and upserted; every stored vector of the existing
 * projects for rebuilds; one entity's stored vector. */
int sr_remote_commit(cg_search *s, const sr_write *w);
int sr_remote_foreach(cg_search *s, int (*emit)(void *ctx, uint64_t id, const float *v), void *ctx);
int sr_remote_entity_vector(cg_search *s, uint64_t id, float *v);
/* Is the project active? (the scans skip deleted projects' keys) */
int sr_project_live(cg_search *s, uint32_t project);
/* The current IDF table (may be NULL). */
const cg_embed_idf *sr_idf(cg_search *s);
/* Queue a vector rebuild on the pool (once at a time). */
void sr_rebuild_request(cg_search *s);

#endif
