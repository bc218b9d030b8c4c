/*
 * vindex_int.h — the insides of cg_vindex (vindex.c), private to src/vector. The DESIGN
 * comment in vindex.c states the invariants.
 */
#ifndef CODEGRAPH_VECTOR_VINDEX_INT_H
#define CODEGRAPH_VECTOR_VINDEX_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "codegraph/vindex.h"
#include "vector/vfile.h"

/** Hazard slots: searches / gets / stats that may run at the same moment (more wait). */
#define VX_READERS_MAX 256
/** Delta entries per allocation chunk. */
#define VX_DELTA_CHUNK 1024
/** Chunks per delta: at most VX_DELTA_CHUNK * VX_DELTA_CHUNKS_MAX (4M) upserts and removes
 *  between two rebuilds; past that upsert/remove return CG_ELIMIT until a rebuild. */
#define VX_DELTA_CHUNKS_MAX 4096
/** Largest search depth accepted (bigger ef values are clamped). */
#define VX_EF_MAX 100000
/** Query dimension handled on the stack (larger queries are copied to the heap). */
#define VX_STACK_DIM 2048

typedef struct vx_chunk {
    uint64_t id[VX_DELTA_CHUNK];
    _Atomic uint32_t next[VX_DELTA_CHUNK]; /* 0, or the position that replaced the entry */
    uint8_t tomb[VX_DELTA_CHUNK];
    float vec[]; /* VX_DELTA_CHUNK * dim */
} vx_chunk;

typedef struct vx_whash { /* writer only: id -> latest position */
    uint64_t *keys;
    uint32_t *vals;
    uint8_t *used;
    uint32_t cap, n;
} vx_whash;

typedef struct vx_delta {
    _Atomic uint32_t count; /* published entries */
    vx_chunk *_Atomic chunks[VX_DELTA_CHUNKS_MAX];
    vx_whash hash;         /* writer only */
    _Atomic int64_t live;  /* ids whose latest entry is a vector (writer; read racily by stats) */
    _Atomic int64_t tombs; /* ids whose latest entry is a tombstone */
    uint64_t bytes;        /* chunk memory */
} vx_delta;

typedef struct vx_gen {
    int has_base;
    cg_vfile_map map;
    cg_vfile_view view;
    _Atomic uint8_t *masked;      /* view.n bytes */
    _Atomic int64_t masked_count; /* writer; stats read it */
    _Atomic int bulk_checked;
    char problem[CG_VINDEX_ERR_MAX]; /* why this generation needs a rebuild, "" if fine */
    vx_delta delta;
} vx_gen;

struct cg_vindex {
    char *dir;
    cg_vindex_options o;
    char model[CG_VINDEX_MODEL_MAX + 1];
    vx_gen *_Atomic cur;
    struct {
        vx_gen *_Atomic p;
        char pad[56];
    } slots[VX_READERS_MAX] __attribute__((aligned(64)));
    pthread_mutex_t wmu;  /* upsert / remove / publish */
    pthread_mutex_t rbmu; /* one rebuild or deferred verification at a time */
    _Atomic uint64_t saved_seq;
    _Atomic int needs_rebuild, rebuilding;
    _Atomic int64_t searches, rebuilds, last_build_ms;
    pthread_mutex_t smu; /* src, has_src, model (after open) */
    cg_vindex_source src;
    int has_src;
    _Atomic int queued;      /* a rebuild job is queued or running (vservice.c) */
    _Atomic int want_verify; /* a verification was asked for while a job was queued */
};

/** Take a hazard slot and the current generation (lock-free); release when done. */
vx_gen *cg_vx_acquire(cg_vindex *v, int *slot);
void cg_vx_release(cg_vindex *v, int slot);

#endif
