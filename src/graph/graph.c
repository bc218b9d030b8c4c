/*
 * graph.c — the graph handle: open (schema version, id counters), projects, publishing and
 * pinned snapshots, views. Key encodings and invariants: DESIGN in graph_int.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"
#include "search/hook.h" /* a deleted project's lexical index */

/* File uids reserved per synced meta write (allocation is then a counter increment). */
#define GR_FILE_UID_BLOCK 1024
/* Paths kept in the uid → path cache before it is emptied and refilled. */
#define GR_PATH_CACHE_MAX 65536
/* Meta keys. */
#define GR_META_SCHEMA "graph.schema"
#define GR_META_HWM_PROJECT "graph.hwm.project"
#define GR_META_HWM_FILE "graph.hwm.file"
#define GR_META_HWM_JOB "graph.hwm.job"

static void gr_err(char *err, size_t errlen, const char *msg, int rc)
{
    if (err && errlen) snprintf(err, errlen, "%s: %s", msg, cg_err_str(rc));
}

cg_store *cg_graph_store(cg_graph *g)
{
    return g->s;
}

/* meta u64 (big-endian); *out = dflt when absent. */
static int gr_meta_u64(cg_graph *g, const char *key, uint64_t dflt, uint64_t *out)
{
    uint8_t b[8];
    int rc = cg_store_get_meta(g->s, key, b, sizeof(b), NULL, 0);

    *out = dflt;
    if (rc == CG_ENOTFOUND) return 0;
    if (rc < 0) return rc;
    if (rc != 8) return CG_ECORRUPT;
    *out = gr_get_u64(b);
    return 0;
}

static void gr_meta_u64_batch(cg_store_batch *b, const char *key, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (56 - 8 * i));
    cg_store_batch_put(b, CG_STORE_CF_META, key, strlen(key), x, sizeof(x));
}

static int gr_meta_put_u64(cg_graph *g, const char *key, uint64_t v)
{
    cg_store_batch *b = cg_store_batch_create(g->s);
    int rc;

    if (!b) return CG_ENOMEM;
    gr_meta_u64_batch(b, key, v);
    rc = cg_store_batch_write(g->s, b, 1, NULL, 0);
    cg_store_batch_destroy(b);
    return rc;
}

/* One past the largest id found as a big-endian u64/u32 after `tag` in cf (0 when none). */
static int gr_last_id(cg_graph *g, cg_store_cf cf, int tag, int width, uint64_t *next)
{
    uint8_t lo[1] = {(uint8_t)tag}, hi[1] = {(uint8_t)(tag + 1)};
    cg_store_iter *it = NULL;
    int off = tag >= 0 ? 1 : 0;
    int rc =
        cg_store_iter_create(g->s, NULL, cf, tag >= 0 ? lo : NULL, 1, tag >= 0 ? hi : NULL, 1, &it);

    *next = 0;
    if (rc) return rc;
    cg_store_iter_last(it);
    if (cg_store_iter_valid(it)) {
        size_t kl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        if (kl >= (size_t)(off + width))
            *next = (width == 8 ? gr_get_u64(k + off) : gr_get_u32(k + off)) + 1;
    }
    rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

static int gr_schema_check(cg_graph *g, char *err, size_t errlen)
{
    uint8_t b[4], v[4] = {0, 0, 0, GR_SCHEMA_VERSION};
    int rc = cg_store_get_meta(g->s, GR_META_SCHEMA, b, sizeof(b), err, errlen);

    if (rc == CG_ENOTFOUND)
        return cg_store_put_meta(g->s, GR_META_SCHEMA, v, sizeof(v), err, errlen);
    if (rc < 0) return rc;
    if (rc != 4) {
        if (err && errlen) snprintf(err, errlen, "graph schema version record is corrupt");
        return CG_ECORRUPT;
    }
    if (gr_get_u32(b) > GR_SCHEMA_VERSION) {
        if (err && errlen)
            snprintf(err, errlen, "graph schema version %u is newer than this build's (%d)",
                     gr_get_u32(b), GR_SCHEMA_VERSION);
        return CG_EDB;
    }
    if (gr_get_u32(b) < GR_SCHEMA_VERSION) /* upgraded in place: see GR_SCHEMA_VERSION */
        return cg_store_put_meta(g->s, GR_META_SCHEMA, v, sizeof(v), err, errlen);
    return 0;
}

static int gr_load_counters(cg_graph *g)
{
    uint64_t hp, hf, hj, lp, lf, lj;
    int rc = gr_meta_u64(g, GR_META_HWM_PROJECT, 1, &hp);

    if (!rc) rc = gr_meta_u64(g, GR_META_HWM_FILE, 1, &hf);
    if (!rc) rc = gr_meta_u64(g, GR_META_HWM_JOB, 1, &hj);
    if (!rc) rc = gr_last_id(g, CG_STORE_CF_PROJECTS, GR_TAG_PROJECT, 4, &lp);
    if (!rc) rc = gr_last_id(g, CG_STORE_CF_FILES, GR_TAG_FILE_UID, 8, &lf);
    if (!rc) rc = gr_last_id(g, CG_STORE_CF_JOBS, -1, 8, &lj);
    if (rc) return rc;
    g->next_project = CG_MAX(CG_MAX(hp, lp), 1);
    g->next_file = g->file_reserved = CG_MAX(CG_MAX(hf, lf), 1);
    g->next_job = CG_MAX(CG_MAX(hj, lj), 1);
    return 0;
}

int cg_graph_open(cg_graph **out, cg_store *s, char *err, size_t errlen)
{
    cg_graph *g;
    int rc;

    CG_ASSERT(out && s);
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (!(g = calloc(1, sizeof(*g)))) return CG_ENOMEM;
    g->s = s;
    pthread_mutex_init(&g->mu, NULL);
    pthread_mutex_init(&g->pmu, NULL);
    pthread_mutex_init(&g->cmu, NULL);
    gr_idmap_init(&g->path_ix);
    rc = gr_schema_check(g, err, errlen);
    if (rc) goto fail;
    rc = gr_load_counters(g);
    if (rc) {
        gr_err(err, errlen, "loading graph id counters", rc);
        goto fail;
    }
    *out = g;
    return 0;
fail:
    cg_graph_close(g);
    return rc;
}

void cg_graph_close(cg_graph *g)
{
    if (!g) return;
    for (int i = 0; i < g->n_pins; i++) {
        gr_snapref *r = g->pins[i].ref;
        CG_ASSERT(r->refs == 1); /* every view closed */
        cg_store_snap_release(g->s, r->snap);
        free(r);
    }
    free(g->pins);
    for (size_t i = 0; i < g->n_paths; i++) free(g->paths[i]);
    free(g->paths);
    gr_idmap_release(&g->path_ix);
    pthread_mutex_destroy(&g->mu);
    pthread_mutex_destroy(&g->pmu);
    pthread_mutex_destroy(&g->cmu);
    free(g);
}

int gr_file_uid_alloc(cg_graph *g, uint64_t *uid)
{
    int rc = 0;

    pthread_mutex_lock(&g->mu);
    if (g->next_file > CG_GRAPH_FILE_UID_MAX) {
        rc = CG_ELIMIT;
    } else if (g->next_file >= g->file_reserved) {
        uint64_t res = g->next_file + GR_FILE_UID_BLOCK;
        rc = gr_meta_put_u64(g, GR_META_HWM_FILE, res);
        if (!rc) g->file_reserved = res;
    }
    if (!rc) *uid = g->next_file++;
    pthread_mutex_unlock(&g->mu);
    return rc;
}

/* Remember uid → path (g->cmu held); a full cache is emptied first. */
static void gr_path_cache_add(cg_graph *g, uint64_t uid, const char *path)
{
    char *copy;

    if (g->n_paths >= GR_PATH_CACHE_MAX || !g->paths) {
        for (size_t i = 0; i < g->n_paths; i++) free(g->paths[i]);
        gr_idmap_release(&g->path_ix);
        g->n_paths = 0;
        if (!g->paths && !(g->paths = calloc(GR_PATH_CACHE_MAX, sizeof(*g->paths)))) return;
    }
    if (!(copy = strdup(path))) return;
    if (gr_idmap_put(&g->path_ix, uid, g->n_paths + 1) != 0) {
        free(copy);
        return;
    }
    g->paths[g->n_paths++] = copy;
}

int gr_uid_path_get(cg_graph *g, uint64_t uid, char *out, size_t cap)
{
    uint64_t ix;
    uint32_t project;
    const char *path;
    gr_key k;
    cg_buf b;
    int rc;

    pthread_mutex_lock(&g->cmu);
    if (gr_idmap_get(&g->path_ix, uid, &ix)) {
        snprintf(out, cap, "%s", g->paths[ix - 1]);
        pthread_mutex_unlock(&g->cmu);
        return 0;
    }
    pthread_mutex_unlock(&g->cmu);
    cg_buf_init(&b);
    gr_k_uid(&k, GR_TAG_FILE_UID, uid);
    rc = gr_get(g, NULL, CG_STORE_CF_FILES, &k, &b);
    if (rc >= 0) rc = gr_dec_uid(b.data, b.len, &project, &path);
    if (!rc) {
        snprintf(out, cap, "%s", path);
        pthread_mutex_lock(&g->cmu);
        gr_path_cache_add(g, uid, path);
        pthread_mutex_unlock(&g->cmu);
    }
    cg_buf_release(&b);
    return rc;
}

/* ---- projects ---- */

int gr_project_read(cg_graph *g, const cg_store_snap *snap, uint32_t id, cg_graph_project *out)
{
    gr_key k;
    cg_buf b;
    int rc;

    cg_buf_init(&b);
    gr_k_project(&k, id);
    rc = gr_get(g, snap, CG_STORE_CF_PROJECTS, &k, &b);
    if (rc >= 0) rc = gr_dec_project(b.data, b.len, out);
    cg_buf_release(&b);
    return rc;
}

int cg_graph_project_get(cg_graph *g, uint32_t id, cg_graph_project *out)
{
    return gr_project_read(g, NULL, id, out);
}

static int gr_project_id_by_name(cg_graph *g, const char *name, uint32_t *id)
{
    gr_key k;
    cg_buf b;
    int rc;

    cg_buf_init(&b);
    gr_k_project_name(&k, name);
    rc = gr_get(g, NULL, CG_STORE_CF_PROJECTS, &k, &b);
    if (rc >= 0) rc = rc == 4 ? 0 : CG_ECORRUPT;
    if (!rc) *id = gr_get_u32((const uint8_t *)b.data);
    cg_buf_release(&b);
    return rc;
}

int cg_graph_project_find(cg_graph *g, const char *name, cg_graph_project *out)
{
    uint32_t id;
    int rc;

    if (!name || !*name || strlen(name) > CG_GRAPH_NAME_MAX) return CG_ENOTFOUND;
    rc = gr_project_id_by_name(g, name, &id);
    return rc ? rc : gr_project_read(g, NULL, id, out);
}

/* Queue the project record p (and, when name_key, its name → id key) into b. */
static void gr_project_batch(cg_store_batch *b, const cg_graph_project *p, int name_key,
                             cg_buf *tmp)
{
    gr_key k;
    uint8_t id[4] = {(uint8_t)(p->id >> 24), (uint8_t)(p->id >> 16), (uint8_t)(p->id >> 8),
                     (uint8_t)p->id};

    cg_buf_reset(tmp);
    gr_enc_project(tmp, p);
    gr_k_project(&k, p->id);
    cg_store_batch_put(b, CG_STORE_CF_PROJECTS, k.b, k.n, tmp->data, tmp->len);
    if (!name_key) return;
    gr_k_project_name(&k, p->name);
    cg_store_batch_put(b, CG_STORE_CF_PROJECTS, k.b, k.n, id, sizeof(id));
}

static int gr_project_valid(const char *name, const char *root)
{
    size_t nl = name ? strlen(name) : 0, rl = root ? strlen(root) : 0;
    return nl > 0 && nl <= CG_GRAPH_NAME_MAX && rl > 0 && rl <= CG_GRAPH_PATH_MAX && root[0] == '/';
}

int cg_graph_project_create(cg_graph *g, const char *name, const char *root, uint32_t *id)
{
    cg_graph_project p;
    cg_store_batch *b = NULL;
    cg_buf tmp;
    uint32_t existing;
    int rc;

    if (!gr_project_valid(name, root)) return CG_EINVAL;
    cg_buf_init(&tmp);
    pthread_mutex_lock(&g->pmu);
    rc = gr_project_id_by_name(g, name, &existing);
    if (rc != CG_ENOTFOUND) {
        rc = rc == 0 ? -EEXIST : rc;
        goto fail;
    }
    if (g->next_project > UINT32_MAX || !(b = cg_store_batch_create(g->s))) {
        rc = b ? CG_ELIMIT : CG_ENOMEM;
        goto fail;
    }
    memset(&p, 0, sizeof(p));
    p.id = (uint32_t)g->next_project;
    p.created_s = cg_time_wall_s();
    snprintf(p.name, sizeof(p.name), "%s", name);
    snprintf(p.root, sizeof(p.root), "%s", root);
    gr_project_batch(b, &p, 1, &tmp);
    gr_meta_u64_batch(b, GR_META_HWM_PROJECT, g->next_project + 1);
    rc = cg_buf_ok(&tmp) ? cg_store_batch_write(g->s, b, 1, NULL, 0) : CG_ENOMEM;
    if (!rc) {
        g->next_project++;
        if (id) *id = p.id;
    }
fail:
    pthread_mutex_unlock(&g->pmu);
    cg_store_batch_destroy(b);
    cg_buf_release(&tmp);
    return rc;
}

int cg_graph_project_list(cg_graph *g, cg_graph_project *out, int cap)
{
    uint8_t lo[1] = {GR_TAG_PROJECT}, hi[1] = {GR_TAG_PROJECT + 1};
    cg_store_iter *it = NULL;
    int n = 0, rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_PROJECTS, lo, 1, hi, 1, &it);

    if (rc) return rc;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t vl;
        const void *v = cg_store_iter_value(it, &vl);
        if (n < cap && (rc = gr_dec_project(v, vl, &out[n])) != 0) break;
        n++;
    }
    if (!rc) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc ? rc : n;
}

/* First step of a delete: mark DELETING and free the name, synced. */
static int gr_project_mark_deleting(cg_graph *g, uint32_t id)
{
    cg_graph_project p;
    cg_store_batch *b = NULL;
    cg_buf tmp;
    uint32_t named = 0;
    gr_key k;
    int rc;

    cg_buf_init(&tmp);
    pthread_mutex_lock(&g->pmu);
    rc = gr_project_read(g, NULL, id, &p);
    if (rc) goto fail;
    if (!(b = cg_store_batch_create(g->s))) {
        rc = CG_ENOMEM;
        goto fail;
    }
    p.state = CG_PROJECT_DELETING;
    gr_project_batch(b, &p, 0, &tmp);
    if (gr_project_id_by_name(g, p.name, &named) == 0 && named == id) {
        gr_k_project_name(&k, p.name);
        cg_store_batch_delete(b, CG_STORE_CF_PROJECTS, k.b, k.n);
    }
    rc = cg_buf_ok(&tmp) ? cg_store_batch_write(g->s, b, 1, NULL, 0) : CG_ENOMEM;
fail:
    pthread_mutex_unlock(&g->pmu);
    cg_store_batch_destroy(b);
    cg_buf_release(&tmp);
    return rc;
}

/* Delete the keys of every file of the project (entities, edges, uid records). */
static int gr_project_drop_files(cg_graph *g, uint32_t id)
{
    static const cg_store_cf cfs[] = {CG_STORE_CF_ENTITIES, CG_STORE_CF_OUT_EDGES,
                                      CG_STORE_CF_IN_EDGES};
    gr_key lo, hi;
    cg_store_iter *it = NULL;
    int rc;

    gr_k_file(&lo, id, NULL);
    hi = lo;
    gr_key_prefix_end(&hi);
    rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_FILES, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        cg_graph_file_info fi;
        size_t vl;
        const void *v = cg_store_iter_value(it, &vl);
        gr_key a, z;
        if ((rc = gr_dec_file(v, vl, &fi))) break;
        gr_k_entity(&a, GR_ID(fi.uid, 0));
        gr_k_entity(&z, GR_ID(fi.uid + 1, 0));
        for (size_t i = 0; i < CG_ARRAY_LEN(cfs) && !rc; i++)
            rc = gr_delete_span(g, cfs[i], &a, &z);
        gr_k_uid(&a, GR_TAG_FILE_UID, fi.uid);
        gr_k_uid(&z, GR_TAG_FILE_REFS, fi.uid + 1);
        if (!rc) rc = gr_delete_span(g, CG_STORE_CF_FILES, &a, &z);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

/* Delete every key of cf starting with the project-scoped prefix (tag < 0: no tag). */
static int gr_project_drop_prefix(cg_graph *g, cg_store_cf cf, int tag, uint32_t id)
{
    gr_key lo, hi;

    gr_key_reset(&lo);
    if (tag >= 0) gr_key_u8(&lo, (uint8_t)tag);
    gr_key_u32(&lo, id);
    hi = lo;
    gr_key_prefix_end(&hi);
    return gr_delete_span(g, cf, &lo, &hi);
}

int cg_graph_project_delete(cg_graph *g, uint32_t id)
{
    gr_key k;
    int rc = gr_project_mark_deleting(g, id);

    if (rc) return rc;
    gr_pin_drop(g, id);
    rc = gr_project_drop_files(g, id);
    if (!rc) rc = gr_project_drop_prefix(g, CG_STORE_CF_NAMES, -1, id);
    for (int t = GR_TAG_UNRES; t <= GR_TAG_DIRTY && !rc; t++)
        rc = gr_project_drop_prefix(g, CG_STORE_CF_UNRESOLVED, t, id);
    if (!rc) rc = gr_project_drop_prefix(g, CG_STORE_CF_FILES, GR_TAG_FILE, id);
    if (rc) return rc;
    cg_store_batch *b = cg_store_batch_create(g->s);
    if (!b) return CG_ENOMEM;
    gr_k_project(&k, id);
    cg_store_batch_delete(b, CG_STORE_CF_PROJECTS, k.b, k.n);
    cg_search_hook_drop_project(b, id); /* its lexical index goes with the record */
    rc = cg_store_batch_write(g->s, b, 1, NULL, 0);
    cg_store_batch_destroy(b);
    return rc;
}

/* ---- pinned snapshots and views ---- */

static gr_pin *gr_pin_find(cg_graph *g, uint32_t project)
{
    for (int i = 0; i < g->n_pins; i++)
        if (g->pins[i].project == project) return &g->pins[i];
    return NULL;
}

/* A snapshot of now with the project's published generation; NULL ref and rc on error. */
static int gr_snapref_new(cg_graph *g, uint32_t project, gr_snapref **out)
{
    gr_snapref *r = calloc(1, sizeof(*r));
    cg_graph_project p;
    int rc;

    *out = NULL;
    if (!r || !(r->snap = cg_store_snap_create(g->s))) {
        free(r);
        return CG_ENOMEM;
    }
    rc = gr_project_read(g, r->snap, project, &p);
    if (!rc && p.state != CG_PROJECT_ACTIVE) rc = CG_ENOTFOUND;
    if (rc) {
        cg_store_snap_release(g->s, r->snap);
        free(r);
        return rc;
    }
    r->generation = p.generation;
    r->refs = 1;
    *out = r;
    return 0;
}

/* Drop one reference (g->mu held). */
static void gr_snapref_put(cg_graph *g, gr_snapref *r)
{
    if (--r->refs > 0) return;
    cg_store_snap_release(g->s, r->snap);
    free(r);
}

/* Add a pin holding r (g->mu held). */
static int gr_pin_add_locked(cg_graph *g, uint32_t project, gr_snapref *r, gr_pin **out)
{
    if (g->n_pins == g->cap_pins) {
        int cap = g->cap_pins ? g->cap_pins * 2 : 8;
        gr_pin *n = realloc(g->pins, (size_t)cap * sizeof(*n));
        if (!n) return CG_ENOMEM;
        g->pins = n;
        g->cap_pins = cap;
    }
    *out = &g->pins[g->n_pins++];
    (*out)->project = project;
    (*out)->ref = r;
    return 0;
}

/* The project's pin, created now if missing (g->mu held). */
static int gr_pin_get_locked(cg_graph *g, uint32_t project, gr_pin **out)
{
    gr_snapref *r;
    int rc;

    if ((*out = gr_pin_find(g, project))) return 0;
    if ((rc = gr_snapref_new(g, project, &r))) return rc;
    if ((rc = gr_pin_add_locked(g, project, r, out))) gr_snapref_put(g, r);
    return rc;
}

int gr_pin_ensure(cg_graph *g, uint32_t project)
{
    gr_pin *p;
    int rc;

    pthread_mutex_lock(&g->mu);
    rc = gr_pin_get_locked(g, project, &p);
    pthread_mutex_unlock(&g->mu);
    return rc;
}

void gr_pin_drop(cg_graph *g, uint32_t project)
{
    pthread_mutex_lock(&g->mu);
    gr_pin *p = gr_pin_find(g, project);
    if (p) {
        gr_snapref_put(g, p->ref);
        *p = g->pins[--g->n_pins];
    }
    pthread_mutex_unlock(&g->mu);
}

int cg_graph_project_publish(cg_graph *g, uint32_t id, uint64_t *generation)
{
    cg_graph_project p;
    cg_store_batch *b;
    gr_snapref *r = NULL;
    cg_buf tmp;
    int rc;

    if (!(b = cg_store_batch_create(g->s))) return CG_ENOMEM;
    cg_buf_init(&tmp);
    pthread_mutex_lock(&g->pmu);
    rc = gr_project_read(g, NULL, id, &p);
    if (!rc && p.state != CG_PROJECT_ACTIVE) rc = CG_ENOTFOUND;
    if (!rc) {
        p.generation++;
        p.indexed_s = cg_time_wall_s();
        gr_project_batch(b, &p, 0, &tmp);
        rc = cg_buf_ok(&tmp) ? cg_store_batch_write(g->s, b, 1, NULL, 0) : CG_ENOMEM;
    }
    if (!rc) {
        pthread_mutex_lock(&g->mu);
        gr_pin *pin = NULL;
        if ((rc = gr_snapref_new(g, id, &r)) == 0 && (pin = gr_pin_find(g, id))) {
            gr_snapref_put(g, pin->ref);
            pin->ref = r;
        } else if (!rc && (rc = gr_pin_add_locked(g, id, r, &pin)) != 0) {
            gr_snapref_put(g, r);
        }
        pthread_mutex_unlock(&g->mu);
    }
    pthread_mutex_unlock(&g->pmu);
    if (!rc && generation) *generation = p.generation;
    cg_store_batch_destroy(b);
    cg_buf_release(&tmp);
    return rc;
}

static int gr_view_new(cg_graph *g, uint32_t project, gr_snapref *r, cg_graph_view **out)
{
    cg_graph_view *v = calloc(1, sizeof(*v));
    if (!v) return CG_ENOMEM;
    v->g = g;
    v->project = project;
    v->ref = r;
    *out = v;
    return 0;
}

int cg_graph_view_open(cg_graph *g, uint32_t project, cg_graph_view **out)
{
    gr_pin *p;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&g->mu);
    rc = gr_pin_get_locked(g, project, &p);
    if (!rc && (rc = gr_view_new(g, project, p->ref, out)) == 0) p->ref->refs++;
    pthread_mutex_unlock(&g->mu);
    return rc;
}

int cg_graph_view_open_latest(cg_graph *g, uint32_t project, cg_graph_view **out)
{
    gr_snapref *r;
    int rc;

    *out = NULL;
    if ((rc = gr_snapref_new(g, project, &r))) return rc;
    if ((rc = gr_view_new(g, project, r, out))) {
        pthread_mutex_lock(&g->mu);
        gr_snapref_put(g, r);
        pthread_mutex_unlock(&g->mu);
    }
    return rc;
}

void cg_graph_view_close(cg_graph_view *v)
{
    if (!v) return;
    pthread_mutex_lock(&v->g->mu);
    gr_snapref_put(v->g, v->ref);
    pthread_mutex_unlock(&v->g->mu);
    free(v);
}

uint64_t cg_graph_view_generation(const cg_graph_view *v)
{
    return v->ref->generation;
}

uint32_t cg_graph_view_project(const cg_graph_view *v)
{
    return v->project;
}

int cg_graph_entity_project(cg_graph *g, uint64_t id, uint32_t *project)
{
    const char *path;
    gr_key k;
    cg_buf b;
    int rc;

    cg_buf_init(&b);
    gr_k_uid(&k, GR_TAG_FILE_UID, CG_GRAPH_ID_FILE(id));
    rc = id ? gr_get(g, NULL, CG_STORE_CF_FILES, &k, &b) : CG_ENOTFOUND;
    if (rc >= 0) rc = gr_dec_uid(b.data, b.len, project, &path);
    cg_buf_release(&b);
    return rc;
}
