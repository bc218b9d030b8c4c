/*
 * store.h — the RocksDB store: CodeGraph's single source of truth.
 *
 * src/store/store.c is the only code that includes rocksdb/c.h; every RocksDB handle stays
 * behind the opaque cg_store. Foreign errors (RocksDB's errptr strings) are converted here:
 * functions return 0 / a count, or a CG_E* code, and copy a readable message into the
 * caller's `err` buffer where one is taken.
 *
 * Column families are listed in enum cg_store_cf and in one table in store.c; later issues
 * append to both (the order of the enum is the order of the table). Opening creates every
 * missing family, and keeps families found on disk that this build does not know about, so
 * a database written by a newer build still opens.
 *
 * After cg_store_open returns, every function here is safe to call from any thread
 * (RocksDB's own handles are thread-safe); cg_store_close must be the last call.
 */
#ifndef CODEGRAPH_STORE_H
#define CODEGRAPH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/config.h"

/** An open database. Private to store.c. */
typedef struct cg_store cg_store;

/** Column families, in the order of the table in store.c. Append new ones before COUNT. */
typedef enum cg_store_cf {
    CG_STORE_CF_DEFAULT = 0, /**< "default": RocksDB's own, always present */
    CG_STORE_CF_META = 1,    /**< "meta": small settings (schema version, generation, …) */
    CG_STORE_CF_COUNT
} cg_store_cf;

/** Longest meta key accepted (bytes, excluding the NUL). */
#define CG_STORE_META_KEY_MAX 256

/**
 * Open (or create) the database at cfg->path with the tuning of [database]. Parent
 * directories are created (mkdir -p). On failure returns CG_ECONFIG (bad option value,
 * compression not built into this librocksdb), CG_EDB (I/O, lock held by another process:
 * "database at PATH is in use by another process (LOCK)") or CG_ECORRUPT, with the reason
 * copied into err (always NUL-terminated when errlen > 0), and *out is NULL.
 */
int cg_store_open(cg_store **out, const cg_config_database *cfg, char *err, size_t errlen);

/** Close every handle and free `s` (NULL is a no-op). Unflushed writes are safe in the WAL. */
void cg_store_close(cg_store *s);

/** The name of a column family ("default", "meta", …); NULL when out of range. */
const char *cg_store_cf_name(cg_store_cf cf);

/**
 * Write key → value into the "meta" family with a synced WAL write: when this returns 0
 * the value survives a crash. CG_EINVAL for an empty or too long key; CG_ETXN or
 * CG_ECORRUPT when RocksDB refuses the write (message in err, which may be NULL).
 */
int cg_store_put_meta(cg_store *s, const char *key, const void *val, size_t len, char *err,
                      size_t errlen);

/**
 * Read key from the "meta" family into buf (at most cap bytes copied; a NUL is appended when
 * there is room). Returns the full value length (which may exceed cap: then the copy was
 * truncated, as snprintf does), CG_ENOTFOUND when absent, CG_EDB / CG_ECORRUPT on error.
 */
int cg_store_get_meta(cg_store *s, const char *key, void *buf, size_t cap, char *err,
                      size_t errlen);

/**
 * Bytes on disk and in memory: "rocksdb.total-sst-files-size" + "rocksdb.size-all-mem-tables"
 * summed over every column family. The figure behind codegraph_database_size_bytes.
 */
uint64_t cg_store_size_bytes(cg_store *s);

/** Flush every memtable to SST files and wait (for backups, tests, shutdown). */
int cg_store_flush(cg_store *s, char *err, size_t errlen);

/**
 * Health probe: one point read in "meta", plus RocksDB's background-error count and
 * write-stop state. Writes a one-line summary into buf ("ok read_us=12 ..." or the reason).
 * Returns 0 healthy, CG_EDB / CG_ECORRUPT otherwise. Performs no write.
 */
int cg_store_health(cg_store *s, char *buf, size_t len);

/**
 * RocksDB's "rocksdb.stats" text, followed by the statistics tickers and histograms when
 * [database] enable_statistics is on. A malloc-ed string the caller frees; NULL on OOM.
 */
char *cg_store_stats_string(cg_store *s);

/**
 * An integer RocksDB property ("rocksdb.block-cache-capacity", "rocksdb.estimate-num-keys",
 * …) summed over every column family, for metrics and /api/v1/admin/stats. 0 ok,
 * CG_ENOTFOUND when RocksDB does not know the property.
 */
int cg_store_property_u64(cg_store *s, const char *name, uint64_t *out);

/** The latest sequence number: every acknowledged write increases it. */
uint64_t cg_store_sequence(cg_store *s);

#endif
