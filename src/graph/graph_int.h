/*
 * graph_int.h — private to src/graph: the on-disk schema (key and record codecs), the graph
 * handle, views, and small helpers (arena, id set) shared by the graph's files.
 *
 * DESIGN — storage schema (schema version 1, "graph.schema" in meta)
 *
 * Integers in keys are fixed-width big-endian so that memcmp order is numeric order and
 * prefix scans work. Notation: P = project id (u32), U = file uid (u64, < 2^33),
 * E = entity id (u64) = U << 20 | local, J = job id (u64), K = edge kind (u8),
 * lc(s) = s with ASCII A-Z lowered (names never contain NUL, so 0x00 ends a name).
 *
 *   CF          key                                   value
 *   projects    01 P                                  project record
 *               02 name                               P
 *   files       01 P path                             file record (one per file, path order)
 *               02 U                                  file uid record {P, path}
 *               03 U                                  the file's references (as extracted)
 *   entities    E                                     entity record (file node at local 0)
 *   names       P lc(name) 00 E                       name record {kind, lang, name, qname}
 *   out_edges   src:E K dst:E                         edge record
 *   in_edges    dst:E K src:E                         edge record (identical mirror)
 *   unresolved  01 P lc(simple name) 00 U ord:u32     unresolved reference record
 *               02 P lc(name)                         "" pending name (resolution work)
 *               03 P U                                "" dirty file (needs resolving)
 *   jobs        J                                     job record
 *   meta        "graph.schema"                        u32: 1
 *               "graph.hwm.project|file|job"          u64: every id below was maybe used
 *
 * Records (values) start with a version byte (1) and use LEB128 varints; a string is
 * varint length + bytes + a NUL, so decoded strings point straight into the value. Count
 * arrays carry their length first, so a newer build may append kinds.
 *   entity   ver kind lang flags P:u32be parent_local start_line start_col end_line end_col
 *            start_byte end_byte name qname signature doc
 *   file     ver U:u64be hash:u64be size mtime_ns(u64) generation flags lines error_nodes
 *            entities refs unresolved n_kinds by_kind[] n_edges edges[] language
 *   uid      ver P:u32be path
 *   refs     ver count {kind from_local line col name}*      (ord = position)
 *   name     ver kind lang name qname
 *   edge     ver resolution count line col                    (first site, 1-based line)
 *   unres    ver kind reason from_local line col candidates name   (as written)
 *   project  ver state P:u32be generation created indexed last_job name root
 *   job      ver P:u32be state kind totals… created started finished generation n_errors
 *            n_msgs msgs[]
 * Language codes (entity/name records): 0 unknown, 1..15 the manual's [parsing] languages
 * in its order (rust … dart); codes are never renumbered.
 *
 * Invariants
 * - Ids: a file uid is allocated once per (P, path) and never reused (block-reserved
 *   through meta "graph.hwm.file" with a synced write before use); it belongs to one
 *   project forever. An entity's local id is XXH3-64(qualified name, or the name when it
 *   is empty; seed = kind << 32 | occurrence) mod (2^20 - 1) + 1, where occurrence counts
 *   earlier entities of the file with the same (kind, qualified name); collisions probe
 *   linearly (wrapping, skipping 0) in extraction order. So the same extraction always
 *   gets the same ids, and an unrenamed entity usually keeps its id across edits. Local 0
 *   is the file node (kind "file"). Changing this formula changes every stored id.
 * - A file's keys are all derivable from its stored data: entities lie in [U<<20,
 *   (U+1)<<20), out-edges of its entities in the same range of out_edges, in-edges into
 *   them in that range of in_edges, its name keys from its entity records, its unresolved
 *   keys from its stored references (ord, simple name). Replacing a file deletes exactly
 *   these, then writes the new ones, in one batch (later operations win in a batch).
 * - Every out_edges key has its in_edges mirror and vice versa; both are written and
 *   deleted in the same batch. Edges never cross projects. Contains edges are written by
 *   put (exact); every other edge of a file is written by resolving that file, which
 *   replaces all of its non-contains out-edges and its unresolved entries.
 * - A put/delete that removes entities removes the in-edges from other files into them
 *   and marks those files dirty (03 P U) instead of touching their records (another
 *   thread may be writing them). Names of added or removed entities become pending
 *   (02 P name). cg_graph_resolve_pending turns pending names into dirty files (sources of
 *   unresolved references with that simple name, and of name-resolved edges into entities
 *   with that name); resolving a file clears its mark. Hence after puts + resolve_project,
 *   every reference is an edge or an unresolved entry computed against the final state.
 * - A file record's edge counts and unresolved count are exact when the file is not
 *   dirty; stats report dirty files. GR_FILE_RESOLVED in its flags says reference edges
 *   and unresolved entries of it may exist (set by resolving, cleared by put).
 * - Views: each project has at most one pinned snapshot (the published one) with its
 *   generation; views hold a reference; publish replaces it and the old snapshot is
 *   released when its last view closes. Project records are read-modify-written only
 *   under g->pmu.
 */
#ifndef CG_GRAPH_INT_H
#define CG_GRAPH_INT_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/graph.h"
#include "codegraph/store.h"

/* Data-dir format, kept in meta "graph.schema". 2: lexical postings per (term, file)
 * (src/search/lex.c). Opening an older dir records the current version (the search layer
 * converts its postings itself); a newer one is refused, so an older build never mis-reads
 * a dir a newer build wrote. */
#define GR_SCHEMA_VERSION 2
#define GR_REC_VERSION 1
/* Key tags (first byte) inside shared column families. */
#define GR_TAG_PROJECT 0x01
#define GR_TAG_PROJECT_NAME 0x02
#define GR_TAG_FILE 0x01
#define GR_TAG_FILE_UID 0x02
#define GR_TAG_FILE_REFS 0x03
#define GR_TAG_UNRES 0x01
#define GR_TAG_PENDING 0x02
#define GR_TAG_DIRTY 0x03
/* File record flag (stored, never shown): the file was resolved since its last put, so
 * reference edges and unresolved entries of it may exist. Without it there are none, and
 * replacing the file need not delete them blindly (tombstones cost memtable inserts). */
#define GR_FILE_RESOLVED 0x100u
#define GR_FILE_PUBLIC_FLAGS 0xffu
/* Longest key we build: tag + P + lowered path/name + 00 + U + ord. */
#define GR_KEY_MAX (1 + 4 + CG_GRAPH_PATH_MAX + 1 + 8 + 4)
/* Local ids per file (2^20). */
#define GR_LOCAL_SPACE (1u << CG_GRAPH_LOCAL_BITS)

#define GR_ID(uid, local) (((uint64_t)(uid) << CG_GRAPH_LOCAL_BITS) | (uint64_t)(local))
#define GR_LOCAL(id) ((uint32_t)((id) & (GR_LOCAL_SPACE - 1)))

/* ---- a key under construction (fixed buffer, never allocates) ---- */
typedef struct gr_key {
    uint8_t b[GR_KEY_MAX];
    size_t n;
    int over; /* an append did not fit: the key is unusable */
} gr_key;

void gr_key_reset(gr_key *k);
void gr_key_u8(gr_key *k, uint8_t v);
void gr_key_u32(gr_key *k, uint32_t v);
void gr_key_u64(gr_key *k, uint64_t v);
void gr_key_bytes(gr_key *k, const void *p, size_t n);
/* lc(s) appended (ASCII lowering). */
void gr_key_lower(gr_key *k, const char *s);
/* The smallest key greater than every key starting with k (in place); 0, or -1 when k is
 * all 0xff (then there is no upper bound). */
int gr_key_prefix_end(gr_key *k);
uint32_t gr_get_u32(const uint8_t *p);
uint64_t gr_get_u64(const uint8_t *p);

/* ---- record writer / reader ---- */
void gr_put_u8(cg_buf *b, uint8_t v);
void gr_put_u32be(cg_buf *b, uint32_t v);
void gr_put_u64be(cg_buf *b, uint64_t v);
void gr_put_var(cg_buf *b, uint64_t v);
void gr_put_str(cg_buf *b, const char *s, size_t n);

typedef struct gr_rd {
    const uint8_t *p, *end;
    int bad; /* read past the end or a malformed field */
} gr_rd;

void gr_rd_init(gr_rd *r, const void *p, size_t n);
uint8_t gr_rd_u8(gr_rd *r);
uint32_t gr_rd_u32be(gr_rd *r);
uint64_t gr_rd_u64be(gr_rd *r);
uint64_t gr_rd_var(gr_rd *r);
uint32_t gr_rd_var32(gr_rd *r);
/* A string field: pointer into the record (NUL-terminated), "" when bad. */
const char *gr_rd_str(gr_rd *r, size_t *len);

/* ---- decoded records (strings point into the value buffer) ---- */
typedef struct gr_entity {
    uint64_t id;
    uint32_t project, parent_local;
    int kind, lang;
    cg_span span;
    const char *name, *qname, *signature, *doc;
} gr_entity;

typedef struct gr_ref {
    int kind;
    uint32_t from_local, line, col;
    const char *name;
} gr_ref;

typedef struct gr_edge {
    int resolution;
    uint32_t count, line, col;
} gr_edge;

typedef struct gr_name {
    int kind, lang;
    const char *name, *qname;
} gr_name;

typedef struct gr_unres {
    int kind, reason;
    uint32_t from_local, line, col, candidates;
    const char *name;
} gr_unres;

#define GR_UNRES_NOT_FOUND 0
#define GR_UNRES_AMBIGUOUS 1

void gr_enc_entity(cg_buf *b, const gr_entity *e);
int gr_dec_entity(const void *p, size_t n, uint64_t id, gr_entity *e);
void gr_enc_file(cg_buf *b, const cg_graph_file_info *f);
int gr_dec_file(const void *p, size_t n, cg_graph_file_info *f);
void gr_enc_uid(cg_buf *b, uint32_t project, const char *path);
int gr_dec_uid(const void *p, size_t n, uint32_t *project, const char **path);
void gr_enc_edge(cg_buf *b, const gr_edge *e);
int gr_dec_edge(const void *p, size_t n, gr_edge *e);
void gr_enc_name(cg_buf *b, const gr_name *nm);
int gr_dec_name(const void *p, size_t n, gr_name *nm);
void gr_enc_unres(cg_buf *b, const gr_unres *u);
int gr_dec_unres(const void *p, size_t n, gr_unres *u);
void gr_enc_project(cg_buf *b, const cg_graph_project *p);
int gr_dec_project(const void *p, size_t n, cg_graph_project *out);
void gr_enc_job(cg_buf *b, const cg_graph_job *j);
int gr_dec_job(const void *p, size_t n, cg_graph_job *j);
/* refs blob: header, then one gr_enc_ref per reference. */
void gr_enc_refs_head(cg_buf *b, uint32_t count);
void gr_enc_ref(cg_buf *b, const gr_ref *r);
/* Decode a whole refs blob into a malloc-ed array (names point into p). */
int gr_dec_refs(const void *p, size_t n, gr_ref **out, uint32_t *count);

/* ---- keys of the schema ---- */
void gr_k_project(gr_key *k, uint32_t p);
void gr_k_project_name(gr_key *k, const char *name);
void gr_k_file(gr_key *k, uint32_t p, const char *path);
void gr_k_uid(gr_key *k, uint8_t tag, uint64_t uid);
void gr_k_entity(gr_key *k, uint64_t id);
void gr_k_name(gr_key *k, uint32_t p, const char *name, uint64_t id);
void gr_k_edge(gr_key *k, uint64_t a, int kind, uint64_t b);
void gr_k_unres(gr_key *k, uint32_t p, const char *simple, uint64_t uid, uint32_t ord);
void gr_k_pending(gr_key *k, uint32_t p, const char *name);
void gr_k_dirty(gr_key *k, uint32_t p, uint64_t uid);

/* ---- languages ---- */
int gr_lang_code(const char *name);
const char *gr_lang_name(int code);

/* ---- names as written → segments ---- */
#define GR_SEGS_MAX 32
#define GR_SEG_BYTES 1024
typedef struct gr_segs {
    char buf[GR_SEG_BYTES];
    const char *s[GR_SEGS_MAX];
    int n;
    int receiver; /* 1: self/this/cls…, 2: super/parent/base (segments exclude it) */
} gr_segs;

/* Split a reference name ("a.b::c->d", "self.run", "List<T>") into segments. For imports
 * (is_import) a source extension is stripped and relative markers dropped. */
void gr_segs_split(gr_segs *sg, const char *name, int is_import);
/* Segments of a stored path without its extension ("a/b/c.py" → a b c). */
void gr_segs_path(gr_segs *sg, const char *path);
/* The simple name a reference waits on in the unresolved index (last segment). */
const char *gr_ref_simple(const gr_segs *sg);

/* ---- arena: blocks that never move, freed at once ---- */
typedef struct gr_arena {
    struct gr_blk *head;
} gr_arena;

void *gr_arena_alloc(gr_arena *a, size_t n);
char *gr_arena_strdup(gr_arena *a, const char *s);
void gr_arena_free(gr_arena *a);

/* ---- id → small value map (open addressing, grows) ---- */
typedef struct gr_idmap {
    uint64_t *keys; /* 0 = empty slot (id 0 is never stored) */
    uint64_t *vals;
    size_t cap, n;
} gr_idmap;

void gr_idmap_init(gr_idmap *m);
void gr_idmap_release(gr_idmap *m);
/* Insert or overwrite; 0 or CG_ENOMEM. */
int gr_idmap_put(gr_idmap *m, uint64_t key, uint64_t val);
/* 1 and *val when present. */
int gr_idmap_get(const gr_idmap *m, uint64_t key, uint64_t *val);

/* ---- the handle ---- */
typedef struct gr_snapref {
    cg_store_snap *snap;
    uint64_t generation;
    int refs;
} gr_snapref;

typedef struct gr_pin {
    uint32_t project;
    gr_snapref *ref;
} gr_pin;

struct cg_graph {
    cg_store *s;
    pthread_mutex_t mu;  /* ids, pins */
    pthread_mutex_t pmu; /* project-record read-modify-write, job records */
    uint64_t next_project, next_job, next_file, file_reserved;
    gr_pin *pins;
    int n_pins, cap_pins;
    /* file uid → path: immutable (uids are never reused), so cached for resolution */
    pthread_mutex_t cmu;
    gr_idmap path_ix; /* uid → index + 1 into paths */
    char **paths;
    size_t n_paths;
};

struct cg_graph_view {
    cg_graph *g;
    uint32_t project;
    gr_snapref *ref;
};

static inline const cg_store_snap *gr_view_snap(const cg_graph_view *v)
{
    return v->ref->snap;
}

/* Position at the first key unless creating the iterator failed (it is then NULL). */
static inline void gr_iter_first(cg_store_iter *it)
{
    if (it) cg_store_iter_first(it);
}

/* Point read into buf: value length, CG_ENOTFOUND, or an error. */
int gr_get(cg_graph *g, const cg_store_snap *snap, cg_store_cf cf, const gr_key *k, cg_buf *buf);
/* Latest project record. */
int gr_project_read(cg_graph *g, const cg_store_snap *snap, uint32_t id, cg_graph_project *out);
/* The path of a file uid (latest), copied into a (NUL-terminated, truncated to cap).
 * 0, CG_ENOTFOUND, or an error. Cached: the mapping never changes. */
int gr_uid_path_get(cg_graph *g, uint64_t uid, char *out, size_t cap);
/* Allocate a file uid (block reservation). */
int gr_file_uid_alloc(cg_graph *g, uint64_t *uid);
/* Pin the project's snapshot now if it has none (job start). */
int gr_pin_ensure(cg_graph *g, uint32_t project);
/* Drop the project's pin (project deleted). */
void gr_pin_drop(cg_graph *g, uint32_t project);
/* Lower-case copy (ASCII) into dst of cap bytes; returns length. */
size_t gr_lower(char *dst, size_t cap, const char *s);
/* Does kind k qualify as a target of a reference of kind rk? */
int gr_kind_fits(int ref_kind, int kind);
/* Edge kind of a reference kind. */
int gr_ref_edge_kind(int ref_kind);
/* The basename of path without its extension, into dst. */
void gr_path_stem(char *dst, size_t cap, const char *path);
/* Delete every key of cf in [lo, hi) in batches of bounded size (latest state). */
int gr_delete_span(cg_graph *g, cg_store_cf cf, const gr_key *lo, const gr_key *hi);

/* Writer side shared by put/delete/resolve (write.c, resolve.c). */
typedef struct gr_out_edge {
    uint64_t src, dst;
    int kind, resolution;
    uint32_t line, col, count;
} gr_out_edge;

/* A file being resolved: its entities and references, from an extraction or the store. */
typedef struct gr_fent {
    uint64_t id;
    uint32_t local, parent_local;
    int kind;
    const char *name, *qname;
} gr_fent;

typedef struct gr_fctx {
    cg_graph *g;
    uint32_t project;
    uint64_t uid;
    const char *path;
    int lang;
    gr_fent *ents; /* the file's entities (not the file node) */
    int n_ents;
    gr_ref *refs;
    uint32_t n_refs;
    struct gr_xcache *xc; /* a resolver's cross-file caches (resolve.c), NULL: none */
} gr_fctx;

/* What resolving a file produces. */
typedef struct gr_resolved {
    gr_out_edge *edges; /* merged: one per (src, kind, dst), first site kept */
    int n_edges, cap_edges;
    uint32_t unresolved, ambiguous;
    uint32_t edges_by_kind[CG_EDGE_COUNT];
} gr_resolved;

/* Resolve c's references: edges into r, unresolved entries straight into batch b. */
int gr_resolve_refs(gr_fctx *c, cg_store_batch *b, gr_resolved *r, cg_graph_resolve_stats *st);
void gr_resolved_release(gr_resolved *r);
/* Write r's edges (both directions) into b. */
void gr_resolved_write(const gr_resolved *r, cg_store_batch *b, cg_buf *tmp);

/* Caches a resolver keeps across the files of one resolve phase (DESIGN in resolve.c):
 * candidates by name and candidate files' paths. NULL on ENOMEM. */
struct gr_xcache *gr_xcache_create(void);
void gr_xcache_destroy(struct gr_xcache *x);

#endif
