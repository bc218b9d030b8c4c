/*
 * writeq.h — an index job's shared batch writer (src/index/writeq.c; used by pipeline.c in
 * the file and resolve phases).
 *
 * Workers hand over prepared batches (graph.h: a file's put from cg_graph_put_prepare, a
 * file's resolution from cg_graph_resolver_prepare) and go on with their next file; the
 * worker that finds no writer active becomes the writer and writes the queued batches, its
 * own and the others', until the queue is empty. One thread writes at a time, so a worker
 * never waits for another's memtable inserts (RocksDB's write group made two workers wait
 * for each other's inserts: ~3.3 s of thread time on a 2-thread index of 141 MB) and
 * RocksDB takes its single-writer insert path.
 */
#ifndef CG_INDEX_WRITEQ_H
#define CG_INDEX_WRITEQ_H

#include <pthread.h>
#include <stddef.h>

/* Batches queued at most; a worker submitting to a full queue waits for room. A worker has
 * at most one batch in flight per file slot (pipeline.c: 4), so 64 workers never fill it. */
#define CG_WRITEQ_MAX 256

/* One batch to write; owned by the submitting worker. */
typedef struct cg_writeq_item {
    int (*write)(void *arg); /* writes the batch: 0 or a CG_E* code */
    void *arg;               /* the batch; NULL: nothing in flight (the worker's own mark) */
    int rc;                  /* the write's result, once written (under the queue's mutex) */
    int written;
} cg_writeq_item;

typedef struct cg_writeq {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* an item was written, or room was made */
    cg_writeq_item *q[CG_WRITEQ_MAX];
    size_t head, n;
    int writing; /* a worker is writing: it empties the queue before it stops */
} cg_writeq;

void cg_writeq_init(cg_writeq *w);
void cg_writeq_destroy(cg_writeq *w);
/** Queue it (write and arg set) to be written; the calling thread writes the queue when no other
 *  thread is writing. Returns once it is queued or written. */
void cg_writeq_submit(cg_writeq *w, cg_writeq_item *it);
/** Wait until it was written; its write's result (0 or a CG_E* code). */
int cg_writeq_wait(cg_writeq *w, cg_writeq_item *it);

#endif
