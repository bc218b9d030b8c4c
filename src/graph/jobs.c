/*
 * jobs.c — index job records in the "jobs" column family (key: job id, big-endian), so
 * GET /api/v1/jobs/{id} answers after a restart too. Ids grow with time; the newest job of
 * a project is also remembered in the project record. Old finished jobs are pruned beyond
 * CG_GRAPH_JOBS_KEEP records.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

#define GR_META_HWM_JOB "graph.hwm.job"

static const char *const gr_job_states[CG_JOB_STATE_COUNT] = {"queued", "running", "done", "failed",
                                                              "cancelled"};

const char *cg_graph_job_state_name(int state)
{
    return state >= 0 && state < CG_JOB_STATE_COUNT ? gr_job_states[state] : "unknown";
}

static int gr_job_final(int state)
{
    return state == CG_JOB_DONE || state == CG_JOB_FAILED || state == CG_JOB_CANCELLED;
}

static void gr_job_batch(cg_store_batch *b, const cg_graph_job *j, cg_buf *tmp)
{
    gr_key k;

    cg_buf_reset(tmp);
    gr_enc_job(tmp, j);
    gr_k_entity(&k, j->id);
    cg_store_batch_put(b, CG_STORE_CF_JOBS, k.b, k.n, tmp->data, tmp->len);
}

/* Delete the oldest finished jobs while more than CG_GRAPH_JOBS_KEEP exist. */
static int gr_job_prune(cg_graph *g)
{
    cg_store_iter *it = NULL;
    cg_store_batch *b = NULL;
    int64_t n = 0, extra;
    int rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_JOBS, NULL, 0, NULL, 0, &it);

    if (rc) return rc;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) n++;
    extra = n - CG_GRAPH_JOBS_KEEP;
    if (extra > 0 && !(b = cg_store_batch_create(g->s))) rc = CG_ENOMEM;
    for (gr_iter_first(it); !rc && extra > 0 && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const void *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        cg_graph_job j = {0};
        if (gr_dec_job(v, vl, &j) == 0 && !gr_job_final(j.state)) continue;
        cg_store_batch_delete(b, CG_STORE_CF_JOBS, k, kl);
        extra--;
    }
    if (!rc && b) rc = cg_store_batch_write(g->s, b, 0, NULL, 0);
    cg_store_batch_destroy(b);
    cg_store_iter_destroy(it);
    return rc;
}

int cg_graph_job_create(cg_graph *g, uint32_t project, const char *kind, cg_graph_job *out)
{
    cg_graph_project p;
    cg_store_batch *b = cg_store_batch_create(g->s);
    cg_buf tmp;
    gr_key k;
    uint8_t hwm[8];
    int rc;

    if (!b) return CG_ENOMEM;
    cg_buf_init(&tmp);
    pthread_mutex_lock(&g->pmu);
    rc = gr_project_read(g, NULL, project, &p);
    if (!rc && p.state != CG_PROJECT_ACTIVE) rc = CG_ENOTFOUND;
    if (rc) goto fail;
    memset(out, 0, sizeof(*out));
    out->id = g->next_job;
    out->project = project;
    out->state = CG_JOB_QUEUED;
    out->created_s = cg_time_wall_s();
    snprintf(out->kind, sizeof(out->kind), "%s", kind && *kind ? kind : "index");
    gr_job_batch(b, out, &tmp);
    p.last_job = out->id;
    cg_buf_reset(&tmp);
    gr_enc_project(&tmp, &p);
    gr_k_project(&k, project);
    cg_store_batch_put(b, CG_STORE_CF_PROJECTS, k.b, k.n, tmp.data, tmp.len);
    for (int i = 0; i < 8; i++) hwm[i] = (uint8_t)((out->id + 1) >> (56 - 8 * i));
    cg_store_batch_put(b, CG_STORE_CF_META, GR_META_HWM_JOB, strlen(GR_META_HWM_JOB), hwm, 8);
    rc = cg_buf_ok(&tmp) ? cg_store_batch_write(g->s, b, 1, NULL, 0) : CG_ENOMEM;
    if (!rc) g->next_job++;
fail:
    pthread_mutex_unlock(&g->pmu);
    cg_store_batch_destroy(b);
    cg_buf_release(&tmp);
    /* Readers keep seeing the last published state while the job writes. */
    if (!rc) rc = gr_pin_ensure(g, project);
    if (!rc) rc = gr_job_prune(g);
    return rc;
}

int cg_graph_job_put(cg_graph *g, const cg_graph_job *j)
{
    cg_store_batch *b = cg_store_batch_create(g->s);
    cg_buf tmp;
    int rc;

    if (!b) return CG_ENOMEM;
    cg_buf_init(&tmp);
    gr_job_batch(b, j, &tmp);
    rc = cg_buf_ok(&tmp) ? cg_store_batch_write(g->s, b, gr_job_final(j->state), NULL, 0)
                         : CG_ENOMEM;
    cg_store_batch_destroy(b);
    cg_buf_release(&tmp);
    return rc;
}

void cg_graph_job_add_error(cg_graph_job *j, const char *fmt, ...)
{
    va_list ap;

    if (j->n_msgs < CG_GRAPH_JOB_ERRORS_MAX) {
        va_start(ap, fmt);
        vsnprintf(j->errors[j->n_msgs++], CG_GRAPH_JOB_ERROR_LEN, fmt, ap);
        va_end(ap);
    }
    j->n_errors++;
}

int cg_graph_job_get(cg_graph *g, uint64_t id, cg_graph_job *out)
{
    gr_key k;
    cg_buf b;
    int rc;

    cg_buf_init(&b);
    gr_k_entity(&k, id);
    rc = gr_get(g, NULL, CG_STORE_CF_JOBS, &k, &b);
    out->id = id;
    if (rc >= 0) rc = gr_dec_job(b.data, b.len, out);
    cg_buf_release(&b);
    return rc;
}

int cg_graph_job_list(cg_graph *g, uint32_t project, cg_graph_job *out, int cap)
{
    cg_store_iter *it = NULL;
    int n = 0, rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_JOBS, NULL, 0, NULL, 0, &it);

    if (rc) return rc;
    for (cg_store_iter_last(it); n < cap && cg_store_iter_valid(it); cg_store_iter_prev(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        if (kl != 8) continue;
        out[n].id = gr_get_u64(k);
        if ((rc = gr_dec_job(v, vl, &out[n])) != 0) break;
        if (project == 0 || out[n].project == project) n++;
    }
    if (!rc) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc ? rc : n;
}
