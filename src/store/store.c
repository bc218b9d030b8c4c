/*
 * store.c — the RocksDB store: open with [database] tuning, column families, meta values,
 * size / health / statistics figures. The only file in CodeGraph that includes rocksdb/c.h.
 *
 * DESIGN
 * - One rocksdb_t per process, opened with every column family of cf_table (created when
 *   missing) plus any unknown family found on disk, which is opened with the same options and
 *   left alone (RocksDB refuses to open a database without naming all of its families).
 * - s->cf[i] for i < CG_STORE_CF_COUNT is the handle of cf_table[i]; handles past COUNT are
 *   the unknown families. Every handle is valid from open to close.
 * - Every CF shares one options object, so they share one LRU block cache whose size is
 *   [database] cache_size_mb. The options object lives as long as the store because the
 *   statistics object hangs off it.
 * - WAL recovery is point-in-time: after a crash the database is the state of a prefix of
 *   acknowledged writes. Meta writes are synced, so an acknowledged meta write survives.
 * - RocksDB reports errors as malloc-ed "Kind: detail" strings; store_rerr() turns each into
 *   a CG_E* code and a message, and frees the string. Nothing else leaves this file.
 * - Generic access (snapshots, batches, iterators) wraps RocksDB objects. A snapshot carries
 *   its own read options (pointing at it); an iterator owns its read options and copies
 *   of its bounds, because RocksDB keeps pointers to both for the iterator's whole life.
 * - A batch queues its operations and hands them to RocksDB at write time sorted by
 *   (column family, key): memtable skiplist inserts in key order reuse the insert
 *   position and cost far less than scattered ones. The sort is stable and never moves an
 *   operation across a range delete, so the batch means exactly what was queued (later
 *   operations on one key still win). Each queued operation carries its key's first 8 bytes
 *   as a big-endian integer, so most comparisons of the sort are one integer compare.
 * - Compression: L0 and L1 (STORE_LEVELS_UNCOMPRESSED) are written uncompressed, levels
 *   below them with [database] compression_type, the last level with
 *   bottommost_compression_type. L0/L1 files are short-lived (compaction rewrites them soon),
 *   so compressing them spent CPU on every memtable flush for no lasting space: on a cold
 *   index that was ~7% of the indexer's CPU (bench/index). The [database] keys and their
 *   defaults are unchanged; compression_type = "none" still means no compression anywhere.
 * - A flush (cg_store_flush) first asks every family to flush without waiting, then waits
 *   for each, so the flushes run on the background threads side by side.
 *   cg_store_flush_start only asks (families holding at least a given size) and returns:
 *   the index pipeline uses it to overlap the flush of its file phase with later work.
 * - Memtable insert hints: the families whose keys are "project, name or term, id"
 *   (names, unresolved, lex_postings) open with RocksDB's
 *   memtable_insert_with_hint_prefix_extractor = CappedPrefix(STORE_HINT_PREFIX_BYTES). The
 *   memtable remembers where it last inserted a key with each such prefix and starts the
 *   next insert there: the keys of one name arrive in id order (ids grow with the file), so
 *   the insert lands next to the hint instead of searching the skiplist from the top. Only
 *   the insert position changes, never what is stored or read. Writes also carry
 *   memtable_insert_hint_per_batch for the concurrent-insert path (a batch is sorted).
 * - RocksDB's per-thread perf context counts every key comparison by default (level
 *   "count"); nothing here reads it, so each thread turns it off on its first batch write,
 *   point read or iterator (store_thread_quiet).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "codegraph/base.h"
#include "codegraph/store.h"

/* Column families opened at most: ours plus unknown ones found on disk. */
#define STORE_CF_OPEN_MAX 64
/* Longest database path accepted (bytes). */
#define STORE_PATH_MAX 4096
/* RocksDB info LOG files kept in the database directory. */
#define STORE_INFO_LOG_KEEP 10
/* Bloom filter bits per key for point lookups (~1% false positives). */
#define STORE_BLOOM_BITS_PER_KEY 10.0
/* The meta key read by the health probe; it need not exist. */
#define STORE_HEALTH_PROBE_KEY "cg.health.probe"
/* RocksDB's InfoLogLevel::INFO_LEVEL (this librocksdb defaults to DEBUG_LEVEL). */
#define STORE_INFO_LOG_LEVEL 1
/* RocksDB's WALRecoveryMode::kPointInTimeRecovery. */
#define STORE_WAL_POINT_IN_TIME 2
/* LSM levels (RocksDB's default num_levels) and how many of the top ones (L0, L1) are written
 * without compression; [database] compression_type applies below them (see DESIGN). */
#define STORE_LEVELS 7
#define STORE_LEVELS_UNCOMPRESSED 2
/* Key bytes that name a memtable insert hint (see DESIGN): a project id plus the first bytes
 * of the name or term that follows it. Measured on 15 MB of stdlib: 8 saved ~3.5% of the
 * indexer's CPU for +5 MB RSS; 12 saved no more for +19 MB; 16 reaches into the ids of short
 * terms (a hint per key) and cost +20% CPU and +147 MB. */
#define STORE_HINT_PREFIX_BYTES 8

_Static_assert(CG_STORE_CF_COUNT <= STORE_CF_OPEN_MAX, "our families fit the open table");

/* The schema: one name per cg_store_cf, in enum order. Later issues append here. */
static const char *const cf_table[] = {
    [CG_STORE_CF_DEFAULT] = "default",           [CG_STORE_CF_META] = "meta",
    [CG_STORE_CF_PROJECTS] = "projects",         [CG_STORE_CF_FILES] = "files",
    [CG_STORE_CF_ENTITIES] = "entities",         [CG_STORE_CF_NAMES] = "names",
    [CG_STORE_CF_OUT_EDGES] = "out_edges",       [CG_STORE_CF_IN_EDGES] = "in_edges",
    [CG_STORE_CF_UNRESOLVED] = "unresolved",     [CG_STORE_CF_JOBS] = "jobs",
    [CG_STORE_CF_LEX_POSTINGS] = "lex_postings", [CG_STORE_CF_LEX_DOCS] = "lex_docs",
};
_Static_assert(CG_ARRAY_LEN(cf_table) == CG_STORE_CF_COUNT, "cf_table matches cg_store_cf");

struct cg_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *hint_opts; /* opts + the insert-hint prefix extractor (see DESIGN) */
    rocksdb_readoptions_t *ro;
    rocksdb_writeoptions_t *wo_sync;
    rocksdb_writeoptions_t *wo; /* unsynced: survives a process crash, not a power loss */
    rocksdb_column_family_handle_t *cf[STORE_CF_OPEN_MAX];
    int n_cf;
    int statistics;
    char *path;
};

static const struct {
    const char *name;
    int type;
} compressions[] = {
    {"none", rocksdb_no_compression},
    {"snappy", rocksdb_snappy_compression},
    {"lz4", rocksdb_lz4_compression},
    {"zstd", rocksdb_zstd_compression},
};

/* Format a message into err (if any) and return code. */
static int store_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int store_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int store_is_lock_error(const char *msg)
{
    return strstr(msg, "LOCK") &&
           (strstr(msg, "lock") || strstr(msg, "Resource temporarily unavailable"));
}

/* Convert a RocksDB error string (freed here) into a CG_E* code and a message. */
static int store_rerr(const cg_store *s, char *rmsg, int io_code, const char *what, char *err,
                      size_t errlen)
{
    const char *m = rmsg ? rmsg : "unknown error";
    const char *path = s && s->path ? s->path : "?";
    int code = io_code;

    if (strncmp(m, "Corruption", 10) == 0) {
        code = CG_ECORRUPT;
        store_fail(err, errlen, code, "%s: database at %s is corrupt: %s", what, path, m);
    } else if (store_is_lock_error(m)) {
        code = CG_EDB;
        store_fail(err, errlen, code, "database at %s is in use by another process (LOCK)", path);
    } else if (strstr(m, "not linked with the binary")) {
        code = CG_ECONFIG;
        store_fail(err, errlen, code,
                   "%s: a [database] compression type is not supported by this librocksdb: %s",
                   what, m);
    } else if (strncmp(m, "Invalid argument", 16) == 0) {
        code = CG_ECONFIG;
        store_fail(err, errlen, code, "%s: invalid [database] option: %s", what, m);
    } else {
        store_fail(err, errlen, code, "%s: %s", what, m);
    }
    rocksdb_free(rmsg);
    return code;
}

/* mkdir -p: create path and every missing parent. */
static int store_mkdirs(const char *path, char *err, size_t errlen)
{
    char tmp[STORE_PATH_MAX];
    size_t n = strlen(path);
    struct stat st;

    if (n == 0 || n >= sizeof(tmp))
        return store_fail(err, errlen, CG_ECONFIG, "[database] path: length %zu out of range", n);
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0') continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return store_fail(err, errlen, CG_EDB, "cannot create directory %s: %s", tmp,
                              strerror(errno));
        tmp[i] = c;
    }
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return store_fail(err, errlen, CG_EDB, "database path %s is not a directory", path);
    return 0;
}

static int store_compression(const char *name, const char *key, int *out, char *err, size_t errlen)
{
    if (!name || !*name) name = "none";
    for (size_t i = 0; i < CG_ARRAY_LEN(compressions); i++) {
        if (strcasecmp(name, compressions[i].name) == 0) {
            *out = compressions[i].type;
            return 0;
        }
    }
    return store_fail(err, errlen, CG_ECONFIG,
                      "[database] %s: unknown compression \"%s\" (none|snappy|lz4|zstd)", key,
                      name);
}

/* The block-based table: an LRU block cache of cache_size_mb (0 disables it) and a bloom
 * filter. RocksDB copies what it needs, so the table options and our cache handle are freed
 * here. */
static void store_table_options(rocksdb_options_t *o, const cg_config_database *cfg)
{
    rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
    rocksdb_cache_t *cache = NULL;

    if (cfg->cache_size_mb > 0) {
        cache = rocksdb_cache_create_lru((size_t)cfg->cache_size_mb << 20);
        rocksdb_block_based_options_set_block_cache(t, cache);
    } else {
        rocksdb_block_based_options_set_no_block_cache(t, 1);
    }
    rocksdb_block_based_options_set_filter_policy(
        t, rocksdb_filterpolicy_create_bloom(STORE_BLOOM_BITS_PER_KEY));
    rocksdb_options_set_block_based_table_factory(o, t);
    rocksdb_block_based_options_destroy(t);
    if (cache) rocksdb_cache_destroy(cache);
}

/* Counts and sizes: a value <= 0 keeps RocksDB's default (max_open_files also takes -1). */
static void store_tuning_options(rocksdb_options_t *o, const cg_config_database *cfg)
{
    if (cfg->write_buffer_size_mb > 0)
        rocksdb_options_set_write_buffer_size(o, (size_t)cfg->write_buffer_size_mb << 20);
    if (cfg->max_write_buffer_number > 0)
        rocksdb_options_set_max_write_buffer_number(o, cfg->max_write_buffer_number);
    if (cfg->max_open_files != 0) rocksdb_options_set_max_open_files(o, cfg->max_open_files);
    if (cfg->max_background_jobs > 0)
        rocksdb_options_set_max_background_jobs(o, cfg->max_background_jobs);
    if (cfg->level0_file_num_compaction_trigger > 0)
        rocksdb_options_set_level0_file_num_compaction_trigger(
            o, cfg->level0_file_num_compaction_trigger);
    if (cfg->level0_slowdown_writes_trigger > 0)
        rocksdb_options_set_level0_slowdown_writes_trigger(o, cfg->level0_slowdown_writes_trigger);
    if (cfg->level0_stop_writes_trigger > 0)
        rocksdb_options_set_level0_stop_writes_trigger(o, cfg->level0_stop_writes_trigger);
    if (cfg->target_file_size_base > 0)
        rocksdb_options_set_target_file_size_base(o, cfg->target_file_size_base);
    if (cfg->max_bytes_for_level_base > 0)
        rocksdb_options_set_max_bytes_for_level_base(o, cfg->max_bytes_for_level_base);
}

/* Build s->opts from [database]. */
static int store_options_build(cg_store *s, const cg_config_database *cfg, char *err, size_t errlen)
{
    int comp = 0, bottom = 0, rc;

    rc = store_compression(cfg->compression_type, "compression_type", &comp, err, errlen);
    if (rc) return rc;
    rc = store_compression(cfg->bottommost_compression_type, "bottommost_compression_type", &bottom,
                           err, errlen);
    if (rc) return rc;

    rocksdb_options_t *o = rocksdb_options_create();
    s->opts = o;
    rocksdb_options_set_create_if_missing(o, 1);
    rocksdb_options_set_create_missing_column_families(o, 1);
    rocksdb_options_set_wal_recovery_mode(o, STORE_WAL_POINT_IN_TIME);
    rocksdb_options_set_keep_log_file_num(o, STORE_INFO_LOG_KEEP);
    rocksdb_options_set_info_log_level(o, STORE_INFO_LOG_LEVEL);
    store_table_options(o, cfg);
    store_tuning_options(o, cfg);
    rocksdb_options_set_compression(o, comp);
    int per_level[STORE_LEVELS];
    for (int i = 0; i < STORE_LEVELS; i++)
        per_level[i] = i < STORE_LEVELS_UNCOMPRESSED ? rocksdb_no_compression : comp;
    rocksdb_options_set_num_levels(o, STORE_LEVELS);
    rocksdb_options_set_compression_per_level(o, per_level, STORE_LEVELS);
    rocksdb_options_set_bottommost_compression(o, bottom);
    /* window_bits, level, strategy, max_dict_bytes: RocksDB's defaults except the level. */
    rocksdb_options_set_compression_options(o, -14, cfg->compression_level, 0, 0);
    rocksdb_options_set_bottommost_compression_options(o, -14, cfg->compression_level, 0, 0, 1);
    if (cfg->enable_statistics) {
        rocksdb_options_enable_statistics(o);
        s->statistics = 1;
    }
    return 0;
}

/* 1 for the families opened with s->hint_opts (see DESIGN). */
static int store_cf_hinted(int cf)
{
    return cf == CG_STORE_CF_NAMES || cf == CG_STORE_CF_UNRESOLVED ||
           cf == CG_STORE_CF_LEX_POSTINGS;
}

/* s->hint_opts: s->opts plus the memtable insert-hint prefix extractor. */
static int store_hint_options(cg_store *s, char *err, size_t errlen)
{
    char spec[96], *rerr = NULL;

    snprintf(spec, sizeof(spec),
             "memtable_insert_with_hint_prefix_extractor=rocksdb.CappedPrefix.%d",
             STORE_HINT_PREFIX_BYTES);
    s->hint_opts = rocksdb_options_create();
    rocksdb_get_options_from_string(s->opts, spec, s->hint_opts, &rerr);
    return rerr ? store_rerr(s, rerr, CG_EDB, "memtable hint options", err, errlen) : 0;
}

/* Names to open: cf_table, then families on disk that cf_table does not know. */
static int store_cf_names(cg_store *s, char **disk, size_t n_disk, const char **names, char *err,
                          size_t errlen)
{
    int n = 0;

    for (int i = 0; i < CG_STORE_CF_COUNT; i++) names[n++] = cf_table[i];
    for (size_t i = 0; i < n_disk; i++) {
        int known = 0;
        for (int j = 0; j < CG_STORE_CF_COUNT; j++) known |= strcmp(disk[i], cf_table[j]) == 0;
        if (known) continue;
        if (n >= STORE_CF_OPEN_MAX)
            return store_fail(err, errlen, CG_ELIMIT,
                              "database at %s has more than %d column families", s->path,
                              STORE_CF_OPEN_MAX);
        names[n++] = disk[i];
    }
    return n;
}

/* Open the database with every column family (see DESIGN). */
static int store_open_cfs(cg_store *s, char *err, size_t errlen)
{
    const char *names[STORE_CF_OPEN_MAX];
    const rocksdb_options_t *cf_opts[STORE_CF_OPEN_MAX];
    char **disk = NULL, *rerr = NULL, current[STORE_PATH_MAX + 16];
    size_t n_disk = 0;
    int n, rc = 0;

    snprintf(current, sizeof(current), "%s/CURRENT", s->path);
    if (access(current, F_OK) == 0) {
        /* The array is malloc-ed even when listing fails: freed at fail:. */
        disk = rocksdb_list_column_families(s->opts, s->path, &n_disk, &rerr);
        if (rerr) {
            rc = store_rerr(s, rerr, CG_EDB, "list column families", err, errlen);
            goto fail;
        }
    }
    n = store_cf_names(s, disk, n_disk, names, err, errlen);
    if (n < 0) {
        rc = n;
        goto fail;
    }
    for (int i = 0; i < n; i++) cf_opts[i] = store_cf_hinted(i) ? s->hint_opts : s->opts;
    s->db = rocksdb_open_column_families(s->opts, s->path, n, names, cf_opts, s->cf, &rerr);
    if (rerr) {
        s->db = NULL;
        rc = store_rerr(s, rerr, CG_EDB, "open", err, errlen);
        goto fail;
    }
    s->n_cf = n;
fail:
    if (disk) rocksdb_list_column_families_destroy(disk, n_disk);
    return rc;
}

int cg_store_open(cg_store **out, const cg_config_database *cfg, char *err, size_t errlen)
{
    cg_store *s = NULL;
    int rc;

    CG_ASSERT(out);
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (!cfg || !cfg->path || !*cfg->path)
        return store_fail(err, errlen, CG_ECONFIG, "[database] path: must not be empty");
    s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(cfg->path))) {
        rc = store_fail(err, errlen, CG_ENOMEM, "out of memory opening the database");
        goto fail;
    }
    rc = store_mkdirs(s->path, err, errlen);
    if (rc) goto fail;
    rc = store_options_build(s, cfg, err, errlen);
    if (!rc) rc = store_hint_options(s, err, errlen);
    if (rc) goto fail;
    rc = store_open_cfs(s, err, errlen);
    if (rc) goto fail;
    s->ro = rocksdb_readoptions_create();
    s->wo_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(s->wo_sync, 1);
    s->wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_memtable_insert_hint_per_batch(s->wo, 1);
    rocksdb_writeoptions_set_memtable_insert_hint_per_batch(s->wo_sync, 1);
    *out = s;
    return 0;
fail:
    cg_store_close(s);
    return rc;
}

void cg_store_close(cg_store *s)
{
    if (!s) return;
    for (int i = 0; i < s->n_cf; i++) rocksdb_column_family_handle_destroy(s->cf[i]);
    if (s->db) rocksdb_close(s->db);
    if (s->ro) rocksdb_readoptions_destroy(s->ro);
    if (s->wo_sync) rocksdb_writeoptions_destroy(s->wo_sync);
    if (s->wo) rocksdb_writeoptions_destroy(s->wo);
    if (s->hint_opts) rocksdb_options_destroy(s->hint_opts);
    if (s->opts) rocksdb_options_destroy(s->opts);
    free(s->path);
    free(s);
}

const char *cg_store_cf_name(cg_store_cf cf)
{
    if ((int)cf < 0 || cf >= CG_STORE_CF_COUNT) return NULL;
    return cf_table[cf];
}

static int store_meta_key_ok(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    return n > 0 && n <= CG_STORE_META_KEY_MAX;
}

int cg_store_put_meta(cg_store *s, const char *key, const void *val, size_t len, char *err,
                      size_t errlen)
{
    char *rerr = NULL;

    CG_ASSERT(s && s->db);
    if (!store_meta_key_ok(key))
        return store_fail(err, errlen, CG_EINVAL, "meta key must be 1..%d bytes",
                          CG_STORE_META_KEY_MAX);
    if (len && !val) return store_fail(err, errlen, CG_EINVAL, "meta value is NULL");
    rocksdb_put_cf(s->db, s->wo_sync, s->cf[CG_STORE_CF_META], key, strlen(key),
                   val ? (const char *)val : "", len, &rerr);
    if (rerr) return store_rerr(s, rerr, CG_ETXN, "meta write", err, errlen);
    return 0;
}

int cg_store_get_meta(cg_store *s, const char *key, void *buf, size_t cap, char *err, size_t errlen)
{
    char *rerr = NULL, *v;
    size_t vlen = 0;

    CG_ASSERT(s && s->db);
    if (!store_meta_key_ok(key))
        return store_fail(err, errlen, CG_EINVAL, "meta key must be 1..%d bytes",
                          CG_STORE_META_KEY_MAX);
    v = rocksdb_get_cf(s->db, s->ro, s->cf[CG_STORE_CF_META], key, strlen(key), &vlen, &rerr);
    if (rerr) return store_rerr(s, rerr, CG_EDB, "meta read", err, errlen);
    if (!v) return store_fail(err, errlen, CG_ENOTFOUND, "meta key %s not found", key);
    if (vlen > (size_t)INT32_MAX) {
        rocksdb_free(v);
        return store_fail(err, errlen, CG_ELIMIT, "meta value of %s too large", key);
    }
    if (buf && cap) {
        memcpy(buf, v, CG_MIN(vlen, cap));
        if (vlen < cap) ((char *)buf)[vlen] = '\0';
    }
    rocksdb_free(v);
    return (int)vlen;
}

uint64_t cg_store_size_bytes(cg_store *s)
{
    static const char *const props[] = {"rocksdb.total-sst-files-size",
                                        "rocksdb.size-all-mem-tables"};
    uint64_t total = 0, v;

    CG_ASSERT(s && s->db);
    for (int i = 0; i < s->n_cf; i++)
        for (size_t p = 0; p < CG_ARRAY_LEN(props); p++)
            if (rocksdb_property_int_cf(s->db, s->cf[i], props[p], &v) == 0) total += v;
    return total;
}

int cg_store_property_u64(cg_store *s, const char *name, uint64_t *out)
{
    uint64_t total = 0, v;
    int found = 0;

    CG_ASSERT(s && s->db && name && out);
    for (int i = 0; i < s->n_cf; i++) {
        if (rocksdb_property_int_cf(s->db, s->cf[i], name, &v) != 0) continue;
        total += v;
        found = 1;
    }
    *out = total;
    return found ? 0 : CG_ENOTFOUND;
}

int cg_store_flush(cg_store *s, char *err, size_t errlen)
{
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    char *rerr = NULL;
    int rc = 0;

    CG_ASSERT(s && s->db);
    /* Start every family's flush, then wait for each (see DESIGN). */
    for (int wait = 0; wait <= 1 && !rc; wait++) {
        rocksdb_flushoptions_set_wait(fo, (unsigned char)wait);
        for (int i = 0; i < s->n_cf && !rc; i++) {
            rocksdb_flush_cf(s->db, fo, s->cf[i], &rerr);
            if (rerr) rc = store_rerr(s, rerr, CG_EDB, "flush", err, errlen);
        }
    }
    rocksdb_flushoptions_destroy(fo);
    return rc;
}

int cg_store_flush_start(cg_store *s, uint64_t min_bytes, char *err, size_t errlen)
{
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    char *rerr = NULL;
    int started = 0;

    CG_ASSERT(s && s->db);
    rocksdb_flushoptions_set_wait(fo, 0);
    for (int i = 0; i < s->n_cf; i++) {
        uint64_t mem = 0;
        if (rocksdb_property_int_cf(s->db, s->cf[i], "rocksdb.size-all-mem-tables", &mem) != 0 ||
            mem < min_bytes)
            continue;
        rocksdb_flush_cf(s->db, fo, s->cf[i], &rerr);
        if (rerr) {
            started = store_rerr(s, rerr, CG_EDB, "flush", err, errlen);
            break;
        }
        started++;
    }
    rocksdb_flushoptions_destroy(fo);
    return started;
}

int cg_store_health(cg_store *s, char *buf, size_t len)
{
    uint64_t bg = 0, stopped = 0, t0, us;
    char *rerr = NULL, *v;
    size_t vlen = 0;

    CG_ASSERT(s && s->db);
    t0 = cg_time_mono_ns();
    v = rocksdb_get_cf(s->db, s->ro, s->cf[CG_STORE_CF_META], STORE_HEALTH_PROBE_KEY,
                       strlen(STORE_HEALTH_PROBE_KEY), &vlen, &rerr);
    us = (cg_time_mono_ns() - t0) / 1000;
    rocksdb_free(v);
    if (rerr) return store_rerr(s, rerr, CG_EDB, "probe read failed", buf, len);
    if (rocksdb_property_int(s->db, "rocksdb.background-errors", &bg) != 0) bg = 0;
    if (rocksdb_property_int(s->db, "rocksdb.is-write-stopped", &stopped) != 0) stopped = 0;
    if (bg > 0)
        return store_fail(buf, len, CG_EDB, "unhealthy: %llu background errors read_us=%llu",
                          (unsigned long long)bg, (unsigned long long)us);
    return store_fail(buf, len, 0, "ok read_us=%llu write_stopped=%llu sequence=%llu",
                      (unsigned long long)us, (unsigned long long)stopped,
                      (unsigned long long)rocksdb_get_latest_sequence_number(s->db));
}

char *cg_store_stats_string(cg_store *s)
{
    char *stats, *tickers = NULL, *out;
    size_t a, b;

    CG_ASSERT(s && s->db);
    stats = rocksdb_property_value(s->db, "rocksdb.stats");
    if (s->statistics) tickers = rocksdb_options_statistics_get_string(s->opts);
    a = stats ? strlen(stats) : 0;
    b = tickers ? strlen(tickers) : 0;
    out = malloc(a + b + 2);
    if (out) {
        memcpy(out, stats ? stats : "", a);
        out[a] = '\n';
        memcpy(out + a + 1, tickers ? tickers : "", b);
        out[a + 1 + b] = '\0';
    }
    rocksdb_free(stats);
    rocksdb_free(tickers);
    return out;
}

uint64_t cg_store_sequence(cg_store *s)
{
    CG_ASSERT(s && s->db);
    return rocksdb_get_latest_sequence_number(s->db);
}

/* ---- snapshots, point reads, batches, iterators ---- */

struct cg_store_snap {
    const rocksdb_snapshot_t *snap;
    rocksdb_readoptions_t *ro;
};

/* A queued batch operation: key (and value, or the range's end) in the batch's data. */
enum { STORE_OP_PUT, STORE_OP_DELETE, STORE_OP_RANGE };
struct store_op {
    uint8_t cf, type;
    uint64_t pfx; /* the key's first 8 bytes, big-endian, zero-padded (see DESIGN) */
    size_t koff, klen, voff, vlen;
};

struct cg_store_batch {
    cg_store *s;
    struct store_op *ops;
    size_t n, cap;
    int oom;
    cg_buf data;              /* keys and values of ops */
    rocksdb_writebatch_t *wb; /* built from ops at write time */
};

struct cg_store_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ro;
    char *lo, *hi; /* bound copies, alive as long as the iterator */
};

/* Turn RocksDB's perf counters off for the calling thread, once (see DESIGN). */
static void store_thread_quiet(void)
{
    static __thread int quiet;

    if (quiet) return;
    rocksdb_set_perf_level(rocksdb_disable);
    quiet = 1;
}

static rocksdb_column_family_handle_t *store_cf(cg_store *s, cg_store_cf cf)
{
    CG_ASSERT(s && s->db && (int)cf >= 0 && cf < CG_STORE_CF_COUNT);
    return s->cf[cf];
}

cg_store_snap *cg_store_snap_create(cg_store *s)
{
    cg_store_snap *sn = calloc(1, sizeof(*sn));

    CG_ASSERT(s && s->db);
    if (!sn) return NULL;
    sn->snap = rocksdb_create_snapshot(s->db);
    sn->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(sn->ro, sn->snap);
    return sn;
}

void cg_store_snap_release(cg_store *s, cg_store_snap *snap)
{
    if (!snap) return;
    CG_ASSERT(s && s->db);
    rocksdb_readoptions_destroy(snap->ro);
    rocksdb_release_snapshot(s->db, snap->snap);
    free(snap);
}

int cg_store_get(cg_store *s, const cg_store_snap *snap, cg_store_cf cf, const void *key,
                 size_t klen, cg_buf *out, char *err, size_t errlen)
{
    const rocksdb_readoptions_t *ro = snap ? snap->ro : s->ro;
    rocksdb_pinnableslice_t *ps;
    char *rerr = NULL;
    const char *v;
    size_t vlen = 0;

    cg_buf_reset(out);
    store_thread_quiet();
    ps = rocksdb_get_pinned_cf(s->db, ro, store_cf(s, cf), key, klen, &rerr);
    if (rerr) return store_rerr(s, rerr, CG_EDB, "read", err, errlen);
    if (!ps) return CG_ENOTFOUND;
    v = rocksdb_pinnableslice_value(ps, &vlen);
    if (vlen > (size_t)INT32_MAX) {
        rocksdb_pinnableslice_destroy(ps);
        return store_fail(err, errlen, CG_ELIMIT, "value of %zu bytes too large", vlen);
    }
    cg_buf_append(out, v, vlen);
    rocksdb_pinnableslice_destroy(ps);
    if (!cg_buf_ok(out)) return CG_ENOMEM;
    return (int)vlen;
}

cg_store_batch *cg_store_batch_create(cg_store *s)
{
    cg_store_batch *b = calloc(1, sizeof(*b));

    CG_ASSERT(s && s->db);
    if (!b) return NULL;
    b->s = s;
    b->wb = rocksdb_writebatch_create();
    cg_buf_init(&b->data);
    return b;
}

void cg_store_batch_destroy(cg_store_batch *b)
{
    if (!b) return;
    rocksdb_writebatch_destroy(b->wb);
    cg_buf_release(&b->data);
    free(b->ops);
    free(b);
}

/* Queue one operation; keys and values are copied into b->data. */
static void store_batch_op(cg_store_batch *b, cg_store_cf cf, int type, const void *key,
                           size_t klen, const void *val, size_t vlen)
{
    CG_ASSERT((int)cf >= 0 && cf < CG_STORE_CF_COUNT);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct store_op *n = realloc(b->ops, cap * sizeof(*n));
        if (!n) {
            b->oom = 1;
            return;
        }
        b->ops = n;
        b->cap = cap;
    }
    uint64_t pfx = 0;
    for (size_t i = 0; i < 8; i++) pfx = pfx << 8 | (i < klen ? ((const uint8_t *)key)[i] : 0);
    b->ops[b->n++] = (struct store_op){.cf = (uint8_t)cf,
                                       .type = (uint8_t)type,
                                       .pfx = pfx,
                                       .koff = b->data.len,
                                       .klen = klen,
                                       .voff = b->data.len + klen,
                                       .vlen = vlen};
    cg_buf_append(&b->data, key, klen);
    cg_buf_append(&b->data, val ? val : "", vlen);
}

void cg_store_batch_put(cg_store_batch *b, cg_store_cf cf, const void *key, size_t klen,
                        const void *val, size_t vlen)
{
    store_batch_op(b, cf, STORE_OP_PUT, key, klen, val, vlen);
}

void cg_store_batch_delete(cg_store_batch *b, cg_store_cf cf, const void *key, size_t klen)
{
    store_batch_op(b, cf, STORE_OP_DELETE, key, klen, NULL, 0);
}

void cg_store_batch_delete_range(cg_store_batch *b, cg_store_cf cf, const void *lo, size_t lolen,
                                 const void *hi, size_t hilen)
{
    store_batch_op(b, cf, STORE_OP_RANGE, lo, lolen, hi, hilen);
}

int cg_store_batch_count(cg_store_batch *b)
{
    return (int)b->n;
}

size_t cg_store_batch_bytes(cg_store_batch *b)
{
    return b->data.len + b->n * sizeof(struct store_op);
}

void cg_store_batch_clear(cg_store_batch *b)
{
    b->n = 0;
    b->oom = 0;
    cg_buf_reset(&b->data);
}

/* Order of two queued operations: column family, key, then queue order (stable). */
static int store_op_cmp(const void *x, const void *y, void *ctx)
{
    const struct store_op *a = x, *c = y;
    const char *d = ctx;
    int r;

    if (a->cf != c->cf) return a->cf - c->cf;
    if (a->pfx != c->pfx) return a->pfx < c->pfx ? -1 : 1;
    r = memcmp(d + a->koff, d + c->koff, CG_MIN(a->klen, c->klen));
    if (r) return r;
    if (a->klen != c->klen) return a->klen < c->klen ? -1 : 1;
    return a < c ? -1 : a > c;
}

/* Sort each run of point operations between range deletes (see DESIGN). */
static void store_batch_sort(cg_store_batch *b)
{
    size_t lo = 0;

    for (size_t i = 0; i <= b->n; i++) {
        if (i < b->n && b->ops[i].type != STORE_OP_RANGE) continue;
        if (i - lo > 1) qsort_r(b->ops + lo, i - lo, sizeof(*b->ops), store_op_cmp, b->data.data);
        lo = i + 1;
    }
}

int cg_store_batch_write(cg_store *s, cg_store_batch *b, int sync, char *err, size_t errlen)
{
    char *rerr = NULL;

    CG_ASSERT(s && s->db && b && b->s == s);
    if (b->oom || !cg_buf_ok(&b->data))
        return store_fail(err, errlen, CG_ENOMEM, "out of memory building a write batch");
    store_batch_sort(b);
    store_thread_quiet();
    rocksdb_writebatch_clear(b->wb);
    for (size_t i = 0; i < b->n; i++) {
        const struct store_op *o = &b->ops[i];
        const char *k = b->data.data + o->koff, *v = b->data.data + o->voff;
        rocksdb_column_family_handle_t *h = s->cf[o->cf];
        if (o->type == STORE_OP_PUT)
            rocksdb_writebatch_put_cf(b->wb, h, k, o->klen, v, o->vlen);
        else if (o->type == STORE_OP_DELETE)
            rocksdb_writebatch_delete_cf(b->wb, h, k, o->klen);
        else
            rocksdb_writebatch_delete_range_cf(b->wb, h, k, o->klen, v, o->vlen);
    }
    rocksdb_write(s->db, sync ? s->wo_sync : s->wo, b->wb, &rerr);
    if (rerr) return store_rerr(s, rerr, CG_ETXN, "batch write", err, errlen);
    return 0;
}

static char *store_memdup(const void *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    if (c && n) memcpy(c, p, n);
    return c;
}

int cg_store_iter_create(cg_store *s, const cg_store_snap *snap, cg_store_cf cf, const void *lo,
                         size_t lolen, const void *hi, size_t hilen, cg_store_iter **out)
{
    cg_store_iter *it = calloc(1, sizeof(*it));

    CG_ASSERT(out);
    *out = NULL;
    if (!it) return CG_ENOMEM;
    it->ro = rocksdb_readoptions_create();
    if (snap) rocksdb_readoptions_set_snapshot(it->ro, snap->snap);
    if ((lo && !(it->lo = store_memdup(lo, lolen))) ||
        (hi && !(it->hi = store_memdup(hi, hilen)))) {
        cg_store_iter_destroy(it);
        return CG_ENOMEM;
    }
    if (it->lo) rocksdb_readoptions_set_iterate_lower_bound(it->ro, it->lo, lolen);
    if (it->hi) rocksdb_readoptions_set_iterate_upper_bound(it->ro, it->hi, hilen);
    store_thread_quiet();
    it->it = rocksdb_create_iterator_cf(s->db, it->ro, store_cf(s, cf));
    *out = it;
    return 0;
}

void cg_store_iter_destroy(cg_store_iter *it)
{
    if (!it) return;
    if (it->it) rocksdb_iter_destroy(it->it);
    rocksdb_readoptions_destroy(it->ro);
    free(it->lo);
    free(it->hi);
    free(it);
}

void cg_store_iter_seek(cg_store_iter *it, const void *key, size_t klen)
{
    rocksdb_iter_seek(it->it, key, klen);
}

void cg_store_iter_seek_prev(cg_store_iter *it, const void *key, size_t klen)
{
    rocksdb_iter_seek_for_prev(it->it, key, klen);
}

void cg_store_iter_first(cg_store_iter *it)
{
    rocksdb_iter_seek_to_first(it->it);
}

void cg_store_iter_last(cg_store_iter *it)
{
    rocksdb_iter_seek_to_last(it->it);
}

int cg_store_iter_valid(const cg_store_iter *it)
{
    return rocksdb_iter_valid(it->it) != 0;
}

void cg_store_iter_next(cg_store_iter *it)
{
    rocksdb_iter_next(it->it);
}

void cg_store_iter_prev(cg_store_iter *it)
{
    rocksdb_iter_prev(it->it);
}

const void *cg_store_iter_key(const cg_store_iter *it, size_t *len)
{
    return rocksdb_iter_key(it->it, len);
}

const void *cg_store_iter_value(const cg_store_iter *it, size_t *len)
{
    return rocksdb_iter_value(it->it, len);
}

int cg_store_iter_status(const cg_store_iter *it, char *err, size_t errlen)
{
    char *rerr = NULL;

    rocksdb_iter_get_error(it->it, &rerr);
    if (rerr) return store_rerr(NULL, rerr, CG_EDB, "iterate", err, errlen);
    return 0;
}

/* ---- raw handles for src/store/backup.c (see store.h) ---- */

struct rocksdb_t *cg_store_raw_db(cg_store *s)
{
    CG_ASSERT(s && s->db);
    return s->db;
}

int cg_store_raw_cf_count(cg_store *s)
{
    CG_ASSERT(s && s->db);
    return s->n_cf;
}

struct rocksdb_column_family_handle_t *cg_store_raw_cf(cg_store *s, int i)
{
    CG_ASSERT(s && s->db && i >= 0 && i < s->n_cf);
    return s->cf[i];
}

const char *cg_store_path(cg_store *s)
{
    CG_ASSERT(s);
    return s->path;
}
