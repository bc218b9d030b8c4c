/*
 * writeq.c — an index job's shared batch writer (see writeq.h).
 *
 * DESIGN
 * - Invariant: whenever the queue is not empty, some thread is writing (`writing` set), and
 *   that thread keeps taking items until it finds the queue empty under the mutex. So a
 *   queued item is always written, and a waiter is always woken (broadcast after each
 *   write: a waiter may wait for its item or for room).
 * - The writer writes without the mutex held; submitters only queue, so they never wait
 *   for a write except when the queue is full.
 */
#include "index/writeq.h"

void cg_writeq_init(cg_writeq *w)
{
    w->head = w->n = 0;
    w->writing = 0;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

void cg_writeq_destroy(cg_writeq *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

/* Write queued items until the queue is empty (w->mu held on entry and on return). */
static void writeq_drain(cg_writeq *w)
{
    while (w->n > 0) {
        cg_writeq_item *it = w->q[w->head];
        w->head = (w->head + 1) % CG_WRITEQ_MAX;
        w->n--;
        pthread_mutex_unlock(&w->mu);
        int rc = it->write(it->arg);
        pthread_mutex_lock(&w->mu);
        it->rc = rc;
        it->written = 1;
        pthread_cond_broadcast(&w->cv);
    }
}

void cg_writeq_submit(cg_writeq *w, cg_writeq_item *it)
{
    it->written = 0;
    it->rc = 0;
    pthread_mutex_lock(&w->mu);
    while (w->n == CG_WRITEQ_MAX) pthread_cond_wait(&w->cv, &w->mu);
    w->q[(w->head + w->n) % CG_WRITEQ_MAX] = it;
    w->n++;
    if (!w->writing) {
        w->writing = 1;
        writeq_drain(w);
        w->writing = 0;
    }
    pthread_mutex_unlock(&w->mu);
}

int cg_writeq_wait(cg_writeq *w, cg_writeq_item *it)
{
    pthread_mutex_lock(&w->mu);
    while (!it->written) pthread_cond_wait(&w->cv, &w->mu);
    int rc = it->rc;
    pthread_mutex_unlock(&w->mu);
    return rc;
}
