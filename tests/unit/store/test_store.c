/*
 * test_store.c — proves the RocksDB store wrapper: open creates missing parent directories
 * and the schema's column families; meta values survive close/reopen; every [database]
 * option reaches RocksDB (read back from the OPTIONS file it writes); a second opener,
 * in this process or another, fails with the LOCK message; sizes grow with data; a
 * background flush starts only for families holding enough and leaves an SST file; a bad
 * compression name is a configuration error naming the key.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/store.h"

static char tmp_root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    return remove(p);
}

static void tmp_make(void)
{
    snprintf(tmp_root, sizeof(tmp_root), "/tmp/cg-store-XXXXXX");
    if (!mkdtemp(tmp_root)) abort();
}

static void tmp_clean(void)
{
    nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Small, explicit tuning so the OPTIONS file shows each value. */
static void db_cfg(cg_config_database *c, char *path)
{
    memset(c, 0, sizeof(*c));
    c->path = path;
    c->cache_size_mb = 16;
    c->write_buffer_size_mb = 8;
    c->max_write_buffer_number = 3;
    c->max_open_files = 123;
    c->max_background_jobs = 3;
    c->level0_file_num_compaction_trigger = 5;
    c->level0_slowdown_writes_trigger = 21;
    c->level0_stop_writes_trigger = 37;
    c->target_file_size_base = 33554432;
    c->max_bytes_for_level_base = 134217728;
    c->compression_type = "zstd";
    c->compression_level = 6;
    c->bottommost_compression_type = "lz4";
    c->enable_statistics = 1;
}

/* The newest OPTIONS-* file of the database, read whole (malloc-ed). */
static char *read_options_file(const char *dbpath)
{
    char best[256] = "", path[512];
    DIR *d = opendir(dbpath);
    struct dirent *e;
    if (!d) return NULL;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "OPTIONS-", 8) == 0 && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof(best), "%s", e->d_name);
    closedir(d);
    snprintf(path, sizeof(path), "%s/%s", dbpath, best);
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

CG_TEST(open_creates_dirs_and_column_families)
{
    char path[128], err[256];
    cg_config_database c;
    cg_store *s = NULL;
    struct stat st;

    tmp_make();
    snprintf(path, sizeof(path), "%s/a/b/c/rocks.db", tmp_root);
    db_cfg(&c, path);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), 0);
    CG_CHECK(s != NULL);
    CG_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    char *opts = read_options_file(path);
    CG_CHECK(opts && strstr(opts, "[CFOptions \"default\"]"));
    CG_CHECK(opts && strstr(opts, "[CFOptions \"meta\"]"));
    free(opts);
    CG_CHECK_STR(cg_store_cf_name(CG_STORE_CF_META), "meta");
    CG_CHECK(cg_store_cf_name(CG_STORE_CF_COUNT) == NULL);
    cg_store_close(s);
    tmp_clean();
}

CG_TEST(meta_values_survive_reopen)
{
    char path[128], err[256], buf[64];
    cg_config_database c;
    cg_store *s = NULL;

    tmp_make();
    snprintf(path, sizeof(path), "%s/rocks.db", tmp_root);
    db_cfg(&c, path);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), 0);
    uint64_t seq0 = cg_store_sequence(s);
    CG_CHECK_EQ_INT(cg_store_put_meta(s, "schema_version", "3", 1, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_store_put_meta(s, "generation", "1234567", 7, err, sizeof(err)), 0);
    CG_CHECK(cg_store_sequence(s) == seq0 + 2);
    CG_CHECK_EQ_INT(cg_store_get_meta(s, "missing", buf, sizeof(buf), err, sizeof(err)),
                    CG_ENOTFOUND);
    CG_CHECK_EQ_INT(cg_store_put_meta(s, "", "x", 1, err, sizeof(err)), CG_EINVAL);
    cg_store_close(s);

    s = NULL;
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), 0);
    memset(buf, 'z', sizeof(buf));
    CG_CHECK_EQ_INT(cg_store_get_meta(s, "schema_version", buf, sizeof(buf), err, sizeof(err)), 1);
    CG_CHECK_STR(buf, "3");
    /* A short buffer gets a truncated copy and the full length back. */
    memset(buf, 0, sizeof(buf));
    CG_CHECK_EQ_INT(cg_store_get_meta(s, "generation", buf, 3, err, sizeof(err)), 7);
    CG_CHECK(memcmp(buf, "123", 3) == 0 && buf[3] == '\0');
    CG_CHECK(cg_store_sequence(s) >= seq0 + 2);
    cg_store_close(s);
    tmp_clean();
}

CG_TEST(options_reach_rocksdb)
{
    char path[128], err[256];
    cg_config_database c;
    cg_store *s = NULL;

    tmp_make();
    snprintf(path, sizeof(path), "%s/rocks.db", tmp_root);
    db_cfg(&c, path);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), 0);
    char *o = read_options_file(path);
    CG_CHECK(o != NULL);
    if (o) {
        CG_CHECK(strstr(o, "write_buffer_size=8388608"));
        CG_CHECK(strstr(o, "max_write_buffer_number=3"));
        CG_CHECK(strstr(o, "max_open_files=123"));
        CG_CHECK(strstr(o, "max_background_jobs=3"));
        CG_CHECK(strstr(o, "level0_file_num_compaction_trigger=5"));
        CG_CHECK(strstr(o, "level0_slowdown_writes_trigger=21"));
        CG_CHECK(strstr(o, "level0_stop_writes_trigger=37"));
        CG_CHECK(strstr(o, "target_file_size_base=33554432"));
        CG_CHECK(strstr(o, "max_bytes_for_level_base=134217728"));
        CG_CHECK(strstr(o, "compression=kZSTD"));
        CG_CHECK(strstr(o, "bottommost_compression=kLZ4Compression"));
        CG_CHECK(strstr(o, "level=6;"));
        CG_CHECK(strstr(o, "wal_recovery_mode=kPointInTimeRecovery"));
        CG_CHECK(strstr(o, "create_missing_column_families=true"));
        CG_CHECK(strstr(o, "info_log_level=INFO_LEVEL"));
    }
    free(o);
    /* One 16 MB block cache shared by every column family (the property is summed per CF). */
    uint64_t cap = 0;
    CG_CHECK_EQ_INT(cg_store_property_u64(s, "rocksdb.block-cache-capacity", &cap), 0);
    CG_CHECK(cap == (uint64_t)CG_STORE_CF_COUNT * (16ull << 20));
    CG_CHECK_EQ_INT(cg_store_property_u64(s, "rocksdb.no-such-thing", &cap), CG_ENOTFOUND);
    /* The statistics tickers show in the stats text. */
    char *st = cg_store_stats_string(s);
    CG_CHECK(st && strstr(st, "** DB Stats **"));
    CG_CHECK(st && strstr(st, "rocksdb.block.cache.miss COUNT"));
    free(st);
    char health[256];
    CG_CHECK_EQ_INT(cg_store_health(s, health, sizeof(health)), 0);
    CG_CHECK(strncmp(health, "ok ", 3) == 0);
    cg_store_close(s);
    tmp_clean();
}

/* Child: open the store, tell the parent, hold it until the parent closes the pipe. */
static void child_hold(cg_config_database *c, int ready_fd, int hold_fd, int hold_wr)
{
    char err[256], b;
    cg_store *s = NULL;
    close(hold_wr); /* else our own write end keeps the pipe from reporting EOF */
    int rc = cg_store_open(&s, c, err, sizeof(err));
    b = rc == 0 ? 'y' : 'n';
    if (write(ready_fd, &b, 1) != 1) _exit(2);
    if (read(hold_fd, &b, 1) < 0) _exit(2);
    cg_store_close(s);
    _exit(rc == 0 ? 0 : 1);
}

CG_TEST(second_opener_gets_lock_error)
{
    char path[128], err[256], want[256], b = 0;
    cg_config_database c;
    cg_store *s = NULL, *s2 = NULL;
    int ready[2], hold[2], status = 0;

    tmp_make();
    snprintf(path, sizeof(path), "%s/rocks.db", tmp_root);
    snprintf(want, sizeof(want), "database at %s is in use by another process (LOCK)", path);
    db_cfg(&c, path);
    /* Another process holds it. */
    CG_CHECK(pipe(ready) == 0 && pipe(hold) == 0);
    pid_t pid = fork();
    if (pid == 0) child_hold(&c, ready[1], hold[0], hold[1]);
    CG_CHECK(read(ready[0], &b, 1) == 1 && b == 'y');
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), CG_EDB);
    CG_CHECK(s == NULL);
    CG_CHECK(strstr(err, want) != NULL);
    close(hold[1]);
    waitpid(pid, &status, 0);
    CG_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]), close(ready[1]), close(hold[0]);
    /* This process holds it. */
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_store_open(&s2, &c, err, sizeof(err)), CG_EDB);
    CG_CHECK(s2 == NULL && strstr(err, want) != NULL);
    cg_store_close(s);
    tmp_clean();
}

/* META_VALUES values of META_VALUE_BYTES under "k0000".. (value i: bytes (i * 31 + j * 7)). */
#define META_VALUES 200
#define META_VALUE_BYTES 512

/* Open an uncompressed store at <tmp_root>/rocks.db (path receives it) and write the values;
 * NULL (message on stderr) if either fails. */
static cg_store *store_with_values(char *path, size_t cap)
{
    char err[256], key[32], val[META_VALUE_BYTES];
    cg_config_database c;
    cg_store *s = NULL;

    tmp_make();
    snprintf(path, cap, "%s/rocks.db", tmp_root);
    db_cfg(&c, path);
    c.compression_type = "none";
    c.bottommost_compression_type = "none";
    if (cg_store_open(&s, &c, err, sizeof(err)) != 0) goto fail;
    for (int i = 0; i < META_VALUES; i++) {
        snprintf(key, sizeof(key), "k%04d", i);
        for (size_t j = 0; j < sizeof(val); j++) val[j] = (char)(i * 31 + j * 7);
        if (cg_store_put_meta(s, key, val, sizeof(val), err, sizeof(err)) != 0) goto fail;
    }
    return s;
fail:
    fprintf(stderr, "store_with_values: %s\n", err);
    cg_store_close(s);
    return NULL;
}

CG_TEST(size_grows_with_data)
{
    char path[128], err[256];
    cg_store *s = store_with_values(path, sizeof(path));

    CG_CHECK(s != NULL);
    if (!s) return;
    CG_CHECK(cg_store_size_bytes(s) >= META_VALUES * META_VALUE_BYTES); /* in memtables */
    CG_CHECK_EQ_INT(cg_store_flush(s, err, sizeof(err)), 0);
    /* 200 x 512 incompressible-ish bytes are now in SST files. */
    CG_CHECK(cg_store_size_bytes(s) >= META_VALUES * META_VALUE_BYTES);
    cg_store_close(s);
    tmp_clean();
}

/* SST files in dbpath. */
static int sst_count(const char *dbpath)
{
    int n = 0;
    DIR *d = opendir(dbpath);
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        n += l > 4 && strcmp(e->d_name + l - 4, ".sst") == 0;
    }
    closedir(d);
    return n;
}

CG_TEST(flush_start_flushes_only_large_families)
{
    char path[128], err[256], got[META_VALUE_BYTES];
    cg_store *s = store_with_values(path, sizeof(path));

    CG_CHECK(s != NULL);
    if (!s) return;
    int before = sst_count(path);
    /* Nothing holds 1 GiB; only the meta family holds 100 KiB (200 x 512 bytes). */
    CG_CHECK_EQ_INT(cg_store_flush_start(s, 1u << 30, err, sizeof(err)), 0);
    CG_CHECK_EQ_INT(cg_store_flush_start(s, 64u << 10, err, sizeof(err)), 1);
    /* The flush runs in the background: wait up to 30 s for its SST file. */
    for (int i = 0; i < 3000 && sst_count(path) <= before; i++) usleep(10000);
    CG_CHECK(sst_count(path) > before);
    CG_CHECK_EQ_INT(cg_store_get_meta(s, "k0199", got, sizeof(got), err, sizeof(err)),
                    META_VALUE_BYTES);
    CG_CHECK(got[0] == (char)(199 * 31) && got[10] == (char)(199 * 31 + 70));
    cg_store_close(s);
    tmp_clean();
}

CG_TEST(bad_compression_is_config_error)
{
    char path[128], err[256];
    cg_config_database c;
    cg_store *s = NULL;

    tmp_make();
    snprintf(path, sizeof(path), "%s/rocks.db", tmp_root);
    db_cfg(&c, path);
    c.compression_type = "brotli";
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), CG_ECONFIG);
    CG_CHECK(s == NULL);
    CG_CHECK(strstr(err, "compression_type") && strstr(err, "brotli"));
    c.compression_type = "snappy";
    c.bottommost_compression_type = "gzip";
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), CG_ECONFIG);
    CG_CHECK(strstr(err, "bottommost_compression_type") && strstr(err, "gzip"));
    c.path = "";
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), CG_ECONFIG);
    tmp_clean();
}

CG_TEST(corrupt_database_is_reported_as_corruption)
{
    char path[128], file[160], err[256];
    cg_config_database c;
    cg_store *s = NULL;

    tmp_make();
    snprintf(path, sizeof(path), "%s/rocks.db", tmp_root);
    db_cfg(&c, path);
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), 0);
    cg_store_close(s);
    /* CURRENT names the live MANIFEST and must end with a newline. */
    snprintf(file, sizeof(file), "%s/CURRENT", path);
    FILE *f = fopen(file, "w");
    CG_CHECK(f != NULL);
    if (f) {
        fputs("MANIFEST-garbage", f);
        fclose(f);
    }
    s = NULL;
    CG_CHECK_EQ_INT(cg_store_open(&s, &c, err, sizeof(err)), CG_ECORRUPT);
    CG_CHECK(s == NULL && strstr(err, "corrupt") != NULL);
    tmp_clean();
}

CG_TEST_MAIN()
