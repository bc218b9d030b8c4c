/*
 * test_pool.c — proves the thread pool's contract: jobs run on pool threads named
 * "cg-pool-N"; `done` runs on the owner reactor's thread (via the reactor mailbox) or, with
 * no owner, on the pool thread right after `run`; a full queue answers CG_EOVERLOAD without
 * losing accepted jobs; destroy runs every queued job before returning and refuses new
 * ones while stopping; concurrent submitters lose nothing; depth/active/threads report
 * what is happening.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/pool.h"
#include "codegraph/reactor.h"

#define WAIT_MS 5000

typedef struct tjob {
    cg_job job;
    pthread_t ran_on, done_on;
    char thread_name[16];
    atomic_int ran, done;
    atomic_int *gate; /* when set, run waits until it becomes non-zero */
} tjob;

static atomic_int done_total;

static uint64_t now_ms(void)
{
    return cg_time_mono_ns() / 1000000u;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_int(atomic_int *v, int want)
{
    uint64_t until = now_ms() + WAIT_MS;
    while (atomic_load(v) < want && now_ms() < until) sleep_ms(1);
    return atomic_load(v) >= want;
}

static void job_run(cg_job *j)
{
    tjob *t = (tjob *)j;
    t->ran_on = pthread_self();
    pthread_getname_np(pthread_self(), t->thread_name, sizeof t->thread_name);
    while (t->gate && !atomic_load(t->gate)) sleep_ms(1);
    atomic_store(&t->ran, 1);
}

static void job_done(cg_job *j)
{
    tjob *t = (tjob *)j;
    t->done_on = pthread_self();
    if (!atomic_load(&t->ran)) t->job.status = -1; /* done before run: broken */
    atomic_store(&t->done, 1);
    atomic_fetch_add(&done_total, 1);
}

static void tjob_init(tjob *t, cg_reactor *owner, atomic_int *gate)
{
    memset(t, 0, sizeof *t);
    t->job.run = job_run;
    t->job.done = job_done;
    t->job.owner = owner;
    t->gate = gate;
}

/* ---- a reactor to complete on ---- */

static void *r_open(cg_reactor *r, cg_rconn *c, const struct sockaddr *p, socklen_t l)
{
    return NULL;
}
static void r_data(cg_reactor *r, cg_rconn *c, void *ud, const char *d, size_t n)
{
}
static void r_close(cg_reactor *r, cg_rconn *c, void *ud, int err)
{
}
static const cg_reactor_handler rh = {r_open, r_data, NULL, NULL, r_close, NULL};

typedef struct rsrv {
    cg_reactor *r;
    pthread_t th;
} rsrv;

static void *rsrv_main(void *arg)
{
    cg_reactor_run(((rsrv *)arg)->r);
    return NULL;
}

static int rsrv_start(rsrv *s)
{
    cg_reactor_options o = {"127.0.0.1", 0, CG_IO_AUTO, 0, -1, NULL};
    int rc = cg_reactor_create(&s->r, &o, &rh);
    if (rc < 0) return rc;
    return pthread_create(&s->th, NULL, rsrv_main, s) ? -1 : 0;
}

static void rsrv_stop(rsrv *s)
{
    cg_reactor_stop(s->r);
    pthread_join(s->th, NULL);
    cg_reactor_destroy(s->r);
}

/* ---- tests ---- */

CG_TEST(jobs_run_and_done_without_owner)
{
    cg_pool *p = NULL;
    CG_CHECK_EQ_INT(cg_pool_create(&p, 2, 16), 0);
    CG_CHECK_EQ_INT(cg_pool_threads(p), 2);
    tjob j[8];
    for (int i = 0; i < 8; i++) {
        tjob_init(&j[i], NULL, NULL);
        CG_CHECK_EQ_INT(cg_pool_submit(p, &j[i].job), 0);
    }
    for (int i = 0; i < 8; i++) {
        CG_CHECK(wait_int(&j[i].done, 1));
        CG_CHECK(!pthread_equal(j[i].ran_on, pthread_self()));
        CG_CHECK(pthread_equal(j[i].ran_on, j[i].done_on)); /* no owner: pool thread */
        CG_CHECK(strncmp(j[i].thread_name, "cg-pool-", 8) == 0);
        CG_CHECK_EQ_INT(j[i].job.status, 0);
    }
    cg_pool_destroy(p);
}

typedef struct tid_msg {
    cg_msg m;
    pthread_t tid;
    atomic_int got;
} tid_msg;

static void tid_fn(cg_reactor *r, cg_msg *m)
{
    tid_msg *t = (tid_msg *)m;
    t->tid = pthread_self();
    atomic_store(&t->got, 1);
}

CG_TEST(done_runs_on_owner_reactor_thread)
{
    rsrv s;
    CG_CHECK_EQ_INT(rsrv_start(&s), 0);
    tid_msg probe = {{tid_fn, NULL}, 0, 0}; /* learn the reactor thread's id */
    cg_reactor_post(s.r, &probe.m);
    CG_CHECK(wait_int(&probe.got, 1));
    cg_pool *p = NULL;
    CG_CHECK_EQ_INT(cg_pool_create(&p, 2, 16), 0);
    tjob j[6];
    for (int i = 0; i < 6; i++) {
        tjob_init(&j[i], s.r, NULL);
        CG_CHECK_EQ_INT(cg_pool_submit(p, &j[i].job), 0);
    }
    for (int i = 0; i < 6; i++) {
        CG_CHECK(wait_int(&j[i].done, 1));
        CG_CHECK(pthread_equal(j[i].done_on, probe.tid));
        CG_CHECK(!pthread_equal(j[i].ran_on, probe.tid));
        CG_CHECK_EQ_INT(j[i].job.status, 0);
    }
    cg_pool_destroy(p);
    rsrv_stop(&s);
}

CG_TEST(full_queue_overloads_and_depth_reports)
{
    cg_pool *p = NULL;
    atomic_int gate = 0;
    CG_CHECK_EQ_INT(cg_pool_create(&p, 1, 3), 0);
    tjob j[5];
    for (int i = 0; i < 5; i++) tjob_init(&j[i], NULL, &gate);
    CG_CHECK_EQ_INT(cg_pool_submit(p, &j[0].job), 0);
    uint64_t until = now_ms() + WAIT_MS; /* wait until the only thread is busy with j0 */
    while (cg_pool_active(p) != 1 && now_ms() < until) sleep_ms(1);
    CG_CHECK_EQ_INT(cg_pool_active(p), 1);
    for (int i = 1; i <= 3; i++) CG_CHECK_EQ_INT(cg_pool_submit(p, &j[i].job), 0);
    CG_CHECK_EQ_INT(cg_pool_queue_depth(p), 3);
    CG_CHECK_EQ_INT(cg_pool_submit(p, &j[4].job), CG_EOVERLOAD);
    atomic_store(&gate, 1);
    for (int i = 0; i < 4; i++) CG_CHECK(wait_int(&j[i].done, 1));
    CG_CHECK_EQ_INT(atomic_load(&j[4].ran), 0); /* the refused job never ran */
    CG_CHECK_EQ_INT(cg_pool_queue_depth(p), 0);
    cg_pool_destroy(p);
}

typedef struct late_submit {
    cg_job job;
    cg_pool *pool;
    cg_job *extra;
    atomic_int rc;
} late_submit;

static void late_run(cg_job *j)
{
    late_submit *l = (late_submit *)j;
    sleep_ms(50); /* destroy is underway by now */
    atomic_store(&l->rc, cg_pool_submit(l->pool, l->extra));
}

CG_TEST(destroy_drains_queue_and_refuses_new_work)
{
    cg_pool *p = NULL;
    CG_CHECK_EQ_INT(cg_pool_create(&p, 1, 64), 0);
    atomic_store(&done_total, 0);
    tjob extra;
    tjob_init(&extra, NULL, NULL);
    late_submit l = {{0}, p, &extra.job, 1};
    l.job.run = late_run;
    CG_CHECK_EQ_INT(cg_pool_submit(p, &l.job), 0);
    tjob j[20];
    for (int i = 0; i < 20; i++) {
        tjob_init(&j[i], NULL, NULL);
        CG_CHECK_EQ_INT(cg_pool_submit(p, &j[i].job), 0);
    }
    cg_pool_destroy(p); /* returns only after every queued job ran */
    for (int i = 0; i < 20; i++) CG_CHECK_EQ_INT(atomic_load(&j[i].done), 1);
    CG_CHECK_EQ_INT(atomic_load(&done_total), 20);
    CG_CHECK_EQ_INT(atomic_load(&l.rc), CG_EOVERLOAD);
    CG_CHECK_EQ_INT(atomic_load(&extra.ran), 0);
}

#define SUBMITTERS 4
#define PER_SUBMITTER 250

typedef struct submitter {
    cg_pool *p;
    tjob *jobs;
    atomic_int *refused;
} submitter;

static void *submitter_main(void *arg)
{
    submitter *s = arg;
    for (int i = 0; i < PER_SUBMITTER; i++) {
        while (cg_pool_submit(s->p, &s->jobs[i].job) == CG_EOVERLOAD) {
            atomic_fetch_add(s->refused, 1); /* back-pressure: retry */
            sched_yield();
        }
    }
    return NULL;
}

CG_TEST(concurrent_submitters_lose_nothing)
{
    rsrv s;
    CG_CHECK_EQ_INT(rsrv_start(&s), 0);
    cg_pool *p = NULL;
    CG_CHECK_EQ_INT(cg_pool_create(&p, 3, 8), 0);
    atomic_store(&done_total, 0);
    atomic_int refused = 0;
    tjob *jobs = calloc(SUBMITTERS * PER_SUBMITTER, sizeof *jobs);
    for (int i = 0; i < SUBMITTERS * PER_SUBMITTER; i++)
        tjob_init(&jobs[i], i % 2 ? s.r : NULL, NULL);
    pthread_t th[SUBMITTERS];
    submitter sub[SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++) {
        sub[i] = (submitter){p, jobs + i * PER_SUBMITTER, &refused};
        pthread_create(&th[i], NULL, submitter_main, &sub[i]);
    }
    for (int i = 0; i < SUBMITTERS; i++) pthread_join(th[i], NULL);
    CG_CHECK(wait_int(&done_total, SUBMITTERS * PER_SUBMITTER));
    CG_CHECK_EQ_INT(atomic_load(&done_total), SUBMITTERS * PER_SUBMITTER);
    int twice = 0;
    for (int i = 0; i < SUBMITTERS * PER_SUBMITTER; i++)
        twice += jobs[i].job.status != 0 || !atomic_load(&jobs[i].done);
    CG_CHECK_EQ_INT(twice, 0);
    cg_pool_destroy(p);
    rsrv_stop(&s);
    free(jobs);
}

CG_TEST_MAIN()
