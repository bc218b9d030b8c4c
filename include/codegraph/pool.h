/*
 * pool.h — the fixed thread pool for CPU-heavy work (parsing, embedding, builds).
 *
 * Fixed number of threads, bounded FIFO queue; a full queue is an explicit
 * CG_EOVERLOAD (the API answers 503), never unbounded growth. A job runs on a
 * pool thread, then — when it has an owner reactor — travels back to that
 * reactor as a cg_msg, where `done` runs on the reactor thread. Jobs are
 * intrusive: the caller allocates them (from its request arena) and keeps them
 * alive until `done` runs.
 */
#ifndef CODEGRAPH_POOL_H
#define CODEGRAPH_POOL_H

#include "codegraph/reactor.h"

typedef struct cg_pool cg_pool;

typedef struct cg_job {
    cg_msg msg;                     /**< must stay first: posted back to `owner` */
    void (*run)(struct cg_job *j);  /**< on a pool thread */
    void (*done)(struct cg_job *j); /**< on the owner reactor thread (or pool thread if
                                         owner is NULL); may be NULL */
    cg_reactor *owner;              /**< reactor to complete on, or NULL */
    struct cg_job *next;            /**< intrusive queue link */
    int status;                     /**< free for the job's use (result code) */
} cg_job;

/** Start `threads` threads (0 = cores) with a queue of at most `queue_max` jobs. */
int cg_pool_create(cg_pool **out, int threads, int queue_max);
/** Queue a job. 0, or CG_EOVERLOAD when the queue is full or the pool is stopping. */
int cg_pool_submit(cg_pool *p, cg_job *j);
/** Jobs waiting (not running). */
int cg_pool_queue_depth(cg_pool *p);
/** Jobs currently running. */
int cg_pool_active(cg_pool *p);
int cg_pool_threads(const cg_pool *p);
/** Finish queued jobs, join threads, free. */
void cg_pool_destroy(cg_pool *p);

#endif
