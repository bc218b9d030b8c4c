/*
 * codec.c — the graph's on-disk encodings: big-endian keys, varint records (layouts in the
 * DESIGN comment of graph_int.h), language codes, and the splitting of names as written
 * into segments that resolution compares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

/* ---- keys ---- */

void gr_key_reset(gr_key *k)
{
    k->n = 0;
    k->over = 0;
}

void gr_key_bytes(gr_key *k, const void *p, size_t n)
{
    if (k->over || n > sizeof(k->b) - k->n) {
        k->over = 1;
        return;
    }
    memcpy(k->b + k->n, p, n);
    k->n += n;
}

void gr_key_u8(gr_key *k, uint8_t v)
{
    gr_key_bytes(k, &v, 1);
}

void gr_key_u32(gr_key *k, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    gr_key_bytes(k, b, 4);
}

void gr_key_u64(gr_key *k, uint64_t v)
{
    gr_key_u32(k, (uint32_t)(v >> 32));
    gr_key_u32(k, (uint32_t)v);
}

void gr_key_lower(gr_key *k, const char *s)
{
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        gr_key_u8(k, c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c);
    }
}

int gr_key_prefix_end(gr_key *k)
{
    while (k->n > 0) {
        if (k->b[k->n - 1] != 0xff) {
            k->b[k->n - 1]++;
            return 0;
        }
        k->n--;
    }
    return -1;
}

uint32_t gr_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t gr_get_u64(const uint8_t *p)
{
    return (uint64_t)gr_get_u32(p) << 32 | gr_get_u32(p + 4);
}

void gr_k_project(gr_key *k, uint32_t p)
{
    gr_key_reset(k);
    gr_key_u8(k, GR_TAG_PROJECT);
    gr_key_u32(k, p);
}

void gr_k_project_name(gr_key *k, const char *name)
{
    gr_key_reset(k);
    gr_key_u8(k, GR_TAG_PROJECT_NAME);
    gr_key_bytes(k, name, strlen(name));
}

void gr_k_file(gr_key *k, uint32_t p, const char *path)
{
    gr_key_reset(k);
    gr_key_u8(k, GR_TAG_FILE);
    gr_key_u32(k, p);
    if (path) gr_key_bytes(k, path, strlen(path));
}

void gr_k_uid(gr_key *k, uint8_t tag, uint64_t uid)
{
    gr_key_reset(k);
    gr_key_u8(k, tag);
    gr_key_u64(k, uid);
}

void gr_k_entity(gr_key *k, uint64_t id)
{
    gr_key_reset(k);
    gr_key_u64(k, id);
}

void gr_k_name(gr_key *k, uint32_t p, const char *name, uint64_t id)
{
    gr_key_reset(k);
    gr_key_u32(k, p);
    gr_key_lower(k, name);
    gr_key_u8(k, 0);
    gr_key_u64(k, id);
}

void gr_k_edge(gr_key *k, uint64_t a, int kind, uint64_t b)
{
    gr_key_reset(k);
    gr_key_u64(k, a);
    gr_key_u8(k, (uint8_t)kind);
    gr_key_u64(k, b);
}

void gr_k_unres(gr_key *k, uint32_t p, const char *simple, uint64_t uid, uint32_t ord)
{
    gr_key_reset(k);
    gr_key_u8(k, GR_TAG_UNRES);
    gr_key_u32(k, p);
    gr_key_lower(k, simple);
    gr_key_u8(k, 0);
    gr_key_u64(k, uid);
    gr_key_u32(k, ord);
}

void gr_k_pending(gr_key *k, uint32_t p, const char *name)
{
    gr_key_reset(k);
    gr_key_u8(k, GR_TAG_PENDING);
    gr_key_u32(k, p);
    gr_key_lower(k, name);
}

void gr_k_dirty(gr_key *k, uint32_t p, uint64_t uid)
{
    gr_key_reset(k);
    gr_key_u8(k, GR_TAG_DIRTY);
    gr_key_u32(k, p);
    gr_key_u64(k, uid);
}

/* ---- record writer / reader ---- */

void gr_put_u8(cg_buf *b, uint8_t v)
{
    cg_buf_append(b, &v, 1);
}

void gr_put_u32be(cg_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    cg_buf_append(b, x, 4);
}

void gr_put_u64be(cg_buf *b, uint64_t v)
{
    gr_put_u32be(b, (uint32_t)(v >> 32));
    gr_put_u32be(b, (uint32_t)v);
}

void gr_put_var(cg_buf *b, uint64_t v)
{
    uint8_t x[10];
    int n = 0;
    do {
        x[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) x[n] |= 0x80;
        n++;
    } while (v);
    cg_buf_append(b, x, (size_t)n);
}

void gr_put_str(cg_buf *b, const char *s, size_t n)
{
    gr_put_var(b, n);
    cg_buf_append(b, s ? s : "", n);
    gr_put_u8(b, 0);
}

void gr_rd_init(gr_rd *r, const void *p, size_t n)
{
    r->p = p;
    r->end = r->p + n;
    r->bad = 0;
}

uint8_t gr_rd_u8(gr_rd *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

uint32_t gr_rd_u32be(gr_rd *r)
{
    if (r->bad || r->end - r->p < 4) {
        r->bad = 1;
        return 0;
    }
    r->p += 4;
    return gr_get_u32(r->p - 4);
}

uint64_t gr_rd_u64be(gr_rd *r)
{
    uint64_t hi = gr_rd_u32be(r);
    return hi << 32 | gr_rd_u32be(r);
}

uint64_t gr_rd_var(gr_rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t c = gr_rd_u8(r);
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    r->bad = 1;
    return 0;
}

uint32_t gr_rd_var32(gr_rd *r)
{
    uint64_t v = gr_rd_var(r);
    if (v > UINT32_MAX) r->bad = 1;
    return (uint32_t)v;
}

const char *gr_rd_str(gr_rd *r, size_t *len)
{
    uint64_t n = gr_rd_var(r);
    const char *s;

    if (len) *len = 0;
    if (r->bad || n >= (uint64_t)(r->end - r->p) || r->p[n] != 0) {
        r->bad = 1;
        return "";
    }
    s = (const char *)r->p;
    r->p += n + 1;
    if (len) *len = (size_t)n;
    return s;
}

/* s into dst[cap], cut at cap - 1 bytes like snprintf "%s", without its format parsing
 * (record decoding is on the per-file path of indexing). */
static void gr_copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);

    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* A record must start with a version we read. */
static int gr_rd_version(gr_rd *r)
{
    uint8_t v = gr_rd_u8(r);
    if (v == 0 || v > GR_REC_VERSION) r->bad = 1;
    return v;
}

static int gr_rd_done(const gr_rd *r)
{
    return r->bad ? CG_ECORRUPT : 0;
}

static void gr_put_cstr(cg_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    gr_put_str(b, s, n > CG_GRAPH_STRING_MAX ? CG_GRAPH_STRING_MAX : n);
}

/* ---- records ---- */

void gr_enc_entity(cg_buf *b, const gr_entity *e)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u8(b, (uint8_t)e->kind);
    gr_put_u8(b, (uint8_t)e->lang);
    gr_put_u8(b, 0);
    gr_put_u32be(b, e->project);
    gr_put_var(b, e->parent_local);
    gr_put_var(b, e->span.start_line);
    gr_put_var(b, e->span.start_col);
    gr_put_var(b, e->span.end_line);
    gr_put_var(b, e->span.end_col);
    gr_put_var(b, e->span.start_byte);
    gr_put_var(b, e->span.end_byte);
    gr_put_cstr(b, e->name);
    gr_put_cstr(b, e->qname);
    gr_put_cstr(b, e->signature);
    gr_put_cstr(b, e->doc);
}

int gr_dec_entity(const void *p, size_t n, uint64_t id, gr_entity *e)
{
    gr_rd r;

    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    e->id = id;
    e->kind = gr_rd_u8(&r);
    e->lang = gr_rd_u8(&r);
    gr_rd_u8(&r);
    e->project = gr_rd_u32be(&r);
    e->parent_local = gr_rd_var32(&r);
    e->span.start_line = gr_rd_var32(&r);
    e->span.start_col = gr_rd_var32(&r);
    e->span.end_line = gr_rd_var32(&r);
    e->span.end_col = gr_rd_var32(&r);
    e->span.start_byte = gr_rd_var32(&r);
    e->span.end_byte = gr_rd_var32(&r);
    e->name = gr_rd_str(&r, NULL);
    e->qname = gr_rd_str(&r, NULL);
    e->signature = gr_rd_str(&r, NULL);
    e->doc = gr_rd_str(&r, NULL);
    if (e->kind >= CG_GRAPH_KIND_COUNT) r.bad = 1;
    return gr_rd_done(&r);
}

static void gr_put_counts(cg_buf *b, const uint32_t *v, int n)
{
    gr_put_u8(b, (uint8_t)n);
    for (int i = 0; i < n; i++) gr_put_var(b, v[i]);
}

/* Read a count array written by a build that may know more (or fewer) kinds. */
static void gr_rd_counts(gr_rd *r, uint32_t *v, int n)
{
    int stored = gr_rd_u8(r);
    for (int i = 0; i < stored; i++) {
        uint32_t x = gr_rd_var32(r);
        if (i < n) v[i] = x;
    }
}

void gr_enc_file(cg_buf *b, const cg_graph_file_info *f)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u64be(b, f->uid);
    gr_put_u64be(b, f->hash);
    gr_put_var(b, f->size);
    gr_put_var(b, (uint64_t)f->mtime_ns);
    gr_put_var(b, f->generation);
    gr_put_var(b, f->flags & ~(uint32_t)CG_GRAPH_FILE_DIRTY);
    gr_put_var(b, f->lines);
    gr_put_var(b, f->error_nodes);
    gr_put_var(b, f->entities);
    gr_put_var(b, f->refs);
    gr_put_var(b, f->unresolved);
    gr_put_counts(b, f->by_kind, CG_GRAPH_KIND_COUNT);
    gr_put_counts(b, f->edges, CG_EDGE_COUNT);
    gr_put_cstr(b, f->language);
}

int gr_dec_file(const void *p, size_t n, cg_graph_file_info *f)
{
    gr_rd r;
    const char *lang;

    memset(f, 0, sizeof(*f));
    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    f->uid = gr_rd_u64be(&r);
    f->hash = gr_rd_u64be(&r);
    f->size = gr_rd_var(&r);
    f->mtime_ns = (int64_t)gr_rd_var(&r);
    f->generation = gr_rd_var(&r);
    f->flags = gr_rd_var32(&r);
    f->lines = gr_rd_var32(&r);
    f->error_nodes = gr_rd_var32(&r);
    f->entities = gr_rd_var32(&r);
    f->refs = gr_rd_var32(&r);
    f->unresolved = gr_rd_var32(&r);
    gr_rd_counts(&r, f->by_kind, CG_GRAPH_KIND_COUNT);
    gr_rd_counts(&r, f->edges, CG_EDGE_COUNT);
    lang = gr_rd_str(&r, NULL);
    gr_copy_str(f->language, sizeof(f->language), lang);
    return gr_rd_done(&r);
}

void gr_enc_uid(cg_buf *b, uint32_t project, const char *path)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u32be(b, project);
    gr_put_str(b, path, strlen(path));
}

int gr_dec_uid(const void *p, size_t n, uint32_t *project, const char **path)
{
    gr_rd r;

    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    *project = gr_rd_u32be(&r);
    *path = gr_rd_str(&r, NULL);
    return gr_rd_done(&r);
}

void gr_enc_edge(cg_buf *b, const gr_edge *e)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u8(b, (uint8_t)e->resolution);
    gr_put_var(b, e->count);
    gr_put_var(b, e->line);
    gr_put_var(b, e->col);
}

int gr_dec_edge(const void *p, size_t n, gr_edge *e)
{
    gr_rd r;

    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    e->resolution = gr_rd_u8(&r);
    e->count = gr_rd_var32(&r);
    e->line = gr_rd_var32(&r);
    e->col = gr_rd_var32(&r);
    if (e->resolution >= CG_RES_COUNT) r.bad = 1;
    return gr_rd_done(&r);
}

void gr_enc_name(cg_buf *b, const gr_name *nm)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u8(b, (uint8_t)nm->kind);
    gr_put_u8(b, (uint8_t)nm->lang);
    gr_put_cstr(b, nm->name);
    gr_put_cstr(b, nm->qname);
}

int gr_dec_name(const void *p, size_t n, gr_name *nm)
{
    gr_rd r;

    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    nm->kind = gr_rd_u8(&r);
    nm->lang = gr_rd_u8(&r);
    nm->name = gr_rd_str(&r, NULL);
    nm->qname = gr_rd_str(&r, NULL);
    return gr_rd_done(&r);
}

void gr_enc_unres(cg_buf *b, const gr_unres *u)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u8(b, (uint8_t)u->kind);
    gr_put_u8(b, (uint8_t)u->reason);
    gr_put_var(b, u->from_local);
    gr_put_var(b, u->line);
    gr_put_var(b, u->col);
    gr_put_var(b, u->candidates);
    gr_put_cstr(b, u->name);
}

int gr_dec_unres(const void *p, size_t n, gr_unres *u)
{
    gr_rd r;

    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    u->kind = gr_rd_u8(&r);
    u->reason = gr_rd_u8(&r);
    u->from_local = gr_rd_var32(&r);
    u->line = gr_rd_var32(&r);
    u->col = gr_rd_var32(&r);
    u->candidates = gr_rd_var32(&r);
    u->name = gr_rd_str(&r, NULL);
    return gr_rd_done(&r);
}

void gr_enc_project(cg_buf *b, const cg_graph_project *p)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u8(b, (uint8_t)p->state);
    gr_put_u32be(b, p->id);
    gr_put_var(b, p->generation);
    gr_put_var(b, (uint64_t)p->created_s);
    gr_put_var(b, (uint64_t)p->indexed_s);
    gr_put_var(b, p->last_job);
    gr_put_cstr(b, p->name);
    gr_put_cstr(b, p->root);
}

int gr_dec_project(const void *p, size_t n, cg_graph_project *out)
{
    gr_rd r;

    memset(out, 0, sizeof(*out));
    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    out->state = gr_rd_u8(&r);
    out->id = gr_rd_u32be(&r);
    out->generation = gr_rd_var(&r);
    out->created_s = (int64_t)gr_rd_var(&r);
    out->indexed_s = (int64_t)gr_rd_var(&r);
    out->last_job = gr_rd_var(&r);
    gr_copy_str(out->name, sizeof(out->name), gr_rd_str(&r, NULL));
    gr_copy_str(out->root, sizeof(out->root), gr_rd_str(&r, NULL));
    return gr_rd_done(&r);
}

void gr_enc_job(cg_buf *b, const cg_graph_job *j)
{
    const uint64_t v[] = {j->files_total,
                          j->files_done,
                          j->files_skipped,
                          j->files_failed,
                          j->files_deleted,
                          j->entities,
                          j->edges,
                          (uint64_t)j->created_s,
                          (uint64_t)j->started_s,
                          (uint64_t)j->finished_s,
                          j->generation,
                          j->n_errors,
                          j->files_unchanged};
    int n = CG_MIN(j->n_msgs, CG_GRAPH_JOB_ERRORS_MAX);

    gr_put_u8(b, GR_REC_VERSION);
    gr_put_u32be(b, j->project);
    gr_put_u8(b, (uint8_t)j->state);
    gr_put_cstr(b, j->kind);
    gr_put_u8(b, (uint8_t)CG_ARRAY_LEN(v));
    for (size_t i = 0; i < CG_ARRAY_LEN(v); i++) gr_put_var(b, v[i]);
    gr_put_u8(b, (uint8_t)(n < 0 ? 0 : n));
    for (int i = 0; i < n; i++) gr_put_cstr(b, j->errors[i]);
}

int gr_dec_job(const void *p, size_t n, cg_graph_job *j)
{
    uint64_t v[13] = {0}; /* records written before files_unchanged existed have 12 */
    uint64_t id = j->id;
    gr_rd r;
    int nv, nm;

    memset(j, 0, sizeof(*j));
    j->id = id;
    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    j->project = gr_rd_u32be(&r);
    j->state = gr_rd_u8(&r);
    gr_copy_str(j->kind, sizeof(j->kind), gr_rd_str(&r, NULL));
    nv = gr_rd_u8(&r);
    for (int i = 0; i < nv; i++) {
        uint64_t x = gr_rd_var(&r);
        if (i < (int)CG_ARRAY_LEN(v)) v[i] = x;
    }
    j->files_total = v[0], j->files_done = v[1], j->files_skipped = v[2];
    j->files_failed = v[3], j->files_deleted = v[4], j->entities = v[5], j->edges = v[6];
    j->created_s = (int64_t)v[7], j->started_s = (int64_t)v[8], j->finished_s = (int64_t)v[9];
    j->generation = v[10], j->n_errors = (uint32_t)v[11], j->files_unchanged = v[12];
    nm = gr_rd_u8(&r);
    for (int i = 0; i < nm && !r.bad; i++) {
        const char *m = gr_rd_str(&r, NULL);
        if (i < CG_GRAPH_JOB_ERRORS_MAX) snprintf(j->errors[i], CG_GRAPH_JOB_ERROR_LEN, "%s", m);
    }
    j->n_msgs = CG_MIN(nm, CG_GRAPH_JOB_ERRORS_MAX);
    return gr_rd_done(&r);
}

void gr_enc_refs_head(cg_buf *b, uint32_t count)
{
    gr_put_u8(b, GR_REC_VERSION);
    gr_put_var(b, count);
}

void gr_enc_ref(cg_buf *b, const gr_ref *r)
{
    gr_put_u8(b, (uint8_t)r->kind);
    gr_put_var(b, r->from_local);
    gr_put_var(b, r->line);
    gr_put_var(b, r->col);
    gr_put_cstr(b, r->name);
}

int gr_dec_refs(const void *p, size_t n, gr_ref **out, uint32_t *count)
{
    gr_rd r;
    uint64_t c;
    gr_ref *v = NULL;

    *out = NULL;
    *count = 0;
    gr_rd_init(&r, p, n);
    gr_rd_version(&r);
    c = gr_rd_var(&r);
    if (r.bad || c > CG_GRAPH_FILE_REFS_MAX) return CG_ECORRUPT;
    if (c && !(v = calloc(c, sizeof(*v)))) return CG_ENOMEM;
    for (uint64_t i = 0; i < c; i++) {
        v[i].kind = gr_rd_u8(&r);
        v[i].from_local = gr_rd_var32(&r);
        v[i].line = gr_rd_var32(&r);
        v[i].col = gr_rd_var32(&r);
        v[i].name = gr_rd_str(&r, NULL);
        if (v[i].kind >= CG_REF_COUNT) r.bad = 1;
    }
    if (r.bad) {
        free(v);
        return CG_ECORRUPT;
    }
    *out = v;
    *count = (uint32_t)c;
    return 0;
}

/* ---- languages (codes are on disk: append only) ---- */

static const char *const gr_langs[] = {
    "",  "rust",   "python", "javascript", "typescript", "go",    "java",  "cpp",
    "c", "csharp", "kotlin", "php",        "ruby",       "swift", "scala", "dart",
};

int gr_lang_code(const char *name)
{
    if (!name || !*name) return 0;
    for (size_t i = 1; i < CG_ARRAY_LEN(gr_langs); i++)
        if (strcmp(name, gr_langs[i]) == 0) return (int)i;
    return 0;
}

const char *gr_lang_name(int code)
{
    return code > 0 && code < (int)CG_ARRAY_LEN(gr_langs) ? gr_langs[code] : "";
}
