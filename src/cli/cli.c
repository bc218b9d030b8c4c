/*
 * cli.c — command-line parsing and the serve/check/dry-run/version commands.
 *
 * Two spellings reach the same code: `codegraph serve -c PATH` and the operations
 * manual's `codegraph-api --config PATH` (the binary's name decides the default
 * command). Configuration precedence: built-in defaults < file (--config, else
 * $CODEGRAPH_CONFIG) < environment < command-line flags (--set KEY=VALUE and the
 * shortcuts --host/--port/--workers/--log-level/--io-backend).
 */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "codegraph/base.h"
#include "codegraph/cli.h"
#include "codegraph/config.h"
#include "codegraph/log.h"
#include "codegraph/reactor.h"
#include "codegraph/server.h"
#include "codegraph/store.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif
#ifndef CG_COMMIT
#define CG_COMMIT "unknown"
#endif
#ifndef CG_GRAMMARS
#define CG_GRAMMARS "unknown"
#endif

#define CLI_SETS_MAX 64 /* --set flags on one command line */

extern char **environ;

typedef struct cli_opts {
    const char *config_path;
    const char *check_path;
    int dry_run, version, help;
    const char *sets[CLI_SETS_MAX][2];
    int n_sets;
} cli_opts;

static const char usage_text[] =
    "usage: codegraph <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [-c PATH]            run the server (defaults: 127.0.0.1:8000, data in ./data)\n"
    "  index PATH [--project NAME] [--json]   index a repository (progress on a TTY)\n"
    "  projects [--json]          list indexed projects\n"
    "  grammars list | test LANG FILE   compiled-in languages; parse one file, report errors\n"
    "  stats [--project P] [--json]   store and graph statistics\n"
    "  search QUERY [--project P] [--kind K] [--lang L] [--limit N] [--json]   search code\n"
    "  mcp --stdio                MCP over stdin/stdout for clients that spawn a process\n"
    "  graph dump PROJECT [--json]   the resolved graph, sorted (fixture tests)\n"
    "  embed --text T [--lines F] embed texts with the configured embedder (JSON)\n"
    "  healthcheck [--url URL]    exit 0 if /health answers healthy (Docker HEALTHCHECK)\n"
    "  openapi [--check]          print the OpenAPI 3.1 document (--check: fail on gaps)\n"
    "  routes [--json]            the REST route table\n"
    "  backup create|list|verify|restore ID   backups in [database] backup_path\n"
    "  verify [--json]            check the database and vector index (server stopped)\n"
    "  version                    version, commit and grammar versions\n"
    "\n"
    "options (also accepted as `codegraph-api [options]`):\n"
    "  -c, --config PATH          configuration file (else $CODEGRAPH_CONFIG, else defaults)\n"
    "      --check-config PATH    validate PATH and exit: 0 ok, 78 invalid\n"
    "      --dry-run              load config, open stores, bind nothing, report, exit\n"
    "      --set SECTION.KEY=VAL  override one key (highest precedence; repeatable)\n"
    "      --host H --port N --workers N --log-level L --io-backend auto|io_uring|epoll\n"
    "  -V, --version              print the version\n"
    "  -h, --help                 this text\n"
    "\n"
    "exit codes: 0 ok, 1 runtime error, 64 usage error, 78 configuration error\n";

static int add_set(cli_opts *o, const char *key, const char *val)
{
    if (o->n_sets >= CLI_SETS_MAX) return -1;
    o->sets[o->n_sets][0] = key;
    o->sets[o->n_sets][1] = val;
    o->n_sets++;
    return 0;
}

/* --set section.key=value: split in place (argv strings are writable). */
static int add_set_kv(cli_opts *o, char *kv)
{
    char *eq = strchr(kv, '=');
    if (!eq || eq == kv) return -1;
    *eq = 0;
    return add_set(o, kv, eq + 1);
}

static int parse_opts(int argc, char **argv, cli_opts *o)
{
    enum { O_CHECK = 256, O_DRY, O_SET, O_HOST, O_PORT, O_WORKERS, O_LEVEL, O_BACKEND };
    static const struct option longs[] = {{"config", required_argument, 0, 'c'},
                                          {"check-config", required_argument, 0, O_CHECK},
                                          {"dry-run", no_argument, 0, O_DRY},
                                          {"set", required_argument, 0, O_SET},
                                          {"host", required_argument, 0, O_HOST},
                                          {"port", required_argument, 0, O_PORT},
                                          {"workers", required_argument, 0, O_WORKERS},
                                          {"log-level", required_argument, 0, O_LEVEL},
                                          {"io-backend", required_argument, 0, O_BACKEND},
                                          {"version", no_argument, 0, 'V'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    static const char *const shortcut[] = {"server.host", "server.port", "server.workers",
                                           "logging.level", "server.io_backend"};
    int ch, rc = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:Vh", longs, NULL)) != -1 && rc == 0) {
        switch (ch) {
        case 'c': o->config_path = optarg; break;
        case O_CHECK: o->check_path = optarg; break;
        case O_DRY: o->dry_run = 1; break;
        case O_SET: rc = add_set_kv(o, optarg); break;
        case O_HOST:
        case O_PORT:
        case O_WORKERS:
        case O_LEVEL:
        case O_BACKEND: rc = add_set(o, shortcut[ch - O_HOST], optarg); break;
        case 'V': o->version = 1; break;
        case 'h': o->help = 1; break;
        default: rc = -1;
        }
    }
    return rc;
}

/* Load defaults < file < env < flags; print diagnostics. 0 or CG_ECONFIG. */
int cg_cli_config_load(const char *path, const char *const (*sets)[2], int n_sets, cg_config *cfg)
{
    cg_config_diags d;
    memset(&d, 0, sizeof d);
    int rc = cg_config_load(cfg, path, environ, &d), loaded = rc == 0;
    for (int i = 0; rc == 0 && i < n_sets; i++) rc = cg_config_set(cfg, sets[i][0], sets[i][1], &d);
    if (rc == 0) rc = cg_config_validate(cfg, &d);
    cg_config_diags_print(&d, stderr);
    if (rc != 0 || d.n_errors > 0) {
        fprintf(stderr, "codegraph: configuration %s is invalid\n", path ? path : "(defaults)");
        if (loaded) cg_config_release(cfg);
        return CG_ECONFIG;
    }
    return 0;
}

static int load_config(const cli_opts *o, const char *path, cg_config *cfg)
{
    return cg_cli_config_load(path, (const char *const(*)[2])o->sets, o->n_sets, cfg);
}

static int cmd_version(void)
{
    printf("codegraph %s (commit %s)\n", CG_VERSION, CG_COMMIT);
    printf("tree-sitter runtime 0.25.1 (ABI %d..%d)\n", TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
           TREE_SITTER_LANGUAGE_VERSION);
    printf("grammars: %s\n", CG_GRAMMARS);
    return CG_EXIT_OK;
}

static int cmd_check(const cli_opts *o)
{
    cg_config cfg;
    if (load_config(o, o->check_path, &cfg) != 0) return CG_EXIT_CONFIG;
    cg_config_report_unimplemented(&cfg, stderr);
    printf("configuration OK: %s\n", o->check_path);
    cg_config_release(&cfg);
    return CG_EXIT_OK;
}

static int cmd_dry_run(cg_config *cfg, const char *path)
{
    char err[512] = "";
    cg_store *st = NULL;
    cg_config_report_unimplemented(cfg, stderr);
    int rc = cg_store_open(&st, &cfg->database, err, sizeof err);
    printf("config: %s\n", path ? path : "(built-in defaults)");
    printf("listen: %s:%d (not bound: dry run)\n", cfg->server.host, cfg->server.port);
    printf("workers: %d, io_backend: %s\n", cfg->server.workers,
           cfg->server.io_backend == CG_IO_AUTO ? "auto"
                                                : cg_reactor_backend_name(cfg->server.io_backend));
    if (rc != 0) {
        printf("database: %s: FAILED: %s\n", cfg->database.path, err);
        return CG_EXIT_RUNTIME;
    }
    printf("database: %s: opened, %llu bytes\n", cfg->database.path,
           (unsigned long long)cg_store_size_bytes(st));
    cg_store_close(st);
    printf("dry run OK\n");
    return CG_EXIT_OK;
}

static int cmd_serve(const cli_opts *o)
{
    const char *path = o->config_path ? o->config_path : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    cg_config cfg;
    if (load_config(o, path, &cfg) != 0) return CG_EXIT_CONFIG;
    if (o->dry_run) {
        int rc = cmd_dry_run(&cfg, path);
        cg_config_release(&cfg);
        return rc;
    }
    cg_config_report_unimplemented(&cfg, NULL);
    cg_server *s = NULL;
    char err[512] = "";
    if (cg_server_create(&s, &cfg, path, err, sizeof err) != 0) {
        cg_log_error("server", "cannot start", "error", err);
        fprintf(stderr, "codegraph: cannot start: %s\n", err);
        cg_config_release(&cfg);
        return CG_EXIT_RUNTIME;
    }
    int rc = cg_server_run(s);
    cg_server_destroy(s);
    return rc == 0 ? CG_EXIT_OK : CG_EXIT_RUNTIME;
}

int cg_cli_main(int argc, char **argv)
{
    char prog[256];
    snprintf(prog, sizeof prog, "%s", argv[0]);
    int api_form = strcmp(basename(prog), "codegraph-api") == 0;
    const char *cmd = NULL;
    if (argc > 1 && argv[1][0] != '-') {
        cmd = argv[1];
        argv++;
        argc--;
    }
    if (cmd && strcmp(cmd, "healthcheck") == 0) return cg_cli_healthcheck(argc, argv);
    if (cmd && strcmp(cmd, "index") == 0) return cg_cli_index(argc, argv);
    if (cmd && strcmp(cmd, "projects") == 0) return cg_cli_projects(argc, argv);
    if (cmd && strcmp(cmd, "grammars") == 0) return cg_cli_grammars(argc, argv);
    if (cmd && strcmp(cmd, "stats") == 0) return cg_cli_stats(argc, argv);
    if (cmd && (strcmp(cmd, "openapi") == 0 || strcmp(cmd, "routes") == 0))
        return cg_cli_openapi(argc, argv);
    if (cmd && strcmp(cmd, "graph") == 0) return cg_cli_graph(argc, argv);
    if (cmd && strcmp(cmd, "embed") == 0) return cg_cli_embed(argc, argv);
    if (cmd && strcmp(cmd, "backup") == 0) return cg_cli_backup(argc, argv);
    if (cmd && strcmp(cmd, "verify") == 0) return cg_cli_verify(argc, argv);
    if (cmd && strcmp(cmd, "search") == 0) return cg_cli_search(argc, argv); /* TXT */
    if (cmd && strcmp(cmd, "mcp") == 0) return cg_cli_mcp(argc, argv);       /* MCP stdio */
    cli_opts o;
    memset(&o, 0, sizeof o);
    if (parse_opts(argc, argv, &o) != 0 || optind < argc) {
        fputs(usage_text, stderr);
        return CG_EXIT_USAGE;
    }
    if (o.help || (cmd && strcmp(cmd, "help") == 0)) {
        fputs(usage_text, stdout);
        return CG_EXIT_OK;
    }
    if (o.version || (cmd && strcmp(cmd, "version") == 0)) return cmd_version();
    if (o.check_path) return cmd_check(&o);
    if ((cmd && strcmp(cmd, "serve") == 0) || (!cmd && (api_form || o.config_path || o.dry_run)))
        return cmd_serve(&o);
    if (cmd) fprintf(stderr, "codegraph: unknown command '%s'\n", cmd);
    fputs(usage_text, stderr);
    return CG_EXIT_USAGE;
}
