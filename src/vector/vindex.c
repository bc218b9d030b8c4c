/*
 * vindex.c — the vector index (codegraph/vindex.h): generations of (mapped base file, mask,
 * delta log), lock-free readers through hazard slots, rebuild and atomic swap.
 *
 * DESIGN
 *   A generation (vgen) is: an optional mapped, checked base file (vfile.h) — immutable; a
 *   `masked` byte per base node (1 = the id has a newer delta entry or a tombstone); and the
 *   delta, an append-only log of entries {id, tombstone?, vector, next}. v->cur points at the
 *   current generation and is never NULL.
 *
 *   Writers (upsert, remove, the swap of a rebuild) hold v->wmu. An append writes the entry,
 *   publishes it by a release store of delta.count, then marks the entry it replaces
 *   (next := new position, release) and only then sets masked[node] of the base. Entries and
 *   chunks are never modified or freed while their generation lives (except `next`, atomic).
 *
 *   Readers take no lock: they acquire v->cur through a hazard slot (claim a free slot by
 *   CAS, store the pointer, re-read v->cur until both agree; seq_cst), read, and clear the
 *   slot. With count C loaded (acquire), entry p < C is the latest visible version of its id
 *   iff next == 0 or next >= C. Base hits are dropped when masked, and also when a visible
 *   delta entry carries the same id (the window between publish and mask), so a search sees
 *   every id at most once, newest version first.
 *
 *   Rebuild (one at a time, v->rbmu): note R = delta.count of generation g0; collect vectors
 *   (the caller's source, or g0's own base-minus-masked plus latest delta entries below R);
 *   build with FAISS; write the file atomically; map and fully check it; then under wmu copy
 *   g0's latest delta entries at positions >= R into the new generation (their upserts and
 *   removes happened after the rebuild started, so the source may lack them), publish it in
 *   v->cur, and after the lock wait until no hazard slot holds g0 before freeing it and
 *   deleting the other files. cg_vindex_verify_deferred swaps the same way (holding rbmu) to
 *   an empty base when the bulk checksums fail.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/faiss_bridge.h"
#include "codegraph/vindex.h"
#include "vector/vfile.h"
#include "vector/vindex_int.h"
#include "vector/vsearch.h"

/* ---- names ---- */

const char *cg_vindex_metric_name(cg_vindex_metric m)
{
    return m == CG_VINDEX_L2 ? "l2" : m == CG_VINDEX_IP ? "inner_product" : "cosine";
}

const char *cg_vindex_type_name(cg_vindex_type t)
{
    return t == CG_VINDEX_FLAT ? "flat" : "hnsw";
}

int cg_vindex_metric_parse(const char *s)
{
    if (!s) return -1;
    if (!strcmp(s, "cosine")) return CG_VINDEX_COSINE;
    if (!strcmp(s, "inner_product") || !strcmp(s, "ip")) return CG_VINDEX_IP;
    if (!strcmp(s, "l2")) return CG_VINDEX_L2;
    return -1;
}

int cg_vindex_type_parse(const char *s)
{
    if (!s) return -1;
    if (!strcmp(s, "hnsw")) return CG_VINDEX_HNSW;
    if (!strcmp(s, "flat")) return CG_VINDEX_FLAT;
    return -1;
}

void cg_vindex_options_default(cg_vindex_options *o)
{
    memset(o, 0, sizeof(*o));
    o->dim = 768;
    o->metric = CG_VINDEX_COSINE;
    o->index_type = CG_VINDEX_HNSW;
    o->m = 16;
    o->ef_construction = 200;
    o->ef_search = 64;
    o->max_elements = 10000000;
    o->model = "";
    o->verify = CG_VINDEX_VERIFY_LAZY;
}

/* ---- writer-side hash: id -> latest delta position ---- */

static int wh_grow(vx_whash *h)
{
    uint32_t cap = h->cap ? h->cap * 2 : 1024;
    vx_whash n = {calloc(cap, 8), calloc(cap, 4), calloc(cap, 1), cap, 0};
    if (!n.keys || !n.vals || !n.used) {
        free(n.keys);
        free(n.vals);
        free(n.used);
        return CG_ENOMEM;
    }
    for (uint32_t i = 0; i < h->cap; i++) {
        if (!h->used[i]) continue;
        uint32_t j = (uint32_t)(h->keys[i] * 0x9e3779b97f4a7c15ull >> 40) & (cap - 1);
        while (n.used[j]) j = (j + 1) & (cap - 1);
        n.used[j] = 1;
        n.keys[j] = h->keys[i];
        n.vals[j] = h->vals[i];
        n.n++;
    }
    free(h->keys);
    free(h->vals);
    free(h->used);
    *h = n;
    return 0;
}

/* Slot of id (existing, or the empty one where it would go); cap must be > 0. */
static uint32_t wh_slot(const vx_whash *h, uint64_t id)
{
    uint32_t j = (uint32_t)(id * 0x9e3779b97f4a7c15ull >> 40) & (h->cap - 1);
    while (h->used[j] && h->keys[j] != id) j = (j + 1) & (h->cap - 1);
    return j;
}

static int64_t wh_get(const vx_whash *h, uint64_t id)
{
    if (!h->cap) return -1;
    uint32_t j = wh_slot(h, id);
    return h->used[j] ? (int64_t)h->vals[j] : -1;
}

static int wh_put(vx_whash *h, uint64_t id, uint32_t pos)
{
    if ((h->n + 1) * 2 > h->cap && wh_grow(h)) return CG_ENOMEM;
    uint32_t j = wh_slot(h, id);
    if (!h->used[j]) h->n++;
    h->used[j] = 1;
    h->keys[j] = id;
    h->vals[j] = pos;
    return 0;
}

/* ---- generations ---- */

static void gen_free(vx_gen *g)
{
    if (!g) return;
    for (int i = 0; i < VX_DELTA_CHUNKS_MAX; i++) {
        vx_chunk *c = atomic_load_explicit(&g->delta.chunks[i], memory_order_relaxed);
        if (!c) break;
        free(c);
    }
    free(g->delta.hash.keys);
    free(g->delta.hash.vals);
    free(g->delta.hash.used);
    free((void *)g->masked);
    cg_vfile_map_close(&g->map);
    free(g);
}

/* A generation over an already checked mapping (map->addr NULL: no base). */
static vx_gen *gen_new(const cg_vfile_map *map, const cg_vfile_view *view, const char *problem)
{
    vx_gen *g = calloc(1, sizeof(*g));
    if (!g) return NULL;
    if (map && map->addr) {
        g->map = *map;
        g->view = *view;
        g->has_base = 1;
        g->masked = calloc((size_t)(view->n ? view->n : 1), 1);
        if (!g->masked) {
            free(g);
            return NULL;
        }
        atomic_store(&g->bulk_checked, view->bulk_checked);
    }
    snprintf(g->problem, sizeof(g->problem), "%s", problem ? problem : "");
    return g;
}

static size_t chunk_bytes(int dim)
{
    return sizeof(vx_chunk) + sizeof(float) * (size_t)VX_DELTA_CHUNK * (size_t)dim;
}

/* The entry slot at pos (its chunk allocated on demand). Writer only. */
static int delta_slot(vx_gen *g, int dim, uint32_t pos, vx_chunk **c, uint32_t *off)
{
    uint32_t ci = pos / VX_DELTA_CHUNK;
    if (ci >= VX_DELTA_CHUNKS_MAX) return CG_ELIMIT;
    vx_chunk *ch = atomic_load_explicit(&g->delta.chunks[ci], memory_order_relaxed);
    if (!ch) {
        if (!(ch = calloc(1, chunk_bytes(dim)))) return CG_ENOMEM;
        atomic_store_explicit(&g->delta.chunks[ci], ch, memory_order_release);
        g->delta.bytes += chunk_bytes(dim);
    }
    *c = ch;
    *off = pos % VX_DELTA_CHUNK;
    return 0;
}

/* Reader view of entry pos (< a count loaded with acquire). */
static inline vx_chunk *delta_chunk(const vx_gen *g, uint32_t pos)
{
    return atomic_load_explicit(&((vx_gen *)g)->delta.chunks[pos / VX_DELTA_CHUNK],
                                memory_order_relaxed);
}

/*
 * Append (id, vec) or a tombstone (vec NULL) to g's delta and mask the base. Writer only
 * (wmu held). vec is already normalised when the metric needs it. check_max: enforce
 * max_elements. Returns 0, CG_ELIMIT, CG_ENOMEM.
 */
static int gen_apply(cg_vindex *v, vx_gen *g, uint64_t id, const float *vec, int check_max)
{
    vx_delta *d = &g->delta;
    int64_t prev = wh_get(&d->hash, id);
    int64_t node = g->has_base ? cg_vfile_node_of(&g->view, id) : -1;
    int prev_live = prev >= 0 && !delta_chunk(g, (uint32_t)prev)->tomb[prev % VX_DELTA_CHUNK];
    int base_live = node >= 0 && !atomic_load_explicit(&g->masked[node], memory_order_relaxed);
    uint32_t pos = atomic_load_explicit(&d->count, memory_order_relaxed), off;
    vx_chunk *c;
    int rc;

    if (!vec && !prev_live && !base_live) return 0; /* removing an absent id */
    if (vec && check_max && !prev_live && !base_live &&
        g->view.n - g->masked_count + d->live >= v->o.max_elements)
        return CG_ELIMIT;
    if ((rc = delta_slot(g, v->o.dim, pos, &c, &off))) return rc;
    if ((rc = wh_put(&d->hash, id, pos))) return rc;
    c->id[off] = id;
    c->tomb[off] = vec == NULL;
    atomic_store_explicit(&c->next[off], 0, memory_order_relaxed);
    if (vec) memcpy(c->vec + (size_t)off * v->o.dim, vec, sizeof(float) * (size_t)v->o.dim);
    atomic_store_explicit(&d->count, pos + 1, memory_order_release);
    if (prev >= 0)
        atomic_store_explicit(&delta_chunk(g, (uint32_t)prev)->next[prev % VX_DELTA_CHUNK], pos,
                              memory_order_release);
    if (base_live) {
        atomic_store_explicit(&g->masked[node], 1, memory_order_release);
        g->masked_count++;
    }
    d->live += (vec != NULL) - prev_live;
    d->tombs += (vec == NULL) - (prev >= 0 && !prev_live);
    return 0;
}

/* ---- hazard slots ---- */

#define VX_SLOT_BUSY ((vx_gen *)(uintptr_t)1)

static __thread unsigned vx_slot_hint;

vx_gen *cg_vx_acquire(cg_vindex *v, int *slot)
{
    unsigned i = vx_slot_hint % VX_READERS_MAX;
    for (unsigned tries = 0;; tries++, i = (i + 1) % VX_READERS_MAX) {
        vx_gen *expect = NULL;
        if (atomic_compare_exchange_strong(&v->slots[i].p, &expect, VX_SLOT_BUSY)) break;
        if (tries && tries % VX_READERS_MAX == 0) sched_yield(); /* all busy: rare */
    }
    vx_slot_hint = i;
    *slot = (int)i;
    for (;;) {
        vx_gen *g = atomic_load(&v->cur);
        atomic_store(&v->slots[i].p, g);
        if (atomic_load(&v->cur) == g) return g;
    }
}

void cg_vx_release(cg_vindex *v, int slot)
{
    atomic_store(&v->slots[slot].p, NULL);
}

/* Publish g (wmu held by the caller). Returns the old generation, still to be retired. */
static vx_gen *gen_publish(cg_vindex *v, vx_gen *g)
{
    vx_gen *old = atomic_exchange(&v->cur, g);
    atomic_store(&v->saved_seq, g->has_base ? g->view.h->db_seq : 0);
    atomic_store(&v->needs_rebuild, g->problem[0] != 0);
    return old;
}

/* Wait until no reader holds old, then free it. */
static void gen_retire(cg_vindex *v, vx_gen *old)
{
    const struct timespec nap = {0, 50 * 1000};
    for (int i = 0; i < VX_READERS_MAX; i++)
        while (atomic_load(&v->slots[i].p) == old) nanosleep(&nap, NULL);
    gen_free(old);
}

/*
 * Copy g0's latest delta entries at positions [from, count) into g1 (wmu held). Returns 0 or
 * CG_ENOMEM / CG_ELIMIT.
 */
static int gen_carry(cg_vindex *v, vx_gen *g0, vx_gen *g1, uint32_t from)
{
    uint32_t n = atomic_load_explicit(&g0->delta.count, memory_order_acquire);
    for (uint32_t p = from; p < n; p++) {
        vx_chunk *c = delta_chunk(g0, p);
        uint32_t o = p % VX_DELTA_CHUNK;
        if (atomic_load_explicit(&c->next[o], memory_order_relaxed)) continue;
        int rc = gen_apply(v, g1, c->id[o], c->tomb[o] ? NULL : c->vec + (size_t)o * v->o.dim, 0);
        if (rc) return rc;
    }
    return 0;
}

/* Under wmu: carry entries >= from into g1 and publish it; then retire the old one. */
static int gen_swap(cg_vindex *v, vx_gen *g1, uint32_t from)
{
    pthread_mutex_lock(&v->wmu);
    vx_gen *g0 = atomic_load(&v->cur);
    int rc = gen_carry(v, g0, g1, from);
    if (!rc) gen_publish(v, g1);
    pthread_mutex_unlock(&v->wmu);
    if (rc) return rc;
    gen_retire(v, g0);
    return 0;
}

/* ---- open / close ---- */

static int opts_check(const cg_vindex_options *o, char *err, size_t errlen)
{
    if (o->dim < 1 || o->dim > CG_FAISS_DIM_MAX)
        return cg_vfile_fail(err, errlen, CG_EINVAL, "vector dimension %d out of range 1..%d",
                             o->dim, CG_FAISS_DIM_MAX);
    if ((unsigned)o->metric > CG_VINDEX_L2 || (unsigned)o->index_type > CG_VINDEX_FLAT)
        return cg_vfile_fail(err, errlen, CG_EINVAL, "unknown vector metric or index type");
    if (o->index_type == CG_VINDEX_HNSW &&
        (o->m < 2 || o->m > 256 || o->ef_construction < 1 || o->ef_construction > VX_EF_MAX))
        return cg_vfile_fail(err, errlen, CG_EINVAL,
                             "hnsw_m %d (2..256) or ef_construction %d "
                             "(1..%d) out of range",
                             o->m, o->ef_construction, VX_EF_MAX);
    if (o->ef_search < 1 || o->ef_search > VX_EF_MAX || o->max_elements < 1)
        return cg_vfile_fail(err, errlen, CG_EINVAL, "ef_search or max_elements out of range");
    if (o->model && strlen(o->model) > CG_VINDEX_MODEL_MAX)
        return cg_vfile_fail(err, errlen, CG_EINVAL, "model id longer than %d bytes",
                             CG_VINDEX_MODEL_MAX);
    return 0;
}

/* Does the checked file match the options? "" when it does, else why not, into why. */
static void base_match(const cg_vindex *v, const cg_vfile_view *w, char *why, size_t n)
{
    const cg_vfile_header *h = w->h;
    why[0] = 0;
    if (w->dim != v->o.dim)
        snprintf(why, n, "file has dimension %d, config %d", w->dim, v->o.dim);
    else if (w->metric != v->o.metric)
        snprintf(why, n, "file has metric %s, config %s", cg_vindex_metric_name(w->metric),
                 cg_vindex_metric_name(v->o.metric));
    else if (w->type != v->o.index_type)
        snprintf(why, n, "file has index type %s, config %s", cg_vindex_type_name(w->type),
                 cg_vindex_type_name(v->o.index_type));
    else if (strcmp(h->model, v->model) != 0)
        snprintf(why, n, "file was built with model \"%s\", config uses \"%s\"", h->model,
                 v->model);
    else if (w->type == CG_VINDEX_HNSW &&
             (h->m != (uint32_t)v->o.m || h->ef_construction != (uint32_t)v->o.ef_construction))
        snprintf(why, n, "file has hnsw_m %u / ef_construction %u, config %d / %d", h->m,
                 h->ef_construction, v->o.m, v->o.ef_construction);
}

/* The first generation: the newest file when it checks out and matches, else empty. */
static vx_gen *open_base(cg_vindex *v)
{
    char name[CG_VFILE_NAME_MAX], why[CG_VINDEX_ERR_MAX] = "";
    cg_vfile_map map;
    cg_vfile_view view;
    int rc = cg_vfile_newest(v->dir, name);

    if (rc <= 0) {
        snprintf(why, sizeof(why), rc == 0 ? "no index file yet" : "cannot list %s: %s", v->dir,
                 strerror(-rc));
        return gen_new(NULL, NULL, why);
    }
    rc = cg_vfile_map_open(&map, v->dir, name);
    if (rc) {
        snprintf(why, sizeof(why), "%s: cannot map: %s", name, cg_err_str(rc));
        return gen_new(NULL, NULL, why);
    }
    int mode = v->o.verify == CG_VINDEX_VERIFY_FULL ? CG_VFILE_CHECK_FULL : CG_VFILE_CHECK_SMALL;
    char e[CG_VINDEX_ERR_MAX] = "";
    rc = map.addr ? cg_vfile_check(map.addr, map.len, mode, &view, e, sizeof(e)) : CG_ECORRUPT;
    if (rc) snprintf(why, sizeof(why), "%s: %s", name, e[0] ? e : "empty file");
    if (!rc) base_match(v, &view, why, sizeof(why));
    if (why[0]) {
        cg_vfile_map_close(&map);
        return gen_new(NULL, NULL, why);
    }
    vx_gen *g = gen_new(&map, &view, NULL);
    if (!g) cg_vfile_map_close(&map);
    return g;
}

static int mkdir_p(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0755) && errno != EEXIST) return -errno;
        *s = '/';
    }
    if (mkdir(p, 0755) && errno != EEXIST) return -errno;
    return 0;
}

int cg_vindex_open(cg_vindex **out, const char *dir, const cg_vindex_options *o, char *err,
                   size_t errlen)
{
    cg_vindex *v = NULL;
    int rc;

    if (!out || !dir || !*dir || !o)
        return cg_vfile_fail(err, errlen, CG_EINVAL, "vindex_open: args");
    *out = NULL;
    if ((rc = opts_check(o, err, errlen))) return rc;
    if ((rc = mkdir_p(dir)))
        return cg_vfile_fail(err, errlen, rc, "vector dir %s: %s", dir, strerror(-rc));
    if (!(v = aligned_alloc(64, (sizeof(*v) + 63) / 64 * 64))) goto nomem;
    memset(v, 0, sizeof(*v));
    v->o = *o;
    snprintf(v->model, sizeof(v->model), "%s", o->model ? o->model : "");
    v->o.model = v->model;
    pthread_mutex_init(&v->wmu, NULL);
    pthread_mutex_init(&v->rbmu, NULL);
    pthread_mutex_init(&v->smu, NULL);
    atomic_store(&v->last_build_ms, -1);
    if (!(v->dir = strdup(dir))) goto nomem;
    vx_gen *g = open_base(v);
    if (!g) goto nomem;
    atomic_store(&v->cur, g);
    gen_publish(v, g); /* sets saved_seq / needs_rebuild */
    *out = v;
    return 0;
nomem:
    cg_vindex_close(v);
    return cg_vfile_fail(err, errlen, CG_ENOMEM, "vindex_open: out of memory");
}

void cg_vindex_close(cg_vindex *v)
{
    if (!v) return;
    gen_free(atomic_load(&v->cur));
    pthread_mutex_destroy(&v->wmu);
    pthread_mutex_destroy(&v->rbmu);
    pthread_mutex_destroy(&v->smu);
    free(v->dir);
    free(v);
}

uint64_t cg_vindex_saved_seq(const cg_vindex *v)
{
    return v ? atomic_load(&((cg_vindex *)v)->saved_seq) : 0;
}

/* ---- updates ---- */

int cg_vindex_upsert(cg_vindex *v, uint64_t id, const float *vec)
{
    if (!v || !vec) return CG_EINVAL;
    float *tmp = NULL;
    if (v->o.metric == CG_VINDEX_COSINE) {
        if (!(tmp = malloc(sizeof(float) * (size_t)v->o.dim))) return CG_ENOMEM;
        memcpy(tmp, vec, sizeof(float) * (size_t)v->o.dim);
        cg_faiss_normalize(tmp, 1, v->o.dim);
        vec = tmp;
    }
    pthread_mutex_lock(&v->wmu);
    int rc = gen_apply(v, atomic_load(&v->cur), id, vec, 1);
    pthread_mutex_unlock(&v->wmu);
    free(tmp);
    return rc;
}

int cg_vindex_remove(cg_vindex *v, uint64_t id)
{
    if (!v) return CG_EINVAL;
    pthread_mutex_lock(&v->wmu);
    int rc = gen_apply(v, atomic_load(&v->cur), id, NULL, 0);
    pthread_mutex_unlock(&v->wmu);
    return rc;
}

/* ---- search ---- */

typedef struct vx_keep {
    const vx_gen *g;
    int (*keep)(void *ctx, uint64_t id);
    void *ctx;
} vx_keep;

static int keep_node(void *ctx, int64_t node)
{
    const vx_keep *k = ctx;
    if (atomic_load_explicit(&k->g->masked[node], memory_order_relaxed)) return 0;
    return !k->keep || k->keep(k->ctx, k->g->view.ids[node]);
}

typedef struct vx_idx {
    uint64_t id;
    int i;
} vx_idx;

static int idx_cmp(const void *a, const void *b)
{
    uint64_t x = ((const vx_idx *)a)->id, y = ((const vx_idx *)b)->id;
    return x < y ? -1 : x > y;
}

/* Mark base hit(s) with this id as dropped (sorted ids of the base hits). */
static void drop_id(const vx_idx *s, int n, uint64_t id, uint8_t *drop)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && s[lo].id == id; lo++) drop[s[lo].i] = 1;
}

/* Brute force over the visible latest delta entries into t (node = delta position); base
 * hits whose id has a visible delta entry are flagged in drop. */
static void delta_scan(const cg_vindex *v, const vx_gen *g, const float *q, const vx_keep *kp,
                       cg_vtopk *t, const vx_idx *sorted, int nbase, uint8_t *drop)
{
    uint32_t n = atomic_load_explicit(&((vx_gen *)g)->delta.count, memory_order_acquire);
    for (uint32_t p = 0; p < n; p++) {
        vx_chunk *c = delta_chunk(g, p);
        uint32_t o = p % VX_DELTA_CHUNK;
        uint32_t nx = atomic_load_explicit(&c->next[o], memory_order_acquire);
        if (nx && nx < n) continue; /* a newer visible version exists */
        uint64_t id = c->id[o];
        if (nbase) drop_id(sorted, nbase, id, drop);
        if (c->tomb[o] || (kp->keep && !kp->keep(kp->ctx, id))) continue;
        const float *x = c->vec + (size_t)o * v->o.dim;
        cg_vtopk_push(t, (cg_vcand){cg_vdist(v->o.metric, q, x, v->o.dim), (int32_t)p});
    }
    cg_vtopk_sort(t);
}

/* Merge base (nodes) and delta (positions) candidates, both ascending, into out. */
static int merge_hits(const vx_gen *g, const cg_vcand *b, int nb, const uint8_t *drop,
                      const cg_vtopk *dt, int k, cg_vindex_hit *out)
{
    int i = 0, j = 0, n = 0;
    while (n < k && (i < nb || j < dt->n)) {
        while (i < nb && drop[i]) i++;
        if (i >= nb && j >= dt->n) break;
        if (j >= dt->n || (i < nb && b[i].d <= dt->a[j].d)) {
            out[n++] = (cg_vindex_hit){g->view.ids[b[i].node], -b[i].d};
            i++;
        } else {
            const cg_vcand *c = &dt->a[j++];
            out[n++] = (cg_vindex_hit){
                delta_chunk(g, (uint32_t)c->node)->id[c->node % VX_DELTA_CHUNK], -c->d};
        }
    }
    return n;
}

static int search_gen(cg_vindex *v, const vx_gen *g, const float *q, int k, int ef,
                      const vx_keep *kp, cg_vindex_hit *out)
{
    cg_vcand base[CG_VINDEX_K_MAX], dl[CG_VINDEX_K_MAX];
    vx_idx sorted[CG_VINDEX_K_MAX];
    uint8_t drop[CG_VINDEX_K_MAX] = {0};
    int nb = 0;

    if (g->has_base) {
        nb = cg_vsearch(&g->view, q, k, ef, keep_node, (void *)kp, base);
        if (nb < 0) return nb;
    }
    for (int i = 0; i < nb; i++) sorted[i] = (vx_idx){g->view.ids[base[i].node], i};
    qsort(sorted, (size_t)nb, sizeof(sorted[0]), idx_cmp);
    cg_vtopk dt = {dl, 0, k};
    delta_scan(v, g, q, kp, &dt, sorted, nb, drop);
    return merge_hits(g, base, nb, drop, &dt, k, out);
}

int cg_vindex_search(cg_vindex *v, const float *q, int k, int ef,
                     int (*keep)(void *ctx, uint64_t id), void *ctx, cg_vindex_hit *out)
{
    float stackq[VX_STACK_DIM], *qq = (float *)q, *heap = NULL;
    int slot, rc;

    if (!v || !q || !out || k < 1 || k > CG_VINDEX_K_MAX) return CG_EINVAL;
    if (v->o.metric == CG_VINDEX_COSINE) {
        qq = v->o.dim <= VX_STACK_DIM ? stackq : (heap = malloc(sizeof(float) * v->o.dim));
        if (!qq) return CG_ENOMEM;
        memcpy(qq, q, sizeof(float) * (size_t)v->o.dim);
        cg_faiss_normalize(qq, 1, v->o.dim);
    }
    if (ef <= 0) ef = v->o.ef_search;
    ef = CG_MIN(CG_MAX(ef, k), VX_EF_MAX);
    vx_gen *g = cg_vx_acquire(v, &slot);
    vx_keep kp = {g, keep, ctx};
    rc = search_gen(v, g, qq, k, ef, &kp, out);
    cg_vx_release(v, slot);
    atomic_fetch_add_explicit(&v->searches, 1, memory_order_relaxed);
    free(heap);
    return rc;
}

int cg_vindex_get(cg_vindex *v, uint64_t id, float *vec)
{
    int slot, found = 0;
    if (!v || !vec) return CG_EINVAL;
    vx_gen *g = cg_vx_acquire(v, &slot);
    uint32_t n = atomic_load_explicit(&g->delta.count, memory_order_acquire);
    for (uint32_t p = n; p-- > 0;) {
        vx_chunk *c = delta_chunk(g, p);
        uint32_t o = p % VX_DELTA_CHUNK;
        if (c->id[o] != id) continue;
        if (!c->tomb[o]) memcpy(vec, c->vec + (size_t)o * v->o.dim, sizeof(float) * v->o.dim);
        found = c->tomb[o] ? -1 : 1;
        break;
    }
    if (!found && g->has_base) {
        int64_t node = cg_vfile_node_of(&g->view, id);
        if (node >= 0 && !atomic_load(&g->masked[node])) {
            memcpy(vec, g->view.vectors + node * v->o.dim, sizeof(float) * v->o.dim);
            found = 1;
        }
    }
    cg_vx_release(v, slot);
    return found > 0;
}

/* ---- rebuild ---- */

typedef struct vx_coll {
    uint64_t *ids;
    float *vecs;
    int64_t n, cap, max;
    int dim, normalize;
} vx_coll;

static int coll_emit(void *ctx, uint64_t id, const float *vec)
{
    vx_coll *c = ctx;
    if (!vec) return CG_EINVAL;
    if (c->n >= c->max) return CG_ELIMIT;
    if (c->n == c->cap) {
        int64_t cap = c->cap ? c->cap * 2 : 4096;
        uint64_t *ids = realloc(c->ids, sizeof(uint64_t) * (size_t)cap);
        if (ids) c->ids = ids;
        float *vecs = ids ? realloc(c->vecs, sizeof(float) * (size_t)cap * c->dim) : NULL;
        if (!vecs) return CG_ENOMEM;
        c->vecs = vecs;
        c->cap = cap;
    }
    float *dst = c->vecs + (size_t)c->n * c->dim;
    memcpy(dst, vec, sizeof(float) * (size_t)c->dim);
    if (c->normalize) cg_faiss_normalize(dst, 1, c->dim);
    c->ids[c->n++] = id;
    return 0;
}

/* The vectors g0 holds as of delta position R: unmasked base nodes + latest entries < R. */
static int collect_held(vx_gen *g0, uint32_t R, vx_coll *c)
{
    int rc = 0;
    for (int64_t i = 0; g0->has_base && i < g0->view.n && !rc; i++)
        if (!atomic_load_explicit(&g0->masked[i], memory_order_relaxed))
            rc = coll_emit(c, g0->view.ids[i], g0->view.vectors + i * c->dim);
    for (uint32_t p = 0; p < R && !rc; p++) {
        vx_chunk *ch = delta_chunk(g0, p);
        uint32_t o = p % VX_DELTA_CHUNK, nx = atomic_load(&ch->next[o]);
        if ((nx && nx < R) || ch->tomb[o]) continue;
        rc = coll_emit(c, ch->id[o], ch->vec + (size_t)o * c->dim);
    }
    return rc;
}

static int idx_cmp_stable(const void *a, const void *b)
{
    const vx_idx *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Keep the last vector of each id, in emission order. */
static int coll_dedupe(vx_coll *c)
{
    vx_idx *s = malloc(sizeof(*s) * (size_t)(c->n ? c->n : 1));
    uint8_t *keep = calloc((size_t)(c->n ? c->n : 1), 1);
    int64_t w = 0;
    if (!s || !keep) {
        free(s);
        free(keep);
        return CG_ENOMEM;
    }
    for (int64_t i = 0; i < c->n; i++) s[i] = (vx_idx){c->ids[i], (int)i};
    qsort(s, (size_t)c->n, sizeof(*s), idx_cmp_stable);
    for (int64_t i = 0; i < c->n; i++)
        if (i + 1 == c->n || s[i + 1].id != s[i].id) keep[s[i].i] = 1;
    for (int64_t i = 0; i < c->n; i++) {
        if (!keep[i]) continue;
        if (w != i) {
            c->ids[w] = c->ids[i];
            memmove(c->vecs + (size_t)w * c->dim, c->vecs + (size_t)i * c->dim,
                    sizeof(float) * (size_t)c->dim);
        }
        w++;
    }
    c->n = w;
    free(s);
    free(keep);
    return 0;
}

/* Build the graph with FAISS (HNSW) and write the file; its name into name. */
static int build_write(cg_vindex *v, const vx_coll *c, uint64_t seq, char *name, char *err,
                       size_t errlen)
{
    cg_vfile_content ct = {.n = c->n,
                           .dim = v->o.dim,
                           .metric = v->o.metric,
                           .type = v->o.index_type,
                           .m = v->o.m,
                           .ef_construction = v->o.ef_construction,
                           .ef_search = v->o.ef_search,
                           .db_seq = seq,
                           .model = v->model,
                           .ids = c->ids,
                           .vectors = c->vecs};
    cg_faiss_index *fx = NULL;
    cg_faiss_hnsw_view hv;
    int rc = 0;

    if (v->o.index_type == CG_VINDEX_HNSW) {
        cg_faiss_metric fm = v->o.metric == CG_VINDEX_L2 ? CG_FAISS_METRIC_L2 : CG_FAISS_METRIC_IP;
        cg_faiss_threads_set(v->o.build_threads > 0 ? v->o.build_threads : 1);
        rc = cg_faiss_hnsw_create(&fx, v->o.dim, v->o.m, fm, v->o.ef_construction, v->o.ef_search,
                                  err, errlen);
        if (!rc) rc = cg_faiss_add(fx, c->n, c->vecs, err, errlen);
        if (!rc) rc = cg_faiss_hnsw_view_get(fx, &hv, err, errlen);
        if (rc) goto fail;
        if (hv.n_cum > CG_VFILE_CUM_MAX) {
            rc = cg_vfile_fail(err, errlen, CG_ELIMIT, "HNSW has %d levels, file holds %d",
                               hv.n_cum, CG_VFILE_CUM_MAX);
            goto fail;
        }
        ct.max_level = hv.max_level;
        ct.entry_point = hv.entry_point;
        ct.levels = hv.levels;
        ct.offsets = hv.offsets;
        ct.neighbors = hv.neighbors;
        ct.cum = hv.cum_nneighbor_per_level;
        ct.n_cum = hv.n_cum;
        ct.vectors = hv.vectors; /* FAISS' copy: identical floats, node order */
    }
    rc = cg_vfile_write(v->dir, &ct, name, err, errlen);
fail:
    cg_faiss_destroy(fx);
    return rc;
}

/* Delete every index file but keep (a file in use stays readable until unmapped). */
static void cleanup_files(cg_vindex *v, const char *keep)
{
    DIR *d = opendir(v->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "vindex-", 7) || l < 4 || strcmp(e->d_name + l - 4, ".cgv") ||
            !strcmp(e->d_name, keep))
            continue;
        unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d) closedir(d);
}

/* Map and fully check the file just written; a new generation over it. */
static int gen_from_file(cg_vindex *v, const char *name, vx_gen **out, char *err, size_t errlen)
{
    cg_vfile_map map;
    cg_vfile_view view;
    int rc = cg_vfile_map_open(&map, v->dir, name);
    if (rc) return cg_vfile_fail(err, errlen, rc, "map %s: %s", name, cg_err_str(rc));
    rc = cg_vfile_check(map.addr, map.len, CG_VFILE_CHECK_FULL, &view, err, errlen);
    if (!rc && !(*out = gen_new(&map, &view, NULL)))
        rc = cg_vfile_fail(err, errlen, CG_ENOMEM, "out of memory");
    if (rc) cg_vfile_map_close(&map);
    return rc;
}

static int rebuild_locked(cg_vindex *v, const cg_vindex_source *src, uint64_t seq, char *err,
                          size_t errlen)
{
    vx_coll c = {.max = v->o.max_elements, .dim = v->o.dim};
    char name[CG_VFILE_NAME_MAX];
    vx_gen *g1 = NULL;
    int rc;

    pthread_mutex_lock(&v->wmu);
    vx_gen *g0 = atomic_load(&v->cur); /* stays alive: only rbmu holders retire generations */
    uint32_t R = atomic_load(&g0->delta.count);
    pthread_mutex_unlock(&v->wmu);
    if (src) {
        c.normalize = v->o.metric == CG_VINDEX_COSINE;
        rc = src->scan(src->ctx, coll_emit, &c);
        if (rc) cg_vfile_fail(err, errlen, rc, "rebuild source: %s", cg_err_str(rc));
    } else {
        rc = collect_held(g0, R, &c);
        if (rc) cg_vfile_fail(err, errlen, rc, "rebuild: %s", cg_err_str(rc));
    }
    if (!rc) rc = coll_dedupe(&c);
    if (!rc) rc = build_write(v, &c, seq, name, err, errlen);
    free(c.vecs); /* the file holds them now */
    c.vecs = NULL;
    if (!rc) rc = gen_from_file(v, name, &g1, err, errlen);
    if (!rc && (rc = gen_swap(v, g1, R)))
        cg_vfile_fail(err, errlen, rc, "rebuild: carrying the delta over: %s", cg_err_str(rc));
    if (rc) gen_free(g1);
    if (!rc) cleanup_files(v, name);
    free(c.ids);
    return rc;
}

int cg_vindex_rebuild(cg_vindex *v, const cg_vindex_source *src, uint64_t db_seq, char *err,
                      size_t errlen)
{
    if (!v || (src && !src->scan)) return cg_vfile_fail(err, errlen, CG_EINVAL, "rebuild: args");
    if (pthread_mutex_trylock(&v->rbmu))
        return cg_vfile_fail(err, errlen, CG_ECONFLICT,
                             "a vector index rebuild is already running");
    atomic_store(&v->rebuilding, 1);
    uint64_t t0 = cg_time_mono_ns();
    int rc = rebuild_locked(v, src, db_seq, err, errlen);
    if (!rc) {
        atomic_store(&v->last_build_ms, (int64_t)((cg_time_mono_ns() - t0) / 1000000));
        atomic_fetch_add(&v->rebuilds, 1);
    }
    atomic_store(&v->rebuilding, 0);
    pthread_mutex_unlock(&v->rbmu);
    return rc;
}

/* Under rbmu: replace the base named `name` (if still current) by an empty generation. */
static void drop_base(cg_vindex *v, const char *name, const char *msg)
{
    pthread_mutex_lock(&v->rbmu);
    vx_gen *g = atomic_load(&v->cur);
    if (g->has_base && strcmp(g->map.name, name) == 0) {
        vx_gen *g1 = gen_new(NULL, NULL, msg);
        if (!g1 || gen_swap(v, g1, 0)) { /* keep serving the old base: better than nothing */
            gen_free(g1);
            atomic_store(&v->needs_rebuild, 1);
        }
    }
    pthread_mutex_unlock(&v->rbmu);
}

int cg_vindex_verify_deferred(cg_vindex *v, char *err, size_t errlen)
{
    char why[CG_VINDEX_ERR_MAX], name[CG_VFILE_NAME_MAX], msg[CG_VINDEX_ERR_MAX];
    int slot, rc = 0;
    if (!v) return CG_EINVAL;
    /* the hazard slot keeps the generation mapped while its bulk is checksummed, lock-free;
     * a rebuild finishing meanwhile waits for it before unmapping */
    vx_gen *g = cg_vx_acquire(v, &slot);
    if (g->has_base && !atomic_load(&g->bulk_checked)) {
        cg_vfile_view tmp = g->view;
        rc = cg_vfile_check_bulk(&tmp, why, sizeof(why));
        if (!rc) atomic_store(&g->bulk_checked, 1);
        snprintf(name, sizeof(name), "%s", g->map.name);
    }
    cg_vx_release(v, slot);
    if (!rc) return 0;
    snprintf(msg, sizeof(msg), "%.64s: %.150s", name, why);
    cg_vfile_fail(err, errlen, rc, "%s", msg);
    drop_base(v, name, msg); /* no-op when a rebuild already replaced the file */
    return rc;
}

void cg_vindex_stats_get(cg_vindex *v, cg_vindex_stats *s)
{
    int slot;
    memset(s, 0, sizeof(*s));
    if (!v) return;
    s->dim = v->o.dim;
    s->metric = v->o.metric;
    s->index_type = v->o.index_type;
    s->m = v->o.m;
    s->ef_construction = v->o.ef_construction;
    s->ef_search = v->o.ef_search;
    s->max_elements = v->o.max_elements;
    pthread_mutex_lock(&v->smu);
    snprintf(s->model, sizeof(s->model), "%s", v->model);
    pthread_mutex_unlock(&v->smu);
    vx_gen *g = cg_vx_acquire(v, &slot);
    s->base_count = g->has_base ? g->view.n : 0;
    s->delta_count = g->delta.live;
    s->tombstones = g->delta.tombs;
    s->total = s->base_count - g->masked_count + s->delta_count;
    s->file_bytes = g->has_base ? g->map.len : 0;
    s->delta_bytes = g->delta.bytes;
    s->verified = g->has_base && atomic_load(&g->bulk_checked);
    snprintf(s->file, sizeof(s->file), "%s", g->has_base ? g->map.name : "");
    snprintf(s->problem, sizeof(s->problem), "%s", g->problem);
    cg_vx_release(v, slot);
    s->saved_seq = atomic_load(&v->saved_seq);
    s->rebuilds = atomic_load(&v->rebuilds);
    s->searches = atomic_load(&v->searches);
    s->last_build_ms = atomic_load(&v->last_build_ms);
    s->rebuilding = atomic_load(&v->rebuilding);
    s->needs_rebuild = atomic_load(&v->needs_rebuild);
}

void cg_vindex_source_set(cg_vindex *v, const cg_vindex_source *src)
{
    if (!v) return;
    pthread_mutex_lock(&v->smu);
    v->has_src = src && src->scan;
    if (v->has_src) v->src = *src;
    pthread_mutex_unlock(&v->smu);
}

int cg_vindex_rebuild_default(cg_vindex *v, char *err, size_t errlen)
{
    cg_vindex_source src;
    if (!v) return CG_EINVAL;
    pthread_mutex_lock(&v->smu);
    int has = v->has_src;
    src = v->src;
    pthread_mutex_unlock(&v->smu);
    uint64_t seq = has && src.sequence ? src.sequence(src.ctx) : atomic_load(&v->saved_seq);
    return cg_vindex_rebuild(v, has ? &src : NULL, seq, err, errlen);
}

int cg_vindex_model_set(cg_vindex *v, const char *model)
{
    char why[CG_VINDEX_ERR_MAX];
    int rc = 0;
    if (!v || !model || strlen(model) > CG_VINDEX_MODEL_MAX) return CG_EINVAL;
    pthread_mutex_lock(&v->rbmu);
    pthread_mutex_lock(&v->smu);
    snprintf(v->model, sizeof(v->model), "%s", model);
    pthread_mutex_unlock(&v->smu);
    vx_gen *g = atomic_load(&v->cur);
    if (g->has_base && strcmp(g->view.h->model, model) != 0) {
        snprintf(why, sizeof(why), "file was built with model \"%.100s\", now \"%.100s\"",
                 g->view.h->model, model);
        vx_gen *g1 = gen_new(NULL, NULL, why);
        rc = g1 ? gen_swap(v, g1, 0) : CG_ENOMEM;
        if (rc) gen_free(g1);
    }
    pthread_mutex_unlock(&v->rbmu);
    return rc;
}
