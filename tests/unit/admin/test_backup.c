/*
 * test_backup.c — proves the backup layer (src/store/backup.c, src/admin/crc32c.c,
 * src/admin/vfiles.c) on a real RocksDB store in a temp directory:
 *   * CRC-32C matches the published check value and is the same in one piece or in parts;
 *   * a full backup, more writes, then an incremental one: both listed oldest first with
 *     kinds, growing sequences, verified = 1, and the incremental copied fewer bytes than it
 *     references; vector files travel with each backup (count, bytes, checksums);
 *   * verification passes, and fails with CG_ECORRUPT after one byte of a backed-up file or
 *     of a vector copy is changed; restore refuses that backup and leaves the target alone;
 *   * restoring the intact backup into a new path gives exactly the keys of its point in time
 *     (a key written after it is absent), and the vector files of that backup;
 *   * retention purges backups older than the window but always keeps the newest, and takes
 *     their sidecars along;
 *   * a checkpoint holds the data and a manifest; a second checkpoint to the same path is
 *     CG_ECONFLICT; compaction reports before/after figures.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/store.h"

static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static void db_cfg(cg_config_database *c, char *path)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->cache_size_mb = 8;
    c->compression_type = "none";
    c->bottommost_compression_type = "none";
}

static void path_of(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", root, rel);
}

static void put_n(cg_store *s, const char *prefix, int n)
{
    char k[64], v[256];
    cg_store_batch *b = cg_store_batch_create(s);
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "%s%06d", prefix, i);
        memset(v, 'a' + i % 26, sizeof v);
        cg_store_batch_put(b, CG_STORE_CF_ENTITIES, k, strlen(k), v, sizeof v);
    }
    cg_store_batch_write(s, b, 1, NULL, 0);
    cg_store_batch_destroy(b);
}

static int has_key(cg_store *s, const char *k)
{
    cg_buf v;
    cg_buf_init(&v);
    int rc = cg_store_get(s, NULL, CG_STORE_CF_ENTITIES, k, strlen(k), &v, NULL, 0);
    cg_buf_release(&v);
    return rc >= 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* Flip one byte at `off` of the first regular file under dir matching `suffix`. */
static int corrupt_one(const char *dir, const char *suffix)
{
    char cmd[512], path[512] = "";
    snprintf(cmd, sizeof cmd, "find %s -type f -name '*%s' | sort | head -1", dir, suffix);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(path, sizeof path, p)) {
        if (p) pclose(p);
        return -1;
    }
    pclose(p);
    path[strcspn(path, "\n")] = 0;
    int fd = open(path, O_RDWR);
    unsigned char c = 0;
    if (fd < 0 || pread(fd, &c, 1, 20) != 1) return -1;
    c ^= 0xff;
    int rc = pwrite(fd, &c, 1, 20) == 1 ? 0 : -1;
    close(fd);
    return rc;
}

CG_TEST(crc32c_known_values)
{
    const char *s = "123456789";
    CG_CHECK_EQ_INT(cg_crc32c(0, s, 9), 0xE3069283u);
    uint32_t part = cg_crc32c(cg_crc32c(0, s, 4), s + 4, 5);
    CG_CHECK_EQ_INT(part, 0xE3069283u);
    CG_CHECK_EQ_INT(cg_crc32c(0, "", 0), 0);
}

CG_TEST(backup_cycle_verify_restore)
{
    char db[128], bk[128], vec[128], out[128], vf[160], err[512];
    cg_config_database c;
    cg_store *s = NULL;
    cg_backup_info in1, in2, list[8];

    path_of(db, sizeof db, "data/rocks.db");
    path_of(bk, sizeof bk, "backups");
    path_of(vec, sizeof vec, "data/vector");
    db_cfg(&c, db);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (!s) return;
    mkdir(vec, 0755);
    snprintf(vf, sizeof vf, "%s/vindex-0000000000000010-0000000000000001.cgv", vec);
    write_file(vf, "first vector file");
    put_n(s, "a", 3000);
    cg_backup_opts o = {.incremental = 0, .vector_dir = vec};
    CG_CHECK_EQ_INT(cg_store_backup_create(s, bk, &o, &in1, err, sizeof err), 0);
    put_n(s, "b", 200);
    snprintf(vf, sizeof vf, "%s/vindex-0000000000000020-0000000000000002.cgv", vec);
    write_file(vf, "second vector file, longer");
    o.incremental = 1;
    CG_CHECK_EQ_INT(cg_store_backup_create(s, bk, &o, &in2, err, sizeof err), 0);
    cg_store_close(s);

    CG_CHECK_EQ_INT(cg_store_backup_list(bk, list, 8, err, sizeof err), 2);
    CG_CHECK_EQ_INT(list[0].id, in1.id);
    CG_CHECK_EQ_INT(list[1].id, in2.id);
    CG_CHECK_EQ_INT(list[0].kind, 0);
    CG_CHECK_EQ_INT(list[1].kind, 1);
    CG_CHECK_EQ_INT(list[0].verified, 1);
    CG_CHECK_EQ_INT(list[1].verified, 1);
    CG_CHECK(list[1].sequence > list[0].sequence);
    CG_CHECK(list[1].new_bytes < list[1].size_bytes);
    CG_CHECK_EQ_INT(list[0].new_bytes, list[0].size_bytes);
    CG_CHECK_EQ_INT(list[0].vector_files, 1);
    CG_CHECK_EQ_INT(list[1].vector_files, 2);
    CG_CHECK_EQ_INT(list[1].vector_bytes,
                    strlen("first vector file") + strlen("second vector file, longer"));

    cg_backup_check chk;
    CG_CHECK_EQ_INT(cg_store_backup_verify(bk, in1.id, &chk, err, sizeof err), 0);
    CG_CHECK_EQ_INT(chk.ok, 1);
    CG_CHECK(chk.files >= list[0].files);

    /* restore backup 1 into a new place: the "b" keys written after it are absent */
    cg_backup_restored r;
    path_of(out, sizeof out, "restored/rocks.db");
    char rvec[160];
    snprintf(rvec, sizeof rvec, "%s/restored/vector", root);
    CG_CHECK_EQ_INT(cg_store_backup_restore(bk, in1.id, out, rvec, &r, err, sizeof err), 0);
    CG_CHECK_EQ_INT(r.sequence, in1.sequence);
    CG_CHECK_STR(r.old_db, "");
    db_cfg(&c, out);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (s) {
        CG_CHECK(has_key(s, "a002999"));
        CG_CHECK(!has_key(s, "b000000"));
        cg_store_close(s);
    }
    snprintf(vf, sizeof vf, "%s/vindex-0000000000000010-0000000000000001.cgv", rvec);
    CG_CHECK(access(vf, F_OK) == 0);
    snprintf(vf, sizeof vf, "%s/vindex-0000000000000020-0000000000000002.cgv", rvec);
    CG_CHECK(access(vf, F_OK) != 0);

    /* restoring backup 2 over it swaps atomically and keeps the previous one aside */
    CG_CHECK_EQ_INT(cg_store_backup_restore(bk, in2.id, out, rvec, &r, err, sizeof err), 0);
    CG_CHECK(r.old_db[0] != 0 && access(r.old_db, F_OK) == 0);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (s) {
        CG_CHECK(has_key(s, "b000199"));
        cg_store_close(s);
    }

    /* damage one shared SST: verify and restore refuse; the target is left as it was */
    char shared[160];
    snprintf(shared, sizeof shared, "%s/rocksdb/shared_checksum", bk);
    CG_CHECK_EQ_INT(corrupt_one(shared, ".sst"), 0);
    CG_CHECK_EQ_INT(cg_store_backup_verify(bk, in1.id, &chk, err, sizeof err), CG_ECORRUPT);
    CG_CHECK_EQ_INT(chk.ok, 0);
    CG_CHECK_EQ_INT(cg_store_backup_restore(bk, in1.id, out, rvec, &r, err, sizeof err),
                    CG_ECORRUPT);
    CG_CHECK(strstr(err, "refusing") != NULL);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (s) {
        CG_CHECK(has_key(s, "b000199"));
        cg_store_close(s);
    }
}

CG_TEST(vector_copy_damage_is_found)
{
    char src[128], bk[128], db[128], err[512], vf[160];
    cg_config_database c;
    cg_store *s = NULL;
    cg_backup_info in;
    cg_backup_check chk;

    path_of(db, sizeof db, "v/rocks.db");
    path_of(src, sizeof src, "v/vector");
    path_of(bk, sizeof bk, "vbackups");
    db_cfg(&c, db);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (!s) return;
    mkdir(src, 0755);
    snprintf(vf, sizeof vf, "%s/vindex-00000000000000ff-0000000000000001.cgv", src);
    write_file(vf, "0123456789012345678901234567890123456789");
    snprintf(vf, sizeof vf, "%s/.partial.tmp", src); /* a write in progress: not copied */
    write_file(vf, "x");
    put_n(s, "v", 10);
    cg_backup_opts o = {.vector_dir = src};
    CG_CHECK_EQ_INT(cg_store_backup_create(s, bk, &o, &in, err, sizeof err), 0);
    cg_store_close(s);
    CG_CHECK_EQ_INT(in.vector_files, 1);
    CG_CHECK_EQ_INT(cg_store_backup_verify(bk, 0, &chk, err, sizeof err), 0);
    CG_CHECK_EQ_INT(chk.vector_files, 1);
    char sc[160];
    snprintf(sc, sizeof sc, "%s/sidecar", bk);
    CG_CHECK_EQ_INT(corrupt_one(sc, ".cgv"), 0);
    CG_CHECK_EQ_INT(cg_store_backup_verify(bk, 0, &chk, err, sizeof err), CG_ECORRUPT);
    CG_CHECK(strstr(chk.message, "vector") != NULL);
}

CG_TEST(retention_keeps_newest)
{
    char db[128], bk[128], err[512], sc[192];
    cg_config_database c;
    cg_store *s = NULL;
    cg_backup_info a, b, list[8];

    path_of(db, sizeof db, "r/rocks.db");
    path_of(bk, sizeof bk, "rbackups");
    db_cfg(&c, db);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (!s) return;
    put_n(s, "r", 50);
    cg_backup_opts o = {.incremental = 1, .retention_ms = 1000};
    CG_CHECK_EQ_INT(cg_store_backup_create(s, bk, &o, &a, err, sizeof err), 0);
    /* the only backup is kept even though the window is tiny */
    CG_CHECK_EQ_INT(cg_store_backup_list(bk, list, 8, err, sizeof err), 1);
    sleep(2); /* older than the 1 s window */
    put_n(s, "q", 50);
    CG_CHECK_EQ_INT(cg_store_backup_create(s, bk, &o, &b, err, sizeof err), 0);
    cg_store_close(s);
    CG_CHECK_EQ_INT(cg_store_backup_list(bk, list, 8, err, sizeof err), 1);
    CG_CHECK_EQ_INT(list[0].id, b.id);
    snprintf(sc, sizeof sc, "%s/sidecar/%u", bk, a.id);
    CG_CHECK(access(sc, F_OK) != 0);
    snprintf(sc, sizeof sc, "%s/sidecar/%u", bk, b.id);
    CG_CHECK(access(sc, F_OK) == 0);
}

CG_TEST(checkpoint_and_compact)
{
    char db[128], cp[128], cpdb[160], err[512], man[160];
    cg_config_database c;
    cg_store *s = NULL, *s2 = NULL;
    cg_checkpoint_info ci;
    cg_compact_report cr;

    path_of(db, sizeof db, "c/rocks.db");
    path_of(cp, sizeof cp, "cp/one");
    db_cfg(&c, db);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof err), 0);
    if (!s) return;
    put_n(s, "c", 500);
    CG_CHECK_EQ_INT(cg_store_checkpoint_create(s, cp, NULL, &ci, err, sizeof err), 0);
    CG_CHECK_EQ_INT(ci.sequence, cg_store_sequence(s));
    CG_CHECK_EQ_INT(cg_store_checkpoint_create(s, cp, NULL, &ci, err, sizeof err), CG_ECONFLICT);
    snprintf(man, sizeof man, "%s/MANIFEST", cp);
    CG_CHECK(access(man, F_OK) == 0);
    /* delete everything, then compact: the bytes on disk go down */
    cg_store_batch *b = cg_store_batch_create(s);
    cg_store_batch_delete_range(b, CG_STORE_CF_ENTITIES, "c", 1, "d", 1);
    cg_store_batch_write(s, b, 1, NULL, 0);
    cg_store_batch_destroy(b);
    cg_store_flush(s, NULL, 0);
    CG_CHECK_EQ_INT(cg_store_compact(s, 0, &cr, err, sizeof err), 0);
    CG_CHECK(cr.sst_bytes_before > 0);
    CG_CHECK(cr.sst_bytes_after < cr.sst_bytes_before);
    CG_CHECK(!has_key(s, "c000001"));
    cg_store_close(s);
    snprintf(cpdb, sizeof cpdb, "%s/rocks.db", cp);
    db_cfg(&c, cpdb);
    CG_CHECK_EQ_INT(cg_store_open(&s2, &c, err, sizeof err), 0);
    if (s2) {
        CG_CHECK(has_key(s2, "c000499"));
        cg_store_close(s2);
    }
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/cg-admin-XXXXXX");
    if (!mkdtemp(root)) return 1;
    int rc = cg_test_main();
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
