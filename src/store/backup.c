/*
 * backup.c — the RocksDB side of data operations: BackupEngine backups (create, list, verify,
 * restore, retention), checkpoints, manual compaction and the database figures of the admin
 * stats. With store.c the only file that includes rocksdb/c.h; it reaches the open database
 * through the cg_store_raw_* accessors of store.h.
 *
 * The layout of a backup directory and its invariants are the DESIGN comment of admin.h.
 *
 * DESIGN — verification. rocksdb_backup_engine_verify_backup checks that every file exists
 * with the size recorded (the C API does not expose its checksum mode), so we also recompute
 * the CRC-32C of every file and compare it with the "crc32" RocksDB wrote into meta/<id> when
 * it copied the file (format: timestamp, sequence, file count, then "path crc32 N" lines).
 * A full backup re-reads all of its files; an incremental one the files it added (its private
 * files and the shared files the previous backup does not reference). `verify` and `restore`
 * always re-read every file. The vector files are checked against the sidecar manifest.
 *
 * DESIGN — full and incremental. Every BackupEngine backup is complete on its own (restorable
 * without the others) and stores each SST file once across backups (shared_checksum/), so
 * each backup copies only the files that changed since the backups before it. The two kinds
 * differ in what is verified when they are made: a full backup re-reads and checksums every
 * file it references, an incremental one only the files it copied. Both flush first.
 *
 * RocksDB's errors are malloc-ed strings; bk_rerr turns each into a CG_E* code and a message
 * and frees it, as store.c does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rocksdb/c.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"

#define BK_ENGINE "rocksdb"
#define BK_SIDECAR "sidecar"
#define BK_MANIFEST "MANIFEST"
#define BK_META_BYTES_MAX (256u << 20) /* largest meta/<id> file read */
#define BK_CF_MAX 64                   /* column families of a database opened read-only */
#define BK_COMPACT_FORCE 2             /* BottommostLevelCompaction::kForce */
#define BK_COMPACT_FORCE_OPTIMIZED 3   /* ::kForceOptimized (skips files this call wrote) */
#define BK_SIDECAR_FORMAT "codegraph-backup-sidecar"
#define BK_CHECKPOINT_FORMAT "codegraph-checkpoint"
#define BK_ASIDE_TRIES 1000 /* ".pre-restore-<time>.<n>" names tried before giving up */

static int bk_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bk_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* A RocksDB error string (freed here) → a CG_E* code and a message. */
static int bk_rerr(char *rmsg, int code, const char *what, char *err, size_t errlen)
{
    const char *m = rmsg ? rmsg : "unknown error";
    if (strncmp(m, "Corruption", 10) == 0 || strstr(m, "checksum") || strstr(m, "size mismatch"))
        code = CG_ECORRUPT;
    else if (strstr(m, "NotFound") || strstr(m, "not found"))
        code = CG_ENOTFOUND;
    bk_fail(err, errlen, code, "%s: %s", what, m);
    rocksdb_free(rmsg);
    return code;
}

static int bk_errno(char *err, size_t errlen, int rc, const char *what, const char *path)
{
    return bk_fail(err, errlen, rc < 0 && rc > -4096 ? CG_EDB : rc, "%s %s: %s", what, path,
                   cg_err_str(rc));
}

/* ---- a set of strings (open addressing; owns copies of its keys) ---- */

typedef struct bk_set {
    char **k;
    size_t cap, n;
} bk_set;

static uint64_t bk_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static int bk_set_has(const bk_set *s, const char *k)
{
    if (!s->cap) return 0;
    for (size_t i = bk_hash(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->k[i]) return 0;
        if (strcmp(s->k[i], k) == 0) return 1;
    }
}

static int bk_set_put(bk_set *s, char *owned)
{
    size_t i = bk_hash(owned) & (s->cap - 1);
    while (s->k[i]) i = (i + 1) & (s->cap - 1);
    s->k[i] = owned;
    s->n++;
    return 0;
}

/* Add a copy of k. 1 added, 0 present, CG_ENOMEM. */
static int bk_set_add(bk_set *s, const char *k)
{
    if (bk_set_has(s, k)) return 0;
    if ((s->n + 1) * 2 > s->cap) {
        bk_set old = *s;
        size_t cap = s->cap ? s->cap * 2 : 256;
        s->k = calloc(cap, sizeof *s->k);
        if (!s->k) {
            *s = old;
            return CG_ENOMEM;
        }
        s->cap = cap;
        s->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.k[i]) bk_set_put(s, old.k[i]);
        free(old.k);
    }
    char *c = strdup(k);
    if (!c) return CG_ENOMEM;
    bk_set_put(s, c);
    return 1;
}

static void bk_set_release(bk_set *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->k[i]);
    free(s->k);
    memset(s, 0, sizeof *s);
}

/* ---- meta/<id> ---- */

typedef struct bk_file {
    const char *path; /* into bk_meta.text */
    uint32_t crc;
    uint64_t size; /* stat-ed in the engine directory; 0 when missing */
} bk_file;

typedef struct bk_meta {
    uint32_t id;
    int64_t ts;
    uint64_t seq;
    uint32_t n;
    bk_file *f;
    char *text;
} bk_meta;

static void bk_meta_release(bk_meta *m)
{
    free(m->f);
    free(m->text);
    memset(m, 0, sizeof *m);
}

static char *bk_slurp(const char *path, size_t max, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    if (!fp) return NULL;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long n = ftell(fp);
        if (n >= 0 && (size_t)n <= max && (buf = malloc((size_t)n + 1)) != NULL) {
            rewind(fp);
            *len = fread(buf, 1, (size_t)n, fp);
            buf[*len] = '\0';
        }
    }
    fclose(fp);
    return buf;
}

/* Parse the file lines of a meta text (after the header) into m->f. */
static int bk_meta_files(bk_meta *m, char *p, const char *edir)
{
    char full[CG_ADMIN_PATH_MAX + 1];
    m->f = calloc(m->n ? m->n : 1, sizeof *m->f);
    if (!m->f) return CG_ENOMEM;
    for (uint32_t i = 0; i < m->n; i++) {
        char *nl = strchr(p, '\n'), *sp;
        if (nl) *nl = '\0';
        sp = strstr(p, " crc32 ");
        if (!sp) return CG_ECORRUPT;
        *sp = '\0';
        m->f[i].path = p;
        m->f[i].crc = (uint32_t)strtoul(sp + 7, NULL, 10);
        snprintf(full, sizeof full, "%s/%s", edir, p);
        struct stat st;
        m->f[i].size = stat(full, &st) == 0 ? (uint64_t)st.st_size : 0;
        if (!nl) {
            if (i + 1 < m->n) return CG_ECORRUPT;
            break;
        }
        p = nl + 1;
    }
    return 0;
}

/* Read the next line of *p as an integer (skips a "metadata ..." line). */
static int bk_meta_line(char **p, unsigned long long *v)
{
    while (strncmp(*p, "metadata ", 9) == 0) {
        char *nl = strchr(*p, '\n');
        if (!nl) return CG_ECORRUPT;
        *p = nl + 1;
    }
    char *end;
    errno = 0;
    *v = strtoull(*p, &end, 10);
    if (errno || end == *p || *end != '\n') return CG_ECORRUPT;
    *p = end + 1;
    return 0;
}

static int bk_meta_read(const char *edir, uint32_t id, bk_meta *m, char *err, size_t errlen)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    unsigned long long ts = 0, seq = 0, n = 0;
    size_t len = 0;
    int rc;

    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/meta/%u", edir, id);
    m->text = bk_slurp(path, BK_META_BYTES_MAX, &len);
    if (!m->text)
        return bk_fail(err, errlen, errno == ENOENT ? CG_ENOTFOUND : CG_EDB,
                       "cannot read backup meta %s: %s", path, strerror(errno));
    char *p = m->text;
    rc = bk_meta_line(&p, &ts);
    if (!rc) rc = bk_meta_line(&p, &seq);
    if (!rc) rc = bk_meta_line(&p, &n);
    if (!rc && n > CG_BACKUP_FILES_MAX) rc = CG_ELIMIT;
    m->id = id;
    m->ts = (int64_t)ts;
    m->seq = seq;
    m->n = (uint32_t)n;
    if (!rc) rc = bk_meta_files(m, p, edir);
    if (rc) {
        bk_meta_release(m);
        return bk_fail(err, errlen, rc == CG_ENOMEM ? rc : CG_ECORRUPT,
                       "backup meta %s is malformed", path);
    }
    return 0;
}

/* Backup ids in edir/meta, ascending, at most cap. The count (0 when absent). */
static int bk_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int bk_ids(const char *edir, uint32_t *ids, int cap)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    struct dirent *e;
    int n = 0;

    snprintf(path, sizeof path, "%s/meta", edir);
    DIR *d = opendir(path);
    if (!d) return errno == ENOENT ? 0 : -errno;
    while ((e = readdir(d)) != NULL && n < cap) {
        char *end;
        unsigned long v = strtoul(e->d_name, &end, 10);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || v == 0 || v > UINT32_MAX) continue;
        ids[n++] = (uint32_t)v;
    }
    closedir(d);
    qsort(ids, (size_t)n, sizeof *ids, bk_cmp_u32);
    return n;
}

/* The newest backup id of the engine directory, 0 when none. */
static uint32_t bk_newest(const char *edir)
{
    uint32_t *ids = malloc(CG_BACKUP_LIST_MAX * sizeof *ids), id = 0;
    int n = ids ? bk_ids(edir, ids, CG_BACKUP_LIST_MAX) : 0;
    if (n > 0) id = ids[n - 1];
    free(ids);
    return id;
}

/* ---- sidecar/<id>/MANIFEST ---- */

typedef struct bk_sidecar {
    int present, kind, verified;
    uint64_t seq, new_bytes;
    int64_t created_ms;
    int n_vf;
    cg_vfile *vf; /* CG_VFILES_MAX entries */
    char message[CG_ADMIN_MSG_MAX];
} bk_sidecar;

static void bk_sidecar_release(bk_sidecar *sc)
{
    free(sc->vf);
    memset(sc, 0, sizeof *sc);
}

static void bk_sidecar_vfiles(bk_sidecar *sc, json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (sc->n_vf >= CG_VFILES_MAX) break;
        cg_vfile *f = &sc->vf[sc->n_vf];
        const char *name = json_string_value(json_object_get(v, "name"));
        if (!name || strchr(name, '/') || strlen(name) >= sizeof f->name) continue;
        snprintf(f->name, sizeof f->name, "%s", name);
        f->size = (uint64_t)json_integer_value(json_object_get(v, "size"));
        f->crc = (uint32_t)json_integer_value(json_object_get(v, "crc32c"));
        sc->n_vf++;
    }
}

/* Read the manifest of `dir` (a sidecar/<id> or a checkpoint). present = 0 when absent. */
static int bk_sidecar_read(const char *dir, bk_sidecar *sc)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    json_error_t je;

    memset(sc, 0, sizeof *sc);
    sc->kind = sc->verified = -1;
    sc->vf = calloc(CG_VFILES_MAX, sizeof *sc->vf);
    if (!sc->vf) return CG_ENOMEM;
    snprintf(path, sizeof path, "%s/%s", dir, BK_MANIFEST);
    json_t *j = json_load_file(path, 0, &je);
    if (!j) return access(path, F_OK) == 0 ? CG_ECORRUPT : 0;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    sc->present = 1;
    sc->kind = kind ? strcmp(kind, "incremental") == 0 : -1;
    if (json_is_boolean(json_object_get(j, "verified")))
        sc->verified = json_is_true(json_object_get(j, "verified"));
    sc->seq = (uint64_t)json_integer_value(json_object_get(j, "db_sequence"));
    sc->new_bytes = (uint64_t)json_integer_value(json_object_get(j, "new_bytes"));
    sc->created_ms = (int64_t)json_integer_value(json_object_get(j, "created_ms"));
    bk_sidecar_vfiles(sc, json_object_get(j, "vector_files"));
    json_decref(j);
    return 0;
}

static json_t *bk_vfiles_json(const cg_vfile *vf, int n)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++)
        json_array_append_new(arr,
                              json_pack("{s:s,s:I,s:I,s:I}", "name", vf[i].name, "size",
                                        (json_int_t)vf[i].size, "crc32c", (json_int_t)vf[i].crc,
                                        "reflects_sequence", (json_int_t)vf[i].seq));
    return arr;
}

/* Write obj as dir/MANIFEST (fsynced). Steals obj. */
static int bk_manifest_write(const char *dir, json_t *obj, char *err, size_t errlen)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    char *text = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    int fd = -1, rc = 0;

    json_decref(obj);
    if (!text) return bk_fail(err, errlen, CG_ENOMEM, "out of memory writing a manifest");
    snprintf(path, sizeof path, "%s/%s", dir, BK_MANIFEST);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0)
        rc = bk_errno(err, errlen, -errno, "cannot write", path);
    if (fd >= 0) close(fd);
    free(text);
    return rc;
}

/* ---- the directory lock and the engine ---- */

/* flock dir/LOCK (creating dir). *fd >= 0 on success; CG_ECONFLICT when held. */
static int bk_lock(const char *dir, int *fd, char *err, size_t errlen)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    int rc = cg_admin_mkdirs(dir, 0750);

    *fd = -1;
    if (rc) return bk_errno(err, errlen, rc, "cannot create backup directory", dir);
    snprintf(path, sizeof path, "%s/LOCK", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (*fd < 0) return bk_errno(err, errlen, -errno, "cannot open", path);
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK
                 ? bk_fail(err, errlen, CG_ECONFLICT,
                           "backup directory %s is in use (a backup is running)", dir)
                 : bk_errno(err, errlen, -errno, "cannot lock", path);
        close(*fd);
        *fd = -1;
    }
    return rc;
}

static void bk_unlock(int fd)
{
    if (fd >= 0) close(fd); /* releases the flock */
}

typedef struct bk_engine {
    rocksdb_backup_engine_t *be;
    rocksdb_env_t *env;
    char edir[CG_ADMIN_PATH_MAX + 1];
} bk_engine;

static int bk_engine_open(bk_engine *e, const char *dir, uint64_t rate, char *err, size_t errlen)
{
    char *rerr = NULL;
    memset(e, 0, sizeof *e);
    snprintf(e->edir, sizeof e->edir, "%s/%s", dir, BK_ENGINE);
    rocksdb_backup_engine_options_t *bo = rocksdb_backup_engine_options_create(e->edir);
    rocksdb_backup_engine_options_set_share_table_files(bo, 1);
    rocksdb_backup_engine_options_set_sync(bo, 1);
    if (rate) rocksdb_backup_engine_options_set_backup_rate_limit(bo, rate);
    e->env = rocksdb_create_default_env();
    e->be = rocksdb_backup_engine_open_opts(bo, e->env, &rerr);
    rocksdb_backup_engine_options_destroy(bo);
    if (rerr) {
        e->be = NULL;
        rocksdb_env_destroy(e->env);
        e->env = NULL;
        return bk_rerr(rerr, CG_EDB, "cannot open the backup engine", err, errlen);
    }
    return 0;
}

static void bk_engine_close(bk_engine *e)
{
    if (e->be) rocksdb_backup_engine_close(e->be);
    if (e->env) rocksdb_env_destroy(e->env);
    e->be = NULL;
    e->env = NULL;
}

/* ---- list ---- */

/* Describe backup m. `seen` holds the files of earlier backups; m's are added to it. */
static int bk_info_from(const bk_meta *m, bk_set *seen, const char *dir, cg_backup_info *out)
{
    char sdir[CG_ADMIN_PATH_MAX + 1];
    bk_sidecar sc;
    int rc = 0;

    memset(out, 0, sizeof *out);
    out->id = m->id;
    out->created_s = m->ts;
    out->sequence = m->seq;
    out->files = m->n;
    for (uint32_t i = 0; i < m->n; i++) {
        out->size_bytes += m->f[i].size;
        if (!bk_set_has(seen, m->f[i].path)) out->new_bytes += m->f[i].size;
    }
    for (uint32_t i = 0; i < m->n && rc >= 0; i++) rc = bk_set_add(seen, m->f[i].path);
    snprintf(sdir, sizeof sdir, "%s/%s/%u", dir, BK_SIDECAR, m->id);
    if (bk_sidecar_read(sdir, &sc) == 0 && sc.present) {
        out->kind = sc.kind;
        out->verified = sc.verified;
        if (sc.new_bytes) out->new_bytes = sc.new_bytes;
        out->vector_files = (uint32_t)sc.n_vf;
        for (int i = 0; i < sc.n_vf; i++) out->vector_bytes += sc.vf[i].size;
    } else {
        out->kind = out->verified = -1;
    }
    bk_sidecar_release(&sc);
    return rc < 0 ? rc : 0;
}

int cg_store_backup_list(const char *dir, cg_backup_info *out, int cap, char *err, size_t errlen)
{
    char edir[CG_ADMIN_PATH_MAX + 1];
    uint32_t *ids = malloc(CG_BACKUP_LIST_MAX * sizeof *ids);
    bk_set seen = {0};
    int n, k = 0, rc = 0;

    if (!ids) return bk_fail(err, errlen, CG_ENOMEM, "out of memory listing backups");
    snprintf(edir, sizeof edir, "%s/%s", dir, BK_ENGINE);
    n = bk_ids(edir, ids, CG_BACKUP_LIST_MAX);
    if (n < 0) rc = bk_errno(err, errlen, n, "cannot list backups in", edir);
    for (int i = 0; i < n && !rc && out; i++) {
        bk_meta m;
        cg_backup_info info;
        rc = bk_meta_read(edir, ids[i], &m, err, errlen);
        if (rc == CG_ENOTFOUND) { /* purged between readdir and open */
            rc = 0;
            continue;
        }
        if (!rc) rc = bk_info_from(&m, &seen, dir, &info);
        bk_meta_release(&m);
        if (!rc && k < cap) out[k++] = info;
    }
    bk_set_release(&seen);
    free(ids);
    return rc ? rc : out ? k : n;
}

int cg_store_backup_newest(const char *dir, cg_backup_info *out, char *err, size_t errlen)
{
    char edir[CG_ADMIN_PATH_MAX + 1];
    bk_set seen = {0};
    bk_meta m;

    snprintf(edir, sizeof edir, "%s/%s", dir, BK_ENGINE);
    uint32_t id = bk_newest(edir);
    if (!id) return 0;
    int rc = bk_meta_read(edir, id, &m, err, errlen);
    if (rc) return rc == CG_ENOTFOUND ? 0 : rc; /* purged meanwhile: as good as none */
    rc = bk_info_from(&m, &seen, dir, out);     /* new_bytes: the sidecar's figure */
    bk_meta_release(&m);
    bk_set_release(&seen);
    return rc ? rc : 1;
}

/* ---- verification ---- */

static int bk_check_fail(cg_backup_check *chk, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bk_check_fail(cg_backup_check *chk, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(chk->message, sizeof chk->message, fmt, ap);
    va_end(ap);
    chk->ok = 0;
    return CG_ECORRUPT;
}

/* CRC-32C of m's files (except those in `skip`, when given) against the meta. */
static int bk_crc_check(const char *edir, const bk_meta *m, const bk_set *skip,
                        cg_backup_check *chk)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    for (uint32_t i = 0; i < m->n; i++) {
        uint32_t crc = 0;
        uint64_t size = 0;
        if (skip && bk_set_has(skip, m->f[i].path)) continue;
        snprintf(path, sizeof path, "%s/%s", edir, m->f[i].path);
        int rc = cg_crc32c_file(path, &crc, &size);
        if (rc) return bk_check_fail(chk, "backup %u: %s: %s", m->id, path, cg_err_str(rc));
        if (crc != m->f[i].crc)
            return bk_check_fail(chk, "backup %u: %s: crc32c %u, meta says %u", m->id, path, crc,
                                 m->f[i].crc);
        chk->files++;
        chk->bytes += size;
    }
    return 0;
}

/* The sidecar's vector files of backup id. */
static int bk_vector_check(const char *dir, uint32_t id, cg_backup_check *chk)
{
    char sdir[CG_ADMIN_PATH_MAX + 1], vdir[CG_ADMIN_PATH_MAX + 16], msg[CG_ADMIN_MSG_MAX];
    bk_sidecar sc;
    int rc;

    snprintf(sdir, sizeof sdir, "%s/%s/%u", dir, BK_SIDECAR, id);
    rc = bk_sidecar_read(sdir, &sc);
    if (rc == CG_ECORRUPT) rc = bk_check_fail(chk, "backup %u: unreadable %s/MANIFEST", id, sdir);
    if (!rc && sc.present) {
        snprintf(vdir, sizeof vdir, "%s/vector", sdir);
        rc = cg_vfiles_check(vdir, sc.vf, sc.n_vf, msg, sizeof msg);
        if (rc)
            bk_check_fail(chk, "backup %u: %s", id, msg);
        else
            chk->vector_files = (uint32_t)sc.n_vf;
    }
    bk_sidecar_release(&sc);
    return rc;
}

/* Every check of backup id, the engine open (so the directory is locked). */
static int bk_verify_locked(bk_engine *e, const char *dir, uint32_t id, const bk_set *skip,
                            cg_backup_check *chk)
{
    char *rerr = NULL;
    bk_meta m;
    int rc;

    memset(chk, 0, sizeof *chk);
    chk->id = id;
    rocksdb_backup_engine_verify_backup(e->be, id, &rerr);
    if (rerr) {
        rc = bk_rerr(rerr, CG_ECORRUPT, "backup engine check", chk->message, sizeof chk->message);
        return rc == CG_ENOTFOUND ? rc : CG_ECORRUPT;
    }
    rc = bk_meta_read(e->edir, id, &m, chk->message, sizeof chk->message);
    if (rc) return rc == CG_ENOTFOUND ? rc : CG_ECORRUPT;
    rc = bk_crc_check(e->edir, &m, skip, chk);
    bk_meta_release(&m);
    if (!rc) rc = bk_vector_check(dir, id, chk);
    if (!rc) {
        chk->ok = 1;
        snprintf(chk->message, sizeof chk->message, "ok");
    }
    return rc;
}

int cg_store_backup_verify(const char *dir, uint32_t id, cg_backup_check *chk, char *err,
                           size_t errlen)
{
    bk_engine e;
    int fd, rc;

    memset(chk, 0, sizeof *chk);
    rc = bk_lock(dir, &fd, err, errlen);
    if (rc) return rc;
    rc = bk_engine_open(&e, dir, 0, err, errlen);
    if (!rc && id == 0) id = bk_newest(e.edir);
    if (!rc && id == 0) rc = bk_fail(err, errlen, CG_ENOTFOUND, "no backups in %s", dir);
    if (!rc) {
        rc = bk_verify_locked(&e, dir, id, NULL, chk);
        if (rc) bk_fail(err, errlen, rc, "%s", chk->message);
    }
    bk_engine_close(&e);
    bk_unlock(fd);
    return rc;
}

/* ---- create ---- */

/* Remove stale staging directories and sidecars whose backup is gone (see admin.h). */
static void bk_sidecar_tidy(const char *dir, const char *edir)
{
    char sdir[CG_ADMIN_PATH_MAX + 1], p[CG_ADMIN_PATH_MAX + 1];
    struct dirent *e;

    snprintf(sdir, sizeof sdir, "%s/%s", dir, BK_SIDECAR);
    DIR *d = opendir(sdir);
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char *end;
        unsigned long id = strtoul(e->d_name, &end, 10);
        int stale = strncmp(e->d_name, ".tmp-", 5) == 0;
        if (!stale && e->d_name[0] >= '0' && e->d_name[0] <= '9' && !*end) {
            snprintf(p, sizeof p, "%s/meta/%lu", edir, id);
            stale = access(p, F_OK) != 0;
        }
        if (!stale) continue;
        snprintf(p, sizeof p, "%s/%s", sdir, e->d_name);
        cg_admin_rmtree(p);
    }
    closedir(d);
}

/* Purge backups older than retention_ms, always keeping the newest. The count purged. */
static int bk_retention(bk_engine *e, int64_t retention_ms, char *err, size_t errlen)
{
    const rocksdb_backup_engine_info_t *in = rocksdb_backup_engine_get_backup_info(e->be);
    int64_t cutoff_s = cg_time_wall_s() - retention_ms / 1000;
    int n = rocksdb_backup_engine_info_count(in), keep = 0;
    char *rerr = NULL;

    for (int i = 0; i < n; i++) keep += rocksdb_backup_engine_info_timestamp(in, i) >= cutoff_s;
    rocksdb_backup_engine_info_destroy(in);
    if (keep < 1) keep = 1;
    if (retention_ms <= 0 || keep >= n) return 0;
    rocksdb_backup_engine_purge_old_backups(e->be, (uint32_t)keep, &rerr);
    if (rerr) return bk_rerr(rerr, CG_EDB, "purging old backups", err, errlen);
    return n - keep;
}

/* Stage the vector files in a fresh sidecar/.tmp-<pid>-<n>/vector. The count copied. */
static int bk_stage(const char *dir, const char *vector_dir, char *stage, size_t cap, cg_vfile *vf,
                    char *err, size_t errlen)
{
    static _Atomic unsigned stage_seq;
    char vdir[CG_ADMIN_PATH_MAX + 16];
    int rc;

    snprintf(stage, cap, "%s/%s/.tmp-%d-%u", dir, BK_SIDECAR, (int)getpid(), ++stage_seq);
    cg_admin_rmtree(stage);
    snprintf(vdir, sizeof vdir, "%s/vector", stage);
    rc = cg_admin_mkdirs(vdir, 0750);
    if (rc) return bk_errno(err, errlen, rc, "cannot create", vdir);
    if (!vector_dir) return 0;
    rc = cg_vfiles_copy(vector_dir, vdir, vf, CG_VFILES_MAX, err, errlen);
    if (rc >= 0) {
        char msg[CG_ADMIN_MSG_MAX];
        if (cg_vfiles_check(vdir, vf, rc, msg, sizeof msg) != 0)
            return bk_fail(err, errlen, CG_ECORRUPT, "copied vector files differ: %s", msg);
    }
    return rc;
}

/* Take the engine backup; *id is the new backup's id. */
static int bk_take(bk_engine *e, cg_store *s, uint32_t *id, char *err, size_t errlen)
{
    uint32_t before = bk_newest(e->edir);
    char *rerr = NULL;

    /* Always flush first: the memtables then go as (shared, reusable) SST files instead of as
     * copies of every live WAL file, which measured 2x larger and are never shared. */
    rocksdb_backup_engine_create_new_backup_flush(e->be, cg_store_raw_db(s), 1, &rerr);
    if (rerr) return bk_rerr(rerr, CG_EDB, "backup failed", err, errlen);
    *id = bk_newest(e->edir);
    if (*id <= before)
        return bk_fail(err, errlen, CG_EDB, "backup engine reported success but no new meta");
    return 0;
}

/* The files of the newest backup before `id`: already verified when it was made. */
static int bk_prev_files(const char *edir, uint32_t id, bk_set *set)
{
    uint32_t *ids = malloc(CG_BACKUP_LIST_MAX * sizeof *ids), prev = 0;
    int n = ids ? bk_ids(edir, ids, CG_BACKUP_LIST_MAX) : 0, rc = 0;
    bk_meta m;

    for (int i = 0; i < n; i++)
        if (ids[i] < id) prev = ids[i];
    free(ids);
    if (!prev || bk_meta_read(edir, prev, &m, NULL, 0) != 0) return 0;
    for (uint32_t i = 0; i < m.n && rc >= 0; i++)
        if (strncmp(m.f[i].path, "shared", 6) == 0) rc = bk_set_add(set, m.f[i].path);
    bk_meta_release(&m);
    return rc < 0 ? rc : 0;
}

/* Write the sidecar manifest into `stage` and rename it to sidecar/<id>. */
static int bk_commit(const char *dir, const char *stage, const cg_backup_info *in,
                     const cg_backup_check *chk, const cg_vfile *vf, char *err, size_t errlen)
{
    char final[CG_ADMIN_PATH_MAX + 1], vdir[CG_ADMIN_PATH_MAX + 16];
    json_t *o = json_pack(
        "{s:s,s:i,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:b,s:s,s:I,s:s}", "format", BK_SIDECAR_FORMAT,
        "version", 1, "id", (json_int_t)in->id, "kind", in->kind ? "incremental" : "full",
        "created_ms", (json_int_t)in->created_s * 1000, "db_sequence", (json_int_t)in->sequence,
        "size_bytes", (json_int_t)in->size_bytes, "new_bytes", (json_int_t)in->new_bytes, "files",
        (json_int_t)in->files, "verified", chk->ok, "verify_message", chk->message,
        "verified_bytes", (json_int_t)chk->bytes, "vector_dir", "vector");
    if (o) json_object_set_new(o, "vector_files", bk_vfiles_json(vf, (int)in->vector_files));
    int rc = bk_manifest_write(stage, o, err, errlen);
    snprintf(vdir, sizeof vdir, "%s/vector", stage);
    if (!rc) rc = cg_admin_fsync_dir(vdir) ? CG_EDB : cg_admin_fsync_dir(stage) ? CG_EDB : 0;
    snprintf(final, sizeof final, "%s/%s/%u", dir, BK_SIDECAR, in->id);
    cg_admin_rmtree(final);
    if (!rc && rename(stage, final) != 0)
        rc = bk_errno(err, errlen, -errno, "cannot rename", stage);
    snprintf(vdir, sizeof vdir, "%s/%s", dir, BK_SIDECAR);
    if (!rc) cg_admin_fsync_dir(vdir);
    return rc;
}

/* Find backup id in a fresh listing (its sizes and new bytes). */
static int bk_info_of(const char *dir, uint32_t id, cg_backup_info *out, char *err, size_t errlen)
{
    cg_backup_info *all = malloc(CG_BACKUP_LIST_MAX * sizeof *all);
    int n, rc = CG_ENOTFOUND;

    if (!all) return CG_ENOMEM;
    n = cg_store_backup_list(dir, all, CG_BACKUP_LIST_MAX, err, errlen);
    for (int i = 0; i < n && i < CG_BACKUP_LIST_MAX; i++)
        if (all[i].id == id) {
            *out = all[i];
            rc = 0;
        }
    free(all);
    return n < 0 ? n : rc;
}

/* Verify the new backup and commit its sidecar; CG_ECORRUPT when verification failed. */
static int bk_finish(bk_engine *e, const char *dir, const char *stage, uint32_t id,
                     const cg_backup_opts *o, const cg_vfile *vf, int n_vf, cg_backup_info *out,
                     char *err, size_t errlen)
{
    bk_set skip = {0};
    cg_backup_check chk;
    int rc = o->incremental ? bk_prev_files(e->edir, id, &skip) : 0;

    if (!rc) rc = bk_verify_locked(e, dir, id, o->incremental ? &skip : NULL, &chk);
    bk_set_release(&skip);
    if (rc && rc != CG_ECORRUPT) return bk_fail(err, errlen, rc, "%s", chk.message);
    int bad = rc == CG_ECORRUPT;
    rc = bk_info_of(dir, id, out, err, errlen);
    if (rc) return rc;
    out->kind = o->incremental;
    out->verified = chk.ok;
    out->vector_files = (uint32_t)n_vf;
    out->vector_bytes = 0;
    for (int i = 0; i < n_vf; i++) out->vector_bytes += vf[i].size;
    rc = bk_commit(dir, stage, out, &chk, vf, err, errlen);
    if (!rc && bad)
        rc =
            bk_fail(err, errlen, CG_ECORRUPT, "backup %u failed verification: %s", id, chk.message);
    return rc;
}

int cg_store_backup_create(cg_store *s, const char *dir, const cg_backup_opts *o,
                           cg_backup_info *out, char *err, size_t errlen)
{
    char stage[CG_ADMIN_PATH_MAX + 1], edir[CG_ADMIN_PATH_MAX + 1];
    cg_vfile *vf = calloc(CG_VFILES_MAX, sizeof *vf);
    bk_engine e = {0};
    uint32_t id = 0;
    int fd = -1, n_vf = 0, rc;

    memset(out, 0, sizeof *out);
    if (!vf) return bk_fail(err, errlen, CG_ENOMEM, "out of memory starting a backup");
    rc = bk_lock(dir, &fd, err, errlen);
    if (rc) goto fail;
    snprintf(edir, sizeof edir, "%s/%s", dir, BK_ENGINE);
    bk_sidecar_tidy(dir, edir);
    /* Vector files first: each reflects a sequence <= the backup's (admin.h DESIGN). */
    n_vf = bk_stage(dir, o->vector_dir, stage, sizeof stage, vf, err, errlen);
    if (n_vf < 0) {
        rc = n_vf;
        goto fail;
    }
    rc = bk_engine_open(&e, dir, o->rate_bytes_s, err, errlen);
    if (!rc) rc = bk_take(&e, s, &id, err, errlen);
    if (!rc) rc = bk_finish(&e, dir, stage, id, o, vf, n_vf, out, err, errlen);
    if (!rc && o->retention_ms > 0) {
        int purged = bk_retention(&e, o->retention_ms, err, errlen);
        if (purged < 0) rc = purged;
    }
fail:
    bk_engine_close(&e);
    if (fd >= 0) bk_sidecar_tidy(dir, edir); /* a failed stage, sidecars of purged backups */
    bk_unlock(fd);
    free(vf);
    return rc;
}

/* ---- restore ---- */

/* The latest sequence of the database at path, opened read-only with all its families. */
static int bk_db_sequence(const char *path, uint64_t *seq, char *err, size_t errlen)
{
    rocksdb_options_t *o = rocksdb_options_create();
    const rocksdb_options_t *opts[BK_CF_MAX];
    rocksdb_column_family_handle_t *h[BK_CF_MAX];
    char *rerr = NULL, **names;
    size_t n = 0;
    int rc = 0;

    names = rocksdb_list_column_families(o, path, &n, &rerr);
    if (rerr) {
        rc = bk_rerr(rerr, CG_EDB, "list column families", err, errlen);
        goto fail;
    }
    if (n > BK_CF_MAX) {
        rc = bk_fail(err, errlen, CG_ELIMIT, "%s has more than %d families", path, BK_CF_MAX);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) opts[i] = o;
    rocksdb_t *db = rocksdb_open_for_read_only_column_families(
        o, path, (int)n, (const char *const *)names, opts, h, 0, &rerr);
    if (rerr) {
        rc = bk_rerr(rerr, CG_EDB, "open the restored database", err, errlen);
        goto fail;
    }
    *seq = rocksdb_get_latest_sequence_number(db);
    for (size_t i = 0; i < n; i++) rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
fail:
    if (names) rocksdb_list_column_families_destroy(names, n);
    rocksdb_options_destroy(o);
    return rc;
}

static void bk_fsync_parent(const char *path)
{
    char parent[CG_ADMIN_PATH_MAX + 1];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - path) + (slash == path), path);
    cg_admin_fsync_dir(parent);
}

/* Put `staged` in place of `live` atomically; the old `live` goes to `aside` (recorded in
 * moved, "" when there was none). */
static int bk_swap(const char *staged, const char *live, const char *aside, char *moved, size_t cap,
                   char *err, size_t errlen)
{
    moved[0] = '\0';
    if (access(live, F_OK) != 0) {
        if (rename(staged, live) != 0) return bk_errno(err, errlen, -errno, "rename", staged);
    } else {
        if (renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE) != 0)
            return bk_errno(err, errlen, -errno, "cannot swap in", staged);
        if (rename(staged, aside) != 0) return bk_errno(err, errlen, -errno, "rename", staged);
        snprintf(moved, cap, "%s", aside);
    }
    bk_fsync_parent(live);
    return 0;
}

/* Restore the engine's backup id into `staged` and check its sequence. */
static int bk_restore_db(bk_engine *e, uint32_t id, const char *staged, uint64_t *seq, char *err,
                         size_t errlen)
{
    rocksdb_restore_options_t *ro = rocksdb_restore_options_create();
    char *rerr = NULL;
    bk_meta m;
    int rc = bk_meta_read(e->edir, id, &m, err, errlen);

    if (rc) goto fail;
    cg_admin_rmtree(staged);
    rc = cg_admin_mkdirs(staged, 0755); /* parents too: RocksDB creates only the last one */
    if (rc) {
        rc = bk_errno(err, errlen, rc, "cannot create", staged);
        goto fail;
    }
    rocksdb_backup_engine_restore_db_from_backup(e->be, staged, staged, ro, id, &rerr);
    if (rerr) {
        rc = bk_rerr(rerr, CG_EDB, "restore failed", err, errlen);
        goto fail;
    }
    rc = bk_db_sequence(staged, seq, err, errlen);
    /* The live WAL files are copied after the sequence is recorded, so a restore may hold a
     * few later writes (>=); fewer would mean lost data. */
    if (!rc && *seq < m.seq)
        rc = bk_fail(err, errlen, CG_ECORRUPT,
                     "restored database has sequence %llu, below the %llu backup %u recorded",
                     (unsigned long long)*seq, (unsigned long long)m.seq, id);
fail:
    bk_meta_release(&m);
    rocksdb_restore_options_destroy(ro);
    if (rc) cg_admin_rmtree(staged);
    return rc;
}

/* Stage the backup's vector files (possibly none) in `staged`. */
static int bk_restore_vectors(const char *dir, uint32_t id, const char *staged, char *err,
                              size_t errlen)
{
    char src[CG_ADMIN_PATH_MAX + 1];
    cg_vfile *vf = calloc(CG_VFILES_MAX, sizeof *vf);
    int rc;

    if (!vf) return CG_ENOMEM;
    cg_admin_rmtree(staged);
    snprintf(src, sizeof src, "%s/%s/%u/vector", dir, BK_SIDECAR, id);
    rc = cg_admin_mkdirs(staged, 0755);
    if (!rc) rc = cg_vfiles_copy(src, staged, vf, CG_VFILES_MAX, err, errlen);
    free(vf);
    return rc < 0 ? rc : 0;
}

/* "<path>.pre-restore-<now>", or with ".<n>" added when that exists already (two restores
 * within one second must not collide: renaming onto a non-empty directory fails). */
static void bk_aside_name(char *out, size_t cap, const char *path, int64_t now)
{
    snprintf(out, cap, "%s.pre-restore-%lld", path, (long long)now);
    for (int n = 1; n < BK_ASIDE_TRIES && access(out, F_OK) == 0; n++)
        snprintf(out, cap, "%s.pre-restore-%lld.%d", path, (long long)now, n);
}

static int bk_restore_locked(bk_engine *e, const char *dir, uint32_t id, const char *db_path,
                             const char *vector_dir, cg_backup_restored *out, char *err,
                             size_t errlen)
{
    char staged[CG_ADMIN_PATH_MAX + 1], vstaged[CG_ADMIN_PATH_MAX + 1];
    char aside[CG_ADMIN_PATH_MAX + 1];
    cg_backup_check chk;
    int64_t now = cg_time_wall_s();
    int rc = bk_verify_locked(e, dir, id, NULL, &chk);

    if (rc)
        return bk_fail(err, errlen, rc == CG_ENOTFOUND ? rc : CG_ECORRUPT,
                       "refusing to restore backup %u: %s", id, chk.message);
    snprintf(staged, sizeof staged, "%s.restore-%d", db_path, (int)getpid());
    snprintf(vstaged, sizeof vstaged, "%s.restore-%d", vector_dir ? vector_dir : "", (int)getpid());
    rc = bk_restore_db(e, id, staged, &out->sequence, err, errlen);
    if (!rc && vector_dir) rc = bk_restore_vectors(dir, id, vstaged, err, errlen);
    if (rc) goto fail;
    /* The vectors first: a crash between the swaps leaves older vector files beside the old
     * database, which the vector index replays or rebuilds. */
    if (vector_dir) {
        bk_aside_name(aside, sizeof aside, vector_dir, now);
        rc = bk_swap(vstaged, vector_dir, aside, out->old_vector, sizeof out->old_vector, err,
                     errlen);
    }
    bk_aside_name(aside, sizeof aside, db_path, now);
    if (!rc) rc = bk_swap(staged, db_path, aside, out->old_db, sizeof out->old_db, err, errlen);
fail:
    if (rc) {
        cg_admin_rmtree(staged);
        if (vector_dir) cg_admin_rmtree(vstaged);
    }
    return rc;
}

int cg_store_backup_restore(const char *dir, uint32_t id, const char *db_path,
                            const char *vector_dir, cg_backup_restored *out, char *err,
                            size_t errlen)
{
    bk_engine e = {0};
    int fd = -1, rc;

    memset(out, 0, sizeof *out);
    if (cg_store_lock_held(db_path))
        return bk_fail(err, errlen, CG_ECONFLICT,
                       "database at %s is in use by another process (LOCK held): stop the "
                       "server before restoring",
                       db_path);
    rc = bk_lock(dir, &fd, err, errlen);
    if (!rc) rc = bk_engine_open(&e, dir, 0, err, errlen);
    if (!rc && id == 0) id = bk_newest(e.edir);
    if (!rc && id == 0) rc = bk_fail(err, errlen, CG_ENOTFOUND, "no backups in %s", dir);
    out->id = id;
    if (!rc) rc = bk_restore_locked(&e, dir, id, db_path, vector_dir, out, err, errlen);
    bk_engine_close(&e);
    bk_unlock(fd);
    return rc;
}

int cg_store_lock_held(const char *db_path)
{
    char path[CG_ADMIN_PATH_MAX + 1];
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int held = 0;

    snprintf(path, sizeof path, "%s/LOCK", db_path);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return 0;
    if (fcntl(fd, F_GETLK, &fl) == 0) held = fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

/* ---- checkpoint ---- */

/* Bytes of the regular files directly in dir. */
static uint64_t bk_dir_bytes(const char *dir)
{
    char p[CG_ADMIN_PATH_MAX + 1];
    struct dirent *e;
    uint64_t total = 0;
    DIR *d = opendir(dir);

    if (!d) return 0;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) total += (uint64_t)st.st_size;
    }
    closedir(d);
    return total;
}

static int bk_checkpoint_db(cg_store *s, const char *dbdir, char *err, size_t errlen)
{
    char *rerr = NULL;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(cg_store_raw_db(s), &rerr);
    if (rerr) return bk_rerr(rerr, CG_EDB, "checkpoint", err, errlen);
    /* log_size_for_flush 0: always flush, so the checkpoint is SST files (hard links). */
    rocksdb_checkpoint_create(cp, dbdir, 0, &rerr);
    rocksdb_checkpoint_object_destroy(cp);
    if (rerr) return bk_rerr(rerr, CG_EDB, "checkpoint", err, errlen);
    return 0;
}

int cg_store_checkpoint_create(cg_store *s, const char *path, const char *vector_dir,
                               cg_checkpoint_info *out, char *err, size_t errlen)
{
    char dbdir[CG_ADMIN_PATH_MAX + 1], vdir[CG_ADMIN_PATH_MAX + 1];
    cg_vfile *vf = calloc(CG_VFILES_MAX, sizeof *vf);
    int rc = 0, n_vf = 0;

    memset(out, 0, sizeof *out);
    if (!vf) return bk_fail(err, errlen, CG_ENOMEM, "out of memory");
    const char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        snprintf(dbdir, sizeof dbdir, "%.*s", (int)(slash - path), path);
        cg_admin_mkdirs(dbdir, 0755);
    }
    if (mkdir(path, 0755) != 0) {
        rc = errno == EEXIST ? bk_fail(err, errlen, CG_ECONFLICT, "%s already exists", path)
                             : bk_errno(err, errlen, -errno, "cannot create", path);
        goto out;
    }
    snprintf(dbdir, sizeof dbdir, "%s/rocks.db", path);
    snprintf(vdir, sizeof vdir, "%s/vector", path);
    /* Vector files first: each then reflects a sequence <= the checkpoint's. */
    n_vf = vector_dir ? cg_vfiles_copy(vector_dir, vdir, vf, CG_VFILES_MAX, err, errlen) : 0;
    if (n_vf < 0) rc = n_vf;
    if (!rc) rc = bk_checkpoint_db(s, dbdir, err, errlen);
    if (!rc) rc = bk_db_sequence(dbdir, &out->sequence, err, errlen);
    if (rc) goto out;
    out->vector_files = (uint32_t)n_vf;
    for (int i = 0; i < n_vf; i++) out->vector_bytes += vf[i].size;
    out->db_bytes = bk_dir_bytes(dbdir);
    json_t *o = json_pack("{s:s,s:i,s:I,s:I,s:s,s:s}", "format", BK_CHECKPOINT_FORMAT, "version", 1,
                          "created_ms", (json_int_t)cg_time_wall_s() * 1000, "db_sequence",
                          (json_int_t)out->sequence, "db_dir", "rocks.db", "vector_dir", "vector");
    if (o) json_object_set_new(o, "vector_files", bk_vfiles_json(vf, n_vf));
    rc = bk_manifest_write(path, o, err, errlen);
    if (!rc) rc = cg_admin_fsync_dir(path) ? CG_EDB : 0;
out:
    free(vf);
    return rc;
}

/* ---- compaction and figures ---- */

static uint64_t bk_prop_sum(cg_store *s, const char *name)
{
    uint64_t v = 0;
    cg_store_property_u64(s, name, &v);
    return v;
}

static uint64_t bk_live_files(cg_store *s)
{
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(cg_store_raw_db(s));
    uint64_t n = lf ? (uint64_t)rocksdb_livefiles_count(lf) : 0;
    if (lf) rocksdb_livefiles_destroy(lf);
    return n;
}

int cg_store_compact(cg_store *s, int optimize, cg_compact_report *out, char *err, size_t errlen)
{
    rocksdb_compactoptions_t *co = rocksdb_compactoptions_create();
    rocksdb_t *db = cg_store_raw_db(s);
    int rc = 0, n = cg_store_raw_cf_count(s);

    memset(out, 0, sizeof *out);
    out->sst_bytes_before = bk_prop_sum(s, "rocksdb.total-sst-files-size");
    out->keys_before = bk_prop_sum(s, "rocksdb.estimate-num-keys");
    out->mem_bytes_before = bk_prop_sum(s, "rocksdb.size-all-mem-tables");
    out->files_before = bk_live_files(s);
    out->column_families = n;
    if (optimize) rc = cg_store_flush(s, err, errlen);
    rocksdb_compactoptions_set_exclusive_manual_compaction(co, 0);
    /* The bottommost level is always compacted: that is where deleted data lies once a
     * database has settled, and RocksDB's default skips it (tombstones would only pile up
     * above it). optimize rewrites every file, compact not the ones it just wrote. */
    rocksdb_compactoptions_set_bottommost_level_compaction(
        co, optimize ? BK_COMPACT_FORCE : BK_COMPACT_FORCE_OPTIMIZED);
    /* The C API reports no error for CompactRange; background errors show in stats. */
    for (int i = 0; i < n && !rc; i++)
        rocksdb_compact_range_cf_opt(db, cg_store_raw_cf(s, i), co, NULL, 0, NULL, 0);
    rocksdb_compactoptions_destroy(co);
    out->sst_bytes_after = bk_prop_sum(s, "rocksdb.total-sst-files-size");
    out->keys_after = bk_prop_sum(s, "rocksdb.estimate-num-keys");
    out->files_after = bk_live_files(s);
    return rc;
}

static void bk_json_u64(cg_buf *b, const char *key, uint64_t v, int comma)
{
    if (comma) cg_buf_putc(b, ',');
    cg_buf_putc(b, '"');
    cg_buf_puts(b, key);
    cg_buf_puts(b, "\":");
    cg_buf_put_u64(b, v);
}

static uint64_t bk_prop_db(cg_store *s, const char *name)
{
    uint64_t v = 0;
    if (rocksdb_property_int(cg_store_raw_db(s), name, &v) != 0) v = 0;
    return v;
}

/* One column family's figures as a JSON object. */
static void bk_cf_json(cg_store *s, int i, cg_buf *b)
{
    static const char *const props[] = {"rocksdb.estimate-num-keys", "rocksdb.total-sst-files-size",
                                        "rocksdb.size-all-mem-tables"};
    static const char *const keys[] = {"keys", "sst_bytes", "memtable_bytes"};
    const char *name = i < CG_STORE_CF_COUNT ? cg_store_cf_name((cg_store_cf)i) : "(unknown)";

    cg_buf_puts(b, "{\"name\":");
    cg_buf_put_json_str(b, name, strlen(name));
    for (size_t p = 0; p < CG_ARRAY_LEN(props); p++) {
        uint64_t v = 0;
        if (rocksdb_property_int_cf(cg_store_raw_db(s), cg_store_raw_cf(s, i), props[p], &v)) v = 0;
        bk_json_u64(b, keys[p], v, 1);
    }
    cg_buf_putc(b, '}');
}

void cg_store_stats_json(cg_store *s, cg_buf *b)
{
    int n = cg_store_raw_cf_count(s);

    cg_buf_puts(b, "\"database\":{\"path\":");
    cg_buf_put_json_str(b, cg_store_path(s), strlen(cg_store_path(s)));
    bk_json_u64(b, "size_bytes", cg_store_size_bytes(s), 1);
    bk_json_u64(b, "sequence", cg_store_sequence(s), 1);
    bk_json_u64(b, "live_files", bk_live_files(s), 1);
    bk_json_u64(b, "sst_bytes", bk_prop_sum(s, "rocksdb.total-sst-files-size"), 1);
    bk_json_u64(b, "memtable_bytes", bk_prop_sum(s, "rocksdb.size-all-mem-tables"), 1);
    bk_json_u64(b, "estimate_keys", bk_prop_sum(s, "rocksdb.estimate-num-keys"), 1);
    bk_json_u64(b, "pending_compaction_bytes",
                bk_prop_sum(s, "rocksdb.estimate-pending-compaction-bytes"), 1);
    bk_json_u64(b, "running_compactions", bk_prop_db(s, "rocksdb.num-running-compactions"), 1);
    bk_json_u64(b, "running_flushes", bk_prop_db(s, "rocksdb.num-running-flushes"), 1);
    bk_json_u64(b, "background_errors", bk_prop_db(s, "rocksdb.background-errors"), 1);
    bk_json_u64(b, "write_stopped", bk_prop_db(s, "rocksdb.is-write-stopped"), 1);
    cg_buf_puts(b, ",\"column_families\":[");
    for (int i = 0; i < n; i++) {
        if (i) cg_buf_putc(b, ',');
        bk_cf_json(s, i, b);
    }
    /* One LRU cache is shared by every family (store.c), so read it once, not summed. */
    cg_buf_puts(b, "]},\"caches\":{\"block_cache\":{");
    bk_json_u64(b, "capacity_bytes", bk_prop_db(s, "rocksdb.block-cache-capacity"), 0);
    bk_json_u64(b, "usage_bytes", bk_prop_db(s, "rocksdb.block-cache-usage"), 1);
    bk_json_u64(b, "pinned_bytes", bk_prop_db(s, "rocksdb.block-cache-pinned-usage"), 1);
    cg_buf_puts(b, "}}");
}
