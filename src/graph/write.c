/*
 * write.c — per-file writes: cg_graph_file_put replaces everything a file contributed to
 * the graph in one WriteBatch; cg_graph_file_delete removes it. Also file record reads.
 *
 * DESIGN (see graph_int.h for the keys)
 * A batch for file U of project P, in this order (later operations win):
 *   1. delete U's old entity records and their name keys (names of entities whose id is
 *      not kept become pending), every out-edge of U's entities with its mirror, every
 *      in-edge from another file into an id that is not kept (with its mirror; that file
 *      is marked dirty), U's dirty mark, and — when U had been resolved since its last put
 *      (GR_FILE_RESOLVED) — the unresolved keys of its old references; all skipped (no
 *      reads) when U was just allocated, since uids are never reused;
 *   2. write the file node and entities, their name keys, contains edges (exact), the
 *      references blob, the uid record and the file record (counts, generation);
 *   3. with CG_GRAPH_PUT_RESOLVE, resolved edges and unresolved entries; else the dirty
 *      mark (U waits for cg_graph_resolve_*).
 * Reads in step 1 see the latest state; they only touch U's own keys and in-edges into
 * U, which no concurrent put of another file can create (puts never write cross-file
 * edges unless CG_GRAPH_PUT_RESOLVE is used, which the caller must then serialize).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "graph/graph_int.h"
#include "search/hook.h" /* TXT: the lexical index is written in the same batch */

/* A put or delete in progress. */
typedef struct gr_put {
    cg_graph *g;
    uint32_t project;
    uint64_t uid;
    const char *path;
    int lang;
    cg_store_batch *b;
    cg_buf tmp, val;
    gr_idmap keep;      /* ids the new version has (value unused) */
    gr_idmap old;       /* ids the old version had */
    gr_idmap dirty;     /* other files marked dirty */
    uint32_t old_flags; /* the replaced file record's flags (0 when new) */
    int fresh;          /* uid newly allocated: nothing is stored under it yet */
} gr_put;

static int gr_put_begin(gr_put *w, cg_graph *g, uint32_t project, const char *path)
{
    memset(w, 0, sizeof(*w));
    w->g = g;
    w->project = project;
    w->path = path;
    cg_buf_init(&w->tmp);
    cg_buf_init(&w->val);
    gr_idmap_init(&w->keep);
    gr_idmap_init(&w->old);
    gr_idmap_init(&w->dirty);
    w->b = cg_store_batch_create(g->s);
    return w->b ? 0 : CG_ENOMEM;
}

static void gr_put_end(gr_put *w)
{
    cg_store_batch_destroy(w->b);
    cg_buf_release(&w->tmp);
    cg_buf_release(&w->val);
    gr_idmap_release(&w->keep);
    gr_idmap_release(&w->old);
    gr_idmap_release(&w->dirty);
}

static void gr_batch_key(cg_store_batch *b, cg_store_cf cf, const gr_key *k, const cg_buf *v)
{
    cg_store_batch_put(b, cf, k->b, k->n, v ? v->data : "", v ? v->len : 0);
}

static void gr_batch_del(cg_store_batch *b, cg_store_cf cf, const gr_key *k)
{
    cg_store_batch_delete(b, cf, k->b, k->n);
}

static void gr_pending(gr_put *w, const char *name)
{
    gr_key k;
    gr_k_pending(&k, w->project, name);
    if (*name && !k.over) gr_batch_key(w->b, CG_STORE_CF_UNRESOLVED, &k, NULL);
}

/* The name an entity is indexed under: its name, or the path's stem for the file node. */
static const char *gr_index_name(const gr_entity *e, const char *path, char *stem, size_t cap)
{
    if (e->kind != CG_GRAPH_KIND_FILE) return e->name;
    gr_path_stem(stem, cap, path);
    return stem;
}

/* Step 1a: old entities and their names. */
static int gr_put_drop_entities(gr_put *w)
{
    gr_key lo, hi, k;
    cg_store_iter *it = NULL;
    char stem[256];
    int rc;

    gr_k_entity(&lo, GR_ID(w->uid, 0));
    gr_k_entity(&hi, GR_ID(w->uid + 1, 0));
    rc = cg_store_iter_create(w->g->s, NULL, CG_STORE_CF_ENTITIES, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *kp = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        gr_entity e;
        if (kl != 8 || (rc = gr_dec_entity(v, vl, gr_get_u64(kp), &e)) != 0) break;
        const char *name = gr_index_name(&e, w->path, stem, sizeof(stem));
        cg_store_batch_delete(w->b, CG_STORE_CF_ENTITIES, kp, kl);
        gr_k_name(&k, w->project, name, e.id);
        if (!k.over) gr_batch_del(w->b, CG_STORE_CF_NAMES, &k);
        if (!gr_idmap_get(&w->keep, e.id, NULL)) gr_pending(w, name);
        rc = gr_idmap_put(&w->old, e.id, 1);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

/* Steps 1b and 1c: edges out of the file, and edges from other files into ids not kept. */
static int gr_put_drop_edges(gr_put *w, cg_store_cf cf)
{
    gr_key lo, hi, k;
    cg_store_iter *it = NULL;
    cg_store_cf mirror = cf == CG_STORE_CF_OUT_EDGES ? CG_STORE_CF_IN_EDGES : CG_STORE_CF_OUT_EDGES;
    int rc;

    gr_k_entity(&lo, GR_ID(w->uid, 0));
    gr_k_entity(&hi, GR_ID(w->uid + 1, 0));
    rc = cg_store_iter_create(w->g->s, NULL, cf, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl;
        const uint8_t *kp = cg_store_iter_key(it, &kl);
        if (kl != 17) continue;
        uint64_t a = gr_get_u64(kp), other = gr_get_u64(kp + 9);
        uint64_t ofile = CG_GRAPH_ID_FILE(other);
        if (cf == CG_STORE_CF_IN_EDGES && (ofile == w->uid || gr_idmap_get(&w->keep, a, NULL)))
            continue; /* own edges went with the out-edges; kept targets keep their edges */
        cg_store_batch_delete(w->b, cf, kp, kl);
        gr_k_edge(&k, other, kp[8], a);
        gr_batch_del(w->b, mirror, &k);
        if (cf == CG_STORE_CF_IN_EDGES && !gr_idmap_get(&w->dirty, ofile, NULL)) {
            gr_k_dirty(&k, w->project, ofile);
            gr_batch_key(w->b, CG_STORE_CF_UNRESOLVED, &k, NULL);
            rc = gr_idmap_put(&w->dirty, ofile, 1);
        }
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}

/* Step 1d: the unresolved keys of the old references (only if it was resolved). */
static int gr_put_drop_unresolved(gr_put *w)
{
    gr_ref *refs = NULL;
    uint32_t n = 0;
    gr_segs sg;
    gr_key k;
    int rc;

    gr_k_uid(&k, GR_TAG_FILE_REFS, w->uid);
    rc = gr_get(w->g, NULL, CG_STORE_CF_FILES, &k, &w->val);
    if (rc == CG_ENOTFOUND)
        rc = 0;
    else if (rc >= 0)
        rc = gr_dec_refs(w->val.data, w->val.len, &refs, &n);
    for (uint32_t i = 0; !rc && i < n; i++) {
        gr_segs_split(&sg, refs[i].name, refs[i].kind == CG_REF_IMPORT);
        gr_k_unres(&k, w->project, gr_ref_simple(&sg), w->uid, i);
        if (!k.over) gr_batch_del(w->b, CG_STORE_CF_UNRESOLVED, &k);
    }
    free(refs);
    return rc;
}

static int gr_put_drop_old(gr_put *w)
{
    gr_key k;
    int rc;

    /* A fresh uid was never used (uids are never reused: gr_file_uid_alloc), so no entity,
     * edge, mark or unresolved key can exist under it: skip the reads. */
    if (w->fresh) return cg_search_hook_drop(w->g->s, w->b, w->project, w->uid); /* TXT */
    rc = gr_put_drop_entities(w);
    gr_k_dirty(&k, w->project, w->uid);
    gr_batch_del(w->b, CG_STORE_CF_UNRESOLVED, &k);
    if (!rc) rc = gr_put_drop_edges(w, CG_STORE_CF_OUT_EDGES);
    if (!rc) rc = gr_put_drop_edges(w, CG_STORE_CF_IN_EDGES);
    if (!rc && (w->old_flags & GR_FILE_RESOLVED)) rc = gr_put_drop_unresolved(w);
    if (!rc) rc = cg_search_hook_drop(w->g->s, w->b, w->project, w->uid); /* TXT: search */
    return rc;
}

/* ---- stable local ids ---- */

static uint64_t gr_qname_hash(const cg_extract *x, const cg_xentity *e, uint32_t occurrence)
{
    const char *q = cg_extract_str(x, e->qualified_name);

    if (!*q) q = cg_extract_str(x, e->name);
    return XXH3_64bits_withSeed(q, strlen(q), (uint64_t)e->kind << 32 | occurrence);
}

/* locals[i] for every entity of x: hash of (kind, qualified name, occurrence), probed past
 * collisions in order, never 0. */
static int gr_assign_locals(const cg_extract *x, uint32_t *locals)
{
    uint8_t *used = calloc(GR_LOCAL_SPACE / 8, 1);
    gr_idmap seen;
    int rc = used ? 0 : CG_ENOMEM;

    gr_idmap_init(&seen);
    for (int i = 0; !rc && i < x->n_entities; i++) {
        uint64_t occ = 0, h0 = gr_qname_hash(x, &x->entities[i], UINT32_MAX) | 1;
        gr_idmap_get(&seen, h0, &occ);
        if ((rc = gr_idmap_put(&seen, h0, occ + 1))) break;
        uint64_t h = gr_qname_hash(x, &x->entities[i], (uint32_t)occ);
        uint32_t l = (uint32_t)(h % (GR_LOCAL_SPACE - 1)) + 1;
        while (used[l >> 3] & (1u << (l & 7))) l = l % (GR_LOCAL_SPACE - 1) + 1;
        used[l >> 3] |= (uint8_t)(1u << (l & 7));
        locals[i] = l;
    }
    gr_idmap_release(&seen);
    free(used);
    return rc;
}

/* ---- step 2: the new version ---- */

static void gr_put_entity(gr_put *w, const gr_entity *e, const char *index_name)
{
    gr_name nm = {.kind = e->kind, .lang = e->lang, .name = index_name, .qname = e->qname};
    gr_key k;

    cg_buf_reset(&w->tmp);
    gr_enc_entity(&w->tmp, e);
    gr_k_entity(&k, e->id);
    gr_batch_key(w->b, CG_STORE_CF_ENTITIES, &k, &w->tmp);
    cg_buf_reset(&w->tmp);
    gr_enc_name(&w->tmp, &nm);
    gr_k_name(&k, w->project, index_name, e->id);
    if (!k.over) gr_batch_key(w->b, CG_STORE_CF_NAMES, &k, &w->tmp);
    if (!gr_idmap_get(&w->old, e->id, NULL)) gr_pending(w, index_name);
}

static void gr_put_contains(gr_put *w, uint64_t parent, const gr_entity *child)
{
    gr_edge ed = {.resolution = CG_RES_EXACT,
                  .count = 1,
                  .line = child->span.start_line,
                  .col = child->span.start_col};
    gr_key k;

    cg_buf_reset(&w->tmp);
    gr_enc_edge(&w->tmp, &ed);
    gr_k_edge(&k, parent, CG_EDGE_CONTAINS, child->id);
    gr_batch_key(w->b, CG_STORE_CF_OUT_EDGES, &k, &w->tmp);
    gr_k_edge(&k, child->id, CG_EDGE_CONTAINS, parent);
    gr_batch_key(w->b, CG_STORE_CF_IN_EDGES, &k, &w->tmp);
}

static void gr_put_file_node(gr_put *w, const cg_graph_file_meta *m, uint32_t last_line)
{
    const char *base = strrchr(w->path, '/');
    char stem[256];
    gr_entity e = {
        .id = GR_ID(w->uid, 0),
        .project = w->project,
        .kind = CG_GRAPH_KIND_FILE,
        .lang = w->lang,
        .name = base ? base + 1 : w->path,
        .qname = w->path,
        .signature = "",
        .doc = "",
        .span = {.start_line = 1,
                 .end_line = m->lines ? m->lines : CG_MAX(last_line, 1),
                 .end_byte = (uint32_t)CG_MIN(m->size, UINT32_MAX)},
    };
    gr_path_stem(stem, sizeof(stem), w->path);
    gr_put_entity(w, &e, stem);
}

/* Entities of x with their ids; fills c->ents for resolution and the file counts. */
static void gr_put_entities(gr_put *w, const cg_extract *x, const uint32_t *locals, gr_fctx *c,
                            cg_graph_file_info *fi)
{
    for (int i = 0; i < x->n_entities; i++) {
        const cg_xentity *xe = &x->entities[i];
        uint32_t parent = xe->parent >= 0 ? locals[xe->parent] : 0;
        gr_entity e = {
            .id = GR_ID(w->uid, locals[i]),
            .project = w->project,
            .parent_local = parent,
            .kind = xe->kind,
            .lang = w->lang,
            .span = xe->span,
            .name = cg_extract_str(x, xe->name),
            .qname = cg_extract_str(x, xe->qualified_name),
            .signature = cg_extract_str(x, xe->signature),
            .doc = cg_extract_str(x, xe->doc),
        };
        gr_put_entity(w, &e, e.name);
        gr_put_contains(w, GR_ID(w->uid, parent), &e);
        c->ents[i] = (gr_fent){.id = e.id,
                               .local = locals[i],
                               .parent_local = parent,
                               .kind = e.kind,
                               .name = e.name,
                               .qname = e.qname};
        fi->by_kind[xe->kind]++;
        fi->lines = CG_MAX(fi->lines, xe->span.end_line);
    }
    fi->entities = (uint32_t)x->n_entities;
    fi->edges[CG_EDGE_CONTAINS] = (uint32_t)x->n_entities;
}

/* The references blob (also c->refs, names pointing into x). */
static void gr_put_refs(gr_put *w, const cg_extract *x, const uint32_t *locals, gr_fctx *c)
{
    gr_key k;

    cg_buf_reset(&w->tmp);
    gr_enc_refs_head(&w->tmp, (uint32_t)x->n_refs);
    for (int i = 0; i < x->n_refs; i++) {
        const cg_xref *r = &x->refs[i];
        c->refs[i] = (gr_ref){.kind = r->kind,
                              .from_local = r->from >= 0 ? locals[r->from] : 0,
                              .line = r->span.start_line,
                              .col = r->span.start_col,
                              .name = cg_extract_str(x, r->name)};
        gr_enc_ref(&w->tmp, &c->refs[i]);
    }
    c->n_refs = (uint32_t)x->n_refs;
    gr_k_uid(&k, GR_TAG_FILE_REFS, w->uid);
    gr_batch_key(w->b, CG_STORE_CF_FILES, &k, &w->tmp);
}

static void gr_put_records(gr_put *w, cg_graph_file_info *fi)
{
    gr_key k;

    cg_buf_reset(&w->tmp);
    gr_enc_uid(&w->tmp, w->project, w->path);
    gr_k_uid(&k, GR_TAG_FILE_UID, w->uid);
    gr_batch_key(w->b, CG_STORE_CF_FILES, &k, &w->tmp);
    cg_buf_reset(&w->tmp);
    gr_enc_file(&w->tmp, fi);
    gr_k_file(&k, w->project, w->path);
    gr_batch_key(w->b, CG_STORE_CF_FILES, &k, &w->tmp);
}

static int gr_extract_valid(const cg_extract *x)
{
    if (x->n_entities < 0 || x->n_refs < 0) return CG_EINVAL;
    if (x->n_entities > CG_GRAPH_FILE_ENTITIES_MAX || x->n_refs > CG_GRAPH_FILE_REFS_MAX)
        return CG_ELIMIT;
    for (int i = 0; i < x->n_entities; i++) {
        const cg_xentity *e = &x->entities[i];
        if ((int)e->kind < 0 || e->kind >= CG_KIND_COUNT || e->parent >= x->n_entities ||
            e->parent < -1 || e->parent == i)
            return CG_EINVAL;
    }
    for (int i = 0; i < x->n_refs; i++)
        if ((int)x->refs[i].kind < 0 || x->refs[i].kind >= CG_REF_COUNT || x->refs[i].from < -1 ||
            x->refs[i].from >= x->n_entities)
            return CG_EINVAL;
    return 0;
}

static int gr_path_valid(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0 || path[0] == '/') return CG_EINVAL;
    return n > CG_GRAPH_PATH_MAX ? CG_ELIMIT : 0;
}

/* The file's record (latest): 0 with *fi, CG_ENOTFOUND, or an error. */
static int gr_file_read(cg_graph *g, const cg_store_snap *snap, uint32_t project, const char *path,
                        cg_graph_file_info *fi, cg_buf *buf)
{
    gr_key k;
    int rc;

    gr_k_file(&k, project, path);
    rc = gr_get(g, snap, CG_STORE_CF_FILES, &k, buf);
    return rc < 0 ? rc : gr_dec_file(buf->data, buf->len, fi);
}

/* Resolve in the batch, or mark the file dirty. */
static int gr_put_resolve(gr_put *w, gr_fctx *c, int flags, cg_graph_file_info *fi)
{
    gr_resolved r;
    gr_key k;
    int rc;

    if (!(flags & CG_GRAPH_PUT_RESOLVE)) {
        gr_k_dirty(&k, w->project, w->uid);
        gr_batch_key(w->b, CG_STORE_CF_UNRESOLVED, &k, NULL);
        return 0;
    }
    memset(&r, 0, sizeof(r));
    rc = gr_resolve_refs(c, w->b, &r, NULL);
    if (!rc) {
        gr_resolved_write(&r, w->b, &w->tmp);
        for (int i = CG_EDGE_CONTAINS + 1; i < CG_EDGE_COUNT; i++)
            fi->edges[i] = r.edges_by_kind[i];
        fi->unresolved = r.unresolved;
        fi->flags |= GR_FILE_RESOLVED;
    }
    gr_resolved_release(&r);
    return rc;
}

/* Steps 2 and 3 for x into w (ids known in `locals`). */
static int gr_put_new(gr_put *w, const cg_graph_file_meta *m, const cg_extract *x,
                      const uint32_t *locals, int flags, uint64_t generation)
{
    cg_graph_file_info fi = {.uid = w->uid,
                             .hash = m->hash,
                             .size = m->size,
                             .mtime_ns = m->mtime_ns,
                             .generation = generation,
                             .error_nodes = x->error_nodes,
                             .refs = (uint32_t)x->n_refs};
    gr_fctx c = {.g = w->g,
                 .project = w->project,
                 .uid = w->uid,
                 .path = w->path,
                 .lang = w->lang,
                 .n_ents = x->n_entities};
    int rc = 0;

    snprintf(fi.language, sizeof(fi.language), "%s", m->language ? m->language : "");
    fi.flags =
        (x->truncated ? CG_GRAPH_FILE_TRUNCATED : 0) | (x->timed_out ? CG_GRAPH_FILE_TIMED_OUT : 0);
    c.ents = calloc((size_t)x->n_entities + 1, sizeof(*c.ents));
    c.refs = calloc((size_t)x->n_refs + 1, sizeof(*c.refs));
    if (!c.ents || !c.refs) {
        rc = CG_ENOMEM;
        goto fail;
    }
    gr_put_entities(w, x, locals, &c, &fi);
    gr_put_file_node(w, m, fi.lines);
    if (m->lines) fi.lines = m->lines;
    gr_put_refs(w, x, locals, &c);
    if ((rc = gr_put_resolve(w, &c, flags, &fi))) goto fail;
    /* TXT: the entities' term bags and postings */
    if ((rc = cg_search_hook_put(w->b, w->project, w->uid, w->lang, x, locals))) goto fail;
    gr_put_records(w, &fi);
    if (!cg_buf_ok(&w->tmp)) rc = CG_ENOMEM;
fail:
    free(c.ents);
    free(c.refs);
    return rc;
}

/* The uid of the file (kept, or allocated when new) and the generation it will belong to. */
static int gr_put_identity(gr_put *w, uint64_t *generation)
{
    cg_graph_project p;
    cg_graph_file_info old;
    int rc = gr_project_read(w->g, NULL, w->project, &p);

    if (!rc && p.state != CG_PROJECT_ACTIVE) rc = CG_ENOTFOUND;
    if (rc) return rc;
    *generation = p.generation + 1;
    rc = gr_file_read(w->g, NULL, w->project, w->path, &old, &w->val);
    if (rc == 0) w->uid = old.uid, w->old_flags = old.flags;
    if (rc == CG_ENOTFOUND) {
        rc = gr_file_uid_alloc(w->g, &w->uid);
        w->fresh = rc == 0;
    }
    return rc;
}

/* A prepared put (graph.h): the batch and what the hook commit and the release need. */
struct cg_graph_put {
    gr_put w;
    uint32_t *locals;
};

/* Build the put's batch into w (begun); see cg_graph_file_put for the steps. */
static int gr_put_build(cg_graph_put *p, const cg_graph_file_meta *meta, const cg_extract *x,
                        int flags)
{
    gr_put *w = &p->w;
    uint64_t generation = 0;
    int rc;

    w->lang = gr_lang_code(meta->language);
    if ((rc = gr_put_identity(w, &generation))) return rc;
    p->locals = calloc((size_t)x->n_entities + 1, sizeof(*p->locals));
    if (!p->locals) return CG_ENOMEM;
    if ((rc = gr_assign_locals(x, p->locals))) return rc;
    rc = gr_idmap_put(&w->keep, GR_ID(w->uid, 0), 1);
    for (int i = 0; !rc && i < x->n_entities; i++)
        rc = gr_idmap_put(&w->keep, GR_ID(w->uid, p->locals[i]), 1);
    if (!rc) rc = gr_put_drop_old(w);
    if (!rc) rc = gr_put_new(w, meta, x, p->locals, flags, generation);
    return rc;
}

static void gr_put_free(cg_graph_put *p)
{
    free(p->locals);
    gr_put_end(&p->w);
    free(p);
}

int cg_graph_put_prepare(cg_graph *g, uint32_t project, const char *path,
                         const cg_graph_file_meta *meta, const cg_extract *x, int flags,
                         cg_graph_put **out)
{
    cg_graph_put *p = NULL;
    int rc;

    *out = NULL;
    if ((rc = gr_path_valid(path)) || (rc = gr_extract_valid(x))) goto fail;
    if (!(p = calloc(1, sizeof(*p)))) {
        rc = CG_ENOMEM;
        goto fail;
    }
    if ((rc = gr_put_begin(&p->w, g, project, path))) goto fail;
    if ((rc = gr_put_build(p, meta, x, flags))) goto fail;
    *out = p;
    return 0;
fail:
    cg_search_hook_commit(rc); /* TXT: clears the thread's pending state */
    if (p) gr_put_free(p);
    return rc;
}

int cg_graph_put_write(cg_graph_put *p)
{
    return cg_store_batch_write(p->w.g->s, p->w.b, 0, NULL, 0);
}

void cg_graph_put_finish(cg_graph_put *p, int rc)
{
    cg_search_hook_commit(rc); /* TXT: vectors and counts after the commit */
    gr_put_free(p);
}

int cg_graph_file_put(cg_graph *g, uint32_t project, const char *path,
                      const cg_graph_file_meta *meta, const cg_extract *x, int flags)
{
    cg_graph_put *p;
    int rc = cg_graph_put_prepare(g, project, path, meta, x, flags, &p);

    if (rc) return rc;
    rc = cg_graph_put_write(p);
    cg_graph_put_finish(p, rc);
    return rc;
}

int cg_graph_file_delete(cg_graph *g, uint32_t project, const char *path)
{
    cg_graph_file_info fi;
    gr_put w;
    gr_key k;
    int rc;

    if ((rc = gr_path_valid(path))) return rc;
    if ((rc = gr_put_begin(&w, g, project, path))) goto fail;
    if ((rc = gr_file_read(g, NULL, project, path, &fi, &w.val))) goto fail;
    w.uid = fi.uid;
    w.old_flags = fi.flags;
    if ((rc = gr_put_drop_old(&w))) goto fail;
    gr_k_file(&k, project, path);
    gr_batch_del(w.b, CG_STORE_CF_FILES, &k);
    gr_k_uid(&k, GR_TAG_FILE_UID, w.uid);
    gr_batch_del(w.b, CG_STORE_CF_FILES, &k);
    gr_k_uid(&k, GR_TAG_FILE_REFS, w.uid);
    gr_batch_del(w.b, CG_STORE_CF_FILES, &k);
    rc = cg_store_batch_write(g->s, w.b, 0, NULL, 0);
fail:
    cg_search_hook_commit(rc); /* TXT: vectors and counts after the commit */
    gr_put_end(&w);
    return rc;
}

/* The dirty mark decides CG_GRAPH_FILE_DIRTY (it is not stored in the record). */
static int gr_file_dirty(cg_graph *g, const cg_store_snap *snap, uint32_t project,
                         cg_graph_file_info *fi, cg_buf *buf)
{
    gr_key k;
    int rc;

    gr_k_dirty(&k, project, fi->uid);
    rc = gr_get(g, snap, CG_STORE_CF_UNRESOLVED, &k, buf);
    if (rc >= 0) fi->flags |= CG_GRAPH_FILE_DIRTY;
    return rc == CG_ENOTFOUND || rc >= 0 ? 0 : rc;
}

int cg_graph_file_get(cg_graph *g, uint32_t project, const char *path, cg_graph_file_info *out)
{
    cg_buf b;
    int rc;

    if ((rc = gr_path_valid(path))) return rc == CG_EINVAL ? CG_ENOTFOUND : rc;
    cg_buf_init(&b);
    rc = gr_file_read(g, NULL, project, path, out, &b);
    out->flags &= GR_FILE_PUBLIC_FLAGS;
    if (!rc) rc = gr_file_dirty(g, NULL, project, out, &b);
    cg_buf_release(&b);
    return rc;
}

int cg_graph_file_foreach(cg_graph *g, uint32_t project,
                          int (*fn)(void *ctx, const char *path, const cg_graph_file_info *fi),
                          void *ctx)
{
    gr_key lo, hi;
    cg_store_iter *it = NULL;
    char path[CG_GRAPH_PATH_MAX + 1];
    cg_buf b;
    int rc;

    gr_k_file(&lo, project, NULL);
    hi = lo;
    gr_key_prefix_end(&hi);
    cg_buf_init(&b);
    rc = cg_store_iter_create(g->s, NULL, CG_STORE_CF_FILES, lo.b, lo.n, hi.b, hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *v = cg_store_iter_value(it, &vl);
        cg_graph_file_info fi;
        if (kl < lo.n || kl - lo.n > CG_GRAPH_PATH_MAX) continue;
        memcpy(path, k + lo.n, kl - lo.n);
        path[kl - lo.n] = '\0';
        if ((rc = gr_dec_file(v, vl, &fi)) || (rc = gr_file_dirty(g, NULL, project, &fi, &b)))
            break;
        fi.flags &= GR_FILE_PUBLIC_FLAGS;
        rc = fn(ctx, path, &fi);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    cg_buf_release(&b);
    return rc;
}
