/*
 * pool.c — the fixed thread pool: N pthreads ("cg-pool-N") around one bounded FIFO queue.
 *
 * DESIGN: the queue is an intrusive singly linked list (cg_job.next) under one mutex, with
 * one condition variable for "work or stop". The queue is not the hot path (jobs are
 * parses, embeddings, builds), so a lock is the simple right answer. Invariants:
 *  * depth <= queue_max: a submit that would exceed it fails with CG_EOVERLOAD, as does any
 *    submit once cg_pool_destroy began (`stopping`).
 *  * A worker leaves only when the queue is empty and `stopping` is set, so destroy runs
 *    every job that was accepted before it returns.
 *  * Completion: with an owner reactor, the job's embedded cg_msg is posted to it and
 *    `done` runs on that reactor's thread; without one, `done` runs on the pool thread
 *    right after `run`. After completion the pool never touches the job again.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/limits.h"
#include "codegraph/log.h"
#include "codegraph/pool.h"

_Static_assert(offsetof(cg_job, msg) == 0, "cg_job.msg must be first");

struct cg_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* work arrived or stopping */
    cg_job *head, *tail;
    int queue_max;
    atomic_int depth; /* written under mu, read lock-free */
    atomic_int active;
    int stopping;
    int nthreads;
    pthread_t *threads;
};

static void pool_done_trampoline(cg_reactor *r, cg_msg *m)
{
    cg_job *j = (cg_job *)m; /* msg is the first member */
    j->done(j);
}

static void pool_complete(cg_job *j)
{
    if (!j->done) return;
    if (!j->owner) {
        j->done(j);
        return;
    }
    j->msg.fn = pool_done_trampoline;
    j->msg.next = NULL;
    /* post only fails to wake (the message is queued regardless); the loop drains its
     * mailbox every turn, so the job still completes */
    cg_reactor_post(j->owner, &j->msg);
}

static cg_job *pool_take(cg_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->head && !p->stopping) pthread_cond_wait(&p->cv, &p->mu);
    cg_job *j = p->head;
    if (j) {
        p->head = j->next;
        if (!p->head) p->tail = NULL;
        j->next = NULL;
        atomic_fetch_sub(&p->depth, 1);
        atomic_fetch_add(&p->active, 1);
    }
    pthread_mutex_unlock(&p->mu);
    return j;
}

static void *pool_main(void *arg)
{
    cg_pool *p = arg;
    cg_job *j;
    while ((j = pool_take(p)) != NULL) {
        j->run(j);
        atomic_fetch_sub(&p->active, 1);
        pool_complete(j);
    }
    return NULL;
}

static void pool_stop_join(cg_pool *p, int started)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < started; i++) pthread_join(p->threads[i], NULL);
}

static void pool_free(cg_pool *p)
{
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

int cg_pool_create(cg_pool **out, int threads, int queue_max)
{
    *out = NULL;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > CG_POOL_THREADS_MAX) threads = CG_POOL_THREADS_MAX;
    if (queue_max <= 0) queue_max = CG_POOL_QUEUE_MAX_DEFAULT;
    int rc = 0;
    cg_pool *p = calloc(1, sizeof *p);
    if (!p) return CG_ENOMEM;
    p->threads = calloc((size_t)threads, sizeof *p->threads);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (!p->threads) goto fail;
    p->queue_max = queue_max;
    atomic_init(&p->depth, 0);
    atomic_init(&p->active, 0);
    for (; p->nthreads < threads; p->nthreads++) {
        rc = pthread_create(&p->threads[p->nthreads], NULL, pool_main, p);
        if (rc != 0) goto fail;
        char name[16];
        snprintf(name, sizeof name, "cg-pool-%d", p->nthreads);
        pthread_setname_np(p->threads[p->nthreads], name);
    }
    *out = p;
    return 0;
fail:
    pool_stop_join(p, p->nthreads);
    pool_free(p);
    return rc ? -rc : CG_ENOMEM;
}

int cg_pool_submit(cg_pool *p, cg_job *j)
{
    CG_ASSERT(j && j->run);
    int rc = 0;
    j->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->stopping || atomic_load(&p->depth) >= p->queue_max) {
        rc = CG_EOVERLOAD;
    } else {
        if (p->tail)
            p->tail->next = j;
        else
            p->head = j;
        p->tail = j;
        atomic_fetch_add(&p->depth, 1);
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int cg_pool_queue_depth(cg_pool *p)
{
    return atomic_load(&p->depth);
}
int cg_pool_active(cg_pool *p)
{
    return atomic_load(&p->active);
}
int cg_pool_threads(const cg_pool *p)
{
    return p->nthreads;
}

void cg_pool_destroy(cg_pool *p)
{
    if (!p) return;
    pool_stop_join(p, p->nthreads);
    pool_free(p);
}
