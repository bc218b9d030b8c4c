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

#include "codegraph/buf.h"
#include "codegraph/config.h"

/** An open database. Private to store.c. */
typedef struct cg_store cg_store;

/** Column families, in the order of the table in store.c. Append new ones before COUNT. */
typedef enum cg_store_cf {
    CG_STORE_CF_DEFAULT = 0, /**< "default": RocksDB's own, always present */
    CG_STORE_CF_META = 1,    /**< "meta": small settings (schema version, generation, …) */
    /* The code graph (issue 3); key encodings in the DESIGN comment of src/graph/graph_int.h. */
    CG_STORE_CF_PROJECTS = 2,   /**< "projects": project records and the name → id index */
    CG_STORE_CF_FILES = 3,      /**< "files": file records, file uid → path, stored references */
    CG_STORE_CF_ENTITIES = 4,   /**< "entities": entity id → entity record */
    CG_STORE_CF_NAMES = 5,      /**< "names": (project, lowercased name, entity id) index */
    CG_STORE_CF_OUT_EDGES = 6,  /**< "out_edges": (src, kind, dst) → edge record */
    CG_STORE_CF_IN_EDGES = 7,   /**< "in_edges": (dst, kind, src) → edge record (mirror) */
    CG_STORE_CF_UNRESOLVED = 8, /**< "unresolved": unresolved references + resolution work */
    CG_STORE_CF_JOBS = 9,       /**< "jobs": index job records */
    /* Search (issue 4, text side); key encodings in the DESIGN comment of src/search/lex.c. */
    CG_STORE_CF_LEX_POSTINGS, /**< "lex_postings": (project, term, file) → its entities */
    CG_STORE_CF_LEX_DOCS,     /**< "lex_docs": entity term bags and per-file corpus stats */
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
 * Start, without waiting, the flush of every column family whose memtables hold at least
 * min_bytes; RocksDB's background threads write them while the caller goes on. Returns how
 * many flushes were started, or a negative CG_E* code (message in err).
 */
int cg_store_flush_start(cg_store *s, uint64_t min_bytes, char *err, size_t errlen);

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

/* ---- generic keys and values (binary keys compare as unsigned bytes, memcmp order) ---- */

/**
 * A point-in-time view of the whole database (a RocksDB snapshot). Reads through it see
 * exactly the writes acknowledged before it was created, however long it is held. Holding
 * one keeps old versions from compaction, so release it when done. Thread-safe to read
 * through from many threads at once.
 */
typedef struct cg_store_snap cg_store_snap;

/** Take a snapshot; NULL on out-of-memory. */
cg_store_snap *cg_store_snap_create(cg_store *s);
/** Release a snapshot (NULL is a no-op). Must happen before cg_store_close. */
void cg_store_snap_release(cg_store *s, cg_store_snap *snap);

/**
 * Read key from cf (at `snap`, or the latest state when snap is NULL) into `out`, which is
 * reset first. Returns the value length (>= 0), CG_ENOTFOUND when absent, CG_ENOMEM, or
 * CG_EDB / CG_ECORRUPT with a message in err (may be NULL).
 */
int cg_store_get(cg_store *s, const cg_store_snap *snap, cg_store_cf cf, const void *key,
                 size_t klen, cg_buf *out, char *err, size_t errlen);

/**
 * A write batch: puts and deletes on any column families, applied all-or-nothing by
 * cg_store_batch_write (a reader never sees part of a batch). Operations apply in order, so
 * a delete followed by a put of the same key leaves the put. Not thread-safe: one batch
 * belongs to one thread at a time.
 */
typedef struct cg_store_batch cg_store_batch;

/** An empty batch bound to `s`; NULL on out-of-memory. */
cg_store_batch *cg_store_batch_create(cg_store *s);
/** Free a batch (NULL is a no-op); it need not have been written. */
void cg_store_batch_destroy(cg_store_batch *b);
void cg_store_batch_put(cg_store_batch *b, cg_store_cf cf, const void *key, size_t klen,
                        const void *val, size_t vlen);
void cg_store_batch_delete(cg_store_batch *b, cg_store_cf cf, const void *key, size_t klen);
/** Delete every key in [lo, hi) of cf (a range tombstone; use for large ranges only). */
void cg_store_batch_delete_range(cg_store_batch *b, cg_store_cf cf, const void *lo, size_t lolen,
                                 const void *hi, size_t hilen);
/** Operations queued. */
int cg_store_batch_count(cg_store_batch *b);
/** Bytes of the serialized batch (keys, values and framing). */
size_t cg_store_batch_bytes(cg_store_batch *b);
/** Drop every queued operation; the batch is reusable. */
void cg_store_batch_clear(cg_store_batch *b);
/**
 * Apply the batch atomically. sync=1 also fsyncs the WAL (the batch then survives a power
 * loss); sync=0 survives a process crash only. The batch keeps its operations (clear it to
 * reuse). 0, or CG_ETXN / CG_ECORRUPT with a message in err (may be NULL).
 */
int cg_store_batch_write(cg_store *s, cg_store_batch *b, int sync, char *err, size_t errlen);

/**
 * An ordered cursor over one column family, at a snapshot (or the latest state when snap
 * is NULL, pinned at creation). Optional bounds: keys in [lo, hi); a NULL bound is open.
 * Keys and values returned stay valid until the next move or destroy. One thread at a time.
 */
typedef struct cg_store_iter cg_store_iter;

/** Create an iterator (not positioned: seek first). 0, CG_ENOMEM or CG_EINVAL. */
int cg_store_iter_create(cg_store *s, const cg_store_snap *snap, cg_store_cf cf, const void *lo,
                         size_t lolen, const void *hi, size_t hilen, cg_store_iter **out);
void cg_store_iter_destroy(cg_store_iter *it);
/** Position at the first key >= key (within the bounds). */
void cg_store_iter_seek(cg_store_iter *it, const void *key, size_t klen);
/** Position at the last key <= key (within the bounds). */
void cg_store_iter_seek_prev(cg_store_iter *it, const void *key, size_t klen);
/** First / last key within the bounds. */
void cg_store_iter_first(cg_store_iter *it);
void cg_store_iter_last(cg_store_iter *it);
/** 1 while positioned on a key. */
int cg_store_iter_valid(const cg_store_iter *it);
void cg_store_iter_next(cg_store_iter *it);
void cg_store_iter_prev(cg_store_iter *it);
const void *cg_store_iter_key(const cg_store_iter *it, size_t *len);
const void *cg_store_iter_value(const cg_store_iter *it, size_t *len);
/** After iteration ends: 0 when it ended cleanly, CG_EDB / CG_ECORRUPT on a read error. */
int cg_store_iter_status(const cg_store_iter *it, char *err, size_t errlen);

/* ---- raw handles, for src/store/backup.c only (the store's other file that includes
 * rocksdb/c.h: backups, checkpoints, manual compaction); nothing else may use them ---- */
struct rocksdb_t;
struct rocksdb_column_family_handle_t;
/** The open rocksdb_t behind `s` (valid until cg_store_close). */
struct rocksdb_t *cg_store_raw_db(cg_store *s);
/** Column families open (ours first, then unknown ones found on disk). */
int cg_store_raw_cf_count(cg_store *s);
/** The handle of open family i (0 <= i < cg_store_raw_cf_count). */
struct rocksdb_column_family_handle_t *cg_store_raw_cf(cg_store *s, int i);
/** The database directory the store was opened on. */
const char *cg_store_path(cg_store *s);

#endif
