/*
 * verify.c — `codegraph verify`: check a database (and its vector index) against itself.
 *
 *   1. every key of every column family is read: RocksDB verifies the checksum of each block
 *      it reads (ReadOptions.verify_checksums is on by default), so a damaged SST fails here;
 *   2. the graph's invariants (the DESIGN comment of src/graph/graph_int.h, whose codecs are
 *      used to read keys and records — read-only use of the graph's private header):
 *      - every out_edges key (src K dst) has the in_edges mirror (dst K src) with an identical
 *        record, and every in_edges key has its out_edges mirror;
 *      - both ends of every edge exist in entities;
 *      - every entity decodes, its file uid record (files 02 U) exists, names a project that
 *        is the entity's, and that project's file record (files 01 P path) exists;
 *      - every names entry (P lc(name) 00 E) points at an existing entity;
 *   3. when <data>/vector holds an index file: its checksums (every section) and that every
 *      entity id it indexes exists in entities. (The file format is src/vector/vfile.h.)
 * A problem is counted and, for the first CG_VERIFY_PROBLEMS_MAX, described; the checks go
 * on, so one run reports everything. Runs on an open store at the latest state; the CLI opens
 * the store itself, so a running server must be stopped first (RocksDB allows one process).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "graph/graph_int.h"
#include "vector/vfile.h"

#define VERIFY_EDGE_KEY_LEN 17 /* src u64 + kind u8 + dst u64 */
#define VERIFY_ID_LEN 8

static void problem(cg_verify_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void problem(cg_verify_report *r, const char *fmt, ...)
{
    r->problems++;
    if (r->n_msgs >= CG_VERIFY_PROBLEMS_MAX) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msgs[r->n_msgs++], sizeof r->msgs[0], fmt, ap);
    va_end(ap);
}

/* 1 when key exists in cf (value into `val` when given), 0 absent, <0 read error. */
static int exists(cg_store *s, cg_store_cf cf, const void *key, size_t klen, cg_buf *val)
{
    cg_buf tmp;
    cg_buf_init(&tmp);
    int rc = cg_store_get(s, NULL, cf, key, klen, val ? val : &tmp, NULL, 0);
    cg_buf_release(&tmp);
    return rc >= 0 ? 1 : rc == CG_ENOTFOUND ? 0 : rc;
}

static int entity_exists(cg_store *s, uint64_t id)
{
    gr_key k;
    gr_k_entity(&k, id);
    return exists(s, CG_STORE_CF_ENTITIES, k.b, k.n, NULL);
}

/* Walk every key of cf; fn (may be NULL) sees each. Counts into r->keys[cf]. */
static int walk(cg_store *s, cg_store_cf cf, cg_verify_report *r,
                void (*fn)(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                           const uint8_t *v, size_t vl, void *ctx),
                void *ctx, char *err, size_t errlen)
{
    cg_store_iter *it = NULL;
    int rc = cg_store_iter_create(s, NULL, cf, NULL, 0, NULL, 0, &it);
    if (rc) return rc;
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl), *v = cg_store_iter_value(it, &vl);
        r->keys[cf]++;
        if (fn) fn(s, r, k, kl, v, vl, ctx);
    }
    rc = cg_store_iter_status(it, err, errlen);
    if (rc) problem(r, "reading column family %s: %s", cg_store_cf_name(cf), err);
    cg_store_iter_destroy(it);
    return rc == CG_ECORRUPT ? 0 : rc; /* corruption is a finding; I/O errors stop */
}

/* An edge key of `cf` (out_edges when out): mirror, same record, both ends exist. */
static void check_edge(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                       const uint8_t *v, size_t vl, void *ctx)
{
    int out = ctx != NULL;
    gr_key m;
    cg_buf mv;

    if (kl != VERIFY_EDGE_KEY_LEN) {
        problem(r, "%s: key of %zu bytes (expected 17)", out ? "out_edges" : "in_edges", kl);
        return;
    }
    uint64_t a = gr_get_u64(k), b = gr_get_u64(k + 9);
    gr_k_edge(&m, b, k[8], a);
    cg_buf_init(&mv);
    int rc = exists(s, out ? CG_STORE_CF_IN_EDGES : CG_STORE_CF_OUT_EDGES, m.b, m.n, &mv);
    if (rc == 0)
        problem(r, "%s edge %llu -[%d]-> %llu has no %s mirror", out ? "out" : "in",
                (unsigned long long)(out ? a : b), k[8], (unsigned long long)(out ? b : a),
                out ? "in_edges" : "out_edges");
    else if (rc == 1 && out && (mv.len != vl || memcmp(mv.data, v, vl) != 0))
        problem(r, "edge %llu -[%d]-> %llu: out_edges and in_edges records differ",
                (unsigned long long)a, k[8], (unsigned long long)b);
    cg_buf_release(&mv);
    if (!out) return;
    r->out_edges++;
    if (entity_exists(s, a) == 0)
        problem(r, "edge source entity %llu is missing", (unsigned long long)a);
    if (entity_exists(s, b) == 0)
        problem(r, "edge target entity %llu is missing", (unsigned long long)b);
}

static void check_in_edge(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                          const uint8_t *v, size_t vl, void *ctx)
{
    CG_UNUSED(ctx);
    r->in_edges++;
    check_edge(s, r, k, kl, v, vl, NULL);
}

static void check_out_edge(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                           const uint8_t *v, size_t vl, void *ctx)
{
    CG_UNUSED(ctx);
    check_edge(s, r, k, kl, v, vl, r);
}

/* The last file uid checked: entities come in id order, so a file's come together. */
typedef struct uid_cache {
    uint64_t uid;
    int known, ok;
    uint32_t project;
} uid_cache;

/* Does file uid exist with its file record? Sets c->project. */
static void check_uid(cg_store *s, cg_verify_report *r, uint64_t uid, uid_cache *c)
{
    gr_key k;
    cg_buf v;
    const char *path = NULL;

    c->uid = uid;
    c->known = 1;
    c->ok = 0;
    cg_buf_init(&v);
    gr_k_uid(&k, GR_TAG_FILE_UID, uid);
    int rc = exists(s, CG_STORE_CF_FILES, k.b, k.n, &v);
    if (rc == 0)
        problem(r, "file uid %llu (of entities) has no uid record", (unsigned long long)uid);
    if (rc == 1 && gr_dec_uid(v.data, v.len, &c->project, &path) != 0)
        problem(r, "file uid %llu: undecodable uid record", (unsigned long long)uid);
    else if (rc == 1) {
        gr_k_file(&k, c->project, path);
        rc = exists(s, CG_STORE_CF_FILES, k.b, k.n, NULL);
        if (rc == 0)
            problem(r, "file %s (project %u, uid %llu) has entities but no file record", path,
                    c->project, (unsigned long long)uid);
        c->ok = rc == 1;
        r->files += rc == 1;
    }
    cg_buf_release(&v);
}

static void check_entity(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                         const uint8_t *v, size_t vl, void *ctx)
{
    uid_cache *c = ctx;
    gr_entity e;

    if (kl != VERIFY_ID_LEN) {
        problem(r, "entities: key of %zu bytes (expected 8)", kl);
        return;
    }
    uint64_t id = gr_get_u64(k);
    r->entities++;
    if (gr_dec_entity(v, vl, id, &e) != 0) {
        problem(r, "entity %llu: undecodable record", (unsigned long long)id);
        return;
    }
    uint64_t uid = CG_GRAPH_ID_FILE(id);
    if (!c->known || c->uid != uid) check_uid(s, r, uid, c);
    if (c->ok && e.project != c->project)
        problem(r, "entity %llu belongs to project %u but its file to project %u",
                (unsigned long long)id, e.project, c->project);
}

static void check_name(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                       const uint8_t *v, size_t vl, void *ctx)
{
    CG_UNUSED(v);
    CG_UNUSED(vl);
    CG_UNUSED(ctx);
    if (kl < 4 + 1 + VERIFY_ID_LEN) {
        problem(r, "names: key of %zu bytes is too short", kl);
        return;
    }
    uint64_t id = gr_get_u64(k + kl - VERIFY_ID_LEN);
    if (entity_exists(s, id) == 0)
        problem(r, "names entry of project %u points at missing entity %llu", gr_get_u32(k),
                (unsigned long long)id);
}

static void count_project(cg_store *s, cg_verify_report *r, const uint8_t *k, size_t kl,
                          const uint8_t *v, size_t vl, void *ctx)
{
    CG_UNUSED(s);
    CG_UNUSED(v);
    CG_UNUSED(vl);
    CG_UNUSED(ctx);
    r->projects += kl == 5 && k[0] == GR_TAG_PROJECT;
}

/* The newest vector file: checksums, and every indexed id in entities. */
static int check_vectors(cg_store *s, const char *dir, cg_verify_report *r)
{
    char name[CG_VFILE_NAME_MAX], err[256];
    cg_vfile_map m;
    cg_vfile_view v;

    if (!dir || cg_vfile_newest(dir, name) != 1) return 0;
    r->vector_checked = 1;
    r->vector_files = 1;
    int rc = cg_vfile_map_open(&m, dir, name);
    if (rc) {
        problem(r, "vector file %s/%s: cannot map: %s", dir, name, cg_err_str(rc));
        return 0;
    }
    if (cg_vfile_check(m.addr, m.len, CG_VFILE_CHECK_FULL, &v, err, sizeof err) != 0) {
        problem(r, "vector file %s: %s", name, err);
    } else {
        for (int64_t i = 0; i < v.n; i++) {
            r->vector_ids++;
            rc = entity_exists(s, v.ids[i]);
            if (rc == 0)
                problem(r, "vector file %s indexes id %llu, which is not in entities", name,
                        (unsigned long long)v.ids[i]);
        }
    }
    cg_vfile_map_close(&m);
    return 0;
}

int cg_verify_run(cg_store *s, const char *vector_dir, cg_verify_report *rep, char *err,
                  size_t errlen)
{
    uid_cache uc = {0};
    int rc = 0;

    memset(rep, 0, sizeof *rep);
    for (int cf = 0; cf < CG_STORE_CF_COUNT && !rc; cf++) {
        switch (cf) {
        case CG_STORE_CF_OUT_EDGES: rc = walk(s, cf, rep, check_out_edge, NULL, err, errlen); break;
        case CG_STORE_CF_IN_EDGES: rc = walk(s, cf, rep, check_in_edge, NULL, err, errlen); break;
        case CG_STORE_CF_ENTITIES: rc = walk(s, cf, rep, check_entity, &uc, err, errlen); break;
        case CG_STORE_CF_NAMES: rc = walk(s, cf, rep, check_name, NULL, err, errlen); break;
        case CG_STORE_CF_PROJECTS: rc = walk(s, cf, rep, count_project, NULL, err, errlen); break;
        default: rc = walk(s, (cg_store_cf)cf, rep, NULL, NULL, err, errlen);
        }
    }
    if (!rc) rc = check_vectors(s, vector_dir, rep);
    if (rc) return rc;
    return rep->problems ? CG_ECORRUPT : 0;
}
