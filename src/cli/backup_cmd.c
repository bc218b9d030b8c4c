/*
 * backup_cmd.c — `codegraph backup create|list|verify|restore`, on [database] backup_path.
 *
 *   backup create [--incremental] [--rate BYTES_PER_S]   back up the database at [database]
 *                     path (the server must be stopped: RocksDB allows one process; with a
 *                     running server use POST /api/v1/admin/backup)
 *   backup list [--json]            backups with kind, sequence, sizes, verification
 *   backup verify [ID] [--json]     verify one backup, or every backup (exit 1 on a failure)
 *   backup restore ID|latest        verify, restore into a new directory, swap it in; refuses
 *                     while a process holds the database LOCK or when verification fails
 * Common options: -c PATH, --set SECTION.KEY=VALUE. Exit codes: 0 ok, 1 failure, 64 usage,
 * 78 configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/cli.h"
#include "codegraph/config.h"
#include "codegraph/log.h"

#define BK_CMD_SETS_MAX 32 /* --set flags on one command line */

typedef struct bk_opts {
    const char *config, *sub, *id;
    int json, incremental;
    unsigned long long rate;
    const char *sets[BK_CMD_SETS_MAX][2];
    int n_sets;
} bk_opts;

static const char bk_usage[] =
    "usage: codegraph backup create [--incremental] [--rate BYTES_PER_S]\n"
    "       codegraph backup list [--json]\n"
    "       codegraph backup verify [ID] [--json]\n"
    "       codegraph backup restore ID|latest\n"
    "options: -c PATH, --set SECTION.KEY=VALUE\n";

static int bk_parse(int argc, char **argv, bk_opts *o)
{
    static const struct option longs[] = {{"config", required_argument, 0, 'c'},
                                          {"set", required_argument, 0, 's'},
                                          {"json", no_argument, 0, 'j'},
                                          {"incremental", no_argument, 0, 'i'},
                                          {"rate", required_argument, 0, 'r'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    int ch;
    memset(o, 0, sizeof *o);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:jh", longs, NULL)) != -1) {
        char *eq, *end;
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'j': o->json = 1; break;
        case 'i': o->incremental = 1; break;
        case 'r':
            o->rate = strtoull(optarg, &end, 10);
            if (*end) return -1;
            break;
        case 's':
            eq = strchr(optarg, '=');
            if (!eq || o->n_sets == BK_CMD_SETS_MAX) return -1;
            *eq = 0;
            o->sets[o->n_sets][0] = optarg;
            o->sets[o->n_sets++][1] = eq + 1;
            break;
        default: return -1;
        }
    }
    if (optind < argc) o->sub = argv[optind++];
    if (optind < argc) o->id = argv[optind++];
    return optind == argc && o->sub ? 0 : -1;
}

static int bk_config(const bk_opts *o, cg_config *cfg)
{
    const char *path = o->config ? o->config : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    if (cg_cli_config_load(path, (const char *const(*)[2])o->sets, o->n_sets, cfg) != 0)
        return CG_EXIT_CONFIG;
    cg_log_configure(CG_LOG_WARN, CG_LOG_PRETTY, 2); /* stdout stays the command's output */
    return 0;
}

static const char *bk_kind(int kind)
{
    return kind < 0 ? "unknown" : kind ? "incremental" : "full";
}

static void bk_time(int64_t s, char *out, size_t cap)
{
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void bk_print(const cg_backup_info *b, int json)
{
    char when[32];
    bk_time(b->created_s, when, sizeof when);
    if (json) {
        printf("{\"id\":%u,\"created\":\"%s\",\"kind\":\"%s\",\"verified\":%s,\"sequence\":%llu,"
               "\"size_bytes\":%llu,\"new_bytes\":%llu,\"files\":%u,\"vector_files\":%u,"
               "\"vector_bytes\":%llu}\n",
               b->id, when, bk_kind(b->kind),
               b->verified < 0 ? "null"
               : b->verified   ? "true"
                               : "false",
               (unsigned long long)b->sequence, (unsigned long long)b->size_bytes,
               (unsigned long long)b->new_bytes, b->files, b->vector_files,
               (unsigned long long)b->vector_bytes);
        return;
    }
    printf("%6u  %s  %-11s  %10llu  %12llu  %12llu  %6u  %6u  %s\n", b->id, when, bk_kind(b->kind),
           (unsigned long long)b->sequence, (unsigned long long)b->size_bytes,
           (unsigned long long)b->new_bytes, b->files, b->vector_files,
           b->verified < 0 ? "?"
           : b->verified   ? "yes"
                           : "NO");
}

static int bk_list(const cg_config *cfg, const bk_opts *o)
{
    char err[CG_ADMIN_MSG_MAX];
    cg_backup_info *all = malloc(CG_BACKUP_LIST_MAX * sizeof *all);
    int n = all ? cg_store_backup_list(cfg->database.backup_path, all, CG_BACKUP_LIST_MAX, err,
                                       sizeof err)
                : CG_ENOMEM;
    if (n < 0) {
        fprintf(stderr, "codegraph: %s\n", n == CG_ENOMEM ? cg_err_str(n) : err);
        free(all);
        return CG_EXIT_RUNTIME;
    }
    if (!o->json)
        printf("%6s  %-20s  %-11s  %10s  %12s  %12s  %6s  %6s  %s\n", "ID", "CREATED", "KIND",
               "SEQUENCE", "SIZE_BYTES", "NEW_BYTES", "FILES", "VECTOR", "VERIFIED");
    for (int i = 0; i < CG_MIN(n, CG_BACKUP_LIST_MAX); i++) bk_print(&all[i], o->json);
    if (!o->json) printf("%d backup(s) in %s\n", n, cfg->database.backup_path);
    free(all);
    return CG_EXIT_OK;
}

static int bk_create(cg_config *cfg, const bk_opts *o)
{
    char err[CG_ADMIN_MSG_MAX] = "", vdir[CG_ADMIN_PATH_MAX + 1];
    cg_store *st = NULL;
    cg_backup_info in;
    uint64_t t0 = cg_time_mono_ns();

    int rc = cg_store_open(&st, &cfg->database, err, sizeof err);
    if (rc) {
        fprintf(stderr, "codegraph: %s%s\n", err,
                rc == CG_EDB && strstr(err, "LOCK")
                    ? " (a server is running: use POST /api/v1/admin/backup instead)"
                    : "");
        return CG_EXIT_RUNTIME;
    }
    cg_vfiles_dir(cfg->database.path, vdir, sizeof vdir);
    cg_backup_opts bo = {.incremental = o->incremental,
                         .rate_bytes_s = o->rate,
                         .vector_dir = vdir,
                         .retention_ms = cfg->database.backup_retention_ms};
    rc = cg_store_backup_create(st, cfg->database.backup_path, &bo, &in, err, sizeof err);
    cg_store_close(st);
    if (rc && rc != CG_ECORRUPT) {
        fprintf(stderr, "codegraph: backup failed: %s\n", err);
        return CG_EXIT_RUNTIME;
    }
    if (o->json) {
        bk_print(&in, 1);
    } else {
        printf("backup %u (%s) of sequence %llu: %llu bytes in %u files, %llu new; "
               "%u vector files; verified: %s; %.2f s\n",
               in.id, bk_kind(in.kind), (unsigned long long)in.sequence,
               (unsigned long long)in.size_bytes, in.files, (unsigned long long)in.new_bytes,
               in.vector_files, in.verified == 1 ? "yes" : "NO",
               (double)(cg_time_mono_ns() - t0) / 1e9);
    }
    if (rc) fprintf(stderr, "codegraph: %s\n", err);
    return rc ? CG_EXIT_RUNTIME : CG_EXIT_OK;
}

/* Parse ID ("latest" = 0). -1 when malformed. */
static long long bk_id_parse(const char *s)
{
    char *end;
    if (!s || strcmp(s, "latest") == 0) return 0;
    long long v = strtoll(s, &end, 10);
    return *end || v <= 0 || v > UINT32_MAX ? -1 : v;
}

static int bk_verify_one(const cg_config *cfg, uint32_t id, int json)
{
    char err[CG_ADMIN_MSG_MAX] = "";
    cg_backup_check chk;
    int rc = cg_store_backup_verify(cfg->database.backup_path, id, &chk, err, sizeof err);
    if (json)
        printf("{\"id\":%u,\"ok\":%s,\"files\":%u,\"bytes\":%llu,\"vector_files\":%u,"
               "\"message\":\"%s\"}\n",
               chk.id ? chk.id : id, chk.ok ? "true" : "false", chk.files,
               (unsigned long long)chk.bytes, chk.vector_files,
               chk.ok ? "ok" : "failed (see stderr)");
    else if (chk.ok)
        printf("backup %u: ok (%u files, %llu bytes checksummed, %u vector files)\n", chk.id,
               chk.files, (unsigned long long)chk.bytes, chk.vector_files);
    if (rc) fprintf(stderr, "backup %u: FAILED: %s\n", chk.id ? chk.id : id, err);
    return rc;
}

static int bk_verify(const cg_config *cfg, const bk_opts *o)
{
    long long id = bk_id_parse(o->id);
    char err[CG_ADMIN_MSG_MAX];
    int failed = 0;

    if (id < 0) {
        fputs(bk_usage, stderr);
        return CG_EXIT_USAGE;
    }
    if (o->id) return bk_verify_one(cfg, (uint32_t)id, o->json) ? CG_EXIT_RUNTIME : CG_EXIT_OK;
    cg_backup_info *all = malloc(CG_BACKUP_LIST_MAX * sizeof *all);
    int n = all ? cg_store_backup_list(cfg->database.backup_path, all, CG_BACKUP_LIST_MAX, err,
                                       sizeof err)
                : CG_ENOMEM;
    if (n <= 0) fprintf(stderr, "codegraph: %s\n", n == 0 ? "no backups" : err);
    for (int i = 0; i < CG_MIN(n, CG_BACKUP_LIST_MAX); i++)
        failed += bk_verify_one(cfg, all[i].id, o->json) != 0;
    free(all);
    if (!o->json && n > 0) printf("%d of %d backup(s) verified\n", n - failed, n);
    return n <= 0 || failed ? CG_EXIT_RUNTIME : CG_EXIT_OK;
}

static int bk_restore(const cg_config *cfg, const bk_opts *o)
{
    char err[CG_ADMIN_MSG_MAX] = "", vdir[CG_ADMIN_PATH_MAX + 1];
    cg_backup_restored out;
    long long id = bk_id_parse(o->id);

    if (!o->id || id < 0) {
        fputs(bk_usage, stderr);
        return CG_EXIT_USAGE;
    }
    cg_vfiles_dir(cfg->database.path, vdir, sizeof vdir);
    int rc = cg_store_backup_restore(cfg->database.backup_path, (uint32_t)id, cfg->database.path,
                                     vdir, &out, err, sizeof err);
    if (rc) {
        fprintf(stderr, "codegraph: restore refused: %s\n", err);
        return CG_EXIT_RUNTIME;
    }
    printf("restored backup %u (sequence %llu) into %s\n", out.id, (unsigned long long)out.sequence,
           cfg->database.path);
    if (out.old_db[0]) printf("previous database kept at %s (delete it when done)\n", out.old_db);
    if (out.old_vector[0]) printf("previous vector files kept at %s\n", out.old_vector);
    return CG_EXIT_OK;
}

int cg_cli_backup(int argc, char **argv)
{
    bk_opts o;
    cg_config cfg;
    int rc;

    if (bk_parse(argc, argv, &o) != 0) {
        fputs(bk_usage, stderr);
        return CG_EXIT_USAGE;
    }
    if (strcmp(o.sub, "create") && strcmp(o.sub, "list") && strcmp(o.sub, "verify") &&
        strcmp(o.sub, "restore")) {
        fprintf(stderr, "codegraph: unknown backup command '%s'\n%s", o.sub, bk_usage);
        return CG_EXIT_USAGE;
    }
    if ((rc = bk_config(&o, &cfg)) != 0) return rc;
    if (strcmp(o.sub, "create") == 0)
        rc = bk_create(&cfg, &o);
    else if (strcmp(o.sub, "list") == 0)
        rc = bk_list(&cfg, &o);
    else if (strcmp(o.sub, "verify") == 0)
        rc = bk_verify(&cfg, &o);
    else
        rc = bk_restore(&cfg, &o);
    cg_config_release(&cfg);
    return rc;
}
