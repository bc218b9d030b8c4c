/*
 * embed.h — embedders: text or an entity → a float vector of a fixed dimension.
 *
 * An embedder is a small vtable (cg_embed_ops) behind cg_embedder, so the built-in one and
 * HTTP providers (OpenAI-compatible, Ollama, HF TEI) look the same to callers. Every
 * embedder states its model id, dimension and whether its vectors are L2-normalised; the
 * vector index records these and never mixes vectors of two models. An embedder that fails
 * returns an error (CG_EEMBED …): nothing ever substitutes other vectors silently.
 *
 * The built-in embedder ("builtin-hash-v1", the default) is code-aware signed feature
 * hashing: the input is tokenised with the search tokenizer (identifiers split on
 * camelCase, snake_case and digits, lower-cased, lightly stemmed), each term is weighted
 * by its field (name > signature > doc > body), log term frequency and an IDF table learned
 * from the indexed corpus (cg_embed_idf), hashed (XXH3) to one of `dim` coordinates with a
 * sign bit, and the result is L2-normalised, so cosine similarity is an inner product. It
 * is deterministic: the same input and the same IDF table give the same bits.
 */
#ifndef CODEGRAPH_EMBED_H
#define CODEGRAPH_EMBED_H

#include <stddef.h>
#include <stdint.h>

#define CG_EMBED_DIM_DEFAULT 768 /**< [vector] dimension default */
#define CG_EMBED_DIM_MAX 16384   /**< largest dimension accepted */
#define CG_EMBED_MODEL_MAX 127   /**< bytes of a model id */
#define CG_EMBED_BUILTIN_MODEL "builtin-hash-v1"

/** Fields of an entity's text, in decreasing weight. */
typedef enum cg_embed_field {
    CG_EMBED_F_NAME,      /**< the entity's name (and qualified name) */
    CG_EMBED_F_SIGNATURE, /**< its signature */
    CG_EMBED_F_DOC,       /**< docstring / doc comment */
    CG_EMBED_F_BODY,      /**< identifiers, literals and comments of its source span */
    CG_EMBED_F_COUNT
} cg_embed_field;

/** One term of a pre-tokenised bag: the term's 64-bit hash, weighted frequency, fields. */
typedef struct cg_embed_term {
    uint64_t hash; /**< cg_search_term_hash of the term */
    uint32_t tf;   /**< field-weighted frequency (>= 1) */
    uint32_t mask; /**< 1 << cg_embed_field, for every field the term occurs in */
} cg_embed_term;

/**
 * What to embed. Either free text (`text`: a query or a code snippet), or an entity given
 * by its fields, or (built-in embedder only) a pre-tokenised term bag — the stored bags let
 * the index re-embed every entity without re-reading sources. Unused members are NULL / 0.
 */
typedef struct cg_embed_input {
    const char *text;
    size_t text_len;
    const char *name, *signature, *doc; /**< entity fields (NUL-terminated) */
    const char *body;                   /**< entity source span */
    size_t body_len;
    const char *language, *kind; /**< "python", "function" — hashed as features */
    const cg_embed_term *terms;  /**< a bag (built-in only) */
    int n_terms;
} cg_embed_input;

/**
 * IDF weights learned from the corpus: a quantised weight per term-hash bucket. The
 * embedder only reads it; the owner swaps in a new table by publishing a new pointer.
 * weight(term) = q[hash & (buckets - 1)] / CG_EMBED_IDF_SCALE; an empty table (NULL q)
 * weighs every term 1.
 */
#define CG_EMBED_IDF_SCALE 16.0f
typedef struct cg_embed_idf {
    const uint8_t *q; /**< buckets entries (power of two), or NULL */
    uint32_t buckets;
    uint64_t docs;    /**< documents the table was computed from */
    uint64_t version; /**< bumped on every recomputation */
} cg_embed_idf;

typedef struct cg_embedder cg_embedder;

/** The vtable every embedder implements. */
typedef struct cg_embed_ops {
    /**
     * Embed n inputs into out[n * dim] (row-major). 0, or CG_EINVAL (an input it cannot
     * take), CG_EEMBED (the model or provider failed: message in err), CG_ETIMEOUT, CG_ENOMEM.
     * Must be thread-safe.
     */
    int (*embed)(cg_embedder *e, const cg_embed_input *in, int n, float *out, char *err,
                 size_t errlen);
    /** Free the embedder's state (not `e` itself). */
    void (*destroy)(cg_embedder *e);
} cg_embed_ops;

struct cg_embedder {
    const cg_embed_ops *ops;
    void *impl; /**< the implementation's state */
    int dim;
    int normalized; /**< 1: every vector has L2 norm 1 (or is all zero for empty input) */
    char model[CG_EMBED_MODEL_MAX + 1];
};

/** Embed through the vtable (checks n >= 0 and the arguments). */
int cg_embedder_embed(cg_embedder *e, const cg_embed_input *in, int n, float *out, char *err,
                      size_t errlen);
/** Destroy and free an embedder (NULL is a no-op). */
void cg_embedder_destroy(cg_embedder *e);

/**
 * The built-in embedder with `dim` coordinates (1..CG_EMBED_DIM_MAX). `idf` (may be NULL:
 * unweighted) is read through an atomic pointer at each call, so its owner can publish a
 * new table with cg_embed_builtin_set_idf at any time. 0, CG_EINVAL, CG_ENOMEM.
 */
int cg_embed_builtin_create(cg_embedder **out, int dim, const cg_embed_idf *idf);
/** Publish a new IDF table for a built-in embedder (the old one must stay valid until no
 *  embed call can still read it: the caller keeps old tables alive). */
void cg_embed_builtin_set_idf(cg_embedder *e, const cg_embed_idf *idf);
/** The IDF table version a built-in embedder currently uses (0: none). */
uint64_t cg_embed_builtin_idf_version(cg_embedder *e);

/**
 * Embed one bag with the built-in scheme into out[dim] (no vtable, no allocation); the
 * fast path for indexing and rebuilds. kind_lang_hash: 0, or a feature hash for the
 * entity's kind and language (cg_embed_meta_hash).
 */
void cg_embed_bag(const cg_embed_idf *idf, const cg_embed_term *t, int n, uint64_t meta_hash,
                  int dim, float *out);
/** The feature hash of (kind, language) used by cg_embed_bag; 0 when both are empty. */
uint64_t cg_embed_meta_hash(const char *kind, const char *language);

#endif
