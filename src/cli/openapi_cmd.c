/*
 * openapi_cmd.c — `codegraph openapi [--check]` and `codegraph routes [--json]`.
 *
 * `openapi` prints the same OpenAPI 3.1 document GET /openapi.json serves, without a
 * server (for CI validators and docs); with --check it also lists every route method that
 * lacks an annotation (and every stale or broken annotation) on stderr and exits 1.
 * `routes` dumps the router's table — the one the server dispatches on — so tests can
 * compare the document with it.
 */
#include <stdio.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/cli.h"
#include "codegraph/openapi.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif

static const char *access_name(cg_route_access a)
{
    return a == CG_ROUTE_OPEN ? "open" : a == CG_ROUTE_USER ? "user" : "admin";
}

static int cmd_openapi(int check)
{
    int n;
    const cg_route *routes = cg_openapi_routes(&n);
    cg_buf b, report;
    cg_buf_init(&b);
    cg_buf_init(&report);
    int rc = cg_openapi_write(&b, routes, n, CG_VERSION);
    int problems = check ? cg_openapi_check(routes, n, &report) : 0;
    if (rc >= 0) {
        fwrite(b.data, 1, b.len, stdout);
        fputc('\n', stdout);
    }
    if (problems) fprintf(stderr, "%d OpenAPI problem(s):\n%s", problems, report.data);
    cg_buf_release(&b);
    cg_buf_release(&report);
    if (rc < 0) return CG_EXIT_RUNTIME;
    return problems ? CG_EXIT_RUNTIME : CG_EXIT_OK;
}

/* {"routes":[{"method","path","access","summary","annotated"}],"problems":["…"]} */
static void routes_json(const cg_route *routes, int n, cg_buf *b)
{
    cg_buf report;
    cg_buf_init(&report);
    cg_openapi_check(routes, n, &report);
    cg_buf_puts(b, "{\"routes\":[");
    int comma = 0;
    for (int i = 0; i < n; i++)
        for (int m = 0; m < CG_HTTP_METHOD_COUNT; m++) {
            if (!(routes[i].methods & CG_M(m))) continue;
            const char *s = routes[i].summary ? routes[i].summary : "";
            cg_buf_printf(b, "%s{\"method\":\"%s\",\"path\":", comma ? "," : "",
                          cg_http_method_name((cg_http_method)m));
            cg_buf_put_json_str(b, routes[i].tmpl, strlen(routes[i].tmpl));
            cg_buf_printf(b, ",\"access\":\"%s\",\"summary\":", access_name(routes[i].access));
            cg_buf_put_json_str(b, s, strlen(s));
            cg_buf_printf(b, ",\"annotated\":%s}",
                          cg_openapi_annotated(m, routes[i].tmpl) ? "true" : "false");
            comma = 1;
        }
    cg_buf_puts(b, "],\"problems\":[");
    comma = 0;
    for (char *line = report.data, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
        if (comma) cg_buf_putc(b, ',');
        cg_buf_put_json_str(b, line, (size_t)(nl - line));
        comma = 1;
    }
    cg_buf_puts(b, "]}\n");
    cg_buf_release(&report);
}

static int cmd_routes(int json)
{
    int n;
    const cg_route *routes = cg_openapi_routes(&n);
    cg_buf b;
    cg_buf_init(&b);
    if (json) {
        routes_json(routes, n, &b);
    } else {
        for (int i = 0; i < n; i++)
            for (int m = 0; m < CG_HTTP_METHOD_COUNT; m++)
                if (routes[i].methods & CG_M(m))
                    cg_buf_printf(&b, "%-7s %-40s %-6s %s\n",
                                  cg_http_method_name((cg_http_method)m), routes[i].tmpl,
                                  access_name(routes[i].access),
                                  routes[i].summary ? routes[i].summary : "");
    }
    int ok = cg_buf_ok(&b);
    if (ok) fwrite(b.data, 1, b.len, stdout);
    cg_buf_release(&b);
    return ok ? CG_EXIT_OK : CG_EXIT_RUNTIME;
}

int cg_cli_openapi(int argc, char **argv)
{
    int check = 0, json = 0;
    int routes = strcmp(argv[0], "routes") == 0;
    for (int i = 1; i < argc; i++) {
        if (!routes && strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (routes && strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fprintf(stderr, "usage: codegraph openapi [--check] | codegraph routes [--json]\n");
            return CG_EXIT_USAGE;
        }
    }
    return routes ? cmd_routes(json) : cmd_openapi(check);
}
