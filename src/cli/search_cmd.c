/*
 * search_cmd.c — `codegraph search QUERY [--project P] [--kind K] [--lang L] [--limit N]
 * [--offset N] [--mode M] [--path PREFIX] [--explain] [--json] [-c PATH] [--set K=V]`.
 *
 * Opens the store directly (like `codegraph index`; the server must not hold it) and runs
 * the same cg_search_run the HTTP endpoint runs. Without the server's vector index the
 * semantic source is an exact cosine scan over the stored term bags (same embedder, same
 * scores). Output: one line per hit (score, kind, name, path:line) or, with --json, the
 * hits as one JSON object per line (NDJSON) followed by a summary object.
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
#include "codegraph/search.h"
#include "codegraph/store.h"

#define SEARCH_SETS_MAX 32 /* --set flags */

static const char usage[] =
    "usage: codegraph search QUERY [--project P] [--kind K[,K]] [--lang L] [--limit N]\n"
    "                        [--offset N] [--mode hybrid|lexical|semantic|symbol]\n"
    "                        [--path PREFIX] [--explain] [--json] [-c PATH] [--set K=V]\n";

typedef struct search_opts {
    const char *config, *project, *kind, *lang, *mode, *path, *query;
    long limit, offset;
    int json, explain;
    const char *sets[SEARCH_SETS_MAX][2];
    int n_sets;
} search_opts;

static int opts_parse(int argc, char **argv, search_opts *o)
{
    static const struct option longs[] = {
        {"config", required_argument, 0, 'c'}, {"project", required_argument, 0, 'p'},
        {"kind", required_argument, 0, 'k'},   {"lang", required_argument, 0, 'l'},
        {"limit", required_argument, 0, 'n'},  {"offset", required_argument, 0, 'o'},
        {"mode", required_argument, 0, 'm'},   {"path", required_argument, 0, 'P'},
        {"json", no_argument, 0, 'j'},         {"explain", no_argument, 0, 'e'},
        {"set", required_argument, 0, 's'},    {0, 0, 0, 0}};
    int ch;
    char *eq, *end;
    memset(o, 0, sizeof *o);
    o->limit = CG_GRAPH_LIMIT_DEFAULT;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:p:k:l:n:o:m:P:je", longs, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'p': o->project = optarg; break;
        case 'k': o->kind = optarg; break;
        case 'l': o->lang = optarg; break;
        case 'm': o->mode = optarg; break;
        case 'P': o->path = optarg; break;
        case 'j': o->json = 1; break;
        case 'e': o->explain = 1; break;
        case 'n':
        case 'o':
            *(ch == 'n' ? &o->limit : &o->offset) = strtol(optarg, &end, 10);
            if (*end || (ch == 'n' ? o->limit < 1 : o->offset < 0)) return -1;
            break;
        case 's':
            eq = strchr(optarg, '=');
            if (!eq || o->n_sets == SEARCH_SETS_MAX) return -1;
            *eq = 0;
            o->sets[o->n_sets][0] = optarg;
            o->sets[o->n_sets++][1] = eq + 1;
            break;
        default: return -1;
        }
    }
    if (argc - optind != 1) return -1; /* argv[0] is "search": the query follows */
    o->query = argv[optind];
    return 0;
}

/* Query options → q; 0, or prints why and returns -1. */
static int query_build(cg_graph *g, const search_opts *o, cg_search_query *q)
{
    char kinds[256];
    memset(q, 0, sizeof *q);
    q->q = o->query;
    q->mode = o->mode ? cg_search_mode_parse(o->mode) : CG_SEARCH_HYBRID;
    if (q->mode < 0) return fprintf(stderr, "codegraph: unknown mode '%s'\n", o->mode), -1;
    if (o->project) {
        cg_graph_project pr;
        char *end;
        unsigned long id = strtoul(o->project, &end, 10);
        int rc = *end || !id ? CG_ENOTFOUND : cg_graph_project_get(g, (uint32_t)id, &pr);
        if (rc) rc = cg_graph_project_find(g, o->project, &pr);
        if (rc) return fprintf(stderr, "codegraph: no project '%s'\n", o->project), -1;
        q->project = pr.id;
    }
    snprintf(kinds, sizeof kinds, "%s", o->kind ? o->kind : "");
    for (char *save = NULL, *t = strtok_r(kinds, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = cg_graph_kind_parse(t);
        if (k < 0) return fprintf(stderr, "codegraph: unknown kind '%s'\n", t), -1;
        q->kinds |= CG_GRAPH_KIND_BIT(k);
    }
    q->language = o->lang;
    q->path_prefix = o->path;
    q->page.limit = (uint32_t)CG_MIN(o->limit, (long)CG_GRAPH_LIMIT_MAX);
    q->page.offset = (uint64_t)o->offset;
    q->explain = o->explain;
    return 0;
}

static void hit_json(cg_buf *b, const cg_search_hit *h, int explain)
{
    const cg_graph_entity *e = &h->entity;
    cg_buf_reset(b);
    cg_buf_printf(b, "{\"id\":%llu,\"name\":", (unsigned long long)e->id);
    cg_buf_put_json_str(b, e->name, strlen(e->name));
    cg_buf_puts(b, ",\"qualified_name\":");
    cg_buf_put_json_str(b, e->qualified_name, strlen(e->qualified_name));
    cg_buf_printf(b,
                  ",\"kind\":\"%s\",\"language\":\"%s\",\"project\":", cg_graph_kind_name(e->kind),
                  e->language);
    cg_buf_put_json_str(b, h->project_name, strlen(h->project_name));
    cg_buf_puts(b, ",\"path\":");
    cg_buf_put_json_str(b, e->path, strlen(e->path));
    cg_buf_printf(b, ",\"line\":%u,\"end_line\":%u,\"score\":", e->span.start_line,
                  e->span.end_line);
    cg_buf_put_double(b, h->score);
    if (explain) {
        static const char *const src[] = {"lexical", "semantic", "symbol"};
        cg_buf_puts(b, ",\"explain\":{");
        for (int s = 0; s < CG_SEARCH_SRC_COUNT; s++)
            cg_buf_printf(b, "\"%s_rank\":%d,", src[s], h->explain.rank[s]);
        cg_buf_puts(b, "\"name_boost\":");
        cg_buf_put_double(b, h->explain.name_boost);
        cg_buf_putc(b, '}');
    }
    cg_buf_putc(b, '}');
}

static void print_result(const cg_search_result *r, const search_opts *o)
{
    cg_buf b;
    cg_buf_init(&b);
    for (int i = 0; i < r->n; i++) {
        const cg_search_hit *h = &r->hits[i];
        if (o->json) {
            hit_json(&b, h, o->explain);
            printf("%s\n", b.data);
        } else {
            printf("%8.4f  %-9s %-40s %s/%s:%u\n", h->score, cg_graph_kind_name(h->entity.kind),
                   h->entity.qualified_name, h->project_name, h->entity.path,
                   h->entity.span.start_line);
        }
    }
    if (o->json)
        printf("{\"summary\":true,\"mode\":\"%s\",\"total\":%llu,\"truncated\":%s}\n",
               cg_search_mode_name(r->mode), (unsigned long long)r->total,
               r->truncated ? "true" : "false");
    else
        printf("-- %d of %llu%s (%s)%s%s\n", r->n, (unsigned long long)r->total,
               r->truncated ? "+" : "", cg_search_mode_name(r->mode), r->note[0] ? ": " : "",
               r->note);
    cg_buf_release(&b);
}

int cg_cli_search(int argc, char **argv)
{
    search_opts o;
    cg_config cfg;
    cg_store *st = NULL;
    cg_graph *g = NULL;
    cg_search *s = NULL;
    cg_search_query q;
    cg_search_result r;
    char err[512] = "";
    int rc;

    if (opts_parse(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return CG_EXIT_USAGE;
    }
    const char *path = o.config ? o.config : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    if (cg_cli_config_load(path, (const char *const(*)[2])o.sets, o.n_sets, &cfg) != 0)
        return CG_EXIT_CONFIG;
    cg_log_configure(CG_LOG_WARN, CG_LOG_PRETTY, 2); /* stdout is the answer */
    rc = cg_store_open(&st, &cfg.database, err, sizeof err);
    if (!rc) rc = cg_graph_open(&g, st, err, sizeof err);
    if (!rc) rc = cg_search_create(&s, g, &cfg.vector, NULL, err, sizeof err);
    if (rc) fprintf(stderr, "codegraph: %s\n", err[0] ? err : cg_err_str(rc));
    if (!rc && query_build(g, &o, &q) != 0)
        rc = CG_EINVAL;
    else if (!rc && (rc = cg_search_run(s, &q, &r)) != 0)
        fprintf(stderr, "codegraph: search failed: %s\n", cg_err_str(rc));
    else if (!rc) {
        print_result(&r, &o);
        cg_search_result_release(&r);
    }
    cg_search_destroy(s);
    cg_graph_close(g);
    cg_store_close(st);
    cg_config_release(&cfg);
    return rc == CG_EINVAL ? CG_EXIT_USAGE : rc ? CG_EXIT_RUNTIME : CG_EXIT_OK;
}
