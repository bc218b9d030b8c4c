/*
 * vfile.c — check, write and map the vector index file (layout and invariants: vfile.h).
 *
 * cg_vfile_check never trusts a byte before it is validated: every size is compared with the
 * buffer length before use, with overflow-safe arithmetic, so any input (truncated, bit-flipped,
 * fuzzed) yields CG_ECORRUPT and a reason, never a read out of bounds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "codegraph/base.h"
#include "codegraph/faiss_bridge.h"
#include "vector/vfile.h"

/* Bytes buffered by the writer before a write(2). */
#define VFILE_WBUF (1u << 20)

_Static_assert(sizeof(cg_vfile_header) <= CG_VFILE_HEADER_SIZE, "header fits its page");

int cg_vfile_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

#define CORRUPT(...) cg_vfile_fail(err, errlen, CG_ECORRUPT, __VA_ARGS__)

static const char *const sec_names[CG_VSEC_COUNT] = {
    "ids", "idmap", "levels", "offsets", "neighbors", "vectors", "sq8 params", "sq8 codes"};

static uint64_t sec_align(int s)
{
    return s == CG_VSEC_VECTORS ? CG_VFILE_HEADER_SIZE : CG_VFILE_ALIGN;
}

/* Header fields alone: checksum, identity, ranges. */
static int check_header(const uint8_t *buf, size_t len, const cg_vfile_header *h, char *err,
                        size_t errlen)
{
    if (len < CG_VFILE_HEADER_SIZE) return CORRUPT("file too short (%zu bytes)", len);
    if (memcmp(h->magic, CG_VFILE_MAGIC, 8) != 0) return CORRUPT("bad magic");
    if (XXH3_64bits(buf, offsetof(cg_vfile_header, header_xxh3)) != h->header_xxh3)
        return CORRUPT("header checksum mismatch");
    if (h->version != CG_VFILE_VERSION) return CORRUPT("unsupported version %u", h->version);
    if (h->header_size != CG_VFILE_HEADER_SIZE) return CORRUPT("bad header size");
    if (h->file_size != len)
        return CORRUPT("file size %zu, header says %llu (truncated?)", len,
                       (unsigned long long)h->file_size);
    if (h->dim < 1 || h->dim > CG_FAISS_DIM_MAX) return CORRUPT("bad dimension %u", h->dim);
    if (h->metric > CG_VINDEX_L2 || h->index_type > CG_VINDEX_FLAT)
        return CORRUPT("bad metric or index type");
    if (h->count > (uint64_t)CG_VFILE_COUNT_MAX) return CORRUPT("bad count");
    if (memchr(h->model, 0, sizeof(h->model)) == NULL) return CORRUPT("model id not terminated");
    return 0;
}

/* The exact length section s must have (NEIGHBORS: from the validated offsets, later). */
static uint64_t sec_expected(const cg_vfile_header *h, int s)
{
    uint64_t n = h->count, hnsw = h->index_type == CG_VINDEX_HNSW;
    switch (s) {
    case CG_VSEC_IDS: return n * 8;
    case CG_VSEC_IDMAP: return n * 16;
    case CG_VSEC_LEVELS: return hnsw ? n * 4 : 0;
    case CG_VSEC_OFFSETS: return hnsw ? (n + 1) * 8 : 0;
    case CG_VSEC_VECTORS: return n * h->dim * 4; /* < 2^31 * 2^16 * 4: no overflow */
    case CG_VSEC_SQPARAMS: return hnsw ? n * 8 : 0;
    case CG_VSEC_SQCODES: return hnsw ? n * h->dim : 0;
    default: return 0;
    }
}

static int check_geometry(const cg_vfile_header *h, char *err, size_t errlen)
{
    uint64_t pos = CG_VFILE_HEADER_SIZE;
    for (int s = 0; s < CG_VSEC_COUNT; s++) {
        const cg_vfile_secent *e = &h->sec[s];
        if (e->offset % sec_align(s) || e->offset < pos || e->offset > h->file_size ||
            e->length > h->file_size - e->offset)
            return CORRUPT("section %s out of place", sec_names[s]);
        if (s != CG_VSEC_NEIGHBORS && e->length != sec_expected(h, s))
            return CORRUPT("section %s has length %llu, expected %llu", sec_names[s],
                           (unsigned long long)e->length, (unsigned long long)sec_expected(h, s));
        if (s == CG_VSEC_NEIGHBORS && e->length % 4)
            return CORRUPT("section neighbors misaligned length");
        pos = e->offset + e->length;
    }
    if (pos != h->file_size) return CORRUPT("trailing bytes after the last section");
    return 0;
}

static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* Bytes outside every section (header tail, alignment gaps) must be zero: then every byte of a
 * file is covered by a checksum or a check, and any corruption is detected. */
static int check_padding(const uint8_t *buf, const cg_vfile_header *h, char *err, size_t errlen)
{
    uint64_t pos = sizeof(cg_vfile_header);
    for (int s = 0; s < CG_VSEC_COUNT; s++) {
        if (!all_zero(buf + pos, h->sec[s].offset - pos))
            return CORRUPT("nonzero padding before section %s", sec_names[s]);
        pos = h->sec[s].offset + h->sec[s].length;
    }
    return 0;
}

static int check_sum(const uint8_t *buf, const cg_vfile_header *h, int s, char *err, size_t errlen)
{
    const cg_vfile_secent *e = &h->sec[s];
    if (XXH3_64bits(buf + e->offset, e->length) != e->xxh3)
        return CORRUPT("section %s checksum mismatch", sec_names[s]);
    return 0;
}

static int check_idmap(const cg_vfile_view *v, char *err, size_t errlen)
{
    for (int64_t i = 0; i < v->n; i++) {
        const cg_vfile_idmap_ent *e = &v->idmap[i];
        if (i > 0 && e->id <= v->idmap[i - 1].id) return CORRUPT("idmap not sorted");
        if (e->node >= (uint64_t)v->n || v->ids[e->node] != e->id)
            return CORRUPT("idmap entry %lld inconsistent", (long long)i);
    }
    return 0;
}

/* cum table, levels and offsets of an HNSW file. */
static int check_graph(cg_vfile_view *v, char *err, size_t errlen)
{
    const cg_vfile_header *h = v->h;
    if (h->n_cum < 2 || h->n_cum > CG_VFILE_CUM_MAX || h->cum[0] != 0)
        return CORRUPT("bad level table");
    for (uint32_t l = 1; l < h->n_cum; l++)
        if (h->cum[l] < h->cum[l - 1] || h->cum[l] > (1 << 20)) return CORRUPT("bad level table");
    if (v->n == 0) {
        if (h->entry_point != -1 || v->offsets[0] != 0) return CORRUPT("bad empty graph");
        return 0;
    }
    if (h->max_level < 0 || (uint32_t)h->max_level + 1 >= h->n_cum)
        return CORRUPT("bad max level %d", h->max_level);
    if (h->entry_point < 0 || h->entry_point >= v->n ||
        v->levels[h->entry_point] != h->max_level + 1)
        return CORRUPT("bad entry point");
    if (v->offsets[0] != 0) return CORRUPT("bad offsets");
    for (int64_t i = 0; i < v->n; i++) {
        int32_t lv = v->levels[i];
        if (lv < 1 || lv > h->max_level + 1) return CORRUPT("bad level of node %lld", (long long)i);
        if (v->offsets[i + 1] < v->offsets[i] ||
            v->offsets[i + 1] - v->offsets[i] != (uint64_t)h->cum[lv])
            return CORRUPT("bad offsets of node %lld", (long long)i);
    }
    if (v->offsets[v->n] != v->n_neighbors) return CORRUPT("neighbors length mismatch");
    return 0;
}

static void view_fill(cg_vfile_view *v, const uint8_t *buf, size_t len)
{
    const cg_vfile_header *h = (const cg_vfile_header *)buf;
    memset(v, 0, sizeof(*v));
    v->base = buf;
    v->len = len;
    v->h = h;
    v->n = (int64_t)h->count;
    v->dim = (int)h->dim;
    v->metric = (cg_vindex_metric)h->metric;
    v->type = (cg_vindex_type)h->index_type;
    v->ids = (const uint64_t *)(buf + h->sec[CG_VSEC_IDS].offset);
    v->idmap = (const cg_vfile_idmap_ent *)(buf + h->sec[CG_VSEC_IDMAP].offset);
    v->levels = (const int32_t *)(buf + h->sec[CG_VSEC_LEVELS].offset);
    v->offsets = (const uint64_t *)(buf + h->sec[CG_VSEC_OFFSETS].offset);
    v->neighbors = (const int32_t *)(buf + h->sec[CG_VSEC_NEIGHBORS].offset);
    v->n_neighbors = h->sec[CG_VSEC_NEIGHBORS].length / 4;
    v->vectors = (const float *)(buf + h->sec[CG_VSEC_VECTORS].offset);
    if (h->sec[CG_VSEC_SQCODES].length) {
        v->sq_params = (const float *)(buf + h->sec[CG_VSEC_SQPARAMS].offset);
        v->sq_codes = (const int8_t *)(buf + h->sec[CG_VSEC_SQCODES].offset);
    }
}

int cg_vfile_check(const uint8_t *buf, size_t len, int mode, cg_vfile_view *v, char *err,
                   size_t errlen)
{
    const cg_vfile_header *h = (const cg_vfile_header *)buf;
    int rc;

    if (!buf || !v || ((uintptr_t)buf & 7))
        return cg_vfile_fail(err, errlen, CG_EINVAL, "bad buffer");
    memset(v, 0, sizeof(*v));
    if ((rc = check_header(buf, len, h, err, errlen))) return rc;
    if ((rc = check_geometry(h, err, errlen))) return rc;
    if ((rc = check_padding(buf, h, err, errlen))) return rc;
    for (int s = CG_VSEC_IDS; s <= CG_VSEC_OFFSETS; s++)
        if ((rc = check_sum(buf, h, s, err, errlen))) return rc;
    view_fill(v, buf, len);
    if ((rc = check_idmap(v, err, errlen))) return rc;
    if (v->type == CG_VINDEX_HNSW) {
        if ((rc = check_graph(v, err, errlen))) return rc;
    } else if (v->n_neighbors != 0) {
        return CORRUPT("flat index with a graph");
    }
    if (mode == CG_VFILE_CHECK_FULL && (rc = cg_vfile_check_bulk(v, err, errlen))) return rc;
    return 0;
}

int cg_vfile_check_bulk(cg_vfile_view *v, char *err, size_t errlen)
{
    int rc;
    if (!v || !v->h) return cg_vfile_fail(err, errlen, CG_EINVAL, "no view");
    for (int s = CG_VSEC_NEIGHBORS; s < CG_VSEC_COUNT; s++)
        if ((rc = check_sum(v->base, v->h, s, err, errlen))) return rc;
    v->bulk_checked = 1;
    return 0;
}

void cg_vfile_sq_encode(const float *x, int dim, int8_t *code, float params[2])
{
    float mx = 0, sq = 0;
    for (int j = 0; j < dim; j++) {
        mx = fmaxf(mx, fabsf(x[j]));
        sq += x[j] * x[j];
    }
    float scale = mx / 127.0f, inv = mx > 0 ? 127.0f / mx : 0;
    for (int j = 0; code && j < dim; j++)
        code[j] = (int8_t)fmaxf(-127.0f, fminf(127.0f, rintf(x[j] * inv)));
    params[0] = scale;
    params[1] = sq;
}

int64_t cg_vfile_node_of(const cg_vfile_view *v, uint64_t id)
{
    int64_t lo = 0, hi = v->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        uint64_t x = v->idmap[mid].id;
        if (x == id) return (int64_t)v->idmap[mid].node;
        if (x < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void cg_vfile_to_faiss_view(const cg_vfile_view *v, cg_faiss_hnsw_view *out)
{
    const cg_vfile_header *h = v->h;
    memset(out, 0, sizeof(*out));
    out->n = v->n;
    out->dim = v->dim;
    out->metric = v->metric == CG_VINDEX_L2 ? CG_FAISS_METRIC_L2 : CG_FAISS_METRIC_IP;
    out->max_level = h->max_level;
    out->entry_point = h->entry_point;
    out->ef_construction = (int)h->ef_construction;
    out->ef_search = (int)h->ef_search;
    out->levels = v->levels;
    out->offsets = v->offsets;
    out->neighbors = v->neighbors;
    out->cum_nneighbor_per_level = h->cum;
    out->n_cum = (int)h->n_cum;
    out->vectors = v->vectors;
}

/* ---- writing ---- */

typedef struct vwriter {
    int fd;
    uint64_t pos;
    uint8_t *buf;
    size_t used;
    XXH3_state_t *st;
    int err; /* first -errno */
} vwriter;

static void vw_flush(vwriter *w)
{
    size_t off = 0;
    while (!w->err && off < w->used) {
        ssize_t r = write(w->fd, w->buf + off, w->used - off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) w->err = r < 0 ? -errno : -EIO;
        if (r > 0) off += (size_t)r;
    }
    w->used = 0;
}

static void vw_put(vwriter *w, const void *p, size_t n)
{
    const uint8_t *s = p;
    if (w->st) XXH3_64bits_update(w->st, p, n);
    w->pos += n;
    while (n) {
        size_t c = CG_MIN(n, VFILE_WBUF - w->used);
        memcpy(w->buf + w->used, s, c);
        w->used += c;
        s += c;
        n -= c;
        if (w->used == VFILE_WBUF) vw_flush(w);
    }
}

static void vw_pad(vwriter *w, uint64_t align)
{
    static const uint8_t zeros[CG_VFILE_HEADER_SIZE];
    XXH3_state_t *st = w->st;
    w->st = NULL; /* padding is outside every section */
    while (w->pos % align) vw_put(w, zeros, CG_MIN(align - w->pos % align, sizeof(zeros)));
    w->st = st;
}

static int idmap_cmp(const void *a, const void *b)
{
    uint64_t x = ((const cg_vfile_idmap_ent *)a)->id, y = ((const cg_vfile_idmap_ent *)b)->id;
    return x < y ? -1 : x > y;
}

/* Bytes of section s of c and their count. */
static const void *content_sec(const cg_vfile_content *c, const cg_vfile_idmap_ent *idmap, int s,
                               uint64_t *len)
{
    uint64_t n = (uint64_t)c->n, hnsw = c->type == CG_VINDEX_HNSW && c->n > 0;
    switch (s) {
    case CG_VSEC_IDS: *len = n * 8; return c->ids;
    case CG_VSEC_IDMAP: *len = n * 16; return idmap;
    case CG_VSEC_LEVELS: *len = hnsw ? n * 4 : 0; return c->levels;
    case CG_VSEC_NEIGHBORS: *len = hnsw ? c->offsets[n] * 4 : 0; return c->neighbors;
    case CG_VSEC_VECTORS: *len = n * (uint64_t)c->dim * 4; return c->vectors;
    case CG_VSEC_SQPARAMS: *len = hnsw ? n * 8 : 0; return NULL; /* vw_put_sq */
    case CG_VSEC_SQCODES: *len = hnsw ? n * (uint64_t)c->dim : 0; return NULL;
    default: *len = 0; return NULL;
    }
}

/* The SQ8 section s (params or codes) of c's vectors, encoded node by node. */
static void vw_put_sq(vwriter *w, const cg_vfile_content *c, int s, int8_t *code)
{
    float params[2];
    for (int64_t i = 0; i < c->n; i++) {
        /* the params pass skips the rounding: it is done once, for SQCODES */
        cg_vfile_sq_encode(c->vectors + (size_t)i * (size_t)c->dim, c->dim,
                           s == CG_VSEC_SQCODES ? code : NULL, params);
        if (s == CG_VSEC_SQPARAMS)
            vw_put(w, params, sizeof(params));
        else
            vw_put(w, code, (size_t)c->dim);
    }
}

static void write_sections(vwriter *w, const cg_vfile_content *c, const cg_vfile_idmap_ent *idmap,
                           cg_vfile_header *h, int8_t *code)
{
    static const uint64_t empty_offsets[1] = {0};
    for (int s = 0; s < CG_VSEC_COUNT; s++) {
        uint64_t len = 0;
        const void *p = content_sec(c, idmap, s, &len);
        vw_pad(w, sec_align(s));
        h->sec[s].offset = w->pos;
        XXH3_64bits_reset(w->st);
        if (s == CG_VSEC_OFFSETS && c->type == CG_VINDEX_HNSW) {
            /* an empty graph still has offsets[0] == 0 */
            p = c->n > 0 ? (const void *)c->offsets : empty_offsets;
            len = ((uint64_t)c->n + 1) * 8;
        }
        if (len && s >= CG_VSEC_SQPARAMS)
            vw_put_sq(w, c, s, code);
        else if (len)
            vw_put(w, p, len);
        h->sec[s].length = len;
        h->sec[s].xxh3 = XXH3_64bits_digest(w->st);
    }
}

static void header_fill(cg_vfile_header *h, const cg_vfile_content *c)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->magic, CG_VFILE_MAGIC, 8);
    h->version = CG_VFILE_VERSION;
    h->header_size = CG_VFILE_HEADER_SIZE;
    h->dim = (uint32_t)c->dim;
    h->metric = (uint32_t)c->metric;
    h->index_type = (uint32_t)c->type;
    h->m = (uint32_t)c->m;
    h->ef_construction = (uint32_t)c->ef_construction;
    h->ef_search = (uint32_t)c->ef_search;
    h->count = (uint64_t)c->n;
    h->db_seq = c->db_seq;
    h->created_unix = (uint64_t)time(NULL);
    snprintf(h->model, sizeof(h->model), "%s", c->model ? c->model : "");
    h->entry_point = -1;
    if (c->type == CG_VINDEX_HNSW) {
        h->n_cum = (uint32_t)c->n_cum;
        for (int l = 0; l < c->n_cum; l++) h->cum[l] = c->cum[l];
        if (c->n > 0) {
            h->max_level = c->max_level;
            h->entry_point = c->entry_point;
        }
    }
}

static int content_valid(const cg_vfile_content *c)
{
    if (c->n < 0 || c->n > CG_VFILE_COUNT_MAX || c->dim < 1 || c->dim > CG_FAISS_DIM_MAX) return 0;
    if (c->n > 0 && (!c->ids || !c->vectors)) return 0;
    if (c->type != CG_VINDEX_HNSW) return 1;
    if (c->n_cum < 2 || c->n_cum > CG_VFILE_CUM_MAX || !c->cum) return 0;
    return c->n == 0 || (c->levels && c->offsets && c->neighbors);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = fsync(fd) ? -errno : 0;
    close(fd);
    return rc;
}

/* Stream header placeholder + sections + real header into fd. */
static int write_fd(int fd, const cg_vfile_content *c, const cg_vfile_idmap_ent *idmap)
{
    cg_vfile_header h;
    vwriter w = {.fd = fd};
    int rc = CG_ENOMEM;
    int8_t *code = malloc((size_t)c->dim);
    w.buf = malloc(VFILE_WBUF);
    w.st = XXH3_createState();
    if (!w.buf || !w.st || !code) goto fail;
    header_fill(&h, c);
    vw_pad(&w, CG_VFILE_HEADER_SIZE); /* pos 0: writes nothing */
    {
        static const uint8_t zeros[CG_VFILE_HEADER_SIZE];
        XXH3_state_t *st = w.st;
        w.st = NULL;
        vw_put(&w, zeros, sizeof(zeros));
        w.st = st;
    }
    write_sections(&w, c, idmap, &h, code);
    vw_flush(&w);
    h.file_size = w.pos;
    h.header_xxh3 = XXH3_64bits(&h, offsetof(cg_vfile_header, header_xxh3));
    rc = w.err;
    if (!rc && pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) rc = errno ? -errno : -EIO;
    if (!rc && fsync(fd)) rc = -errno;
fail:
    free(code);
    free(w.buf);
    if (w.st) XXH3_freeState(w.st);
    return rc;
}

int cg_vfile_write(const char *dir, const cg_vfile_content *c, char *name_out, char *err,
                   size_t errlen)
{
    char name[CG_VFILE_NAME_MAX], tmp[4096], fin[4096];
    struct timespec ts;
    cg_vfile_idmap_ent *idmap = NULL;
    int fd = -1, rc;

    if (!dir || !c || !content_valid(c))
        return cg_vfile_fail(err, errlen, CG_EINVAL, "vfile_write: bad content");
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, sizeof(name), "vindex-%016llx-%016llx.cgv", (unsigned long long)c->db_seq,
             (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
    snprintf(fin, sizeof(fin), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", fin);
    idmap = malloc(sizeof(*idmap) * (size_t)(c->n ? c->n : 1));
    if (!idmap) return cg_vfile_fail(err, errlen, CG_ENOMEM, "vfile_write: out of memory");
    for (int64_t i = 0; i < c->n; i++) idmap[i] = (cg_vfile_idmap_ent){c->ids[i], (uint64_t)i};
    qsort(idmap, (size_t)c->n, sizeof(*idmap), idmap_cmp);
    for (int64_t i = 1; i < c->n; i++)
        if (idmap[i].id == idmap[i - 1].id) {
            rc = cg_vfile_fail(err, errlen, CG_EINVAL, "vfile_write: duplicate id");
            goto fail;
        }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = cg_vfile_fail(err, errlen, -errno, "vfile_write: %s: %s", tmp, strerror(errno));
        goto fail;
    }
    rc = write_fd(fd, c, idmap);
    if (close(fd) && !rc) rc = -errno;
    fd = -1;
    if (!rc && rename(tmp, fin)) rc = -errno;
    if (!rc) rc = fsync_dir(dir);
    if (rc) {
        unlink(tmp);
        cg_vfile_fail(err, errlen, rc, "vfile_write: %s: %s", fin, strerror(rc < 0 ? -rc : EIO));
        goto fail;
    }
    if (name_out) snprintf(name_out, CG_VFILE_NAME_MAX, "%s", name);
fail:
    free(idmap);
    return rc;
}

/* ---- mapping ---- */

int cg_vfile_map_open(cg_vfile_map *m, const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    int rc = 0;

    memset(m, 0, sizeof(*m));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? CG_ENOINDEX : -errno;
    if (fstat(fd, &st)) {
        rc = -errno;
        goto fail;
    }
    m->len = (size_t)st.st_size;
    snprintf(m->name, sizeof(m->name), "%s", name);
    if (m->len == 0) goto fail; /* nothing to map; the check reports it as too short */
    m->addr = mmap(NULL, m->len, PROT_READ, MAP_SHARED, fd, 0);
    if (m->addr == MAP_FAILED) {
        m->addr = NULL;
        rc = -errno;
    }
fail:
    close(fd);
    return rc;
}

void cg_vfile_map_close(cg_vfile_map *m)
{
    if (m && m->addr) munmap(m->addr, m->len);
    if (m) m->addr = NULL;
}

static int name_is(const char *n, const char *suffix)
{
    size_t ln = strlen(n), ls = strlen(suffix);
    return strncmp(n, "vindex-", 7) == 0 && ln > ls && strcmp(n + ln - ls, suffix) == 0;
}

int cg_vfile_newest(const char *dir, char *name)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;

    if (!d) return -errno;
    name[0] = 0;
    while ((e = readdir(d))) {
        if (name_is(e->d_name, ".cgv.tmp")) {
            unlinkat(dirfd(d), e->d_name, 0);
            continue;
        }
        if (!name_is(e->d_name, ".cgv") || strlen(e->d_name) >= CG_VFILE_NAME_MAX) continue;
        if (!found || strcmp(e->d_name, name) > 0)
            snprintf(name, CG_VFILE_NAME_MAX, "%s", e->d_name);
        found = 1;
    }
    closedir(d);
    return found;
}
