/*
 * test_graph.c — proves the graph storage layer on hand-built extractions of a small
 * three-file project (no extraction engine involved):
 * - names split into segments as resolution expects; keys order numerically; records
 *   round-trip;
 * - put + resolve + publish store the entities, contains edges and reference edges with the
 *   right resolution (exact / import / name), and unresolvable calls as unresolved;
 * - exact / prefix / fuzzy symbol lookup with kind and language filters; callers and
 *   callees at depth 1..3; shortest path; outline in source order; stats; pagination;
 * - entity ids are stable when an unchanged file is written again;
 * - rewriting a file removes its stale entities and edges, edges from other files into
 *   it are re-resolved (to unresolved, then back when the name returns), and neither a
 *   snapshot taken before the rewrite nor the published view sees the change until publish;
 * - inline resolution (CG_GRAPH_PUT_RESOLVE); deleting a file; deleting a project leaves
 *   no key of it behind and the other project intact; reopening finds everything;
 * - long paths do not disturb the strings of answers; resolution ties go the same way
 *   whatever order the files were written in;
 * - job records; invalid input is refused.
 */
#include <errno.h>
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

static char tmp_root[CGT_ROOT_MAX];

/* ---- store / graph set-up ---- */

typedef cgt_db env;

/* A fresh store + graph in tmp_root/name. */
static void env_new(env *e, const char *name)
{
    cgt_db_new(e, tmp_root, "graph", name);
}

/* Reopen e's store and graph after env_close. */
static void env_open(env *e)
{
    cgt_db_open(e, e->path);
}

#define env_close cgt_db_close

/* ---- hand-built extractions ---- */

typedef cgt_fx fx;

/* An entity spanning lines [line, end] (bytes 100 per line). */
static int fx_ent(fx *f, cg_entity_kind k, const char *name, const char *qname, int parent,
                  uint32_t line, uint32_t end)
{
    char sig[128];
    snprintf(sig, sizeof(sig), "def %s()", name);
    return cgt_fx_ent(f, k, name, qname, sig, "doc", parent,
                      (cg_span){line, 4, end, 0, line * 100, end * 100 + 50});
}

static void fx_ref(fx *f, cg_ref_kind k, const char *name, int from, uint32_t line)
{
    cg_xref *r = &f->refs[f->x.n_refs++];
    r->kind = k;
    r->name = cgt_fx_str(f, name);
    r->from = from;
    r->span = (cg_span){line, 8, line, 20, line * 100 + 8, line * 100 + 20};
}

/* pkg/a.py: helper (or `renamed`), class Base with run, util; run and util call it. */
static void fx_a(fx *f, const char *helper)
{
    char q[64];
    cgt_fx_init(f);
    snprintf(q, sizeof(q), "%s", helper);
    fx_ent(f, CG_KIND_FUNCTION, helper, q, -1, 1, 3);
    int base = fx_ent(f, CG_KIND_CLASS, "Base", "Base", -1, 5, 10);
    int run = fx_ent(f, CG_KIND_METHOD, "run", "Base.run", base, 6, 8);
    int util = fx_ent(f, CG_KIND_FUNCTION, "util", "util", -1, 12, 14);
    fx_ref(f, CG_REF_CALL, helper, run, 7);
    fx_ref(f, CG_REF_CALL, helper, util, 13);
}

/* pkg/b.py: import pkg.a; class Child(Base) { run: self.go(), helper(); go: util() };
 * main: Child().run(), os.path.join(). */
static void fx_b(fx *f)
{
    cgt_fx_init(f);
    int child = fx_ent(f, CG_KIND_CLASS, "Child", "Child", -1, 3, 9);
    int run = fx_ent(f, CG_KIND_METHOD, "run", "Child.run", child, 4, 6);
    int go = fx_ent(f, CG_KIND_METHOD, "go", "Child.go", child, 7, 9);
    int mn = fx_ent(f, CG_KIND_FUNCTION, "main", "main", -1, 11, 14);
    fx_ref(f, CG_REF_IMPORT, "pkg.a", -1, 1);
    fx_ref(f, CG_REF_INHERIT, "Base", child, 3);
    fx_ref(f, CG_REF_CALL, "self.go", run, 5);
    fx_ref(f, CG_REF_CALL, "helper", run, 6);
    fx_ref(f, CG_REF_CALL, "util", go, 8);
    fx_ref(f, CG_REF_CALL, "Child().run", mn, 12);
    fx_ref(f, CG_REF_CALL, "os.path.join", mn, 13);
}

/* c.py: entry calls main and helper (no imports: resolved by name). */
static void fx_c(fx *f)
{
    cgt_fx_init(f);
    int entry = fx_ent(f, CG_KIND_FUNCTION, "entry", "entry", -1, 1, 4);
    fx_ref(f, CG_REF_CALL, "main", entry, 2);
    fx_ref(f, CG_REF_CALL, "helper", entry, 3);
    fx_ref(f, CG_REF_CALL, "helper", entry, 4);
}

static int put(cg_graph *g, uint32_t p, const char *path, fx *f, int flags)
{
    cg_graph_file_meta m = {.language = "python",
                            .hash = cg_graph_hash(path, strlen(path)),
                            .size = 1500,
                            .mtime_ns = 42};
    int rc = cg_graph_file_put(g, p, path, &m, &f->x, flags);
    cg_buf_release(&f->x.strings);
    return rc;
}

/* Create project "demo" with the three files, resolve, publish. */
static uint32_t demo(cg_graph *g, const char *name)
{
    uint32_t p = 0;
    fx f;
    if (cg_graph_project_create(g, name, "/tmp/demo", &p) != 0) abort();
    fx_a(&f, "helper");
    if (put(g, p, "pkg/a.py", &f, 0)) abort();
    fx_b(&f);
    if (put(g, p, "pkg/b.py", &f, 0)) abort();
    fx_c(&f);
    if (put(g, p, "c.py", &f, 0)) abort();
    if (cg_graph_resolve_project(g, p, 0, NULL) || cg_graph_project_publish(g, p, NULL)) abort();
    return p;
}

/* The id of the entity with this qualified name (exact lookup of its simple name). */
static uint64_t sym(cg_graph_view *v, const char *name, const char *qname)
{
    cg_graph_symbol_query q = {.q = name, .match = CG_MATCH_EXACT};
    cg_graph_result r;
    uint64_t id = 0;
    cg_graph_result_init(&r);
    if (cg_graph_symbols(v, &q, &r) == 0)
        for (int i = 0; i < r.n; i++)
            if (strcmp(r.hits[i].entity.qualified_name, qname) == 0) id = r.hits[i].entity.id;
    cg_graph_result_release(&r);
    return id;
}

static const cg_graph_hit *find_hit(const cg_graph_result *r, uint64_t id)
{
    for (int i = 0; i < r->n; i++)
        if (r->hits[i].entity.id == id) return &r->hits[i];
    return NULL;
}

/* The resolution of the edge src → dst of `kind` as seen from dst's references. */
static int edge_res(cg_graph_view *v, uint64_t src, uint64_t dst, int kind)
{
    cg_graph_result r;
    int res = -2;
    cg_graph_result_init(&r);
    if (cg_graph_references(v, dst, NULL, &r) == 0)
        for (int i = 0; i < r.n; i++)
            if (r.hits[i].entity.id == src && r.hits[i].edge_kind == kind)
                res = r.hits[i].resolution;
    cg_graph_result_release(&r);
    return res;
}

static int count_callers(cg_graph_view *v, uint64_t id, int depth)
{
    cg_graph_traverse t = {.id = id, .depth = depth};
    cg_graph_result r;
    cg_graph_result_init(&r);
    int n = cg_graph_callers(v, &t, &r) == 0 ? (int)r.total : -1;
    cg_graph_result_release(&r);
    return n;
}

/* ---- codec ---- */

CG_TEST(segments_and_keys)
{
    gr_segs sg;
    gr_key a, b;

    gr_segs_split(&sg, "self.run", 0);
    CG_CHECK_EQ_INT(sg.n, 1);
    CG_CHECK_EQ_INT(sg.receiver, 1);
    CG_CHECK_STR(sg.s[0], "run");
    gr_segs_split(&sg, "super().__init__", 0);
    CG_CHECK_EQ_INT(sg.receiver, 2);
    CG_CHECK_STR(gr_ref_simple(&sg), "__init__");
    gr_segs_split(&sg, "ns::Vec<int>->push", 0);
    CG_CHECK_EQ_INT(sg.n, 3);
    CG_CHECK_STR(sg.s[1], "Vec");
    gr_segs_split(&sg, "\"../util/strings.h\"", 1);
    CG_CHECK_EQ_INT(sg.n, 2);
    CG_CHECK_STR(sg.s[0], "util");
    CG_CHECK_STR(sg.s[1], "strings");
    gr_segs_split(&sg, "crate::graph::Node", 1);
    CG_CHECK_EQ_INT(sg.n, 2);
    CG_CHECK_STR(sg.s[0], "graph");
    gr_segs_path(&sg, "src/pkg/mod.rs");
    CG_CHECK_EQ_INT(sg.n, 3);
    CG_CHECK_STR(sg.s[2], "mod");
    /* big-endian ids order numerically, names before their longer extensions */
    gr_k_entity(&a, 255);
    gr_k_entity(&b, 256);
    CG_CHECK(memcmp(a.b, b.b, 8) < 0);
    gr_k_name(&a, 1, "Run", 99);
    gr_k_name(&b, 1, "runner", 1);
    CG_CHECK(memcmp(a.b, b.b, CG_MIN(a.n, b.n)) < 0);
    CG_CHECK(a.b[4] == 'r'); /* lowered */
}

CG_TEST(records_round_trip)
{
    cg_buf b;
    gr_entity e = {.id = 7,
                   .project = 3,
                   .parent_local = 9,
                   .kind = CG_KIND_METHOD,
                   .lang = 2,
                   .span = {1, 2, 3, 4, 5, 6},
                   .name = "n",
                   .qname = "A.n",
                   .signature = "s",
                   .doc = ""};
    gr_entity d;
    cg_graph_job j = {.id = 5,
                      .project = 2,
                      .state = CG_JOB_DONE,
                      .files_total = 10,
                      .files_done = 9,
                      .files_unchanged = 4,
                      .n_errors = 1,
                      .n_msgs = 1};
    cg_graph_job jd = {.id = 5};

    cg_buf_init(&b);
    gr_enc_entity(&b, &e);
    CG_CHECK_EQ_INT(gr_dec_entity(b.data, b.len, 7, &d), 0);
    CG_CHECK_EQ_INT(d.parent_local, 9);
    CG_CHECK_EQ_INT(d.span.end_byte, 6);
    CG_CHECK_STR(d.qname, "A.n");
    CG_CHECK_EQ_INT(gr_dec_entity(b.data, b.len - 1, 7, &d), CG_ECORRUPT);
    cg_buf_reset(&b);
    snprintf(j.kind, sizeof(j.kind), "index");
    snprintf(j.errors[0], sizeof(j.errors[0]), "x.py: too big");
    gr_enc_job(&b, &j);
    CG_CHECK_EQ_INT(gr_dec_job(b.data, b.len, &jd), 0);
    CG_CHECK_EQ_INT(jd.files_done, 9);
    CG_CHECK_EQ_INT(jd.files_unchanged, 4);
    CG_CHECK_STR(jd.errors[0], "x.py: too big");
    cg_buf_release(&b);
}

/* ---- writing and querying ---- */

CG_TEST(entities_edges_and_resolution)
{
    env e;
    cg_graph_view *v;
    cg_graph_result r;
    env_new(&e, "basic");
    uint32_t p = demo(e.g, "demo");
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p, &v), 0);
    CG_CHECK_EQ_INT(cg_graph_view_generation(v), 1);
    uint64_t helper = sym(v, "helper", "helper"), brun = sym(v, "run", "Base.run");
    uint64_t crun = sym(v, "run", "Child.run"), go = sym(v, "go", "Child.go");
    uint64_t util = sym(v, "util", "util"), mn = sym(v, "main", "main");
    uint64_t entry = sym(v, "entry", "entry"), base = sym(v, "Base", "Base");
    uint64_t child = sym(v, "Child", "Child");
    CG_CHECK(helper && brun && crun && go && util && mn && entry && base && child);
    CG_CHECK(helper < (UINT64_C(1) << 53));

    cg_graph_result_init(&r);
    CG_CHECK_EQ_INT(cg_graph_entity_get(v, crun, &r), 0);
    CG_CHECK_EQ_INT(r.n, 1);
    CG_CHECK_STR(r.hits[0].entity.name, "run");
    CG_CHECK_STR(r.hits[0].entity.path, "pkg/b.py");
    CG_CHECK_STR(r.hits[0].entity.language, "python");
    CG_CHECK_STR(cg_graph_kind_name(r.hits[0].entity.kind), "method");
    CG_CHECK_EQ_INT(r.hits[0].entity.parent, child);
    CG_CHECK_EQ_INT(r.hits[0].entity.span.start_line, 4);
    CG_CHECK_EQ_INT(r.hits[0].entity.span.end_line, 6);
    CG_CHECK_STR(r.hits[0].entity.signature, "def run()");
    CG_CHECK_EQ_INT(r.generation, 1);
    CG_CHECK_EQ_INT(cg_graph_entity_get(v, crun + 1, &r), CG_ENOTFOUND);

    /* how each edge was resolved */
    CG_CHECK_EQ_INT(edge_res(v, brun, helper, CG_EDGE_CALLS), CG_RES_EXACT);
    CG_CHECK_EQ_INT(edge_res(v, crun, go, CG_EDGE_CALLS), CG_RES_EXACT);      /* self.go */
    CG_CHECK_EQ_INT(edge_res(v, mn, crun, CG_EDGE_CALLS), CG_RES_EXACT);      /* Child().run */
    CG_CHECK_EQ_INT(edge_res(v, crun, helper, CG_EDGE_CALLS), CG_RES_IMPORT); /* import pkg.a */
    CG_CHECK_EQ_INT(edge_res(v, go, util, CG_EDGE_CALLS), CG_RES_IMPORT);
    CG_CHECK_EQ_INT(edge_res(v, child, base, CG_EDGE_INHERITS), CG_RES_IMPORT);
    CG_CHECK_EQ_INT(edge_res(v, entry, mn, CG_EDGE_CALLS), CG_RES_NAME);
    CG_CHECK_EQ_INT(edge_res(v, entry, helper, CG_EDGE_CALLS), CG_RES_NAME);
    CG_CHECK_EQ_INT(edge_res(v, base, brun, CG_EDGE_CONTAINS), -2); /* contains: not a ref */
    /* the import edge goes from b's file node to a's file node */
    uint64_t bfile = CG_GRAPH_FILE_NODE(CG_GRAPH_ID_FILE(crun));
    uint64_t afile = CG_GRAPH_FILE_NODE(CG_GRAPH_ID_FILE(helper));
    CG_CHECK_EQ_INT(edge_res(v, bfile, afile, CG_EDGE_IMPORTS), CG_RES_IMPORT);
    CG_CHECK_EQ_INT(cg_graph_entity_get(v, afile, &r), 0);
    CG_CHECK_STR(cg_graph_kind_name(r.hits[0].entity.kind), "file");
    CG_CHECK_STR(r.hits[0].entity.qualified_name, "pkg/a.py");

    /* duplicate call sites collapse into one edge with a count, first site kept */
    CG_CHECK_EQ_INT(cg_graph_references(v, helper, NULL, &r), 0);
    const cg_graph_hit *h = find_hit(&r, entry);
    CG_CHECK(h && h->count == 2 && h->line == 3 && h->col == 8);
    CG_CHECK_EQ_INT(r.total, 4); /* Base.run, util, Child.run, entry */

    /* os.path.join stays unresolved and is counted */
    cg_graph_file_info fi;
    CG_CHECK_EQ_INT(cg_graph_file_get(e.g, p, "pkg/b.py", &fi), 0);
    CG_CHECK_EQ_INT(fi.unresolved, 1);
    CG_CHECK_EQ_INT(fi.entities, 4);
    CG_CHECK_EQ_INT(fi.edges[CG_EDGE_CALLS], 4);
    CG_CHECK(!(fi.flags & CG_GRAPH_FILE_DIRTY));
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    env_close(&e);
}

CG_TEST(symbol_lookup)
{
    env e;
    cg_graph_view *v;
    cg_graph_result r;
    env_new(&e, "symbols");
    uint32_t p = demo(e.g, "demo");
    cg_graph_view_open(e.g, p, &v);
    cg_graph_result_init(&r);

    cg_graph_symbol_query q = {.q = "RUN", .match = CG_MATCH_EXACT};
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK_EQ_INT(r.total, 2);
    CG_CHECK(r.hits[0].score < 1.0); /* case differs */
    CG_CHECK(r.hits[0].entity.id < r.hits[1].entity.id);
    q.q = "run";
    q.kinds = CG_GRAPH_KIND_BIT(CG_KIND_FUNCTION);
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK_EQ_INT(r.total, 0);
    q = (cg_graph_symbol_query){.q = "u", .match = CG_MATCH_PREFIX};
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK_EQ_INT(r.total, 1);
    CG_CHECK_STR(r.hits[0].entity.name, "util");
    q = (cg_graph_symbol_query){.q = "hlper", .match = CG_MATCH_FUZZY};
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK(r.total >= 1);
    CG_CHECK_STR(r.hits[0].entity.name, "helper");
    q = (cg_graph_symbol_query){.q = "main", .match = CG_MATCH_FUZZY};
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK(r.hits[0].score == 1.0);
    CG_CHECK_STR(r.hits[0].entity.name, "main");
    q = (cg_graph_symbol_query){.q = "main", .match = CG_MATCH_EXACT, .language = "rust"};
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK_EQ_INT(r.total, 0);
    q.language = "python";
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK_EQ_INT(r.total, 1);
    /* file nodes are indexed by stem */
    q = (cg_graph_symbol_query){.q = "b", .match = CG_MATCH_EXACT};
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), 0);
    CG_CHECK_EQ_INT(r.total, 1);
    CG_CHECK_EQ_INT(r.hits[0].entity.kind, CG_GRAPH_KIND_FILE);
    q.q = "";
    CG_CHECK_EQ_INT(cg_graph_symbols(v, &q, &r), CG_EINVAL);
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    env_close(&e);
}

CG_TEST(callers_callees_path_outline_stats)
{
    env e;
    cg_graph_view *v;
    cg_graph_result r;
    env_new(&e, "walks");
    uint32_t p = demo(e.g, "demo");
    cg_graph_view_open(e.g, p, &v);
    cg_graph_result_init(&r);
    uint64_t helper = sym(v, "helper", "helper"), entry = sym(v, "entry", "entry");
    uint64_t mn = sym(v, "main", "main"), crun = sym(v, "run", "Child.run");
    uint64_t go = sym(v, "go", "Child.go"), util = sym(v, "util", "util");

    CG_CHECK_EQ_INT(count_callers(v, helper, 1), 4);
    CG_CHECK_EQ_INT(count_callers(v, helper, 2), 6); /* + main, Child.go */
    CG_CHECK_EQ_INT(count_callers(v, helper, 3), 6);
    cg_graph_traverse t = {.id = entry, .depth = 1};
    int want[] = {2, 3, 4}; /* {main, helper}, + Child.run, + Child.go */
    for (int d = 1; d <= 3; d++) {
        t.depth = d;
        CG_CHECK_EQ_INT(cg_graph_callees(v, &t, &r), 0);
        CG_CHECK_EQ_INT(r.total, want[d - 1]);
    }
    CG_CHECK_EQ_INT(r.hits[0].depth, 1);
    CG_CHECK_EQ_INT(r.hits[2].entity.id, crun);
    CG_CHECK_EQ_INT(r.hits[2].depth, 2);
    CG_CHECK_EQ_INT(r.hits[2].via, mn);
    CG_CHECK_EQ_INT(r.hits[3].entity.id, go);
    CG_CHECK_EQ_INT(r.hits[3].depth, 3);
    /* pages: limit 1 from offset 1 */
    t.page = (cg_graph_page){.limit = 1, .offset = 1};
    CG_CHECK_EQ_INT(cg_graph_callees(v, &t, &r), 0);
    CG_CHECK_EQ_INT(r.n, 1);
    CG_CHECK_EQ_INT(r.total, 4);
    CG_CHECK_EQ_INT(r.next_offset, 2);
    CG_CHECK(r.truncated && !r.bounded);
    /* node budget */
    t = (cg_graph_traverse){.id = entry, .depth = 3, .max_nodes = 2};
    CG_CHECK_EQ_INT(cg_graph_callees(v, &t, &r), 0);
    CG_CHECK_EQ_INT(r.total, 2);
    CG_CHECK(r.bounded && r.truncated);

    CG_CHECK_EQ_INT(cg_graph_path(v, entry, util, 0, 0, &r), 0);
    CG_CHECK_EQ_INT(r.n, 5);
    uint64_t chain[] = {entry, mn, crun, go, util};
    for (int i = 0; i < 5 && i < r.n; i++) CG_CHECK_EQ_INT(r.hits[i].entity.id, chain[i]);
    CG_CHECK_EQ_INT(r.hits[4].edge_kind, CG_EDGE_CALLS);
    CG_CHECK_EQ_INT(cg_graph_path(v, entry, util, 3, 0, &r), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_graph_path(v, util, entry, 0, 0, &r), CG_ENOTFOUND);

    CG_CHECK_EQ_INT(cg_graph_outline(v, "pkg/b.py", NULL, &r), 0);
    const char *order[] = {"Child", "run", "go", "main"};
    CG_CHECK_EQ_INT(r.n, 4);
    for (int i = 0; i < 4 && i < r.n; i++) CG_CHECK_STR(r.hits[i].entity.name, order[i]);
    CG_CHECK_EQ_INT(cg_graph_outline(v, "nope.py", NULL, &r), CG_ENOTFOUND);

    cg_graph_stats st;
    CG_CHECK_EQ_INT(cg_graph_stats_get(v, &st), 0);
    CG_CHECK_EQ_INT(st.files, 3);
    CG_CHECK_EQ_INT(st.entities, 9);
    CG_CHECK_EQ_INT(st.by_kind[CG_KIND_METHOD], 3);
    CG_CHECK_EQ_INT(st.edges[CG_EDGE_CONTAINS], 9);
    CG_CHECK_EQ_INT(st.edges[CG_EDGE_CALLS], 8);
    CG_CHECK_EQ_INT(st.edges[CG_EDGE_INHERITS], 1);
    CG_CHECK_EQ_INT(st.edges[CG_EDGE_IMPORTS], 1);
    CG_CHECK_EQ_INT(st.unresolved, 1);
    CG_CHECK_EQ_INT(st.dirty_files, 0);
    CG_CHECK_EQ_INT(st.generation, 1);
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    env_close(&e);
}

CG_TEST(unchanged_file_keeps_ids)
{
    env e;
    cg_graph_view *v;
    fx f;
    env_new(&e, "stable");
    uint32_t p = demo(e.g, "demo");
    cg_graph_view_open_latest(e.g, p, &v);
    uint64_t helper = sym(v, "helper", "helper"), base = sym(v, "Base", "Base");
    cg_graph_view_close(v);
    fx_a(&f, "helper");
    CG_CHECK_EQ_INT(put(e.g, p, "pkg/a.py", &f, 0), 0);
    CG_CHECK_EQ_INT(cg_graph_resolve_project(e.g, p, 0, NULL), 0);
    cg_graph_view_open_latest(e.g, p, &v);
    CG_CHECK_EQ_INT(sym(v, "helper", "helper"), helper);
    CG_CHECK_EQ_INT(sym(v, "Base", "Base"), base);
    CG_CHECK_EQ_INT(count_callers(v, helper, 1), 4);
    cg_graph_view_close(v);
    env_close(&e);
}

CG_TEST(rewrite_re_resolves_and_snapshots_isolate)
{
    env e;
    cg_graph_view *before, *pub, *v;
    fx f;
    env_new(&e, "rewrite");
    uint32_t p = demo(e.g, "demo");
    CG_CHECK_EQ_INT(cg_graph_view_open_latest(e.g, p, &before), 0);
    uint64_t helper = sym(before, "helper", "helper"), base = sym(before, "Base", "Base");
    uint64_t child = sym(before, "Child", "Child"), brun = sym(before, "run", "Base.run");

    /* rename helper → helper2 in a.py; b and c still call helper */
    fx_a(&f, "helper2");
    CG_CHECK_EQ_INT(put(e.g, p, "pkg/a.py", &f, 0), 0);
    cg_graph_file_info fi;
    CG_CHECK_EQ_INT(cg_graph_file_get(e.g, p, "pkg/b.py", &fi), 0);
    CG_CHECK(fi.flags & CG_GRAPH_FILE_DIRTY); /* it had an edge into helper */
    CG_CHECK_EQ_INT(cg_graph_resolve_project(e.g, p, 0, NULL), 0);
    CG_CHECK_EQ_INT(cg_graph_file_get(e.g, p, "pkg/b.py", &fi), 0);
    CG_CHECK(!(fi.flags & CG_GRAPH_FILE_DIRTY));
    CG_CHECK_EQ_INT(fi.unresolved, 2); /* helper, os.path.join */

    CG_CHECK_EQ_INT(cg_graph_view_open_latest(e.g, p, &v), 0);
    cg_graph_result r;
    cg_graph_result_init(&r);
    CG_CHECK_EQ_INT(cg_graph_entity_get(v, helper, &r), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(sym(v, "helper", "helper"), 0);
    uint64_t helper2 = sym(v, "helper2", "helper2");
    CG_CHECK(helper2 != 0);
    CG_CHECK_EQ_INT(count_callers(v, helper2, 1), 2); /* Base.run, util (same file) */
    CG_CHECK_EQ_INT(sym(v, "Base", "Base"), base);    /* kept id, kept edge from b */
    CG_CHECK_EQ_INT(edge_res(v, child, base, CG_EDGE_INHERITS), CG_RES_IMPORT);
    CG_CHECK_EQ_INT(edge_res(v, brun, helper2, CG_EDGE_CALLS), CG_RES_EXACT);
    cg_graph_view_close(v);

    /* the snapshot from before, and the published view, still show the old graph */
    CG_CHECK_EQ_INT(count_callers(before, helper, 1), 4);
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p, &pub), 0);
    CG_CHECK_EQ_INT(cg_graph_view_generation(pub), 1);
    CG_CHECK_EQ_INT(count_callers(pub, helper, 1), 4);
    cg_graph_view_close(pub);
    uint64_t gen = 0;
    CG_CHECK_EQ_INT(cg_graph_project_publish(e.g, p, &gen), 0);
    CG_CHECK_EQ_INT(gen, 2);
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p, &pub), 0);
    CG_CHECK_EQ_INT(cg_graph_view_generation(pub), 2);
    CG_CHECK_EQ_INT(count_callers(pub, helper, 1), -1);
    CG_CHECK_EQ_INT(count_callers(before, helper, 1), 4);
    cg_graph_view_close(pub);
    cg_graph_view_close(before);

    /* bring helper back: the waiting references in b and c resolve again, same id */
    fx_a(&f, "helper");
    CG_CHECK_EQ_INT(put(e.g, p, "pkg/a.py", &f, 0), 0);
    CG_CHECK_EQ_INT(cg_graph_resolve_project(e.g, p, 0, NULL), 0);
    CG_CHECK_EQ_INT(cg_graph_view_open_latest(e.g, p, &v), 0);
    CG_CHECK_EQ_INT(sym(v, "helper", "helper"), helper);
    CG_CHECK_EQ_INT(count_callers(v, helper, 1), 4);
    CG_CHECK_EQ_INT(sym(v, "helper2", "helper2"), 0);
    cg_graph_stats st;
    CG_CHECK_EQ_INT(cg_graph_stats_get(v, &st), 0);
    CG_CHECK_EQ_INT(st.unresolved, 1);
    CG_CHECK_EQ_INT(st.edges[CG_EDGE_CALLS], 8);
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    env_close(&e);
}

CG_TEST(inline_resolution)
{
    env e;
    cg_graph_view *v;
    uint32_t p;
    fx f;
    env_new(&e, "inline");
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "x", "/tmp/x", &p), 0);
    fx_a(&f, "helper");
    CG_CHECK_EQ_INT(put(e.g, p, "pkg/a.py", &f, CG_GRAPH_PUT_RESOLVE), 0);
    fx_b(&f);
    CG_CHECK_EQ_INT(put(e.g, p, "pkg/b.py", &f, CG_GRAPH_PUT_RESOLVE), 0);
    cg_graph_file_info fi;
    CG_CHECK_EQ_INT(cg_graph_file_get(e.g, p, "pkg/b.py", &fi), 0);
    CG_CHECK(!(fi.flags & CG_GRAPH_FILE_DIRTY));
    CG_CHECK_EQ_INT(fi.unresolved, 1);
    cg_graph_view_open_latest(e.g, p, &v);
    uint64_t helper = sym(v, "helper", "helper"), crun = sym(v, "run", "Child.run");
    CG_CHECK_EQ_INT(edge_res(v, crun, helper, CG_EDGE_CALLS), CG_RES_IMPORT);
    cg_graph_view_close(v);
    env_close(&e);
}

CG_TEST(delete_file)
{
    env e;
    cg_graph_view *v;
    env_new(&e, "delfile");
    uint32_t p = demo(e.g, "demo");
    CG_CHECK_EQ_INT(cg_graph_file_delete(e.g, p, "c.py"), 0);
    CG_CHECK_EQ_INT(cg_graph_file_delete(e.g, p, "c.py"), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_graph_resolve_project(e.g, p, 0, NULL), 0);
    cg_graph_view_open_latest(e.g, p, &v);
    CG_CHECK_EQ_INT(sym(v, "entry", "entry"), 0);
    CG_CHECK_EQ_INT(count_callers(v, sym(v, "main", "main"), 1), 0);
    CG_CHECK_EQ_INT(count_callers(v, sym(v, "helper", "helper"), 1), 3);
    cg_graph_file_info fi;
    CG_CHECK_EQ_INT(cg_graph_file_get(e.g, p, "c.py", &fi), CG_ENOTFOUND);
    cg_graph_stats st;
    CG_CHECK_EQ_INT(cg_graph_stats_get(v, &st), 0);
    CG_CHECK_EQ_INT(st.files, 2);
    CG_CHECK_EQ_INT(st.edges[CG_EDGE_CALLS], 6);
    cg_graph_view_close(v);
    env_close(&e);
}

/* Keys in cf (all of them). */
static int cf_keys(cg_store *s, cg_store_cf cf)
{
    cg_store_iter *it;
    int n = 0;
    if (cg_store_iter_create(s, NULL, cf, NULL, 0, NULL, 0, &it)) return -1;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) n++;
    cg_store_iter_destroy(it);
    return n;
}

CG_TEST(delete_project)
{
    env e;
    cg_graph_view *v;
    cg_graph_project pr;
    env_new(&e, "delproj");
    uint32_t p1 = demo(e.g, "one");
    int counts[CG_STORE_CF_COUNT];
    for (int cf = CG_STORE_CF_ENTITIES; cf <= CG_STORE_CF_UNRESOLVED; cf++)
        counts[cf] = cf_keys(e.s, (cg_store_cf)cf);
    uint32_t p2 = demo(e.g, "two");
    CG_CHECK(p2 != p1);
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "two", "/tmp/t", NULL), -EEXIST);
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p1, &v), 0);
    CG_CHECK_EQ_INT(cg_graph_project_delete(e.g, p1), 0);
    /* a view opened before the delete still answers from its snapshot */
    CG_CHECK(sym(v, "helper", "helper") != 0);
    cg_graph_view_close(v);
    CG_CHECK_EQ_INT(cg_graph_project_get(e.g, p1, &pr), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_graph_project_find(e.g, "one", &pr), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p1, &v), CG_ENOTFOUND);
    /* what is left is exactly project two's keys (same files, same counts) */
    for (int cf = CG_STORE_CF_ENTITIES; cf <= CG_STORE_CF_UNRESOLVED; cf++)
        CG_CHECK_EQ_INT(cf_keys(e.s, (cg_store_cf)cf), counts[cf]);
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p2, &v), 0);
    CG_CHECK_EQ_INT(count_callers(v, sym(v, "helper", "helper"), 1), 4);
    cg_graph_view_close(v);
    CG_CHECK_EQ_INT(cg_graph_project_delete(e.g, p2), 0);
    for (int cf = CG_STORE_CF_FILES; cf <= CG_STORE_CF_UNRESOLVED; cf++)
        CG_CHECK_EQ_INT(cf_keys(e.s, (cg_store_cf)cf), 0);
    CG_CHECK_EQ_INT(cg_graph_project_list(e.g, &pr, 1), 0);
    env_close(&e);
}

CG_TEST(reopen_finds_everything)
{
    env e;
    cg_graph_view *v;
    cg_graph_project pr;
    env_new(&e, "reopen");
    uint32_t p = demo(e.g, "demo");
    cg_graph_view_open(e.g, p, &v);
    uint64_t helper = sym(v, "helper", "helper");
    cg_graph_view_close(v);
    env_close(&e);

    env_open(&e);
    CG_CHECK_EQ_INT(cg_graph_project_find(e.g, "demo", &pr), 0);
    CG_CHECK_EQ_INT(pr.id, p);
    CG_CHECK_EQ_INT(pr.generation, 1);
    CG_CHECK_STR(pr.root, "/tmp/demo");
    CG_CHECK(pr.indexed_s > 0);
    CG_CHECK_EQ_INT(cg_graph_view_open(e.g, p, &v), 0);
    CG_CHECK_EQ_INT(cg_graph_view_generation(v), 1);
    CG_CHECK_EQ_INT(sym(v, "helper", "helper"), helper);
    CG_CHECK_EQ_INT(count_callers(v, helper, 2), 6);
    uint32_t owner = 0;
    CG_CHECK_EQ_INT(cg_graph_entity_project(e.g, helper, &owner), 0);
    CG_CHECK_EQ_INT(owner, p);
    cg_graph_view_close(v);
    /* ids keep growing after a reopen: no reuse */
    uint32_t p2;
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "later", "/tmp/l", &p2), 0);
    CG_CHECK(p2 > p);
    fx f;
    fx_c(&f);
    CG_CHECK_EQ_INT(put(e.g, p2, "c.py", &f, 0), 0);
    cg_graph_view_open_latest(e.g, p2, &v);
    CG_CHECK(CG_GRAPH_ID_FILE(sym(v, "entry", "entry")) > CG_GRAPH_ID_FILE(helper));
    cg_graph_view_close(v);
    env_close(&e);
}

/* m.py imports lib and calls f; x/lib.py and y/lib.py both define f: a tie that must be
 * decided by content (smaller path), not by which file got the smaller uid. */
static uint64_t tie_target(cg_graph *g, const char *name, int x_first)
{
    const char *lx = "a/very/long/directory/name/to/outgrow/small/records/x/lib.py";
    const char *ly = "a/very/long/directory/name/to/outgrow/small/records/y/lib.py";
    cg_graph_view *v;
    cg_graph_result r;
    uint32_t p;
    uint64_t dst = 0;
    fx f;

    cg_graph_project_create(g, name, "/tmp/tie", &p);
    for (int i = 0; i < 2; i++) {
        cgt_fx_init(&f);
        fx_ent(&f, CG_KIND_FUNCTION, "f", "f", -1, 1, 2);
        put(g, p, (i == 0) == (x_first != 0) ? lx : ly, &f, 0);
    }
    cgt_fx_init(&f);
    int m = fx_ent(&f, CG_KIND_FUNCTION, "main", "main", -1, 3, 4);
    fx_ref(&f, CG_REF_IMPORT, "lib", -1, 1);
    fx_ref(&f, CG_REF_CALL, "f", m, 4);
    put(g, p, "m.py", &f, 0);
    cg_graph_resolve_project(g, p, 0, NULL);
    cg_graph_view_open_latest(g, p, &v);
    cg_graph_result_init(&r);
    cg_graph_traverse t = {.id = sym(v, "main", "main")};
    if (cg_graph_callees(v, &t, &r) == 0 && r.n == 1) {
        if (strcmp(r.hits[0].entity.path, lx) == 0 && strcmp(r.hits[0].entity.name, "f") == 0 &&
            strcmp(r.hits[0].entity.qualified_name, "f") == 0 &&
            strcmp(r.hits[0].entity.signature, "def f()") == 0 &&
            r.hits[0].resolution == CG_RES_IMPORT)
            dst = r.hits[0].entity.id;
    }
    cg_graph_result_release(&r);
    cg_graph_view_close(v);
    return dst;
}

CG_TEST(ties_and_long_paths)
{
    env e;
    env_new(&e, "ties");
    uint64_t a = tie_target(e.g, "xy", 1), b = tie_target(e.g, "yx", 0);
    CG_CHECK(a != 0 && b != 0);
    CG_CHECK(CG_GRAPH_ID_FILE(a) != CG_GRAPH_ID_FILE(b)); /* different uids … */
    CG_CHECK_EQ_INT(a & 0xfffff, b & 0xfffff);            /* … same local id */
    env_close(&e);
}

CG_TEST(jobs)
{
    env e;
    cg_graph_job j, got, list[4];
    cg_graph_project pr;
    uint32_t p;
    env_new(&e, "jobs");
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "j", "/tmp/j", &p), 0);
    CG_CHECK_EQ_INT(cg_graph_job_create(e.g, p, "index", &j), 0);
    CG_CHECK_EQ_INT(j.state, CG_JOB_QUEUED);
    CG_CHECK_EQ_INT(cg_graph_project_get(e.g, p, &pr), 0);
    CG_CHECK_EQ_INT(pr.last_job, j.id);
    j.state = CG_JOB_DONE;
    j.files_total = 3;
    j.files_done = 2;
    cg_graph_job_add_error(&j, "%s: too large", "big.py");
    CG_CHECK_EQ_INT(cg_graph_job_put(e.g, &j), 0);
    CG_CHECK_EQ_INT(cg_graph_job_get(e.g, j.id, &got), 0);
    CG_CHECK_STR(cg_graph_job_state_name(got.state), "done");
    CG_CHECK_EQ_INT(got.files_done, 2);
    CG_CHECK_EQ_INT(got.n_errors, 1);
    CG_CHECK_STR(got.errors[0], "big.py: too large");
    cg_graph_job j2;
    CG_CHECK_EQ_INT(cg_graph_job_create(e.g, p, "reindex", &j2), 0);
    CG_CHECK(j2.id > j.id);
    CG_CHECK_EQ_INT(cg_graph_job_list(e.g, p, list, 4), 2);
    CG_CHECK_EQ_INT(list[0].id, j2.id);
    CG_CHECK_EQ_INT(cg_graph_job_get(e.g, 999, &got), CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_graph_job_create(e.g, 77, "index", &got), CG_ENOTFOUND);
    env_close(&e);
}

CG_TEST(invalid_input_refused)
{
    env e;
    uint32_t p;
    fx f;
    char longp[CG_GRAPH_PATH_MAX + 8];
    env_new(&e, "invalid");
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "", "/tmp", &p), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "rel", "tmp", &p), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_graph_project_create(e.g, "v", "/tmp/v", &p), 0);
    fx_a(&f, "helper");
    f.ents[0].parent = 0; /* its own parent */
    CG_CHECK_EQ_INT(put(e.g, p, "a.py", &f, 0), CG_EINVAL);
    fx_a(&f, "helper");
    CG_CHECK_EQ_INT(put(e.g, p, "/abs.py", &f, 0), CG_EINVAL);
    memset(longp, 'x', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    fx_a(&f, "helper");
    CG_CHECK_EQ_INT(put(e.g, p, longp, &f, 0), CG_ELIMIT);
    fx_a(&f, "helper");
    CG_CHECK_EQ_INT(put(e.g, p + 1, "a.py", &f, 0), CG_ENOTFOUND);
    env_close(&e);
}

/* The data-dir format record: an older dir is upgraded in place on open, a newer one is
 * refused with CG_EDB (an older build must not mis-read what a newer one wrote). */
CG_TEST(schema_version_upgraded_or_refused)
{
    env e;
    char err[256];
    uint8_t b[4], old[4] = {0, 0, 0, 1}, newer[4] = {0, 0, 0, GR_SCHEMA_VERSION + 1};
    env_new(&e, "schema");
    CG_CHECK_EQ_INT(cg_store_get_meta(e.s, "graph.schema", b, sizeof(b), err, sizeof(err)), 4);
    CG_CHECK_EQ_INT(b[3], GR_SCHEMA_VERSION);
    CG_CHECK_EQ_INT(cg_store_put_meta(e.s, "graph.schema", old, 4, err, sizeof(err)), 0);
    env_close(&e);
    env_open(&e);
    CG_CHECK_EQ_INT(cg_store_get_meta(e.s, "graph.schema", b, sizeof(b), err, sizeof(err)), 4);
    CG_CHECK_EQ_INT(b[3], GR_SCHEMA_VERSION);
    CG_CHECK_EQ_INT(cg_store_put_meta(e.s, "graph.schema", newer, 4, err, sizeof(err)), 0);
    cg_graph *g2 = NULL;
    cg_graph_close(e.g);
    e.g = NULL;
    CG_CHECK_EQ_INT(cg_graph_open(&g2, e.s, err, sizeof(err)), CG_EDB);
    CG_CHECK(strstr(err, "newer than this build") != NULL);
    cg_store_close(e.s);
}

int main(void)
{
    int rc = cg_test_main();
    cgt_rmtree(tmp_root);
    return rc;
}
