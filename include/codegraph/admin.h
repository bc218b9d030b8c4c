/*
 * admin.h — data operations: backups (RocksDB BackupEngine + the vector files), checkpoints,
 * restore, manual compaction, database verification, and the admin service the server runs
 * (background jobs, maintenance mode, indexing pause, scheduled backups).
 *
 * Three layers, bottom up:
 *   cg_store_backup_* / cg_store_checkpoint_create / cg_store_compact (src/store/backup.c):
 *     the RocksDB side, on an open cg_store or on a backup directory;
 *   cg_vfiles_* (src/admin/vfiles.c): copying a directory of vector files with a checksummed
 *     manifest, and checking such a copy;
 *   cg_admin_* (src/admin/admin.c): the server's admin service — a small thread pool of its
 *     own for long operations (they answer 202 with a job id), the job table, maintenance
 *     and pause flags (persisted in the "meta" family), and the backup scheduler;
 *   cg_verify_* (src/admin/verify.c): `codegraph verify`'s database checks.
 *
 * DESIGN — the backup directory ([database] backup_path):
 *   LOCK           flock(2)-ed by whoever opens the BackupEngine: one process at a time works
 *                  here, so a CLI never garbage-collects the files of a server's backup in
 *                  progress (BackupEngine deletes unreferenced files when it opens).
 *   rocksdb/       the BackupEngine directory (meta/<id>, private/<id>/, shared_checksum/).
 *                  A backup exists once its meta/<id> is renamed into place (RocksDB writes it
 *                  last), so a crash at any point leaves only whole earlier backups.
 *   sidecar/<id>/  MANIFEST (JSON: kind, DB sequence, verification, vector files with size
 *                  and CRC-32C) and vector/ (copies of <data>/vector/ files). Staged in
 *                  sidecar/.tmp-<pid>-<n> and renamed after the engine committed <id>; stale
 *                  staging directories are removed at the next backup.
 * Invariants: backup ids only grow; a sidecar/<id> never exists without rocksdb/meta/<id>
 * (retention deletes the sidecar after the engine purged the backup, and a purge leftover is
 * deleted on the next run); vector files are copied before the RocksDB backup is taken, so the
 * sequence each reflects is <= the backup's DB sequence and a restored index only replays.
 */
#ifndef CODEGRAPH_ADMIN_H
#define CODEGRAPH_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/config.h"
#include "codegraph/store.h"

#define CG_BACKUP_LIST_MAX 4096        /**< backups one directory may hold (list, retention) */
#define CG_BACKUP_FILES_MAX 1000000    /**< files listed in one backup's meta */
#define CG_ADMIN_PATH_MAX 4096         /**< longest path handled (bytes, excluding the NUL) */
#define CG_ADMIN_MSG_MAX 512           /**< bytes of one job/verification message */
#define CG_ADMIN_RESULT_MAX 4096       /**< bytes of one job's JSON result */
#define CG_ADMIN_JOBS_KEEP 64          /**< admin jobs remembered (queued, running, finished) */
#define CG_ADMIN_QUEUE_MAX 16          /**< admin jobs waiting for a thread (more → 503) */
#define CG_VFILES_MAX 1024             /**< vector files copied with one backup/checkpoint */
#define CG_ADMIN_SCHED_SETTLE_MS 60000 /**< no scheduled backup in the first minute after start */

/* ---- the RocksDB side (src/store/backup.c) ---- */

/** One backup of a backup directory. */
typedef struct cg_backup_info {
    uint32_t id;
    int64_t created_s;     /**< Unix time RocksDB recorded */
    uint64_t sequence;     /**< DB sequence RocksDB recorded when the backup started; the
                                backup holds every write up to it (its WAL copy may hold a
                                few more) */
    uint64_t size_bytes;   /**< every file the backup references (shared ones included) */
    uint64_t new_bytes;    /**< files no earlier backup references: what this one copied */
    uint32_t files;        /**< files the backup references */
    int kind;              /**< 0 full, 1 incremental, -1 unknown (no sidecar manifest) */
    int verified;          /**< 1 verified at creation, 0 failed, -1 unknown */
    uint32_t vector_files; /**< vector files kept beside it */
    uint64_t vector_bytes;
} cg_backup_info;

typedef struct cg_backup_opts {
    int incremental;        /**< 0 full: verify every file's CRC after the copy;
                                 1 incremental: verify the files it copied (both copy only
                                 files no earlier backup holds: see backup.c DESIGN) */
    uint64_t rate_bytes_s;  /**< copy rate limit, 0 = unlimited */
    const char *vector_dir; /**< vector files to copy (NULL or missing: none) */
    int64_t retention_ms;   /**< after success, purge backups older than this (0 = keep);
                                 the newest backup is always kept */
} cg_backup_opts;

/** Result of verifying one backup (or a restore's check). */
typedef struct cg_backup_check {
    uint32_t id;
    int ok;                         /**< 1 every check passed */
    uint32_t files;                 /**< files whose CRC-32C was computed */
    uint64_t bytes;                 /**< bytes read for that */
    uint32_t vector_files;          /**< vector files checked against the sidecar manifest */
    char message[CG_ADMIN_MSG_MAX]; /**< the first problem, or "ok" */
} cg_backup_check;

/**
 * Take a backup of `s` into `dir` (created when missing). Vector files are staged first, then
 * the BackupEngine backup is taken and verified (sizes, then CRC-32C against its meta), then
 * the sidecar is committed and retention applied. *out describes the new backup. 0; CG_EDB
 * (I/O, RocksDB), CG_ECONFLICT (another process holds dir/LOCK), CG_ECORRUPT (the new backup
 * failed verification: it stays listed with verified = 0 and restore refuses it).
 */
int cg_store_backup_create(cg_store *s, const char *dir, const cg_backup_opts *o,
                           cg_backup_info *out, char *err, size_t errlen);

/** Backups in `dir`, oldest first, at most `cap` (out NULL: count them without reading
 *  anything but the meta directory). Reads meta files and sidecars only (no lock, no
 *  engine): safe while another process backs up. Returns how many were stored (at most
 *  cap) or counted (0 when dir has none or does not exist), or CG_EDB. */
int cg_store_backup_list(const char *dir, cg_backup_info *out, int cap, char *err, size_t errlen);

/** The newest backup of `dir` (its new_bytes from the sidecar manifest; without one, its
 *  size). Reads one meta file: cheap enough for a stats endpoint. 1 found, 0 none, <0. */
int cg_store_backup_newest(const char *dir, cg_backup_info *out, char *err, size_t errlen);

/** Verify backup `id` (0 = the newest): BackupEngine's own check, the CRC-32C of every file
 *  against its meta, and every vector file against the sidecar manifest. 0 with ok = 1;
 *  CG_ECORRUPT with ok = 0 and the reason in chk->message; CG_ENOTFOUND; CG_ECONFLICT (LOCK
 *  held: a backup is running); CG_EDB. */
int cg_store_backup_verify(const char *dir, uint32_t id, cg_backup_check *chk, char *err,
                           size_t errlen);

/** Paths a restore left behind for the operator. */
typedef struct cg_backup_restored {
    uint32_t id;
    uint64_t sequence;
    char old_db[CG_ADMIN_PATH_MAX + 1];     /**< the previous database, moved aside ("" none) */
    char old_vector[CG_ADMIN_PATH_MAX + 1]; /**< the previous vector dir, moved aside */
} cg_backup_restored;

/**
 * Restore backup `id` (0 = newest) over the database at db_path (and vector_dir, which may be
 * NULL). Refuses (CG_ECONFLICT) when a process holds the database's LOCK; refuses
 * (CG_ECORRUPT) a backup that fails cg_store_backup_verify. Restores into a new directory
 * beside db_path, opens it to check its sequence (>= the one the backup recorded: live WAL
 * files are copied after it is taken), then swaps it in with an atomic
 * renameat2(RENAME_EXCHANGE); the old database stays at out->old_db.
 */
int cg_store_backup_restore(const char *dir, uint32_t id, const char *db_path,
                            const char *vector_dir, cg_backup_restored *out, char *err,
                            size_t errlen);

/** A checkpoint's description. */
typedef struct cg_checkpoint_info {
    uint64_t sequence; /**< the DB sequence of the checkpoint (read back from it) */
    uint32_t vector_files;
    uint64_t vector_bytes;
    uint64_t db_bytes; /**< bytes of the checkpoint's files (hard links count in full) */
} cg_checkpoint_info;

/**
 * Write a consistent copy of `s` into the new directory `path` (which must not exist):
 * path/vector/ (the vector files, copied first), path/rocks.db (a RocksDB checkpoint: SST
 * files hard-linked when on the same file system) and path/MANIFEST (JSON). CG_ECONFLICT when
 * path exists, CG_EDB otherwise.
 */
int cg_store_checkpoint_create(cg_store *s, const char *path, const char *vector_dir,
                               cg_checkpoint_info *out, char *err, size_t errlen);

/** Figures before and after a manual compaction. */
typedef struct cg_compact_report {
    uint64_t sst_bytes_before, sst_bytes_after;
    uint64_t files_before, files_after;
    uint64_t keys_before, keys_after; /**< rocksdb.estimate-num-keys */
    uint64_t mem_bytes_before;        /**< memtables (optimize flushes them) */
    int column_families;
} cg_compact_report;

/** CompactRange over the whole key space of every column family, the bottommost level
 *  included (so deleted data is reclaimed). `optimize` also flushes memtables first and
 *  rewrites every file, even the ones the compaction itself wrote (one sorted run per family,
 *  bottommost compression everywhere). 0 or CG_EDB. */
int cg_store_compact(cg_store *s, int optimize, cg_compact_report *out, char *err, size_t errlen);

/** Figures for /api/v1/admin/stats as two JSON members (no enclosing braces):
 *  "database":{size, sequence, files, keys, compaction state, per family} and
 *  "caches":{"block_cache":{capacity, usage, pinned}}. */
struct cg_buf;
void cg_store_stats_json(cg_store *s, struct cg_buf *b);

/** 1 when another process holds the RocksDB LOCK of db_path, 0 when free or absent. */
int cg_store_lock_held(const char *db_path);

/** CRC-32C (Castagnoli), as RocksDB's backup meta records it. `crc` 0 to start. */
uint32_t cg_crc32c(uint32_t crc, const void *data, size_t len);
/** CRC-32C and size of a whole file. 0 or -errno. */
int cg_crc32c_file(const char *path, uint32_t *crc, uint64_t *size);

/* ---- vector files (src/admin/vfiles.c) ---- */

typedef struct cg_vfile {
    char name[256];
    uint64_t size;
    uint32_t crc;
    uint64_t seq; /**< the RocksDB sequence the file reflects (from its name
                       "vindex-<seq hex>-<stamp hex>.cgv", src/vector/vfile.h), 0 unknown */
} cg_vfile;

/**
 * Copy every regular file of `src` (not starting with '.' and not ending in ".tmp") into the
 * directory `dst` (created), fsync each, and describe them in files[0..cap). A missing `src`
 * copies nothing. Returns the count, CG_ELIMIT past cap, or -errno.
 */
int cg_vfiles_copy(const char *src, const char *dst, cg_vfile *files, int cap, char *err,
                   size_t errlen);
/** Check files[0..n) in `dir` (size and CRC-32C). 0, or CG_ECORRUPT with the first problem. */
int cg_vfiles_check(const char *dir, const cg_vfile *files, int n, char *err, size_t errlen);
/** The vector directory of a database: "<dirname(db_path)>/vector". */
void cg_vfiles_dir(const char *db_path, char *out, size_t cap);
/** Remove a directory tree (no symlink is followed). 0 or -errno; a missing path is 0. */
int cg_admin_rmtree(const char *path);
/** fsync a directory. 0 or -errno. */
int cg_admin_fsync_dir(const char *path);
/** mkdir -p. 0 or -errno. */
int cg_admin_mkdirs(const char *path, int mode);

/* ---- the admin service (src/admin/admin.c) ---- */

typedef struct cg_admin cg_admin;
struct cg_graph;

typedef enum cg_admin_op {
    CG_ADMIN_OP_BACKUP = 0,
    CG_ADMIN_OP_BACKUP_INCREMENTAL,
    CG_ADMIN_OP_CHECKPOINT,
    CG_ADMIN_OP_COMPACT,
    CG_ADMIN_OP_OPTIMIZE,
    CG_ADMIN_OP_COUNT
} cg_admin_op;

typedef enum cg_admin_state {
    CG_ADMIN_QUEUED = 0,
    CG_ADMIN_RUNNING,
    CG_ADMIN_DONE,
    CG_ADMIN_FAILED
} cg_admin_state;

/** A copy of one admin job's record. */
typedef struct cg_admin_job {
    uint64_t id;
    cg_admin_op op;
    cg_admin_state state;
    int scheduled; /**< started by the backup scheduler, not by a request */
    int64_t created_ms, started_ms, finished_ms; /**< wall clock, 0 = not yet */
    int rc;                                      /**< CG_E* of a failed job */
    char message[CG_ADMIN_MSG_MAX];
    char result[CG_ADMIN_RESULT_MAX]; /**< JSON object of the outcome ("{}" before) */
} cg_admin_job;

/** Parameters of a job; `path` for a checkpoint, `rate_bytes_s` for backups. */
typedef struct cg_admin_req {
    cg_admin_op op;
    const char *path;
    uint64_t rate_bytes_s;
} cg_admin_req;

/**
 * Start the admin service on an open store: its pool ([performance] max_concurrent_backups
 * threads), the persisted maintenance / pause flags, and the scheduler thread when [database]
 * backup_enabled. `db` is copied. 0, CG_ENOMEM, or an error of the pool.
 */
int cg_admin_create(cg_admin **out, cg_store *store, const cg_config_database *db,
                    const cg_config_performance *perf);
/** Stop the scheduler, finish running jobs, free (NULL is a no-op). Before the store closes. */
void cg_admin_destroy(cg_admin *a);

/** Queue a job. 0 with *id; CG_EOVERLOAD (queue full), CG_ECONFLICT (a job of the same kind
 *  is already queued or running), CG_EINVAL (bad request), CG_ENOMEM. */
int cg_admin_submit(cg_admin *a, const cg_admin_req *r, int scheduled, uint64_t *id);
/** The job `id`. 0 or CG_ENOTFOUND (never existed or no longer remembered). */
int cg_admin_job_get(cg_admin *a, uint64_t id, cg_admin_job *out);
/** Remembered jobs, newest first, at most cap. The count. */
int cg_admin_job_list(cg_admin *a, cg_admin_job *out, int cap);
/** Wait until job `id` is final or timeout_ms passed. 1 final, 0 not yet, CG_ENOTFOUND. */
int cg_admin_job_wait(cg_admin *a, uint64_t id, int timeout_ms);
/** "backup", "backup-incremental", "checkpoint", "compact", "optimize". */
const char *cg_admin_op_name(cg_admin_op op);
/** "queued", "running", "done", "failed". */
const char *cg_admin_state_name(cg_admin_state st);

/** Maintenance mode: writes are refused (503 CG016) while reads go on. Persisted (synced
 *  meta write) so it survives a restart. 0 or the store's error. */
int cg_admin_maintenance_set(cg_admin *a, int on);
int cg_admin_maintenance(const cg_admin *a);
/** Indexing pause (cg_index_pause_set), persisted like maintenance. */
int cg_admin_pause_set(cg_admin *a, int paused);
/** Queue depth / busy threads of the admin pool, and its size. */
void cg_admin_pool_figures(cg_admin *a, int *queued, int *active, int *threads);
/** The backup directory and the vector directory the service uses. */
const char *cg_admin_backup_dir(const cg_admin *a);
const char *cg_admin_vector_dir(const cg_admin *a);
/** When the scheduler's next backup is due (Unix ms), 0 when scheduling is off. */
int64_t cg_admin_next_backup_ms(cg_admin *a);

/* ---- verification (src/admin/verify.c) ---- */

#define CG_VERIFY_PROBLEMS_MAX 20 /**< problems kept with their text (all are counted) */

typedef struct cg_verify_report {
    uint64_t keys[CG_STORE_CF_COUNT]; /**< keys read per column family (every block's checksum
                                           was verified by the read) */
    uint64_t entities, files, out_edges, in_edges, projects;
    uint64_t vector_ids, vector_files;
    uint64_t problems; /**< every problem found */
    int n_msgs;
    char msgs[CG_VERIFY_PROBLEMS_MAX][256];
    int vector_checked; /**< 1 when vector files existed and were checked */
} cg_verify_report;

/**
 * Check an open database: read every key of every family (RocksDB verifies each block's
 * checksum as it reads), then the graph's invariants — every out-edge has its in-edge mirror
 * with the same record and vice versa, both ends of every edge exist, every entity's file uid
 * record and file record exist, every name index entry points at an entity — and, when
 * `vector_dir` holds vector files, that the ids they index exist in the entities family.
 * 0 when nothing is wrong, CG_ECORRUPT when a problem was found (details in rep), CG_EDB.
 */
int cg_verify_run(cg_store *s, const char *vector_dir, cg_verify_report *rep, char *err,
                  size_t errlen);

#endif
