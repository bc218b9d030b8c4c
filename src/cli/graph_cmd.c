/*
 * graph_cmd.c — `codegraph graph dump PROJECT [--json]`: the project's resolved graph at
 * its published generation, as sorted text lines (or one JSON object), for fixture tests
 * and debugging. Ids never appear, so two indexes of the same tree dump identically.
 *
 * Text format (each section sorted bytewise, sections in this order):
 *   entity <kind> <qualified name> <path>:<line>
 *   edge <kind> <source> -> <target> <exact|import|name>
 *   unresolved <kind> <source> -> <name as written>
 * where a node is written <path>:<qualified name>, or <path> for a file node. Contains
 * edges are not listed (qualified names show the nesting). Duplicate unresolved lines are
 * kept (one per reference site); resolved edges are already merged per (source, kind,
 * target) by the graph.
 *
 * Like `codegraph index`, it opens the store at [database] path itself, so no server may
 * hold it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/cli.h"
#include "codegraph/config.h"
#include "codegraph/graph.h"
#include "codegraph/log.h"
#include "codegraph/store.h"

#define DUMP_SETS_MAX 32 /* --set flags accepted */

enum { DUMP_ENTITY, DUMP_EDGE, DUMP_UNRES, DUMP_SECTIONS };

/* A growable list of malloc-ed lines. */
typedef struct dump_lines {
    char **v;
    size_t n, cap;
} dump_lines;

typedef struct dump_file {
    char *path;
    uint64_t uid;
} dump_file;

typedef struct dump_ctx {
    cg_graph *g;
    cg_graph_view *v;
    int json;
    dump_file *files;
    size_t n_files, cap_files;
    dump_lines sec[DUMP_SECTIONS];
    cg_buf line, node; /* the line being built; a node label */
    int oom;
} dump_ctx;

static const char usage[] =
    "usage: codegraph graph dump PROJECT [--json] [-c CONFIG] [--set KEY=VALUE]\n";

static void lines_add(dump_ctx *d, int sec, cg_buf *b)
{
    dump_lines *l = &d->sec[sec];
    if (!cg_buf_ok(b) || !b->data) {
        d->oom = 1;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv) {
            d->oom = 1;
            return;
        }
        l->v = nv;
        l->cap = cap;
    }
    char *s = strdup(b->data);
    if (!s)
        d->oom = 1;
    else
        l->v[l->n++] = s;
}

static int lines_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append one string: raw in text mode, a JSON string in JSON mode. */
static void put_str(dump_ctx *d, const char *s)
{
    if (d->json)
        cg_buf_put_json_str(&d->line, s, strlen(s));
    else
        cg_buf_append(&d->line, s, strlen(s));
}

/* A node: <path>:<qualified name>, or <path> for a file node. */
static void put_node(dump_ctx *d, const cg_graph_entity *e)
{
    if (e->kind == CG_GRAPH_KIND_FILE) {
        put_str(d, e->path);
        return;
    }
    cg_buf_reset(&d->node);
    cg_buf_printf(&d->node, "%s:%s", e->path, e->qualified_name);
    put_str(d, d->node.data ? d->node.data : "");
    d->oom |= !cg_buf_ok(&d->node);
}

static void entity_line(dump_ctx *d, const cg_graph_entity *e)
{
    const char *kind = cg_graph_kind_name(e->kind);
    cg_buf_reset(&d->line);
    if (d->json) {
        cg_buf_printf(&d->line, "{\"kind\":\"%s\",\"qualified_name\":", kind);
        put_str(d, e->qualified_name);
        cg_buf_printf(&d->line, ",\"path\":");
        put_str(d, e->path);
        cg_buf_printf(&d->line, ",\"line\":%u}", e->span.start_line);
    } else
        cg_buf_printf(&d->line, "entity %s %s %s:%u", kind, e->qualified_name, e->path,
                      e->span.start_line);
    lines_add(d, DUMP_ENTITY, &d->line);
}

static void edge_line(dump_ctx *d, const cg_graph_entity *src, const cg_graph_entity *dst, int kind,
                      int res)
{
    cg_buf_reset(&d->line);
    cg_buf_printf(&d->line, d->json ? "{\"kind\":\"%s\",\"source\":" : "edge %s ",
                  cg_graph_edge_name(kind));
    put_node(d, src);
    cg_buf_printf(&d->line, d->json ? ",\"target\":" : " -> ");
    put_node(d, dst);
    cg_buf_printf(&d->line, d->json ? ",\"resolution\":\"%s\"}" : " %s",
                  cg_graph_resolution_name(res));
    lines_add(d, DUMP_EDGE, &d->line);
}

/* Every non-contains in-edge of node `dst`, one line each. */
static int dump_in_edges(dump_ctx *d, const cg_graph_entity *dst)
{
    cg_graph_page page = {.limit = CG_GRAPH_LIMIT_MAX, .offset = 0};
    int rc;

    do {
        cg_graph_result r;
        cg_graph_result_init(&r);
        rc = cg_graph_references(d->v, dst->id, &page, &r);
        for (int i = 0; !rc && i < r.n; i++)
            edge_line(d, &r.hits[i].entity, dst, r.hits[i].edge_kind, r.hits[i].resolution);
        page.offset = r.next_offset;
        cg_graph_result_release(&r);
    } while (!rc && page.offset != 0);
    return rc;
}

/* The file node's in-edges, then each entity of the file and its in-edges. */
static int dump_file_graph(dump_ctx *d, const dump_file *f)
{
    cg_graph_page page = {.limit = CG_GRAPH_LIMIT_MAX, .offset = 0};
    cg_graph_result r;
    int rc;

    cg_graph_result_init(&r);
    rc = cg_graph_entity_get(d->v, CG_GRAPH_FILE_NODE(f->uid), &r);
    if (!rc && r.n == 1) rc = dump_in_edges(d, &r.hits[0].entity);
    cg_graph_result_release(&r);
    while (!rc) {
        cg_graph_result_init(&r);
        rc = cg_graph_outline(d->v, f->path, &page, &r);
        for (int i = 0; !rc && i < r.n; i++) {
            entity_line(d, &r.hits[i].entity);
            rc = dump_in_edges(d, &r.hits[i].entity);
        }
        page.offset = r.next_offset;
        cg_graph_result_release(&r);
        if (page.offset == 0) break;
    }
    return rc;
}

static int file_collect(void *ctx, const char *path, const cg_graph_file_info *fi)
{
    dump_ctx *d = ctx;
    if (d->n_files == d->cap_files) {
        size_t cap = d->cap_files ? d->cap_files * 2 : 16;
        dump_file *nf = realloc(d->files, cap * sizeof(*nf));
        if (!nf) return CG_ENOMEM;
        d->files = nf;
        d->cap_files = cap;
    }
    char *p = strdup(path);
    if (!p) return CG_ENOMEM;
    d->files[d->n_files++] = (dump_file){.path = p, .uid = fi->uid};
    return 0;
}

static int unres_line(void *ctx, const cg_graph_unresolved *u)
{
    dump_ctx *d = ctx;
    cg_graph_result r;
    int rc;

    cg_graph_result_init(&r);
    rc = cg_graph_entity_get(d->v, u->from, &r);
    if (rc == 0 && r.n == 1) {
        cg_buf_reset(&d->line);
        cg_buf_printf(&d->line, d->json ? "{\"kind\":\"%s\",\"source\":" : "unresolved %s ",
                      cg_ref_kind_name((cg_ref_kind)u->kind));
        put_node(d, &r.hits[0].entity);
        cg_buf_printf(&d->line, d->json ? ",\"name\":" : " -> ");
        put_str(d, u->name);
        if (d->json) cg_buf_printf(&d->line, "}");
        lines_add(d, DUMP_UNRES, &d->line);
    }
    cg_graph_result_release(&r);
    return rc;
}

static void dump_print(dump_ctx *d)
{
    static const char *const keys[DUMP_SECTIONS] = {"entities", "edges", "unresolved"};

    for (int s = 0; s < DUMP_SECTIONS; s++) {
        dump_lines *l = &d->sec[s];
        if (l->n > 1) qsort(l->v, l->n, sizeof(*l->v), lines_cmp);
        if (d->json) printf("%s\"%s\":[", s == 0 ? "{" : ",", keys[s]);
        for (size_t i = 0; i < l->n; i++) {
            if (d->json)
                printf("%s%s", i ? "," : "", l->v[i]);
            else
                printf("%s\n", l->v[i]);
        }
        if (d->json) printf("]");
    }
    if (d->json)
        printf(",\"generation\":%llu}\n", (unsigned long long)cg_graph_view_generation(d->v));
}

static void dump_release(dump_ctx *d)
{
    for (int s = 0; s < DUMP_SECTIONS; s++) {
        for (size_t i = 0; i < d->sec[s].n; i++) free(d->sec[s].v[i]);
        free(d->sec[s].v);
    }
    for (size_t i = 0; i < d->n_files; i++) free(d->files[i].path);
    free(d->files);
    cg_buf_release(&d->line);
    cg_buf_release(&d->node);
    if (d->v) cg_graph_view_close(d->v);
}

static int dump_run(cg_graph *g, const char *name, int json)
{
    dump_ctx d;
    cg_graph_project p;
    int rc;

    memset(&d, 0, sizeof(d));
    d.g = g;
    d.json = json;
    cg_buf_init(&d.line);
    cg_buf_init(&d.node);
    rc = cg_graph_project_find(g, name, &p);
    if (rc == CG_ENOTFOUND) {
        fprintf(stderr, "codegraph: no project '%s'\n", name);
        goto fail;
    }
    if (!rc) rc = cg_graph_view_open(g, p.id, &d.v);
    if (!rc) rc = cg_graph_file_foreach(g, p.id, file_collect, &d);
    for (size_t i = 0; !rc && i < d.n_files; i++) rc = dump_file_graph(&d, &d.files[i]);
    if (!rc) rc = cg_graph_unresolved_foreach(d.v, unres_line, &d);
    if (!rc && d.oom) rc = CG_ENOMEM;
    if (!rc)
        dump_print(&d);
    else
        fprintf(stderr, "codegraph: graph dump %s: %s\n", name, cg_err_str(rc));
fail:
    dump_release(&d);
    return rc;
}

typedef struct dump_opts {
    const char *config, *project;
    int json;
    const char *sets[DUMP_SETS_MAX][2];
    int n_sets;
} dump_opts;

static int dump_parse(int argc, char **argv, dump_opts *o)
{
    static const struct option longs[] = {{"config", required_argument, 0, 'c'},
                                          {"json", no_argument, 0, 'j'},
                                          {"set", required_argument, 0, 's'},
                                          {0, 0, 0, 0}};
    int ch;
    char *eq;

    memset(o, 0, sizeof(*o));
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:j", longs, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'j': o->json = 1; break;
        case 's':
            eq = strchr(optarg, '=');
            if (!eq || o->n_sets == DUMP_SETS_MAX) return -1;
            *eq = 0;
            o->sets[o->n_sets][0] = optarg;
            o->sets[o->n_sets++][1] = eq + 1;
            break;
        default: return -1;
        }
    }
    /* argv[0] is "graph": the action and the project follow. */
    if (argc - optind != 2 || strcmp(argv[optind], "dump") != 0) return -1;
    o->project = argv[optind + 1];
    return 0;
}

int cg_cli_graph(int argc, char **argv)
{
    dump_opts o;
    cg_config cfg;
    cg_store *st = NULL;
    cg_graph *g = NULL;
    char err[512] = "";
    int rc;

    if (dump_parse(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return CG_EXIT_USAGE;
    }
    const char *path = o.config ? o.config : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    if (cg_cli_config_load(path, (const char *const(*)[2])o.sets, o.n_sets, &cfg) != 0)
        return CG_EXIT_CONFIG;
    cg_log_configure(CG_LOG_WARN, CG_LOG_PRETTY, 2); /* stdout is the dump */
    rc = cg_store_open(&st, &cfg.database, err, sizeof(err));
    if (!rc) rc = cg_graph_open(&g, st, err, sizeof(err));
    if (rc)
        fprintf(stderr, "codegraph: %s\n", err[0] ? err : cg_err_str(rc));
    else
        rc = dump_run(g, o.project, o.json);
    cg_graph_close(g);
    cg_store_close(st);
    cg_config_release(&cfg);
    return rc == 0 ? CG_EXIT_OK : CG_EXIT_RUNTIME;
}
