/*
 * passes.c — resolution passes over stored data: re-resolving one file from its stored
 * entities and references (cg_graph_resolve_file, or a resolver's cg_graph_resolver_file,
 * which shares resolve.c's name and path caches across the files of one resolve phase),
 * turning pending names into dirty files (cg_graph_resolve_pending), and both for a whole
 * project (cg_graph_resolve_project).
 * The rules themselves are in resolve.c; the work keys in graph_int.h's DESIGN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

/* Dirty marks / deletes queued before resolve_pending writes a batch. */
#define GR_PASS_BATCH_OPS 4096

/* One file loaded from the store for resolution. */
typedef struct gr_fload {
    gr_fctx c;
    char *path;
    gr_arena arena;
    cg_buf refs_buf, val;
    cg_graph_file_info fi;
} gr_fload;

static void gr_fload_release(gr_fload *f)
{
    free(f->c.ents);
    free(f->c.refs);
    free(f->path);
    gr_arena_free(&f->arena);
    cg_buf_release(&f->refs_buf);
    cg_buf_release(&f->val);
}

/* Entities of the file (file node: language only), strings copied into the arena. */
static int gr_fload_entities(cg_graph *g, gr_fload *f)
{
    gr_key lo, hi;
    cg_store_iter *it = NULL;
    int cap = 0, rc;

    gr_k_entity(&lo, GR_ID(f->c.uid, 0));
    gr_k_entity(&hi, GR_ID(f->c.uid + 1, 0));
    rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_ENTITIES, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        gr_entity e;
        if (kl != 8 || (rc = gr_dec_entity(v, vl, gr_get_u64(k), &e))) break;
        f->c.lang = e.lang;
        if (e.kind == CG_GRAPH_KIND_FILE) continue;
        if (f->c.n_ents == cap) {
            cap = cap ? cap * 2 : 64;
            gr_fent *n = realloc(f->c.ents, (size_t)cap * sizeof(*n));
            if (!n) {
                rc = CG_ENOMEM;
                break;
            }
            f->c.ents = n;
        }
        gr_fent *fe = &f->c.ents[f->c.n_ents++];
        *fe = (gr_fent){.id = e.id,
                        .local = GR_LOCAL(e.id),
                        .parent_local = e.parent_local,
                        .kind = e.kind,
                        .name = gr_arena_strdup(&f->arena, e.name),
                        .qname = gr_arena_strdup(&f->arena, e.qname)};
        if (!fe->name || !fe->qname) rc = CG_ENOMEM;
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

static int gr_fload_open(cg_graph *g, uint32_t project, uint64_t uid, gr_fload *f)
{
    uint32_t owner;
    const char *path;
    gr_key k;
    int rc;

    memset(f, 0, sizeof(*f));
    cg_buf_init(&f->refs_buf);
    cg_buf_init(&f->val);
    f->c = (gr_fctx){.g = g, .project = project, .uid = uid};
    gr_k_uid(&k, GR_TAG_FILE_UID, uid);
    if ((rc = gr_get(g, NULL, CG_STORE_CF_FILES, &k, &f->val)) < 0) return rc;
    if ((rc = gr_dec_uid(f->val.data, f->val.len, &owner, &path))) return rc;
    if (owner != project) return CG_ENOTFOUND;
    if (!(f->path = strdup(path))) return CG_ENOMEM;
    f->c.path = f->path;
    gr_k_file(&k, project, path);
    if ((rc = gr_get(g, NULL, CG_STORE_CF_FILES, &k, &f->val)) < 0) return rc;
    if ((rc = gr_dec_file(f->val.data, f->val.len, &f->fi))) return rc;
    gr_k_uid(&k, GR_TAG_FILE_REFS, uid);
    rc = gr_get(g, NULL, CG_STORE_CF_FILES, &k, &f->refs_buf);
    if (rc >= 0)
        rc = gr_dec_refs(f->refs_buf.data, f->refs_buf.len, &f->c.refs, &f->c.n_refs);
    else if (rc == CG_ENOTFOUND)
        rc = 0;
    return rc ? rc : gr_fload_entities(g, f);
}

/* Queue deletes of the file's reference edges (not contains) and unresolved entries: only
 * when a resolution since its last put may have written some (GR_FILE_RESOLVED). */
static int gr_fload_drop_derived(cg_graph *g, gr_fload *f, cg_store_batch *b)
{
    gr_key lo, hi, k;
    cg_store_iter *it = NULL;
    gr_segs sg;
    int rc = 0;

    gr_k_dirty(&k, f->c.project, f->c.uid);
    cg_store_batch_delete(b, CG_STORE_CF_UNRESOLVED, k.b, k.n);
    if (!(f->fi.flags & GR_FILE_RESOLVED)) return 0;
    gr_k_entity(&lo, GR_ID(f->c.uid, 0));
    gr_k_entity(&hi, GR_ID(f->c.uid + 1, 0));
    rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_OUT_EDGES, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl;
        const uint8_t *kp = cg_store_iter_key(it, &kl);
        if (kl != 17 || kp[8] == CG_EDGE_CONTAINS) continue;
        cg_store_batch_delete(b, CG_STORE_CF_OUT_EDGES, kp, kl);
        gr_k_edge(&k, gr_get_u64(kp + 9), kp[8], gr_get_u64(kp));
        cg_store_batch_delete(b, CG_STORE_CF_IN_EDGES, k.b, k.n);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    for (uint32_t i = 0; !rc && i < f->c.n_refs; i++) {
        gr_segs_split(&sg, f->c.refs[i].name, f->c.refs[i].kind == CG_REF_IMPORT);
        gr_k_unres(&k, f->c.project, gr_ref_simple(&sg), f->c.uid, i);
        if (!k.over) cg_store_batch_delete(b, CG_STORE_CF_UNRESOLVED, k.b, k.n);
    }
    return rc;
}

/* A dirty mark for a file that no longer exists: drop it. */
static int gr_drop_mark(cg_graph *g, uint32_t project, uint64_t uid)
{
    cg_store_batch *b = cg_store_batch_create(g->s);
    gr_key k;
    int rc;

    if (!b) return CG_ENOMEM;
    gr_k_dirty(&k, project, uid);
    cg_store_batch_delete(b, CG_STORE_CF_UNRESOLVED, k.b, k.n);
    rc = cg_store_batch_write(g->s, b, 0, NULL, 0);
    cg_store_batch_destroy(b);
    return rc;
}

/* Resolve one file into a new batch *out (not written), with a resolver's caches when xc is
 * set; st (may be NULL) gets the edge counts. A file that no longer exists has its mark
 * dropped (written here): CG_ENOTFOUND. */
static int gr_resolve_build(cg_graph *g, uint32_t project, uint64_t file_uid, struct gr_xcache *xc,
                            cg_graph_resolve_stats *st, cg_store_batch **out)
{
    cg_store_batch *b = NULL;
    gr_resolved r;
    gr_fload f;
    gr_key k;
    int rc;

    *out = NULL;
    memset(&r, 0, sizeof(r));
    rc = gr_fload_open(g, project, file_uid, &f);
    f.c.xc = xc;
    if (rc == CG_ENOTFOUND) {
        gr_fload_release(&f);
        rc = gr_drop_mark(g, project, file_uid);
        return rc ? rc : CG_ENOTFOUND;
    }
    if (!rc && !(b = cg_store_batch_create(g->s))) rc = CG_ENOMEM;
    if (!rc) rc = gr_fload_drop_derived(g, &f, b);
    if (!rc) rc = gr_resolve_refs(&f.c, b, &r, st);
    if (rc) goto fail;
    gr_resolved_write(&r, b, &f.val);
    for (int i = CG_EDGE_CONTAINS + 1; i < CG_EDGE_COUNT; i++) f.fi.edges[i] = r.edges_by_kind[i];
    f.fi.unresolved = r.unresolved;
    f.fi.flags |= GR_FILE_RESOLVED;
    cg_buf_reset(&f.val);
    gr_enc_file(&f.val, &f.fi);
    gr_k_file(&k, project, f.path);
    cg_store_batch_put(b, CG_STORE_CF_FILES, k.b, k.n, f.val.data, f.val.len);
    if (!cg_buf_ok(&f.val)) rc = CG_ENOMEM;
fail:
    gr_resolved_release(&r);
    gr_fload_release(&f);
    if (rc)
        cg_store_batch_destroy(b);
    else
        *out = b;
    return rc;
}

/* Resolve one file and write its batch (cg_graph_resolve_file, cg_graph_resolver_file). */
static int gr_resolve_file(cg_graph *g, uint32_t project, uint64_t file_uid, struct gr_xcache *xc,
                           cg_graph_resolve_stats *st)
{
    cg_store_batch *b;
    int rc = gr_resolve_build(g, project, file_uid, xc, st, &b);

    if (rc) return rc;
    rc = cg_store_batch_write(g->s, b, 0, NULL, 0);
    cg_store_batch_destroy(b);
    if (!rc && st) st->files++;
    return rc;
}

int cg_graph_resolve_file(cg_graph *g, uint32_t project, uint64_t file_uid,
                          cg_graph_resolve_stats *st)
{
    return gr_resolve_file(g, project, file_uid, NULL, st);
}

/* ---- resolvers: one resolve phase, caches shared across its files ---- */

struct cg_graph_resolver {
    cg_graph *g;
    uint32_t project;
    struct gr_xcache *xc;
};

int cg_graph_resolver_create(cg_graph *g, uint32_t project, cg_graph_resolver **out)
{
    cg_graph_resolver *rv = calloc(1, sizeof(*rv));

    *out = NULL;
    if (!rv || !(rv->xc = gr_xcache_create())) {
        free(rv);
        return CG_ENOMEM;
    }
    rv->g = g;
    rv->project = project;
    *out = rv;
    return 0;
}

int cg_graph_resolver_file(cg_graph_resolver *rv, uint64_t file_uid, cg_graph_resolve_stats *st)
{
    return gr_resolve_file(rv->g, rv->project, file_uid, rv->xc, st);
}

int cg_graph_resolver_prepare(cg_graph_resolver *rv, uint64_t file_uid, cg_store_batch **out)
{
    return gr_resolve_build(rv->g, rv->project, file_uid, rv->xc, NULL, out);
}

void cg_graph_resolver_destroy(cg_graph_resolver *rv)
{
    if (!rv) return;
    gr_xcache_destroy(rv->xc);
    free(rv);
}

/* ---- pending names → dirty files ---- */

typedef struct gr_marks {
    cg_graph *g;
    uint32_t project;
    cg_store_batch *b;
    gr_idmap seen;
} gr_marks;

static int gr_mark(gr_marks *m, uint64_t uid)
{
    gr_key k;
    int rc = 0;

    if (gr_idmap_get(&m->seen, uid, NULL)) return 0;
    gr_k_dirty(&k, m->project, uid);
    cg_store_batch_put(m->b, CG_STORE_CF_UNRESOLVED, k.b, k.n, "", 0);
    if (cg_store_batch_count(m->b) >= GR_PASS_BATCH_OPS) {
        rc = cg_store_batch_write(m->g->s, m->b, 0, NULL, 0);
        cg_store_batch_clear(m->b);
    }
    return rc ? rc : gr_idmap_put(&m->seen, uid, 1);
}

/* Call fn(ctx, key, klen, val, vlen) for every key of cf starting with pre (latest). */
static int gr_scan(cg_graph *g, cg_store_cf cf, const gr_key *pre,
                   int (*fn)(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl),
                   void *ctx)
{
    gr_key hi = *pre;
    cg_store_iter *it = NULL;
    int end = gr_key_prefix_end(&hi);
    int rc = cg_store_iter_create(g->s, NULL, cf, pre->b, pre->n, end ? NULL : hi.b, hi.n, &it);

    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        rc = fn(ctx, k, kl, v, vl);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

/* unresolved 01 P name 00 U ord → mark U. */
static int gr_wake_unres(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    return kl >= 12 ? gr_mark(ctx, gr_get_u64(k + kl - 12)) : 0;
}

/* in_edges dst K src with resolution "name" → mark src's file. */
static int gr_wake_edge(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    gr_edge e;
    if (kl != 17 || k[8] == CG_EDGE_CONTAINS || gr_dec_edge(v, vl, &e) != 0) return 0;
    return e.resolution == CG_RES_NAME ? gr_mark(ctx, CG_GRAPH_ID_FILE(gr_get_u64(k + 9))) : 0;
}

/* names P name 00 E → wake the name-resolved edges into E. */
static int gr_wake_named(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    gr_marks *m = ctx;
    gr_key pre;

    if (kl < 8) return 0;
    gr_key_reset(&pre);
    gr_key_bytes(&pre, k + kl - 8, 8);
    return gr_scan(m->g, CG_STORE_CF_IN_EDGES, &pre, gr_wake_edge, m);
}

/* unresolved 02 P name → wake its waiters, then drop the pending key. */
static int gr_wake_pending(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    gr_marks *m = ctx;
    gr_key pre;
    int rc;

    gr_key_reset(&pre);
    gr_key_u8(&pre, GR_TAG_UNRES);
    gr_key_bytes(&pre, k + 1, kl - 1); /* P name */
    gr_key_u8(&pre, 0);
    rc = pre.over ? 0 : gr_scan(m->g, CG_STORE_CF_UNRESOLVED, &pre, gr_wake_unres, m);
    gr_key_reset(&pre);
    gr_key_bytes(&pre, k + 1, kl - 1);
    gr_key_u8(&pre, 0);
    if (!rc && !pre.over) rc = gr_scan(m->g, CG_STORE_CF_NAMES, &pre, gr_wake_named, m);
    cg_store_batch_delete(m->b, CG_STORE_CF_UNRESOLVED, k, kl);
    return rc;
}

/* files 01 P path → mark the file (CG_GRAPH_RESOLVE_ALL). */
static int gr_wake_file(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    cg_graph_file_info fi;
    int rc = gr_dec_file(v, vl, &fi);
    return rc ? rc : gr_mark(ctx, fi.uid);
}

typedef struct gr_uids {
    uint64_t *v;
    size_t n, cap;
} gr_uids;

static int gr_collect_dirty(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    gr_uids *u = ctx;

    if (kl != 13) return 0;
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 64;
        uint64_t *n = realloc(u->v, cap * sizeof(*n));
        if (!n) return CG_ENOMEM;
        u->v = n;
        u->cap = cap;
    }
    u->v[u->n++] = gr_get_u64(k + 5);
    return 0;
}

static int gr_count_key(void *ctx, const uint8_t *k, size_t kl, const void *v, size_t vl)
{
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Wake what pending names wait for, or — when every file will be resolved anyway (a first
 * index, CG_GRAPH_RESOLVE_ALL) — just mark all files and drop the pending names at once. */
static int gr_pending_wake(gr_marks *m, int flags)
{
    uint64_t files = 0, dirty = 0;
    gr_key pre, hi;
    int rc;

    gr_k_file(&pre, m->project, NULL);
    rc = gr_scan(m->g, CG_STORE_CF_FILES, &pre, gr_count_key, &files);
    gr_key_reset(&pre);
    gr_key_u8(&pre, GR_TAG_DIRTY);
    gr_key_u32(&pre, m->project);
    if (!rc) rc = gr_scan(m->g, CG_STORE_CF_UNRESOLVED, &pre, gr_count_key, &dirty);
    gr_key_reset(&pre);
    gr_key_u8(&pre, GR_TAG_PENDING);
    gr_key_u32(&pre, m->project);
    if (rc) return rc;
    if (!(flags & CG_GRAPH_RESOLVE_ALL) && dirty < files)
        return gr_scan(m->g, CG_STORE_CF_UNRESOLVED, &pre, gr_wake_pending, m);
    if (flags & CG_GRAPH_RESOLVE_ALL) {
        gr_key fp;
        gr_k_file(&fp, m->project, NULL);
        if ((rc = gr_scan(m->g, CG_STORE_CF_FILES, &fp, gr_wake_file, m))) return rc;
    }
    hi = pre;
    gr_key_prefix_end(&hi);
    cg_store_batch_delete_range(m->b, CG_STORE_CF_UNRESOLVED, pre.b, pre.n, hi.b, hi.n);
    return 0;
}

int cg_graph_resolve_pending(cg_graph *g, uint32_t project, int flags, uint64_t **uids, size_t *n)
{
    gr_marks m = {.g = g, .project = project};
    gr_uids u = {0};
    gr_key pre;
    int rc;

    *uids = NULL;
    *n = 0;
    gr_idmap_init(&m.seen);
    if (!(m.b = cg_store_batch_create(g->s))) return CG_ENOMEM;
    rc = gr_pending_wake(&m, flags);
    if (!rc) rc = cg_store_batch_write(g->s, m.b, 0, NULL, 0);
    gr_key_reset(&pre);
    gr_key_u8(&pre, GR_TAG_DIRTY);
    gr_key_u32(&pre, project);
    if (!rc) rc = gr_scan(g, CG_STORE_CF_UNRESOLVED, &pre, gr_collect_dirty, &u);
    cg_store_batch_destroy(m.b);
    gr_idmap_release(&m.seen);
    if (rc) {
        free(u.v);
        return rc;
    }
    *uids = u.v;
    *n = u.n;
    return 0;
}

int cg_graph_resolve_project(cg_graph *g, uint32_t project, int flags, cg_graph_resolve_stats *st)
{
    cg_graph_resolver *rv = NULL;
    uint64_t *uids = NULL;
    size_t n;
    int rc = cg_graph_resolve_pending(g, project, flags, &uids, &n);

    if (!rc) rc = cg_graph_resolver_create(g, project, &rv);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = cg_graph_resolver_file(rv, uids[i], st);
        if (rc == CG_ENOTFOUND) rc = 0; /* a stale mark, dropped */
    }
    cg_graph_resolver_destroy(rv);
    free(uids);
    return rc;
}
