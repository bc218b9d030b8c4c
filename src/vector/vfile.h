/*
 * vfile.h — the on-disk vector index file (*.cgv) and its read-only, mmap-ed view.
 * Private to src/vector (and the unit tests / fuzz target).
 *
 * DESIGN — file layout (little-endian, x86-64 only; every field native-endian):
 *
 *   [0, 4096)        header (struct cg_vfile_header, zero-padded to CG_VFILE_HEADER_SIZE)
 *   sections, in this order, each starting at a multiple of CG_VFILE_ALIGN (vectors: 4096):
 *     IDS        count u64      entity id of node i
 *     IDMAP      count x {u64 id, u64 node}, strictly increasing by id (lookup by id)
 *     LEVELS     count i32      HNSW: 1 + top level of node i        (empty for FLAT)
 *     OFFSETS    (count+1) u64  HNSW: node i's neighbour slots are
 *                               NEIGHBORS[offsets[i] .. offsets[i+1]) (empty for FLAT)
 *     NEIGHBORS  offsets[count] i32; level l of node i is the slice
 *                               [offsets[i] + cum[l], offsets[i] + cum[l+1]), -1 pads
 *     VECTORS    count x dim f32, node i at i * dim (L2-normalised for metric COSINE)
 *     SQPARAMS   HNSW: count x {f32 scale, f32 sqnorm}             (empty for FLAT)
 *     SQCODES    HNSW: count x dim i8, node i at i * dim            (empty for FLAT)
 *   file_size == end of the last section (no trailing bytes).
 *
 * SQ8 (version 2): the HNSW walk scores nodes from one-byte codes, a quarter of the bytes of
 * their float vectors, and re-scores the nodes it keeps from VECTORS before answering, so
 * results and scores are exact floats. Node i's code is round(x[j] / scale) with scale =
 * max|x[j]| / 127 (0 for a zero vector); sqnorm = sum x[j]^2 of the float vector (for L2).
 * The writer derives both sections from VECTORS (cg_vfile_sq_encode); they are checksummed
 * with the bulk sections. Version 1 files (no SQ8) are refused as unsupported: the index is
 * derived from RocksDB, so the caller rebuilds it.
 *
 * The header records magic "CGVINDX\x01", version, dim, metric, index type, HNSW M,
 * ef_construction/ef_search, max_level, entry point, count, the RocksDB sequence the file
 * reflects, the model id, the cum_nneighbor_per_level table, and per section {offset, length,
 * XXH3-64 of its bytes}; header_xxh3 (the XXH3-64 of every header byte before it) closes it.
 *
 * Invariants checked by cg_vfile_check (nothing in a file is trusted before it):
 *   * header checksum, magic, version, header_size; dim 1..CG_FAISS_DIM_MAX; known metric and
 *     type; model NUL-terminated and shorter than the field; count <= CG_VFILE_COUNT_MAX;
 *   * every section aligned, in order, non-overlapping, inside file_size == the mapped length,
 *     with exactly the length count/dim imply (NEIGHBORS: offsets[count] * 4);
 *   * IDS, IDMAP, LEVELS, OFFSETS checksums always (they are small); NEIGHBORS, VECTORS,
 *     SQPARAMS and SQCODES checksums when asked (CG_VFILE_CHECK_FULL), otherwise later
 * (cg_vfile_check_bulk);
 *   * IDMAP strictly increasing, node < count, ids[node] == id; HNSW: 1 <= n_cum <=
 *     CG_VFILE_CUM_MAX, cum[0] == 0 and non-decreasing; 1 <= levels[i] <= max_level + 1 <
 *     n_cum; offsets[0] == 0, offsets[i+1] - offsets[i] == cum[levels[i]]; entry point < count
 *     with levels[entry] == max_level + 1 (entry -1 only when count == 0).
 * After that the search only has to bounds-check neighbour ids (0 <= id < count), which it
 * always does, so a file whose bulk sections are not yet checksummed is still memory-safe.
 *
 * Writing: cg_vfile_write streams the sections into "<name>.tmp" in the target directory,
 * then writes the header, fsyncs, renames to the final name and fsyncs the directory. A file
 * is never modified after the rename (a backup may copy it at any time).
 */
#ifndef CODEGRAPH_VECTOR_VFILE_H
#define CODEGRAPH_VECTOR_VFILE_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/vindex.h"

#define CG_VFILE_MAGIC "CGVINDX\x01"
#define CG_VFILE_VERSION 2
/** Bytes reserved for the header at the start of the file. */
#define CG_VFILE_HEADER_SIZE 4096
/** Alignment of every section start (VECTORS: CG_VFILE_HEADER_SIZE, a page). */
#define CG_VFILE_ALIGN 64
/** Largest cum_nneighbor_per_level table (HNSW levels + 1) a file may carry. */
#define CG_VFILE_CUM_MAX 64
/** Most vectors in one file (node ids are int32 in FAISS' graph). */
#define CG_VFILE_COUNT_MAX ((int64_t)INT32_MAX - 1)
/** File name: vindex-<seq 16 hex>-<stamp 16 hex>.cgv (plus ".tmp" while written). */
#define CG_VFILE_NAME_MAX 64

enum cg_vfile_section {
    CG_VSEC_IDS = 0,
    CG_VSEC_IDMAP,
    CG_VSEC_LEVELS,
    CG_VSEC_OFFSETS,
    CG_VSEC_NEIGHBORS,
    CG_VSEC_VECTORS,
    CG_VSEC_SQPARAMS,
    CG_VSEC_SQCODES,
    CG_VSEC_COUNT
};

typedef struct cg_vfile_secent {
    uint64_t offset, length, xxh3;
} cg_vfile_secent;

typedef struct cg_vfile_header {
    char magic[8];
    uint32_t version, header_size;
    uint32_t dim, metric, index_type, m;
    uint32_t ef_construction, ef_search;
    int32_t max_level, entry_point;
    uint32_t n_cum, reserved0;
    uint64_t count, db_seq, file_size, created_unix;
    int32_t cum[CG_VFILE_CUM_MAX];
    char model[CG_VINDEX_MODEL_MAX + 1];
    cg_vfile_secent sec[CG_VSEC_COUNT];
    uint64_t header_xxh3; /* XXH3-64 of the bytes before this field */
} cg_vfile_header;

typedef struct cg_vfile_idmap_ent {
    uint64_t id, node;
} cg_vfile_idmap_ent;

/** A checked view of a file's bytes (mapped, or any buffer for tests and fuzzing). */
typedef struct cg_vfile_view {
    const uint8_t *base;
    size_t len;
    const cg_vfile_header *h;
    int64_t n;
    int dim;
    cg_vindex_metric metric;
    cg_vindex_type type;
    const uint64_t *ids;
    const cg_vfile_idmap_ent *idmap;
    const int32_t *levels;
    const uint64_t *offsets;
    const int32_t *neighbors;
    uint64_t n_neighbors;
    const float *vectors;
    const float *sq_params; /* HNSW: {scale, sqnorm} per node; NULL for FLAT */
    const int8_t *sq_codes; /* HNSW: dim codes per node; NULL for FLAT */
    int bulk_checked;       /* NEIGHBORS, VECTORS and SQ8 checksums verified */
} cg_vfile_view;

/** Format a message into err (when err && errlen) and return code: the error helper of every
 *  file in src/vector. */
int cg_vfile_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define CG_VFILE_CHECK_SMALL 0 /* header + small sections + structure */
#define CG_VFILE_CHECK_FULL 1  /* ... and the NEIGHBORS, VECTORS and SQ8 checksums */

/**
 * Check buf[0..len) as a vector file and fill *v. 0, or CG_ECORRUPT with the reason in err
 * (never reads outside the buffer). buf must be 8-byte aligned.
 */
int cg_vfile_check(const uint8_t *buf, size_t len, int mode, cg_vfile_view *v, char *err,
                   size_t errlen);

/** Verify the NEIGHBORS, VECTORS and SQ8 checksums of a checked view. 0 or CG_ECORRUPT. */
int cg_vfile_check_bulk(cg_vfile_view *v, char *err, size_t errlen);

/** The SQ8 code of x[0..dim) into code[dim] (skipped when code is NULL) and its
 *  {scale, sqnorm} into params[2]. */
void cg_vfile_sq_encode(const float *x, int dim, int8_t *code, float params[2]);

/** Node of id (binary search of IDMAP), or -1. */
int64_t cg_vfile_node_of(const cg_vfile_view *v, uint64_t id);

struct cg_faiss_hnsw_view;
/** The graph and vectors of a checked HNSW view in the FAISS bridge's view shape (pointers into
 *  the file), e.g. for cg_faiss_hnsw_from_view. */
void cg_vfile_to_faiss_view(const cg_vfile_view *v, struct cg_faiss_hnsw_view *out);

/** What cg_vfile_write stores. hnsw fields are ignored for CG_VINDEX_FLAT. */
typedef struct cg_vfile_content {
    int64_t n;
    int dim;
    cg_vindex_metric metric;
    cg_vindex_type type;
    int m, ef_construction, ef_search;
    uint64_t db_seq;
    const char *model;
    const uint64_t *ids;  /* n, distinct */
    const float *vectors; /* n * dim */
    /* HNSW graph (FAISS layout, see faiss_bridge.h's cg_faiss_hnsw_view) */
    int max_level;
    int32_t entry_point;
    const int32_t *levels;
    const uint64_t *offsets;
    const int32_t *neighbors;
    const int32_t *cum;
    int n_cum;
} cg_vfile_content;

/**
 * Write c atomically as dir/<name> (temp file, fsync, rename, fsync dir); the chosen name is
 * copied into name_out (CG_VFILE_NAME_MAX bytes). 0 or -errno / CG_EINVAL / CG_ENOMEM.
 */
int cg_vfile_write(const char *dir, const cg_vfile_content *c, char *name_out, char *err,
                   size_t errlen);

/** A read-only shared mapping of a file. */
typedef struct cg_vfile_map {
    void *addr;
    size_t len;
    char name[CG_VFILE_NAME_MAX];
} cg_vfile_map;

/** mmap dir/name read-only (MAP_SHARED). 0, CG_ENOINDEX (missing) or -errno. */
int cg_vfile_map_open(cg_vfile_map *m, const char *dir, const char *name);
void cg_vfile_map_close(cg_vfile_map *m);

/**
 * The newest "*.cgv" in dir (largest name: seq then stamp) into name (CG_VFILE_NAME_MAX);
 * 1 found, 0 none, -errno. Leftover "*.tmp" files are deleted.
 */
int cg_vfile_newest(const char *dir, char *name);

#endif
