/*
 * vindex.h — the vector index: (uint64 entity id, float[dim]) pairs, nearest-neighbour search.
 *
 * Implemented in src/vector/ (owner: VEC). Layers, newest wins:
 *   base   an immutable file <dir>/vindex-<seq>-<stamp>.cgv (our own checksummed format,
 *          DESIGN in src/vector/vfile.h): for index_type "hnsw" a graph built by FAISS'
 *          IndexHNSWFlat, searched through mmap by our own read-only HNSW walk; for "flat"
 *          the vectors only, searched exactly (brute force) through the same mapping;
 *   delta  vectors upserted since the base was built, searched by brute force;
 *   tombs  ids removed since then, filtered out at query time.
 * A rebuild (cg_vindex_rebuild) builds a new base on the calling thread, saves it atomically
 * and swaps it in; readers never wait and never see a half-built state.
 *
 * Threads: cg_vindex_search and cg_vindex_get are lock-free and may run on any thread
 * concurrently with everything else. cg_vindex_upsert / cg_vindex_remove serialise among
 * themselves on a short mutex. One rebuild at a time (a second concurrent call returns
 * CG_ECONFLICT). cg_vindex_close only when no other call is in flight.
 *
 * Metric: CG_VINDEX_IP ranks by inner product; CG_VINDEX_COSINE is inner product over vectors
 * the index L2-normalises itself (on upsert and on every query); CG_VINDEX_L2 by squared
 * euclidean distance. cg_vindex_hit.score is always "larger is closer": the inner product
 * (cosine similarity for COSINE), or minus the squared distance for L2.
 *
 * Errors: 0 ok, >0 a count, <0 a CG_E* code (base.h) with a message in err when given.
 */
#ifndef CODEGRAPH_VINDEX_H
#define CODEGRAPH_VINDEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest k of one cg_vindex_search. */
#define CG_VINDEX_K_MAX 1000
/** Longest model id string recorded in the file (bytes, without the NUL). */
#define CG_VINDEX_MODEL_MAX 255
/** Suggested size of err buffers. */
#define CG_VINDEX_ERR_MAX 256

typedef struct cg_vindex cg_vindex;

typedef enum cg_vindex_metric {
    CG_VINDEX_COSINE = 0, /**< inner product over L2-normalised vectors (default) */
    CG_VINDEX_IP = 1,     /**< raw inner product */
    CG_VINDEX_L2 = 2,     /**< squared euclidean distance */
} cg_vindex_metric;

typedef enum cg_vindex_type {
    CG_VINDEX_HNSW = 0, /**< approximate: HNSW graph (FAISS-built, our mmap search) */
    CG_VINDEX_FLAT = 1, /**< exact: brute force over the mapped vectors */
} cg_vindex_type;

typedef enum cg_vindex_verify {
    /** Open checks the header, section table and the small sections (ids, levels, offsets);
     *  the neighbour lists and vectors are checksummed later by cg_vindex_verify_deferred.
     *  Searching an unverified section is still memory-safe (every index is bounds-checked). */
    CG_VINDEX_VERIFY_LAZY = 0,
    /** Open checksums every section before the file is used. */
    CG_VINDEX_VERIFY_FULL = 1,
} cg_vindex_verify;

typedef struct cg_vindex_options {
    int dim;                   /**< [vector] dimension, 1..CG_FAISS_DIM_MAX */
    cg_vindex_metric metric;   /**< [vector] metric */
    cg_vindex_type index_type; /**< [vector] index_type */
    int m;                     /**< [vector] hnsw_m (links per node) */
    int ef_construction;       /**< [vector] hnsw_ef_construction */
    int ef_search;             /**< [vector] hnsw_ef_search: default search depth */
    int64_t max_elements;      /**< [vector] hnsw_max_elements: base + delta limit */
    const char *model;         /**< embedding model id recorded with the index ("" ok) */
    cg_vindex_verify verify;   /**< how much of the file open checks up front */
    int build_threads;         /**< OpenMP threads FAISS may use in a rebuild; 0 = 1 */
} cg_vindex_options;

/** Fill o with the [vector] defaults (768, cosine, hnsw, 16, 200, 64, 10M, "", lazy). */
void cg_vindex_options_default(cg_vindex_options *o);

/** One result. */
typedef struct cg_vindex_hit {
    uint64_t id;
    float score; /**< larger is closer (see Metric above) */
} cg_vindex_hit;

/**
 * The vectors a rebuild indexes, supplied by the caller (TXT: a RocksDB snapshot). scan
 * calls emit(emit_ctx, id, vec) once per live entity (vec has dim floats, copied before emit
 * returns) and returns 0, or a CG_E* code to abort (the rebuild then fails with it). If emit
 * returns nonzero, scan must stop and return that value.
 *
 * Consistency rule: scan's snapshot must be taken after cg_vindex_rebuild was called, and
 * callers must write an entity to RocksDB before calling cg_vindex_upsert/remove for it.
 * Then every upsert/remove issued before the rebuild started is in the snapshot, and the
 * ones issued after it are carried over into the new delta at swap time.
 */
typedef struct cg_vindex_source {
    int (*scan)(void *ctx, int (*emit)(void *emit_ctx, uint64_t id, const float *vec),
                void *emit_ctx);
    void *ctx;
    /** Optional: the RocksDB sequence a scan started now reflects (used by rebuilds the index
     *  starts itself, cg_vindex_rebuild_default); NULL = keep the current saved_seq. */
    uint64_t (*sequence)(void *ctx);
} cg_vindex_source;

typedef struct cg_vindex_stats {
    int dim;
    cg_vindex_metric metric;
    cg_vindex_type index_type;
    int m, ef_construction, ef_search;
    int64_t max_elements;
    int64_t base_count;    /**< vectors in the mapped file */
    int64_t delta_count;   /**< live vectors in the in-memory delta */
    int64_t tombstones;    /**< removed ids masking base vectors */
    int64_t total;         /**< live vectors searchable (base - masked + delta) */
    uint64_t saved_seq;    /**< RocksDB sequence the file reflects (0: none) */
    uint64_t file_bytes;   /**< size of the mapped file (0: none) */
    uint64_t delta_bytes;  /**< heap held by the delta */
    int64_t rebuilds;      /**< completed rebuilds since open */
    int64_t searches;      /**< searches since open */
    int64_t last_build_ms; /**< duration of the last rebuild (-1: none) */
    int rebuilding;        /**< 1 while a rebuild runs */
    int verified;          /**< 1 when every section of the file was checksummed OK */
    int needs_rebuild;     /**< 1 when no valid file is mapped or it was found corrupt */
    char model[CG_VINDEX_MODEL_MAX + 1];
    char file[256];                  /**< file name (no dir) of the mapped base, "" when none */
    char problem[CG_VINDEX_ERR_MAX]; /**< why needs_rebuild, "" when fine */
} cg_vindex_stats;

/**
 * Open (creating dir if needed) and map the newest valid base file in dir. A missing,
 * corrupt, truncated or mismatching (dim, metric, type, model) file is NOT an error: the
 * index opens empty with stats.needs_rebuild = 1 and stats.problem saying why, and the
 * caller rebuilds. Errors: CG_EINVAL (options), -errno (dir), CG_ENOMEM.
 */
int cg_vindex_open(cg_vindex **out, const char *dir, const cg_vindex_options *o, char *err,
                   size_t errlen);

/** Close and free (NULL ok). Files stay on disk. */
void cg_vindex_close(cg_vindex *v);

/** Insert or replace id's vector (dim floats) in the delta. CG_ELIMIT past max_elements. */
int cg_vindex_upsert(cg_vindex *v, uint64_t id, const float *vec);

/** Remove id (a tombstone; no-op when absent). */
int cg_vindex_remove(cg_vindex *v, uint64_t id);

/**
 * The k (1..CG_VINDEX_K_MAX) nearest live vectors to q (dim floats; not modified), best
 * first, into out[k]; returns the number found (0..k). ef > 0 is the HNSW search depth for
 * this call (raised to k when smaller), 0 the index default. keep (may be NULL) filters
 * candidates: a vector is returned only when keep(ctx, id) != 0; filtered nodes are still
 * traversed. Lock-free.
 */
int cg_vindex_search(cg_vindex *v, const float *q, int k, int ef,
                     int (*keep)(void *ctx, uint64_t id), void *ctx, cg_vindex_hit *out);

/** Copy id's current vector into vec (dim floats): 1 found, 0 absent. Lock-free. */
int cg_vindex_get(cg_vindex *v, uint64_t id, float *vec);

/**
 * Build a new base from src (or, when src is NULL, from the vectors the index holds: base
 * minus tombstones plus delta), save it as a new file recording db_seq, map it and swap it
 * in atomically; older files are deleted after the swap. Runs on the calling thread (call it
 * from the pool). CG_ECONFLICT if another rebuild runs.
 */
int cg_vindex_rebuild(cg_vindex *v, const cg_vindex_source *src, uint64_t db_seq, char *err,
                      size_t errlen);

/**
 * Register the source rebuilds started by the index itself use (POST
 * /api/v1/admin/vector/rebuild, repair after cg_vindex_verify_deferred fails). *src is
 * copied; NULL unregisters. Without one, those rebuilds use the vectors the index holds.
 */
void cg_vindex_source_set(cg_vindex *v, const cg_vindex_source *src);

/** cg_vindex_rebuild with the registered source (or the held vectors) and its sequence. */
int cg_vindex_rebuild_default(cg_vindex *v, char *err, size_t errlen);

/**
 * Checksum the sections CG_VINDEX_VERIFY_LAZY skipped at open (call once, on the pool).
 * Returns 0 when they match (or nothing to do); on a mismatch the base is dropped (searches
 * then see only the delta), stats.needs_rebuild is set and CG_ECORRUPT returned.
 */
int cg_vindex_verify_deferred(cg_vindex *v, char *err, size_t errlen);

/** RocksDB sequence the mapped file reflects (0 when none): replay entities newer than it. */
uint64_t cg_vindex_saved_seq(const cg_vindex *v);

/** A snapshot of the counters (fields read independently; only the model string is copied
 *  under a short mutex, never held across I/O). */
void cg_vindex_stats_get(cg_vindex *v, cg_vindex_stats *out);

/**
 * Drop the base when it was built with another model than `model` (stats.needs_rebuild then
 * says so), and record `model` in every later rebuild. For callers that learn the embedder's
 * model id after open. CG_EINVAL when longer than CG_VINDEX_MODEL_MAX.
 */
int cg_vindex_model_set(cg_vindex *v, const char *model);

/* ---- server glue (src/vector/vservice.c) ---- */
struct cg_config;
struct cg_pool;

/**
 * Open the index of a server: <dir of [database] path>/vector with the [vector] options, lazy
 * verification, and model id `model` (the embedder's; NULL: "builtin-hash-v1/<dimension>",
 * the built-in embedder's id). *out = NULL and 0 when [vector] enabled is false.
 */
int cg_vindex_open_config(cg_vindex **out, const struct cg_config *cfg, const char *model,
                          char *err, size_t errlen);

/** Queue cg_vindex_verify_deferred on the pool (then a default rebuild if it fails). */
int cg_vindex_verify_submit(cg_vindex *v, struct cg_pool *pool);

/** Queue cg_vindex_rebuild_default on the pool. 0 queued, CG_ECONFLICT (one is running),
 *  CG_EOVERLOAD (queue full). */
int cg_vindex_rebuild_submit(cg_vindex *v, struct cg_pool *pool);

/** "cosine" / "ip" / "l2" and "hnsw" / "flat"; the parsers return -1 for unknown names. */
const char *cg_vindex_metric_name(cg_vindex_metric m);
const char *cg_vindex_type_name(cg_vindex_type t);
int cg_vindex_metric_parse(const char *s);
int cg_vindex_type_parse(const char *s);

#ifdef __cplusplus
}
#endif

#endif
