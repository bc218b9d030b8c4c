/*
 * verify_cmd.c — `codegraph verify [--json] [-c PATH] [--set K=V]`: check the database at
 * [database] path and the vector index beside it against each other (cg_verify_run: every
 * block's checksum, the graph's invariants, vector ids in entities). The server must be
 * stopped (RocksDB allows one process). Exit 0 when clean, 1 when a problem was found or the
 * database could not be read, 64 usage, 78 configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/cli.h"
#include "codegraph/config.h"
#include "codegraph/log.h"

#define VERIFY_SETS_MAX 32 /* --set flags on one command line */

static const char verify_usage[] = "usage: codegraph verify [--json] [-c PATH] [--set K=V]\n";

static void verify_print_json(const cg_verify_report *r, double secs)
{
    printf("{\"ok\":%s,\"problems\":%llu,\"keys\":{", r->problems ? "false" : "true",
           (unsigned long long)r->problems);
    for (int i = 0; i < CG_STORE_CF_COUNT; i++)
        printf("%s\"%s\":%llu", i ? "," : "", cg_store_cf_name((cg_store_cf)i),
               (unsigned long long)r->keys[i]);
    printf("},\"projects\":%llu,\"files\":%llu,\"entities\":%llu,\"out_edges\":%llu,"
           "\"in_edges\":%llu,\"vector_checked\":%s,\"vector_ids\":%llu,\"seconds\":%.3f,"
           "\"messages\":[",
           (unsigned long long)r->projects, (unsigned long long)r->files,
           (unsigned long long)r->entities, (unsigned long long)r->out_edges,
           (unsigned long long)r->in_edges, r->vector_checked ? "true" : "false",
           (unsigned long long)r->vector_ids, secs);
    for (int i = 0; i < r->n_msgs; i++) {
        printf("%s\"", i ? "," : "");
        for (const char *p = r->msgs[i]; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            putchar((unsigned char)*p < 0x20 ? ' ' : *p);
        }
        putchar('"');
    }
    printf("]}\n");
}

static void verify_print_text(const cg_verify_report *r, double secs)
{
    uint64_t keys = 0;
    for (int i = 0; i < CG_STORE_CF_COUNT; i++) keys += r->keys[i];
    printf("read %llu keys in %d column families (block checksums verified)\n",
           (unsigned long long)keys, CG_STORE_CF_COUNT);
    printf("graph: %llu projects, %llu files, %llu entities, %llu out-edges, %llu in-edges\n",
           (unsigned long long)r->projects, (unsigned long long)r->files,
           (unsigned long long)r->entities, (unsigned long long)r->out_edges,
           (unsigned long long)r->in_edges);
    if (r->vector_checked)
        printf("vector index: %llu ids checked against entities\n",
               (unsigned long long)r->vector_ids);
    else
        printf("vector index: no vector file\n");
    for (int i = 0; i < r->n_msgs; i++) printf("problem: %s\n", r->msgs[i]);
    if (r->problems > (uint64_t)r->n_msgs)
        printf("... and %llu more problems\n", (unsigned long long)(r->problems - r->n_msgs));
    printf("%s (%.2f s)\n", r->problems ? "VERIFY FAILED" : "verify OK", secs);
}

static int verify_parse(int argc, char **argv, const char **config, int *json,
                        const char *sets[][2], int *n_sets)
{
    static const struct option longs[] = {{"config", required_argument, 0, 'c'},
                                          {"set", required_argument, 0, 's'},
                                          {"json", no_argument, 0, 'j'},
                                          {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:j", longs, NULL)) != -1) {
        char *eq = ch == 's' ? strchr(optarg, '=') : NULL;
        if (ch == 'c')
            *config = optarg;
        else if (ch == 'j')
            *json = 1;
        else if (ch == 's' && eq && *n_sets < VERIFY_SETS_MAX) {
            *eq = 0;
            sets[*n_sets][0] = optarg;
            sets[(*n_sets)++][1] = eq + 1;
        } else
            return -1;
    }
    return optind == argc ? 0 : -1;
}

int cg_cli_verify(int argc, char **argv)
{
    const char *config = NULL, *sets[VERIFY_SETS_MAX][2];
    char err[CG_ADMIN_MSG_MAX] = "", vdir[CG_ADMIN_PATH_MAX + 1];
    int json = 0, n_sets = 0;
    cg_config cfg;
    cg_store *st = NULL;
    cg_verify_report *rep = calloc(1, sizeof *rep);

    if (!rep || verify_parse(argc, argv, &config, &json, sets, &n_sets) != 0) {
        fputs(verify_usage, stderr);
        free(rep);
        return CG_EXIT_USAGE;
    }
    if (!config) config = getenv("CODEGRAPH_CONFIG");
    if (config && !*config) config = NULL;
    if (cg_cli_config_load(config, (const char *const(*)[2])sets, n_sets, &cfg) != 0) {
        free(rep);
        return CG_EXIT_CONFIG;
    }
    cg_log_configure(CG_LOG_WARN, CG_LOG_PRETTY, 2);
    uint64_t t0 = cg_time_mono_ns();
    int rc = cg_store_open(&st, &cfg.database, err, sizeof err);
    if (!rc) {
        cg_vfiles_dir(cfg.database.path, vdir, sizeof vdir);
        rc = cg_verify_run(st, vdir, rep, err, sizeof err);
        cg_store_close(st);
    }
    double secs = (double)(cg_time_mono_ns() - t0) / 1e9;
    if (rc && rc != CG_ECORRUPT)
        fprintf(stderr, "codegraph: verify: %s\n", err);
    else if (json)
        verify_print_json(rep, secs);
    else
        verify_print_text(rep, secs);
    free(rep);
    cg_config_release(&cfg);
    return rc ? CG_EXIT_RUNTIME : CG_EXIT_OK;
}
