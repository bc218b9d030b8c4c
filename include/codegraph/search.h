/*
 * search.h — code search: lexical (BM25 over an inverted index in RocksDB), semantic (the
 * embedder + the vector index), symbol (the graph's name index) and hybrid (reciprocal-rank
 * fusion of the three with name-match boosts); similar-by-code and similar-by-entity; and
 * the tokenizer all of them share.
 *
 * Indexing is automatic: every cg_graph_file_put / cg_graph_file_delete also writes the
 * file's postings and term bags in the same WriteBatch (src/search/hook.h), so the lexical
 * index is always exactly the graph's entities. Vectors are fed to the vector index after
 * each batch commits, when a cg_search with a vector index is installed (cg_search_install).
 *
 * Threads: every function is thread-safe after cg_search_create; a cg_search_result is
 * owned by one thread.
 */
#ifndef CODEGRAPH_SEARCH_H
#define CODEGRAPH_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/config.h"
#include "codegraph/embed.h"
#include "codegraph/graph.h"

/* ---- limits ---- */
#define CG_SEARCH_QUERY_MAX 4096            /**< bytes of a query string */
#define CG_SEARCH_QUERY_TERMS_MAX 64        /**< distinct query terms used (the rest ignored) */
#define CG_SEARCH_CANDIDATES_MAX 1000       /**< candidates each source contributes to fusion */
#define CG_SEARCH_POSTINGS_SCAN_MAX 200000  /**< postings one query term reads (then bounded) */
#define CG_SEARCH_QUERY_POSTINGS_MAX 150000 /**< postings a query reads, rarest terms first */
#define CG_SEARCH_SNIPPET_MAX (64 * 1024)   /**< bytes of a /similar code snippet */
#define CG_SEARCH_TERM_MAX 64               /**< bytes of one term (longer ones are cut) */
#define CG_SEARCH_BODY_MAX (256 * 1024)     /**< bytes of an entity's span scanned for terms */
#define CG_SEARCH_BAG_TERMS_MAX 4096        /**< distinct terms kept per entity (most frequent) */

/* ---- tokenizer ---- */

/**
 * Called for each term: `t` is lower-case, stemmed, at most CG_SEARCH_TERM_MAX bytes, not
 * NUL-terminated. Return 0 to go on, anything else stops tokenising and is returned.
 */
typedef int (*cg_search_term_fn)(void *ctx, const char *t, size_t n);

/** Tokenizer flags. */
#define CG_TOK_JOINED 1u /**< also emit a multi-part identifier whole ("getvalue") */

/**
 * Split text into terms: every identifier-like run ([A-Za-z0-9_] and bytes >= 0x80) is cut
 * into sub-tokens at '_', at lower→upper case changes ("parseJSON" → parse, json), before
 * the last capital of an upper-case run followed by lower case ("HTTPServer" → http,
 * server) and between letters and digits ("utf8" → utf, 8); sub-tokens are lower-cased and
 * stemmed (a light English suffix stripper: "files" → "file", "parsing" → "pars"), and a
 * minimal stop-word list (English function words) and single letters are dropped. Digits
 * are kept as terms. Returns 0 or fn's non-zero result.
 */
int cg_search_tokenize(const char *text, size_t len, unsigned flags, cg_search_term_fn fn,
                       void *ctx);
/** The 64-bit hash of a term (XXH3): the key of IDF tables and embedding features. */
uint64_t cg_search_term_hash(const char *t, size_t n);

/* ---- queries ---- */

typedef enum cg_search_mode {
    CG_SEARCH_HYBRID,   /**< fusion of the three below (the default) */
    CG_SEARCH_LEXICAL,  /**< BM25 over the inverted index */
    CG_SEARCH_SEMANTIC, /**< nearest vectors to the embedded query */
    CG_SEARCH_SYMBOL,   /**< the name index: exact, prefix, fuzzy */
    CG_SEARCH_MODE_COUNT
} cg_search_mode;

/** "hybrid", "lexical", "semantic", "symbol"; NULL when out of range. */
const char *cg_search_mode_name(int mode);
/** A mode name → mode, -1 if unknown. */
int cg_search_mode_parse(const char *s);

/** The sources fused by hybrid (indices of cg_search_explain arrays). */
enum { CG_SEARCH_SRC_LEXICAL, CG_SEARCH_SRC_SEMANTIC, CG_SEARCH_SRC_SYMBOL, CG_SEARCH_SRC_COUNT };

typedef struct cg_search_query {
    const char *q;           /**< the query text (required, <= CG_SEARCH_QUERY_MAX bytes) */
    int mode;                /**< cg_search_mode */
    uint32_t project;        /**< 0 = every project */
    const char *language;    /**< NULL/"" = any */
    uint32_t kinds;          /**< CG_GRAPH_KIND_BIT mask, 0 = any */
    const char *path_prefix; /**< relative to the project root; NULL/"" = any */
    cg_graph_page page;      /**< limit/offset as graph queries */
    int explain;             /**< fill each hit's per-source breakdown */
} cg_search_query;

/** Per-result breakdown (?explain=1). Ranks are 1-based; 0 = the source did not find it. */
typedef struct cg_search_explain {
    int rank[CG_SEARCH_SRC_COUNT];
    double score[CG_SEARCH_SRC_COUNT]; /**< each source's own score (BM25, cosine, name) */
    double rrf[CG_SEARCH_SRC_COUNT];   /**< each source's reciprocal-rank contribution */
    double name_boost;                 /**< added for query terms found in the name */
} cg_search_explain;

typedef struct cg_search_hit {
    cg_graph_entity entity; /**< strings owned by the result */
    const char *project_name;
    double score; /**< higher is better; mode-specific scale (hybrid: fused) */
    cg_search_explain explain;
} cg_search_hit;

/** Why a mode is or is not available (capabilities). */
typedef struct cg_search_caps {
    int available[CG_SEARCH_MODE_COUNT];
    char reason[CG_SEARCH_MODE_COUNT][320];
    char embedder[CG_EMBED_MODEL_MAX + 1]; /**< model id */
    int dim, normalized;
    uint64_t vectors; /**< vectors in the index (0 when none) */
    int degraded;     /**< semantic results are incomplete: the embedder or index failed */
} cg_search_caps;

/**
 * One page of results. total counts every candidate that passed the filters (bounded by
 * CG_SEARCH_CANDIDATES_MAX per source: `bounded` says a bound was hit); truncated = more
 * results exist beyond this page. `modes` has a bit per source that contributed.
 */
typedef struct cg_search_result {
    cg_search_hit *hits;
    int n;
    uint64_t total;
    uint64_t next_offset; /**< 0 on the last page */
    int truncated, bounded;
    int mode;         /**< the mode that answered */
    unsigned sources; /**< 1 << CG_SEARCH_SRC_* that ran */
    char note[160];   /**< e.g. why semantic results are missing in hybrid ("" = none) */
    void *mem_;       /**< private */
} cg_search_result;

void cg_search_result_init(cg_search_result *r);
void cg_search_result_release(cg_search_result *r);

/** Find similar code: by a snippet (embedded on the fly) or by an entity's stored bag. */
typedef struct cg_search_similar_query {
    const char *code; /**< a snippet (<= CG_SEARCH_SNIPPET_MAX bytes), or NULL */
    size_t code_len;
    uint64_t entity_id;   /**< used when code is NULL; the entity itself is not listed */
    const char *language; /**< filter (and the snippet's language feature); NULL = any */
    uint32_t project;     /**< 0 = every project */
    uint32_t kinds;       /**< CG_GRAPH_KIND_BIT mask, 0 = any */
    double threshold;     /**< minimum cosine similarity in [-1, 1] */
    cg_graph_page page;
} cg_search_similar_query;

typedef struct cg_search cg_search;
struct cg_vindex;

/**
 * Create the search service over `g`: the built-in embedder with vc->dimension (vc may be
 * NULL: defaults), the IDF table loaded from the stored term bags, and (optionally) a vector
 * index to feed and query — NULL leaves semantic search unavailable (reported by caps).
 * 0, CG_EINVAL, CG_ENOMEM, CG_EDB.
 */
int cg_search_create(cg_search **out, cg_graph *g, const cg_config_vector *vc, struct cg_vindex *vi,
                     char *err, size_t errlen);
void cg_search_destroy(cg_search *s);
/** Make s the process-wide target of the write hooks (vector feed, IDF counts); NULL
 *  uninstalls. At most one at a time. */
void cg_search_install(cg_search *s);
/**
 * Give s the thread pool for background work (vector rebuilds), and schedule a rebuild when
 * the vector index is missing, corrupt, of another model, or older than the store.
 */
struct cg_pool;
void cg_search_attach_pool(cg_search *s, struct cg_pool *pool);
/** 1 when the embedder is an HTTP provider: embedding a query blocks on the network, so
 *  semantic and hybrid searches and /similar by code must run on the pool. */
int cg_search_remote(const cg_search *s);
/** The embedder (owned by s). */
cg_embedder *cg_search_embedder(cg_search *s);
/** The vector index (may be NULL). */
struct cg_vindex *cg_search_vindex(cg_search *s);

/**
 * Run a query. 0; CG_EINVAL (empty or too long q, bad mode); CG_ENOTFOUND (project);
 * CG_ENOINDEX (mode=semantic without a vector index); CG_EEMBED; CG_EDB; CG_ENOMEM.
 */
int cg_search_run(cg_search *s, const cg_search_query *q, cg_search_result *out);
/** Similar code; scores are cosine similarities >= threshold. Errors as cg_search_run, and
 *  CG_ENOTFOUND when the entity does not exist. */
int cg_search_similar(cg_search *s, const cg_search_similar_query *q, cg_search_result *out);
/** Which modes work now, and why not. */
void cg_search_capabilities(cg_search *s, cg_search_caps *out);

/**
 * Call emit for every indexed entity's vector (the vector index's rebuild source): term
 * bags are read from the store and embedded with the current IDF table. emit returns 0 to
 * go on. Returns the count, or an error (emit's non-zero result is returned).
 */
int cg_search_foreach_vector(cg_search *s, int (*emit)(void *ctx, uint64_t id, const float *v),
                             void *ctx);

/**
 * Recompute the IDF table from the current document frequencies (cheap: no store reads).
 * Returns 1 when the table changed enough that stored vectors should be rebuilt, else 0.
 */
int cg_search_idf_refresh(cg_search *s);

#endif
