/*
 * test_writeq.c — proves the file phase's shared batch writer (src/index/writeq.c) on a real
 * store: several threads prepare puts (cg_graph_put_prepare) and hand them to one queue; the
 * even ones keep up to RING of them in flight, as the pipeline's workers do, the odd ones
 * wait for each put right after queuing it (so it is often still queued behind another
 * thread's write). Every wait returns only once its file is readable from the store, every
 * put is written with rc 0, and at the end the graph holds every file with its entity.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "cgtest_db.h"
#include "index/writeq.h"
#include "search/hook.h"

#define THREADS 4
#define FILES_PER_THREAD 200
#define RING 4 /* puts a thread keeps in flight, like the pipeline's file slots */
_Static_assert(RING <= CG_SEARCH_HOOK_SLOTS, "a hook slot per ring entry");

static char tmp_root[CGT_ROOT_MAX];

typedef struct shared {
    cgt_db db;
    uint32_t project;
    cg_writeq wq;
} shared;

/* One in-flight put of a thread. */
typedef struct ring_ent {
    cgt_fx *fx;
    cg_writeq_item item;
    char path[64];
} ring_ent;

typedef struct worker {
    shared *sh;
    int id;
    int bad_prepare, bad_write, unreadable; /* failures seen by this thread */
} worker;

static int put_write(void *put)
{
    return cg_graph_put_write(put);
}

/* Wait for the entry's write, check the file is in the store, finish the put. */
static void settle(worker *w, ring_ent *r, int slot)
{
    cg_graph_file_info fi;
    if (!r->item.arg) return;
    int rc = cg_writeq_wait(&w->sh->wq, &r->item);
    if (rc != 0) w->bad_write++;
    if (cg_graph_file_get(w->sh->db.g, w->sh->project, r->path, &fi) != 0) w->unreadable++;
    cg_search_hook_slot(slot);
    cg_graph_put_finish(r->item.arg, rc);
    r->item.arg = NULL;
    cg_buf_release(&r->fx->x.strings);
}

/* One file with one function f<thread>_<i>, prepared into r and queued. */
static void submit_one(worker *w, ring_ent *r, int slot, int i)
{
    char name[32];
    cgt_fx_init(r->fx);
    snprintf(name, sizeof(name), "f%d_%d", w->id, i);
    snprintf(r->path, sizeof(r->path), "t%d/m%d.py", w->id, i);
    cgt_fx_ent(r->fx, CG_KIND_FUNCTION, name, name, name, "", -1, (cg_span){1, 0, 2, 0, 0, 20});
    cg_graph_file_meta m = {
        .language = "python", .hash = cg_graph_hash(r->path, strlen(r->path)), .size = 20};
    cg_graph_put *put = NULL;
    cg_search_hook_slot(slot);
    if (cg_graph_put_prepare(w->sh->db.g, w->sh->project, r->path, &m, &r->fx->x, 0, &put) != 0) {
        w->bad_prepare++;
        cg_buf_release(&r->fx->x.strings);
        return;
    }
    r->item = (cg_writeq_item){.write = put_write, .arg = put};
    cg_writeq_submit(&w->sh->wq, &r->item);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    ring_ent ring[RING];
    memset(ring, 0, sizeof(ring));
    for (int k = 0; k < RING; k++)
        if (!(ring[k].fx = malloc(sizeof(cgt_fx)))) abort();
    for (int i = 0; i < FILES_PER_THREAD; i++) {
        settle(w, &ring[i % RING], i % RING);
        submit_one(w, &ring[i % RING], i % RING, i);
        if (w->id % 2) settle(w, &ring[i % RING], i % RING);
    }
    for (int k = 0; k < RING; k++) {
        settle(w, &ring[k], k);
        free(ring[k].fx);
    }
    cg_search_hook_slot(0);
    return NULL;
}

CG_TEST(every_queued_put_is_written_once_and_waits_see_it)
{
    static shared sh;
    pthread_t t[THREADS];
    worker w[THREADS];

    cgt_db_new(&sh.db, tmp_root, "writeq", "db");
    CG_CHECK_EQ_INT(cg_graph_project_create(sh.db.g, "wq", "/tmp/wq", &sh.project), 0);
    cg_writeq_init(&sh.wq);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.sh = &sh, .id = i};
        CG_CHECK_EQ_INT(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CG_CHECK_EQ_INT(w[i].bad_prepare, 0);
        CG_CHECK_EQ_INT(w[i].bad_write, 0);
        CG_CHECK_EQ_INT(w[i].unreadable, 0);
    }
    /* Nothing is left queued or being written. */
    CG_CHECK_EQ_INT((int)sh.wq.n, 0);
    CG_CHECK_EQ_INT(sh.wq.writing, 0);
    int found = 0;
    for (int i = 0; i < THREADS; i++)
        for (int f = 0; f < FILES_PER_THREAD; f++) {
            char path[64];
            cg_graph_file_info fi;
            snprintf(path, sizeof(path), "t%d/m%d.py", i, f);
            found += cg_graph_file_get(sh.db.g, sh.project, path, &fi) == 0 && fi.entities == 1;
        }
    CG_CHECK_EQ_INT(found, THREADS * FILES_PER_THREAD);
    cg_writeq_destroy(&sh.wq);
    cgt_db_close(&sh.db);
    cgt_rmtree(tmp_root);
}

CG_TEST_MAIN()
