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

#endif
