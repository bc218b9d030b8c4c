/*
 * test_resolver.c — proves that a resolver (cg_graph_resolver, which caches names and file
 * paths across the files of one resolve phase) stores exactly what cg_graph_resolve_file
 * stores without caches: the same edges (both directions), unresolved entries and file
 * records, byte for byte, and the same statistics — whichever order the files come in, and
 * also when every file's batch is prepared before any is written (the index pipeline's
 * writer queue, cg_graph_resolver_prepare). The project is built so that every cache path
 * runs: names shared by all files (the cache answers later files), a name with more entries
 * than the cache keeps per name (read from the store every time) and more candidates than
 * GR_CANDIDATES_MAX, a file calling a name it defines itself (own entities are never
 * candidates from the index), imports (rule 2 through cached path segments), qualified
 * calls and unknown names. It also proves that a
 * new resolver after a put sees the name that put added (caches live for one phase).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgtest.h"
#include "cgtest_db.h"
#include "codegraph/base.h"
#include "codegraph/graph.h"
#include "codegraph/store.h"
#include "graph/graph_int.h"

#define NFILES 24   /* pkg/m0.py … : each imports the next one */
#define NBIG 5      /* files defining BIG_PER methods named "big" */
#define BIG_PER 230 /* 5 x 230 = 1150 entries: over the 1024 the cache keeps per name */
_Static_assert(BIG_PER / 2 * 3 <= CGT_FX_ENTS, "fx_big fits a cgt_fx");

static char tmp_root[CGT_ROOT_MAX];

/* ---- store / graph set-up ---- */

typedef cgt_db env;

/* A fresh store + graph in tmp_root/name. */
static void env_new(env *e, const char *name)
{
    cgt_db_new(e, tmp_root, "resolver", name);
}

#define env_close cgt_db_close

/* ---- hand-built extractions ---- */

typedef cgt_fx fx;

static int fx_ent(fx *f, cg_entity_kind k, const char *name, const char *qname, int parent)
{
    uint32_t line = (uint32_t)f->x.n_entities * 3 + 1;
    return cgt_fx_ent(f, k, name, qname, name, "", parent,
                      (cg_span){line, 0, line + 2, 0, line * 100, line * 100 + 250});
}

static void fx_ref(fx *f, cg_ref_kind k, const char *name, int from)
{
    cg_xref *r = &f->refs[f->x.n_refs];
    uint32_t line = (uint32_t)f->x.n_refs + 1000;
    f->x.n_refs++;
    r->kind = k;
    r->name = cgt_fx_str(f, name);
    r->from = from;
    r->span = (cg_span){line, 4, line, 9, line * 100 + 4, line * 100 + 9};
}

static int put(cg_graph *g, uint32_t p, const char *path, fx *f)
{
    cg_graph_file_meta m = {
        .language = "python", .hash = cg_graph_hash(path, strlen(path)), .size = 100};
    int rc = cg_graph_file_put(g, p, path, &m, &f->x, 0);
    cg_buf_release(&f->x.strings);
    return rc;
}

/* pkg/m<i>.py: f<i>, common, class K<i>(Base) with run and helper; run calls the next
 * module's f, common, self.helper, helper, big, obj.big, Holder.big, K<i>.run, missing. */
static void fx_module(fx *f, int i)
{
    char b[64], nx[64];
    cgt_fx_init(f);
    snprintf(b, sizeof(b), "f%d", i);
    fx_ent(f, CG_KIND_FUNCTION, b, b, -1);
    fx_ent(f, CG_KIND_FUNCTION, "common", "common", -1);
    snprintf(b, sizeof(b), "K%d", i);
    int k = fx_ent(f, CG_KIND_CLASS, b, b, -1);
    snprintf(b, sizeof(b), "K%d.run", i);
    int run = fx_ent(f, CG_KIND_METHOD, "run", b, k);
    snprintf(b, sizeof(b), "K%d.helper", i);
    fx_ent(f, CG_KIND_METHOD, "helper", b, k);
    snprintf(nx, sizeof(nx), "pkg.m%d", (i + 1) % NFILES);
    fx_ref(f, CG_REF_IMPORT, nx, -1);
    fx_ref(f, CG_REF_INHERIT, "Base", k);
    snprintf(nx, sizeof(nx), "f%d", (i + 1) % NFILES);
    fx_ref(f, CG_REF_CALL, nx, run);
    snprintf(nx, sizeof(nx), "m%d.f%d", (i + 2) % NFILES, (i + 2) % NFILES);
    fx_ref(f, CG_REF_CALL, nx, run);
    fx_ref(f, CG_REF_CALL, "common", run);
    fx_ref(f, CG_REF_CALL, "self.helper", run);
    fx_ref(f, CG_REF_CALL, "helper", run);
    fx_ref(f, CG_REF_CALL, "big", run);
    fx_ref(f, CG_REF_CALL, "obj.big", run);
    fx_ref(f, CG_REF_CALL, "Holder.big", run);
    snprintf(nx, sizeof(nx), "K%d.run", (i + 3) % NFILES);
    fx_ref(f, CG_REF_CALL, nx, run);
    fx_ref(f, CG_REF_CALL, "missing", run);
    fx_ref(f, CG_REF_TYPE, "Base", run);
}

/* big/b<i>.py: classes Holder<i>_<j>, each with a method big. */
static void fx_big(fx *f, int i)
{
    char c[64], q[64];
    cgt_fx_init(f);
    for (int j = 0; j < BIG_PER / 2; j++) {
        snprintf(c, sizeof(c), "Holder%d_%d", i, j);
        int k = fx_ent(f, CG_KIND_CLASS, c, c, -1);
        snprintf(q, sizeof(q), "%s.big", c);
        fx_ent(f, CG_KIND_METHOD, "big", q, k);
        snprintf(q, sizeof(q), "%s.big2", c);
        fx_ent(f, CG_KIND_METHOD, "big", q, k); /* a second big per class */
    }
}

static uint32_t project(cg_graph *g)
{
    uint32_t p = 0;
    char path[64];
    fx f;
    if (cg_graph_project_create(g, "res", "/tmp/res", &p) != 0) abort();
    for (int i = 0; i < NFILES; i++) {
        fx_module(&f, i);
        snprintf(path, sizeof(path), "pkg/m%d.py", i);
        if (put(g, p, path, &f)) abort();
    }
    for (int i = 0; i < NBIG; i++) {
        fx_big(&f, i);
        snprintf(path, sizeof(path), "big/b%d.py", i);
        if (put(g, p, path, &f)) abort();
    }
    cgt_fx_init(&f);
    int base = fx_ent(&f, CG_KIND_CLASS, "Base", "Base", -1);
    fx_ent(&f, CG_KIND_METHOD, "helper", "Base.helper", base);
    if (put(g, p, "base.py", &f)) abort();
    return p;
}

/* ---- what resolution stored ---- */

typedef struct digest {
    uint64_t h, keys;
} digest;

static void digest_cf(cg_store *s, cg_store_cf cf, digest *d)
{
    cg_store_iter *it = NULL;
    if (cg_store_iter_create(s, NULL, cf, NULL, 0, NULL, 0, &it) != 0) abort();
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const void *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        d->h = d->h * 1099511628211u ^ cg_graph_hash(k, kl);
        d->h = d->h * 1099511628211u ^ cg_graph_hash(v, vl);
        d->keys++;
    }
    cg_store_iter_destroy(it);
}

static digest stored(cg_store *s)
{
    digest d = {0, 0};
    digest_cf(s, CG_STORE_CF_OUT_EDGES, &d);
    digest_cf(s, CG_STORE_CF_IN_EDGES, &d);
    digest_cf(s, CG_STORE_CF_UNRESOLVED, &d);
    digest_cf(s, CG_STORE_CF_FILES, &d);
    return d;
}

/* Re-resolve every file: with a resolver (or per file without one), in order or reversed. */
static int resolve_all(cg_graph *g, uint32_t p, int with_resolver, int reverse,
                       cg_graph_resolve_stats *st)
{
    cg_graph_resolver *rv = NULL;
    uint64_t *uids;
    size_t n;
    int rc = cg_graph_resolve_pending(g, p, CG_GRAPH_RESOLVE_ALL, &uids, &n);

    memset(st, 0, sizeof(*st));
    if (!rc && with_resolver) rc = cg_graph_resolver_create(g, p, &rv);
    for (size_t i = 0; !rc && i < n; i++) {
        uint64_t uid = uids[reverse ? n - 1 - i : i];
        rc = rv ? cg_graph_resolver_file(rv, uid, st) : cg_graph_resolve_file(g, p, uid, st);
    }
    cg_graph_resolver_destroy(rv);
    free(uids);
    return rc;
}

/* Re-resolve every file as the index pipeline may: every batch prepared before any is
 * written (cg_graph_resolver_prepare), then written in reverse order. */
static int resolve_deferred(cg_graph *g, uint32_t p)
{
    cg_graph_resolver *rv = NULL;
    cg_store_batch **bs = NULL;
    uint64_t *uids;
    size_t n, got = 0;
    int rc = cg_graph_resolve_pending(g, p, CG_GRAPH_RESOLVE_ALL, &uids, &n);

    if (!rc) rc = cg_graph_resolver_create(g, p, &rv);
    if (!rc && !(bs = calloc(n + 1, sizeof(*bs)))) rc = CG_ENOMEM;
    for (; !rc && got < n; got++) rc = cg_graph_resolver_prepare(rv, uids[got], &bs[got]);
    for (size_t i = got; i-- > 0;) {
        if (!rc) rc = cg_store_batch_write(cg_graph_store(g), bs[i], 0, NULL, 0);
        cg_store_batch_destroy(bs[i]);
    }
    cg_graph_resolver_destroy(rv);
    free(bs);
    free(uids);
    return rc;
}

static int same_stats(const cg_graph_resolve_stats *a, const cg_graph_resolve_stats *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* Per-file resolution, a resolver in either order, and a resolver whose batches are all
 * prepared before any is written store the same bytes. */
CG_TEST(resolver_stores_what_per_file_resolution_stores)
{
    env e;
    cg_graph_resolve_stats plain, cached, reversed;
    env_new(&e, "same");
    uint32_t p = project(e.g);

    CG_CHECK_EQ_INT(resolve_all(e.g, p, 0, 0, &plain), 0);
    digest d0 = stored(e.s);
    CG_CHECK_EQ_INT(resolve_all(e.g, p, 1, 0, &cached), 0);
    digest d1 = stored(e.s);
    CG_CHECK_EQ_INT(resolve_all(e.g, p, 1, 1, &reversed), 0);
    digest d2 = stored(e.s);
    CG_CHECK_EQ_INT(resolve_all(e.g, p, 0, 1, &reversed), 0);
    digest d3 = stored(e.s);
    CG_CHECK_EQ_INT(resolve_deferred(e.g, p), 0);
    digest d4 = stored(e.s);

    CG_CHECK(d0.keys > 0 && d0.keys == d1.keys && d0.keys == d2.keys && d0.keys == d3.keys);
    CG_CHECK(d0.h == d1.h && d0.h == d2.h && d0.h == d3.h);
    CG_CHECK(d4.keys == d0.keys && d4.h == d0.h);
    CG_CHECK(same_stats(&plain, &cached) && same_stats(&plain, &reversed));
    /* the project really exercises every rule */
    CG_CHECK_EQ_INT(plain.files, NFILES + NBIG + 1);
    CG_CHECK(plain.by_res[CG_RES_EXACT] > 0 && plain.by_res[CG_RES_IMPORT] > 0);
    CG_CHECK(plain.by_res[CG_RES_NAME] > 0);
    CG_CHECK(plain.unresolved >= NFILES && plain.ambiguous > 0);
    env_close(&e);
}

/* pkg/m0.py's call of missing() stays unresolved until a put defines it; a resolver made
 * after that put (the next phase) resolves it. */
CG_TEST(new_resolver_sees_new_names)
{
    env e;
    cg_graph_resolve_stats before, after;
    fx f;
    env_new(&e, "phases");
    uint32_t p = project(e.g);

    CG_CHECK_EQ_INT(resolve_all(e.g, p, 1, 0, &before), 0);
    cgt_fx_init(&f);
    fx_ent(&f, CG_KIND_FUNCTION, "missing", "missing", -1);
    CG_CHECK_EQ_INT(put(e.g, p, "late.py", &f), 0);
    CG_CHECK_EQ_INT(resolve_all(e.g, p, 1, 0, &after), 0);
    CG_CHECK_EQ_INT(after.files, before.files + 1);
    CG_CHECK_EQ_INT(after.unresolved, before.unresolved - NFILES);
    CG_CHECK_EQ_INT(after.by_res[CG_RES_NAME], before.by_res[CG_RES_NAME] + NFILES);
    env_close(&e);
}

int main(void)
{
    int rc = cg_test_main();
    cgt_rmtree(tmp_root);
    return rc;
}
