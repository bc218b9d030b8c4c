/*
 * test_verify.c — proves cg_verify_run (src/admin/verify.c) finds what it claims to find. A
 * small graph is written straight into a real store with the graph's own key and record
 * encoders (one project, one file with its uid record, two entities, a calls edge and its
 * mirror, name entries): verify reports it clean with the exact counts. Then each invariant is
 * broken once — an in_edges mirror deleted, a mirror record made different, a name entry
 * pointing at a missing entity, an entity whose file uid record is missing — and verify
 * returns CG_ECORRUPT naming that problem.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/store.h"
#include "graph/graph_int.h"

static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static void put(cg_store *s, cg_store_cf cf, const gr_key *k, const cg_buf *v)
{
    cg_store_batch *b = cg_store_batch_create(s);
    cg_store_batch_put(b, cf, k->b, k->n, v ? v->data : "", v ? v->len : 0);
    cg_store_batch_write(s, b, 0, NULL, 0);
    cg_store_batch_destroy(b);
}

static void del(cg_store *s, cg_store_cf cf, const gr_key *k)
{
    cg_store_batch *b = cg_store_batch_create(s);
    cg_store_batch_delete(b, cf, k->b, k->n);
    cg_store_batch_write(s, b, 0, NULL, 0);
    cg_store_batch_destroy(b);
}

static void put_entity(cg_store *s, uint64_t id, const char *name)
{
    gr_entity e;
    gr_key k;
    cg_buf v;
    memset(&e, 0, sizeof e);
    e.id = id;
    e.project = 1;
    e.kind = 1;
    e.name = e.qname = name;
    e.signature = e.doc = "";
    cg_buf_init(&v);
    gr_enc_entity(&v, &e);
    gr_k_entity(&k, id);
    put(s, CG_STORE_CF_ENTITIES, &k, &v);
    gr_k_name(&k, 1, name, id);
    cg_buf_reset(&v);
    put(s, CG_STORE_CF_NAMES, &k, &v);
    cg_buf_release(&v);
}

static void put_edge(cg_store *s, uint64_t a, uint64_t b, int count)
{
    gr_edge ed = {.resolution = 0, .count = (uint32_t)count, .line = 3, .col = 1};
    gr_key k;
    cg_buf v;
    cg_buf_init(&v);
    gr_enc_edge(&v, &ed);
    gr_k_edge(&k, a, 1, b);
    put(s, CG_STORE_CF_OUT_EDGES, &k, &v);
    gr_k_edge(&k, b, 1, a);
    put(s, CG_STORE_CF_IN_EDGES, &k, &v);
    cg_buf_release(&v);
}

/* One project, file uid 7 ("a.py"), entities 7<<20|1 and 7<<20|2, a calls edge 1 → 2. */
static void build(cg_store *s)
{
    gr_key k;
    cg_buf v;
    cg_graph_file_info fi;
    cg_buf_init(&v);
    gr_k_project(&k, 1);
    put(s, CG_STORE_CF_PROJECTS, &k, NULL);
    gr_enc_uid(&v, 1, "a.py");
    gr_k_uid(&k, GR_TAG_FILE_UID, 7);
    put(s, CG_STORE_CF_FILES, &k, &v);
    memset(&fi, 0, sizeof fi);
    fi.uid = 7;
    cg_buf_reset(&v);
    gr_enc_file(&v, &fi);
    gr_k_file(&k, 1, "a.py");
    put(s, CG_STORE_CF_FILES, &k, &v);
    cg_buf_release(&v);
    put_entity(s, GR_ID(7, 1), "caller");
    put_entity(s, GR_ID(7, 2), "callee");
    put_edge(s, GR_ID(7, 1), GR_ID(7, 2), 1);
}

static int has_msg(const cg_verify_report *r, const char *needle)
{
    for (int i = 0; i < r->n_msgs; i++)
        if (strstr(r->msgs[i], needle)) return 1;
    return 0;
}

CG_TEST(clean_then_each_invariant_broken)
{
    char db[128], err[512];
    cg_config_database c;
    cg_store *s = NULL;
    cg_verify_report *r = calloc(1, sizeof *r);
    gr_key k;

    snprintf(db, sizeof db, "%s/rocks.db", root);
    memset(&c, 0, sizeof c);
    c.path = db;
    c.compression_type = c.bottommost_compression_type = "none";
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (!s || !r) return;
    build(s);
    CG_CHECK_EQ_INT(cg_verify_run(s, NULL, r, err, sizeof err), 0);
    CG_CHECK_EQ_INT(r->problems, 0);
    CG_CHECK_EQ_INT(r->entities, 2);
    CG_CHECK_EQ_INT(r->out_edges, 1);
    CG_CHECK_EQ_INT(r->in_edges, 1);
    CG_CHECK_EQ_INT(r->files, 1);
    CG_CHECK_EQ_INT(r->projects, 1);
    CG_CHECK_EQ_INT(r->vector_checked, 0);

    gr_k_edge(&k, GR_ID(7, 2), 1, GR_ID(7, 1)); /* the in_edges mirror of 1 → 2 */
    del(s, CG_STORE_CF_IN_EDGES, &k);
    CG_CHECK_EQ_INT(cg_verify_run(s, NULL, r, err, sizeof err), CG_ECORRUPT);
    CG_CHECK(has_msg(r, "no in_edges mirror"));

    put_edge(s, GR_ID(7, 1), GR_ID(7, 2), 1);
    gr_edge other = {.count = 9, .line = 1};
    cg_buf v;
    cg_buf_init(&v);
    gr_enc_edge(&v, &other);
    put(s, CG_STORE_CF_IN_EDGES, &k, &v);
    cg_buf_release(&v);
    CG_CHECK_EQ_INT(cg_verify_run(s, NULL, r, err, sizeof err), CG_ECORRUPT);
    CG_CHECK(has_msg(r, "records differ"));
    put_edge(s, GR_ID(7, 1), GR_ID(7, 2), 1);
    CG_CHECK_EQ_INT(cg_verify_run(s, NULL, r, err, sizeof err), 0);

    gr_k_name(&k, 1, "ghost", GR_ID(7, 9));
    put(s, CG_STORE_CF_NAMES, &k, NULL);
    CG_CHECK_EQ_INT(cg_verify_run(s, NULL, r, err, sizeof err), CG_ECORRUPT);
    CG_CHECK(has_msg(r, "missing entity"));
    del(s, CG_STORE_CF_NAMES, &k);

    gr_k_uid(&k, GR_TAG_FILE_UID, 7);
    del(s, CG_STORE_CF_FILES, &k);
    CG_CHECK_EQ_INT(cg_verify_run(s, NULL, r, err, sizeof err), CG_ECORRUPT);
    CG_CHECK(has_msg(r, "no uid record"));
    CG_CHECK_EQ_INT(r->problems, 1);
    cg_store_close(s);
    free(r);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/cg-verify-XXXXXX");
    if (!mkdtemp(root)) return 1;
    int rc = cg_test_main();
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
