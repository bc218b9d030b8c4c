/*
 * faiss_bridge.h — the C face of FAISS 1.7.3 (Debian libfaiss-dev ships only the C++
 * library). Implemented by src/vector/faiss_bridge.cpp, the one C++ file in CodeGraph.
 *
 * Every function catches every C++ exception inside the bridge: none ever crosses into C.
 * Failures return a CG_E* code (codegraph/base.h) and copy a message into `err` (always
 * NUL-terminated when errlen > 0; err may be NULL):
 *   CG_EINVAL    bad argument (NULL, dimension or k out of range, wrong index kind)
 *   CG_ENOINDEX  cg_faiss_read: no index file at that path
 *   CG_ENOMEM    std::bad_alloc
 *   CG_ECORRUPT  cg_faiss_read / cg_faiss_deserialize: FAISS could not decode the bytes
 *   CG_EINTERNAL any other FAISS or C++ exception (its what() is the message)
 *
 * Threads: searches on one index may run concurrently (FAISS' search is const; the HNSW
 * ef_search of a call travels in per-call parameters, never in the index). Adding to an
 * index excludes every other use of it. Metric "cosine" is IP over L2-normalised vectors:
 * normalise with cg_faiss_normalize before add and search.
 */
#ifndef CODEGRAPH_FAISS_BRIDGE_H
#define CODEGRAPH_FAISS_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest vector dimension accepted. */
#define CG_FAISS_DIM_MAX 65536
/** Largest k of one search. */
#define CG_FAISS_K_MAX 10000
/** Suggested size of the err buffers passed to the bridge. */
#define CG_FAISS_ERR_MAX 256

/** A FAISS index (any kind FAISS can read; created here as HNSW-Flat or Flat). */
typedef struct cg_faiss_index cg_faiss_index;

typedef enum cg_faiss_metric {
    CG_FAISS_METRIC_IP = 0, /**< inner product: larger is closer (cosine when normalised) */
    CG_FAISS_METRIC_L2 = 1, /**< squared euclidean distance: smaller is closer */
} cg_faiss_metric;

/**
 * A read-only view of an HNSW-Flat index's graph and vectors, for writing our own
 * mmap-able file (FAISS 1.7.3 cannot mmap HNSW). Pointers stay valid until the index is
 * modified or destroyed. Layout is FAISS' own: node i's neighbours for every level are
 * neighbors[offsets[i] .. offsets[i+1]); level l starts at cum_nneighbor_per_level[l];
 * -1 pads an unused slot.
 */
typedef struct cg_faiss_hnsw_view {
    int64_t n; /**< vectors */
    int dim;   /**< floats per vector */
    cg_faiss_metric metric;
    int max_level;       /**< highest level of the graph */
    int32_t entry_point; /**< node searches start from; -1 when empty */
    int ef_construction, ef_search;
    const int32_t *levels;                  /**< n entries: 1 + top level of node i */
    const uint64_t *offsets;                /**< n + 1 entries */
    const int32_t *neighbors;               /**< offsets[n] entries */
    const int32_t *cum_nneighbor_per_level; /**< n_cum entries */
    int n_cum;
    const float *vectors; /**< n * dim floats, node i at i * dim */
} cg_faiss_hnsw_view;

/** New empty IndexHNSWFlat: dim, M links per node, construction / default search depth. */
int cg_faiss_hnsw_create(cg_faiss_index **out, int dim, int m, cg_faiss_metric metric,
                         int ef_construction, int ef_search, char *err, size_t errlen);

/** New empty exact index (IndexFlatIP or IndexFlatL2). */
int cg_faiss_flat_create(cg_faiss_index **out, int dim, cg_faiss_metric metric, char *err,
                         size_t errlen);

/** Add n vectors of dim floats each (row-major); their ids are ntotal .. ntotal + n - 1. */
int cg_faiss_add(cg_faiss_index *ix, int64_t n, const float *x, char *err, size_t errlen);

/**
 * k nearest neighbours of each of nq queries. distances and labels have nq * k slots; a slot
 * without a result has label -1. ef_search > 0 is the HNSW search depth for this call
 * (ignored by other index kinds), 0 the index's default; with FAISS 1.7.3 the candidate
 * queue is max(index default, ef_search, k), so a value below the default only shortens
 * the walk. The index itself is never modified.
 */
int cg_faiss_search(const cg_faiss_index *ix, int64_t nq, const float *q, int k, int ef_search,
                    float *distances, int64_t *labels, char *err, size_t errlen);

/** Number of vectors in the index (0 for NULL). */
int64_t cg_faiss_ntotal(const cg_faiss_index *ix);

/** Vector dimension of the index (0 for NULL). */
int cg_faiss_dim(const cg_faiss_index *ix);

/** 1 when the index is an HNSW index, 0 otherwise. */
int cg_faiss_is_hnsw(const cg_faiss_index *ix);

/** Write the index in FAISS' format to path (not atomic: callers write a temp and rename). */
int cg_faiss_write(const cg_faiss_index *ix, const char *path, char *err, size_t errlen);

/** Read an index written by cg_faiss_write. CG_ENOINDEX when path does not exist. */
int cg_faiss_read(cg_faiss_index **out, const char *path, char *err, size_t errlen);

/** The index in FAISS' format as a malloc-ed buffer (*buf, *len); the caller frees it. */
int cg_faiss_serialize(const cg_faiss_index *ix, uint8_t **buf, size_t *len, char *err,
                       size_t errlen);

/** Read an index back from cg_faiss_serialize bytes. */
int cg_faiss_deserialize(cg_faiss_index **out, const uint8_t *buf, size_t len, char *err,
                         size_t errlen);

/**
 * Set an HNSW index's default search depth (efSearch). Not thread-safe: no search may run on
 * the index meanwhile (benchmarks use it to give FAISS its natural k-sized search at each ef).
 * CG_EINVAL for other kinds or ef outside 1..100000.
 */
int cg_faiss_hnsw_ef_set(cg_faiss_index *ix, int ef_search, char *err, size_t errlen);

/**
 * New IndexHNSWFlat holding exactly the graph and vectors of `v` (e.g. read back from our own
 * file), so FAISS' search can be compared with ours on the same graph. `m` is the M the graph
 * was built with: v's level table must equal the one FAISS derives from it. Every neighbour id
 * and offset is range-checked first (CG_ECORRUPT); copies everything (v may go away).
 */
int cg_faiss_hnsw_from_view(cg_faiss_index **out, const cg_faiss_hnsw_view *v, int m, char *err,
                            size_t errlen);

/** Fill `v` with a view of an HNSW-Flat index (CG_EINVAL for other kinds). */
int cg_faiss_hnsw_view_get(const cg_faiss_index *ix, cg_faiss_hnsw_view *v, char *err,
                           size_t errlen);

/** Free the index (NULL is a no-op). */
void cg_faiss_destroy(cg_faiss_index *ix);

/** L2-normalise n rows of dim floats in place (zero rows stay zero). */
void cg_faiss_normalize(float *x, int64_t n, int dim);

/** OpenMP threads FAISS may use in add/search, process-wide (n >= 1); returns the old value. */
int cg_faiss_threads_set(int n);

#ifdef __cplusplus
}
#endif

#endif
