/*
 * cli.h — the command line: `codegraph <subcommand>` and the `codegraph-api` flag
 * form used by the operations manual. Exit codes: 0 ok, 1 runtime error, 64 usage
 * error, 78 configuration error (sysexits.h).
 */
#ifndef CODEGRAPH_CLI_H
#define CODEGRAPH_CLI_H

#define CG_EXIT_OK 0
#define CG_EXIT_RUNTIME 1
#define CG_EXIT_USAGE 64
#define CG_EXIT_CONFIG 78

/** Parse argv and run the chosen subcommand; returns the process exit code. */
int cg_cli_main(int argc, char **argv);
/** `codegraph healthcheck [--url URL]`: 0 when /health answers 200 and "healthy". */
int cg_cli_healthcheck(int argc, char **argv);

/** `codegraph index PATH [--project NAME] [--json] [-c PATH] [--set K=V]`. */
int cg_cli_index(int argc, char **argv);
/** `codegraph grammars list | test LANG FILE` (exit 1 when the file has syntax errors). */
int cg_cli_grammars(int argc, char **argv);
/** `codegraph projects [--json] [-c PATH]`. */
int cg_cli_projects(int argc, char **argv);
/** `codegraph stats [--project P] [--json] [-c PATH]`. */
int cg_cli_stats(int argc, char **argv);
/** `codegraph openapi [--check]` (the document on stdout) and `codegraph routes [--json]`. */
int cg_cli_openapi(int argc, char **argv);
/** `codegraph graph dump PROJECT [--json] [-c PATH]`: the resolved graph, sorted. */
int cg_cli_graph(int argc, char **argv);
/** `codegraph embed [--text T]... [--lines FILE] [-c PATH] [--set K=V]`: vectors as JSON. */
int cg_cli_embed(int argc, char **argv);
/** `codegraph backup create|list|verify|restore …` (backup_cmd.c). */
int cg_cli_backup(int argc, char **argv);
/** `codegraph verify [--json]`: database and vector index checks (verify_cmd.c). */
int cg_cli_verify(int argc, char **argv);

/** `codegraph search QUERY [--project P] [--kind K] [--lang L] [--limit N] [--json] …`. */
int cg_cli_search(int argc, char **argv);
/** `codegraph mcp --stdio [-c PATH] [--set K=V]`: MCP over stdin/stdout (mcp_cmd.c). */
int cg_cli_mcp(int argc, char **argv);

struct cg_config;
/** Load the config: defaults < file (`path`, may be NULL) < environment < `sets`
 *  (key, value pairs); diagnostics go to stderr. 0 or CG_ECONFIG (cfg released). */
int cg_cli_config_load(const char *path, const char *const (*sets)[2], int n_sets,
                       struct cg_config *cfg);

#endif
