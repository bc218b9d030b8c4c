/*
 * vsearch.h — our read-only search over a checked vector file view (vfile.h): HNSW (greedy
 * descent through the upper levels, then a best-first search of width ef on level 0) and
 * exact brute force, plus the distance kernels. Private to src/vector.
 *
 * Distances are "smaller is closer": -dot for IP/COSINE, squared L2 for L2 (FAISS builds its
 * HNSW graph on the same ordering). Every neighbour id read from the file is bounds-checked,
 * so a corrupt NEIGHBORS section yields poor results, never an out-of-bounds read. Each
 * thread keeps its own scratch (visited tags, heaps) in thread-local storage, freed when the
 * thread exits; nothing is shared between searches, so any number run concurrently.
 */
#ifndef CODEGRAPH_VECTOR_VSEARCH_H
#define CODEGRAPH_VECTOR_VSEARCH_H

#include <stdint.h>

#include "vector/vfile.h"

/** One candidate: node and distance (smaller is closer). */
typedef struct cg_vcand {
    float d;
    int32_t node;
} cg_vcand;

/** Node filter: nonzero keeps node in the results (it is traversed either way). */
typedef int (*cg_vsearch_keep_fn)(void *ctx, int64_t node);

/** -dot(a, b) or squared distance, by metric. */
float cg_vdist(cg_vindex_metric m, const float *a, const float *b, int dim);
float cg_vdot(const float *a, const float *b, int dim);
float cg_vl2sq(const float *a, const float *b, int dim);

/**
 * The k nearest kept nodes of v to q, ascending by distance, into out[k]; returns how many.
 * HNSW files: search width max(ef, k); FLAT files: exact. keep may be NULL.
 */
int cg_vsearch(const cg_vfile_view *v, const float *q, int k, int ef, cg_vsearch_keep_fn keep,
               void *ctx, cg_vcand *out);

/** Exact k nearest over all nodes (for FLAT files, tests and recall measurement). */
int cg_vsearch_exact(const cg_vfile_view *v, const float *q, int k, cg_vsearch_keep_fn keep,
                     void *ctx, cg_vcand *out);

/** Bounded max-heap keeping the k smallest candidates (used by the delta scan too). */
typedef struct cg_vtopk {
    cg_vcand *a;
    int n, k;
} cg_vtopk;

/** Offer c; kept when fewer than k are held or c is closer than the worst held. */
void cg_vtopk_push(cg_vtopk *t, cg_vcand c);
/** Sort the held candidates ascending in place (t->a[0] best); returns t->n. */
int cg_vtopk_sort(cg_vtopk *t);

#endif
