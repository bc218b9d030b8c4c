/*
 * test_admin.c — proves the admin service (src/admin/admin.c) on a real store: a compact job
 * goes queued → done with its figures in the result; a backup job produces a listed backup
 * and its result names it; a second job of the same class while one is live is CG_ECONFLICT
 * (a rate-limited backup keeps the first one live); an unknown job is CG_ENOTFOUND; the
 * maintenance and indexing-pause flags survive destroying and re-creating the service on the
 * same store (they are persisted), and the pause flag reaches the indexer.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/index.h"
#include "codegraph/log.h"
#include "codegraph/store.h"

static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static void fill(cg_store *s, int n)
{
    char k[32], v[512];
    cg_store_batch *b = cg_store_batch_create(s);
    memset(v, 'x', sizeof v);
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "k%07d", i);
        cg_store_batch_put(b, CG_STORE_CF_ENTITIES, k, strlen(k), v, sizeof v);
    }
    cg_store_batch_write(s, b, 0, NULL, 0);
    cg_store_batch_destroy(b);
}

CG_TEST(jobs_conflicts_and_flags)
{
    char db[128], bk[128], err[256];
    cg_config_database c;
    cg_config_performance perf;
    cg_store *s = NULL;
    cg_admin *a = NULL;
    cg_admin_job j;
    uint64_t id = 0, id2 = 0;

    snprintf(db, sizeof db, "%s/data/rocks.db", root);
    snprintf(bk, sizeof bk, "%s/backups", root);
    memset(&c, 0, sizeof c);
    memset(&perf, 0, sizeof perf);
    c.path = db;
    c.backup_path = bk;
    c.compression_type = c.bottommost_compression_type = "none";
    perf.max_concurrent_backups = 2;
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (!s) return;
    fill(s, 400);
    CG_CHECK_EQ_INT(cg_admin_create(&a, s, &c, &perf), 0);
    if (!a) return;

    cg_admin_req compact = {.op = CG_ADMIN_OP_COMPACT};
    CG_CHECK_EQ_INT(cg_admin_submit(a, &compact, 0, &id), 0);
    CG_CHECK_EQ_INT(cg_admin_job_wait(a, id, 60000), 1);
    CG_CHECK_EQ_INT(cg_admin_job_get(a, id, &j), 0);
    CG_CHECK_EQ_INT(j.state, CG_ADMIN_DONE);
    CG_CHECK(strstr(j.result, "\"sst_bytes_after\":") != NULL);

    /* 64 KiB/s over ~200 KB: live long enough for the second submit to meet it */
    cg_admin_req slow = {.op = CG_ADMIN_OP_BACKUP, .rate_bytes_s = 65536};
    cg_admin_req incr = {.op = CG_ADMIN_OP_BACKUP_INCREMENTAL};
    CG_CHECK_EQ_INT(cg_admin_submit(a, &slow, 0, &id), 0);
    CG_CHECK_EQ_INT(cg_admin_submit(a, &incr, 0, &id2), CG_ECONFLICT);
    CG_CHECK_EQ_INT(cg_admin_job_wait(a, id, 600000), 1);
    CG_CHECK_EQ_INT(cg_admin_job_get(a, id, &j), 0);
    CG_CHECK_EQ_INT(j.state, CG_ADMIN_DONE);
    CG_CHECK(strstr(j.result, "\"backup_id\":1") != NULL);
    CG_CHECK_EQ_INT(cg_store_backup_list(bk, NULL, 0, err, sizeof err), 1);
    CG_CHECK_EQ_INT(cg_admin_job_get(a, 424242, &j), CG_ENOTFOUND);
    cg_admin_req bad = {.op = CG_ADMIN_OP_CHECKPOINT, .path = ""};
    CG_CHECK_EQ_INT(cg_admin_submit(a, &bad, 0, &id2), CG_EINVAL);

    CG_CHECK_EQ_INT(cg_admin_maintenance_set(a, 1), 0);
    CG_CHECK_EQ_INT(cg_admin_pause_set(a, 1), 0);
    CG_CHECK_EQ_INT(cg_index_paused(), 1);
    cg_admin_destroy(a);
    cg_index_pause_set(0);
    a = NULL;
    CG_CHECK_EQ_INT(cg_admin_create(&a, s, &c, &perf), 0);
    if (!a) return;
    CG_CHECK_EQ_INT(cg_admin_maintenance(a), 1);
    CG_CHECK_EQ_INT(cg_index_paused(), 1);
    CG_CHECK_EQ_INT(cg_admin_maintenance_set(a, 0), 0);
    CG_CHECK_EQ_INT(cg_admin_pause_set(a, 0), 0);
    CG_CHECK_EQ_INT(cg_index_paused(), 0);
    cg_admin_destroy(a);
    cg_store_close(s);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/cg-adminsvc-XXXXXX");
    if (!mkdtemp(root)) return 1;
    cg_log_configure(CG_LOG_ERROR, CG_LOG_JSON, 2);
    int rc = cg_test_main();
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
