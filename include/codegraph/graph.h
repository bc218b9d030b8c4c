/*
 * graph.h — the code graph in RocksDB: projects, files, entities, edges, the name index,
 * unresolved references, index jobs; per-file atomic writes, name resolution, and graph
 * queries over snapshots.
 *
 * Model. A project is a tree of files; a file holds entities (the definitions extracted by
 * extract.h) plus one *file node* (kind "file") standing for the file itself, which is the
 * source of file-level references (imports, top-level calls). Edges are typed (contains,
 * calls, imports, inherits, implements, references) and carry how their target was found:
 *   exact   same scope or same file (contains edges are always exact),
 *   import  through one of the file's imports naming the target's module,
 *   name    the best match by name among the project's other files.
 * A reference that resolves to nothing (or to too many equally good targets) is kept as an
 * unresolved reference, never dropped. Rules and limits: src/graph/resolve.c.
 *
 * Ids. Entity ids are stable: id = file uid << 20 | local, where the file uid is allocated
 * once per (project, path) and kept while the path exists, and local is a hash of (kind,
 * qualified name, occurrence) — so re-indexing an unchanged file yields the same ids, and an
 * entity usually keeps its id across edits that do not rename it. Local 0 is the file node.
 * Ids are below 2^53 (exact as JSON numbers); 0 means "none".
 *
 * Writing (one indexing job per project at a time):
 *   1. cg_graph_job_create, then for each new/changed file cg_graph_file_put (any thread,
 *      files in parallel), for each vanished file cg_graph_file_delete;
 *   2. cg_graph_resolve_project (or cg_graph_resolve_pending + cg_graph_resolve_file per file
 *      on the pool) — only after every put of the job returned;
 *   3. cg_graph_project_publish: bumps the project's generation and pins a new snapshot.
 * Each put/delete/resolve is one RocksDB WriteBatch, so no reader ever sees part of a file.
 *
 * Reading. Queries run on a cg_graph_view: the snapshot published by the project's last
 * finished job (cg_graph_view_open) or a fresh one (cg_graph_view_open_latest). Every answer
 * reports the generation it saw, and a published view never shows half a re-index.
 *
 * Threads: every function is safe to call from any thread, except that the write phases
 * above must not overlap within one project. A view is used by one thread at a time.
 */
#ifndef CODEGRAPH_GRAPH_H
#define CODEGRAPH_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/extract.h"
#include "codegraph/store.h"

/* ---- limits (every one is part of the contract; see also the defines in src/graph) ---- */
#define CG_GRAPH_LIMIT_DEFAULT 20        /**< page size when the caller gives 0 */
#define CG_GRAPH_LIMIT_MAX 1000          /**< larger page sizes are clamped to this */
#define CG_GRAPH_DEPTH_DEFAULT 1         /**< callers/callees depth when the caller gives 0 */
#define CG_GRAPH_DEPTH_MAX 10            /**< deeper traversals are clamped to this */
#define CG_GRAPH_NODES_DEFAULT 1000      /**< nodes a traversal may visit when given 0 */
#define CG_GRAPH_NODES_MAX 100000        /**< hard bound on nodes one traversal visits */
#define CG_GRAPH_SCAN_MAX 200000         /**< index entries one lookup/fuzzy search reads */
#define CG_GRAPH_NAME_MAX 255            /**< bytes of a project name */
#define CG_GRAPH_PATH_MAX 4095           /**< bytes of a relative file path or project root */
#define CG_GRAPH_FILE_ENTITIES_MAX 65535 /**< entities stored for one file */
#define CG_GRAPH_FILE_REFS_MAX 262144    /**< references stored for one file */
#define CG_GRAPH_STRING_MAX 65535        /**< bytes of one stored name/signature/doc */
#define CG_GRAPH_JOB_ERRORS_MAX 16       /**< error messages kept per job (count is exact) */
#define CG_GRAPH_JOB_ERROR_LEN 256       /**< bytes per kept job error message */
#define CG_GRAPH_JOBS_KEEP 1000          /**< finished job records kept (oldest pruned) */

/** Bits of an entity id that number entities within their file. */
#define CG_GRAPH_LOCAL_BITS 20
/** Largest file uid (ids stay below 2^53). */
#define CG_GRAPH_FILE_UID_MAX ((UINT64_C(1) << 33) - 1)
/** The file uid of an entity id, and the id of a file's file node. */
#define CG_GRAPH_ID_FILE(id) ((uint64_t)(id) >> CG_GRAPH_LOCAL_BITS)
#define CG_GRAPH_FILE_NODE(uid) ((uint64_t)(uid) << CG_GRAPH_LOCAL_BITS)

_Static_assert(CG_GRAPH_FILE_ENTITIES_MAX < (1 << CG_GRAPH_LOCAL_BITS) / 8,
               "local ids stay sparse enough for hashing with probing");
_Static_assert(CG_GRAPH_LIMIT_DEFAULT <= CG_GRAPH_LIMIT_MAX, "default page within max");
_Static_assert(CG_GRAPH_NODES_DEFAULT <= CG_GRAPH_NODES_MAX, "default nodes within max");

/** Node kinds: every cg_entity_kind, plus the file node. */
#define CG_GRAPH_KIND_FILE ((int)CG_KIND_COUNT)
#define CG_GRAPH_KIND_COUNT ((int)CG_KIND_COUNT + 1)
/** A kind filter: bit k set = kind k wanted; 0 = every kind. */
#define CG_GRAPH_KIND_BIT(k) (UINT32_C(1) << (k))

typedef enum cg_edge_kind {
    CG_EDGE_CONTAINS,   /**< parent → child (file node → top-level entity) */
    CG_EDGE_CALLS,      /**< from a call site's enclosing entity */
    CG_EDGE_IMPORTS,    /**< file (or entity) → imported module file / entity */
    CG_EDGE_INHERITS,   /**< class → base class */
    CG_EDGE_IMPLEMENTS, /**< class → interface / trait */
    CG_EDGE_REFERENCES, /**< any other reference to a named symbol */
    CG_EDGE_COUNT
} cg_edge_kind;
#define CG_EDGE_BIT(k) (UINT32_C(1) << (k))

typedef enum cg_resolution { CG_RES_EXACT, CG_RES_IMPORT, CG_RES_NAME, CG_RES_COUNT } cg_resolution;

/** "function" … "type_alias", "file"; NULL when out of range. */
const char *cg_graph_kind_name(int kind);
/** A kind name → kind, -1 if unknown. */
int cg_graph_kind_parse(const char *s);
/** "contains", "calls", "imports", "inherits", "implements", "references". */
const char *cg_graph_edge_name(int kind);
/** "exact", "import", "name". */
const char *cg_graph_resolution_name(int res);
/** XXH3-64 of a file's content: the hash file records keep to skip unchanged files. */
uint64_t cg_graph_hash(const void *data, size_t len);

/** An open graph over a store. */
typedef struct cg_graph cg_graph;

/**
 * Open the graph on `s` (which must stay open until cg_graph_close): checks the on-disk
 * schema version (a newer one is refused with CG_EDB), writes it on a new database, loads
 * the id counters. 0, CG_ENOMEM, CG_EDB / CG_ECORRUPT with a message in err.
 */
int cg_graph_open(cg_graph **out, cg_store *s, char *err, size_t errlen);
/** Release pinned snapshots and free g (NULL is a no-op). Every view must be closed first. */
void cg_graph_close(cg_graph *g);
cg_store *cg_graph_store(cg_graph *g);

/* ---- projects ---- */

typedef enum cg_graph_project_state {
    CG_PROJECT_ACTIVE,
    CG_PROJECT_DELETING, /**< cg_graph_project_delete started and did not finish */
} cg_graph_project_state;

typedef struct cg_graph_project {
    uint32_t id;
    int state;                    /**< cg_graph_project_state */
    uint64_t generation;          /**< published generation; 0 before the first job */
    int64_t created_s, indexed_s; /**< creation, last publish (0 = never) */
    uint64_t last_job;            /**< id of the newest job (0 = none) */
    char name[CG_GRAPH_NAME_MAX + 1];
    char root[CG_GRAPH_PATH_MAX + 1]; /**< absolute path of the project root */
} cg_graph_project;

/**
 * Create a project. Names are unique (1..CG_GRAPH_NAME_MAX bytes, no NUL); root is the
 * absolute directory. 0 and *id, -EEXIST when the name is taken, CG_EINVAL, CG_EDB.
 */
int cg_graph_project_create(cg_graph *g, const char *name, const char *root, uint32_t *id);
/** 0, CG_ENOTFOUND, CG_EDB. Reads the latest state. */
int cg_graph_project_get(cg_graph *g, uint32_t id, cg_graph_project *out);
/** By name; 0, CG_ENOTFOUND, CG_EDB. */
int cg_graph_project_find(cg_graph *g, const char *name, cg_graph_project *out);
/** Up to cap projects in id order into out; returns how many exist (may exceed cap). */
int cg_graph_project_list(cg_graph *g, cg_graph_project *out, int cap);
/**
 * Delete a project and everything in it (files, entities, edges, names, unresolved
 * references; its job records stay for history). The name is freed at once; data goes in
 * bounded batches, so a crash leaves the project in state DELETING and calling this again
 * finishes it. 0, CG_ENOTFOUND, CG_EDB/CG_ETXN.
 */
int cg_graph_project_delete(cg_graph *g, uint32_t id);
/**
 * Publish the project's current state (end of an index job): generation += 1 and
 * indexed_s = now, written synced; then a new snapshot is pinned, and views opened from
 * now on see it. *generation gets the new value (may be NULL).
 */
int cg_graph_project_publish(cg_graph *g, uint32_t id, uint64_t *generation);

/* ---- files ---- */

/** What the caller knows about a file besides its extraction. */
typedef struct cg_graph_file_meta {
    const char *language; /**< "python", … ([parsing] languages names) */
    uint64_t hash;        /**< cg_graph_hash of the content */
    uint64_t size;        /**< bytes */
    int64_t mtime_ns;
    uint32_t lines; /**< line count (0 = use the last entity's end line) */
} cg_graph_file_meta;

#define CG_GRAPH_FILE_DIRTY 1u     /**< references not (re)resolved since the last put */
#define CG_GRAPH_FILE_TRUNCATED 2u /**< extraction hit a limit */
#define CG_GRAPH_FILE_TIMED_OUT 4u /**< the parse hit its time box (no entities) */

typedef struct cg_graph_file_info {
    uint64_t uid, hash, size;
    int64_t mtime_ns;
    uint64_t generation; /**< the project generation that first includes this version */
    uint32_t flags;      /**< CG_GRAPH_FILE_* */
    uint32_t lines, error_nodes;
    uint32_t entities;   /**< excluding the file node */
    uint32_t refs;       /**< references as extracted */
    uint32_t unresolved; /**< references left unresolved (valid when not DIRTY) */
    uint32_t by_kind[CG_GRAPH_KIND_COUNT];
    uint32_t edges[CG_EDGE_COUNT]; /**< out-edges by kind (valid when not DIRTY) */
    char language[16];
} cg_graph_file_info;

/** cg_graph_file_put flags. */
#define CG_GRAPH_PUT_RESOLVE 1 /**< resolve references in the same batch (see DESIGN) */

/**
 * Store one file's extraction in ONE write batch: the file's previous entities, names,
 * edges, stored references and unresolved entries are replaced. Edges from other files
 * into entities that no longer exist are removed and their source files marked for
 * re-resolution. Without CG_GRAPH_PUT_RESOLVE the file is marked dirty and its reference
 * edges appear when it is resolved; with it they are resolved against the latest state
 * (only safe when no other put of the project runs at the same time).
 * path is relative to the project root. 0, CG_ENOTFOUND (project), CG_EINVAL, CG_ELIMIT
 * (too many entities/references, long path), CG_ENOMEM, CG_EDB/CG_ETXN.
 */
int cg_graph_file_put(cg_graph *g, uint32_t project, const char *path,
                      const cg_graph_file_meta *meta, const cg_extract *x, int flags);
/**
 * cg_graph_file_put in three steps, so that another thread may write the batch while the
 * preparing one goes on (the index pipeline does). prepare builds the batch (the reads of
 * the put happen here) and returns the error cg_graph_file_put would, *out NULL then;
 * write writes it (any thread, once; 0, CG_ENOMEM, CG_EDB/CG_ETXN); finish runs on the
 * preparing thread after the write with its result: the lexical index's commit
 * (src/search/hook.h), then p is freed. x and the source given to the lexical hook must
 * not change until finish. A thread may hold more than one prepared put, each prepared and
 * finished under its own hook pending slot (cg_search_hook_slot).
 */
typedef struct cg_graph_put cg_graph_put;
int cg_graph_put_prepare(cg_graph *g, uint32_t project, const char *path,
                         const cg_graph_file_meta *meta, const cg_extract *x, int flags,
                         cg_graph_put **out);
int cg_graph_put_write(cg_graph_put *p);
void cg_graph_put_finish(cg_graph_put *p, int rc);
/** Remove a file and everything derived from it (one batch). 0, CG_ENOTFOUND, CG_EDB. */
int cg_graph_file_delete(cg_graph *g, uint32_t project, const char *path);
/** The latest record of one file. 0, CG_ENOTFOUND, CG_EDB. */
int cg_graph_file_get(cg_graph *g, uint32_t project, const char *path, cg_graph_file_info *out);
/**
 * Call fn for every file of the project in path order (latest state), e.g. to find files
 * that vanished from disk. fn returns 0 to go on, anything else stops the walk and is
 * returned. Returns 0 or an error.
 */
int cg_graph_file_foreach(cg_graph *g, uint32_t project,
                          int (*fn)(void *ctx, const char *path, const cg_graph_file_info *fi),
                          void *ctx);

/* ---- resolution ---- */

typedef struct cg_graph_resolve_stats {
    uint64_t files;                /**< files resolved */
    uint64_t refs;                 /**< references looked at */
    uint64_t by_res[CG_RES_COUNT]; /**< references resolved, by how */
    uint64_t unresolved;           /**< not found */
    uint64_t ambiguous;            /**< too many equally good targets (also unresolved) */
} cg_graph_resolve_stats;

#define CG_GRAPH_RESOLVE_ALL 1 /**< re-resolve every file of the project, not only dirty ones */

/**
 * (Re)resolve every reference of one file from its stored references (one batch): its
 * reference edges and unresolved entries are replaced and the file is no longer dirty.
 * st accumulates (may be NULL). 0, CG_ENOTFOUND, CG_EDB/CG_ETXN, CG_ENOMEM.
 */
int cg_graph_resolve_file(cg_graph *g, uint32_t project, uint64_t file_uid,
                          cg_graph_resolve_stats *st);
/**
 * A resolver: cg_graph_resolve_file for many files of one project in one resolve phase (no
 * put of the project runs meanwhile), caching names and file paths across them. Used by one
 * thread at a time. create: 0 or CG_ENOMEM; file: as cg_graph_resolve_file.
 */
typedef struct cg_graph_resolver cg_graph_resolver;
int cg_graph_resolver_create(cg_graph *g, uint32_t project, cg_graph_resolver **out);
int cg_graph_resolver_file(cg_graph_resolver *rv, uint64_t file_uid, cg_graph_resolve_stats *st);
/**
 * cg_graph_resolver_file without the write: *out gets the file's batch, which the caller
 * writes (cg_store_batch_write, any thread) and destroys. Safe while other files of the
 * phase are resolved and their batches not yet written: a resolution reads only what the
 * puts of the job wrote and its own file's records. CG_ENOTFOUND (the file is gone; its
 * mark was dropped), or the errors of cg_graph_resolve_file; *out is NULL then.
 */
int cg_graph_resolver_prepare(cg_graph_resolver *rv, uint64_t file_uid, cg_store_batch **out);
void cg_graph_resolver_destroy(cg_graph_resolver *rv);
/**
 * Turn the pending work recorded by puts into a list of files to resolve: names defined or
 * removed since the last pass wake the unresolved references waiting on them and the
 * references resolved by name to an entity of that name. *uids (malloc-ed, caller frees)
 * gets every dirty file; *n their count. With CG_GRAPH_RESOLVE_ALL every file is listed.
 */
int cg_graph_resolve_pending(cg_graph *g, uint32_t project, int flags, uint64_t **uids, size_t *n);
/** cg_graph_resolve_pending then cg_graph_resolve_file for each file, on this thread. */
int cg_graph_resolve_project(cg_graph *g, uint32_t project, int flags, cg_graph_resolve_stats *st);

/* ---- jobs ---- */

typedef enum cg_graph_job_state {
    CG_JOB_QUEUED,
    CG_JOB_RUNNING,
    CG_JOB_DONE,
    CG_JOB_FAILED,
    CG_JOB_CANCELLED,
    CG_JOB_STATE_COUNT
} cg_graph_job_state;

typedef struct cg_graph_job {
    uint64_t id;
    uint32_t project;
    int state;     /**< cg_graph_job_state */
    char kind[16]; /**< "index", "reindex", "delete" */
    uint64_t files_total, files_done, files_skipped, files_failed, files_deleted;
    uint64_t files_unchanged; /**< same content hash as stored (not counted in skipped) */
    uint64_t entities, edges;
    int64_t created_s, started_s, finished_s;
    uint64_t generation; /**< generation published by this job (0 until done) */
    uint32_t n_errors;   /**< errors seen (exact) */
    int n_msgs;          /**< messages kept: min(n_errors, CG_GRAPH_JOB_ERRORS_MAX) */
    char errors[CG_GRAPH_JOB_ERRORS_MAX][CG_GRAPH_JOB_ERROR_LEN];
} cg_graph_job;

/** "queued", "running", "done", "failed", "cancelled". */
const char *cg_graph_job_state_name(int state);
/**
 * Create a QUEUED job record for the project and remember it as the project's last job.
 * Oldest finished jobs beyond CG_GRAPH_JOBS_KEEP are pruned. 0, CG_ENOTFOUND, CG_EDB.
 */
int cg_graph_job_create(cg_graph *g, uint32_t project, const char *kind, cg_graph_job *out);
/** Store the job record as it is now (synced when the state is final). */
int cg_graph_job_put(cg_graph *g, const cg_graph_job *j);
/** Count an error and keep its message while there is room (in memory; put to store). */
void cg_graph_job_add_error(cg_graph_job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cg_graph_job_get(cg_graph *g, uint64_t id, cg_graph_job *out);
/** Newest first, up to cap; project 0 = every project. Returns how many were written. */
int cg_graph_job_list(cg_graph *g, uint32_t project, cg_graph_job *out, int cap);

/* ---- views and queries ---- */

typedef struct cg_graph_view cg_graph_view;

/**
 * A view of one project at its published snapshot (pinned by the last publish, or on first
 * use after open). 0, CG_ENOTFOUND (no such project, or being deleted), CG_ENOMEM.
 */
int cg_graph_view_open(cg_graph *g, uint32_t project, cg_graph_view **out);
/** A view at a fresh snapshot of the latest state (the indexer, tests). */
int cg_graph_view_open_latest(cg_graph *g, uint32_t project, cg_graph_view **out);
void cg_graph_view_close(cg_graph_view *v);
uint64_t cg_graph_view_generation(const cg_graph_view *v);
uint32_t cg_graph_view_project(const cg_graph_view *v);

/** The project of an entity id (file uids are never reused). 0, CG_ENOTFOUND. */
int cg_graph_entity_project(cg_graph *g, uint64_t id, uint32_t *project);

/** What answers carry per entity (CONTRACT.md): strings live in the result. */
typedef struct cg_graph_entity {
    uint64_t id;
    uint64_t parent; /**< 0 for top-level entities and file nodes */
    uint32_t project;
    int kind; /**< cg_entity_kind or CG_GRAPH_KIND_FILE */
    const char *name, *qualified_name, *signature, *doc;
    const char *language; /**< "" when unknown */
    const char *path;     /**< relative to the project root */
    cg_span span;         /**< line/end_line 1-based, columns 0-based, bytes */
} cg_graph_entity;

typedef struct cg_graph_hit {
    cg_graph_entity entity;
    double score;       /**< symbol search: 0..1, higher is better */
    int depth;          /**< traversals: distance from the start (path: position) */
    uint64_t via;       /**< traversals: the node it was reached from (0 = start) */
    int edge_kind;      /**< traversals / references: the edge kind, else -1 */
    int resolution;     /**< … and how it was resolved, else -1 */
    uint32_t line, col; /**< references: first site (1-based line, 0-based column) */
    uint32_t count;     /**< references: sites collapsed into this edge */
} cg_graph_hit;

/** Paging in: limit 0 = CG_GRAPH_LIMIT_DEFAULT, above CG_GRAPH_LIMIT_MAX = the max. */
typedef struct cg_graph_page {
    uint32_t limit;
    uint64_t offset;
} cg_graph_page;

/**
 * One page of an answer. Orders are deterministic for a given generation, so offsets are
 * stable cursors. truncated = results exist beyond this page, or a bound (scan, nodes,
 * depth) stopped the enumeration; bounded says the latter (total is then a lower bound).
 */
typedef struct cg_graph_result {
    cg_graph_hit *hits;
    int n;
    uint64_t total;
    uint64_t next_offset; /**< offset of the next page; 0 when this is the last */
    int truncated, bounded;
    uint64_t generation; /**< the project generation the answer was read at */
    void *mem_;          /**< private: owns hits and strings */
} cg_graph_result;

void cg_graph_result_init(cg_graph_result *r);
void cg_graph_result_release(cg_graph_result *r);

/** One entity; result has one hit. 0, CG_ENOTFOUND (also: not in this view's project). */
int cg_graph_entity_get(cg_graph_view *v, uint64_t id, cg_graph_result *out);

typedef enum cg_graph_match { CG_MATCH_EXACT, CG_MATCH_PREFIX, CG_MATCH_FUZZY } cg_graph_match;

typedef struct cg_graph_symbol_query {
    const char *q;        /**< a simple name (case-insensitive; exact case scores higher) */
    int match;            /**< cg_graph_match */
    uint32_t kinds;       /**< CG_GRAPH_KIND_BIT mask, 0 = all */
    const char *language; /**< NULL/"" = any */
    cg_graph_page page;
} cg_graph_symbol_query;

/**
 * Symbol lookup by name. Exact and prefix order: name (case-insensitive), then id; fuzzy
 * (substring, subsequence, one typo) orders by score, then name, then id. CG_EINVAL on an
 * empty query.
 */
int cg_graph_symbols(cg_graph_view *v, const cg_graph_symbol_query *q, cg_graph_result *out);

typedef struct cg_graph_traverse {
    uint64_t id;    /**< the start entity */
    int depth;      /**< 0 = CG_GRAPH_DEPTH_DEFAULT, clamped to CG_GRAPH_DEPTH_MAX */
    int max_nodes;  /**< 0 = CG_GRAPH_NODES_DEFAULT, clamped to CG_GRAPH_NODES_MAX */
    uint32_t edges; /**< CG_EDGE_BIT mask, 0 = calls only */
    cg_graph_page page;
} cg_graph_traverse;

/**
 * Breadth-first over in-edges (callers) or out-edges (callees) up to depth; the start is not
 * listed. Order: depth, then id; `via` is the smallest-id neighbour one level closer.
 * `bounded` is set when max_nodes stopped the walk or depth/max_nodes were clamped.
 * 0, CG_ENOTFOUND (start missing).
 */
int cg_graph_callers(cg_graph_view *v, const cg_graph_traverse *t, cg_graph_result *out);
int cg_graph_callees(cg_graph_view *v, const cg_graph_traverse *t, cg_graph_result *out);

/** Every in-edge except contains: who refers to id, in (kind, source id) order. */
int cg_graph_references(cg_graph_view *v, uint64_t id, const cg_graph_page *page,
                        cg_graph_result *out);

/**
 * A shortest path from → to over out-edges of the kinds in `edges` (0 = calls), at most
 * max_depth edges (0 = CG_GRAPH_DEPTH_MAX) and CG_GRAPH_NODES_MAX visited nodes; each node
 * is reached from the smallest-id node one step closer to `from` (deterministic). Hits are
 * the path in order (depth = position,
 * edge_kind/resolution = the edge into the node). 0, CG_ENOTFOUND (no path within the
 * bounds: out->bounded tells whether a bound was hit; or an endpoint is missing).
 */
int cg_graph_path(cg_graph_view *v, uint64_t from, uint64_t to, int max_depth, uint32_t edges,
                  cg_graph_result *out);

/** The entities of one file in source order (start byte, then wider first), no file node. */
int cg_graph_outline(cg_graph_view *v, const char *path, const cg_graph_page *page,
                     cg_graph_result *out);

typedef struct cg_graph_stats {
    uint64_t generation;
    uint64_t files, dirty_files, bytes;
    uint64_t entities; /**< excluding file nodes */
    uint64_t by_kind[CG_GRAPH_KIND_COUNT];
    uint64_t edges[CG_EDGE_COUNT];
    uint64_t refs, unresolved;
} cg_graph_stats;

/** Counts for the view's project, summed from its file records. */
int cg_graph_stats_get(cg_graph_view *v, cg_graph_stats *out);

/** An unresolved reference as stored (strings valid during the callback only). */
typedef struct cg_graph_unresolved {
    uint64_t from;       /**< the entity (or file node) making the reference */
    int kind;            /**< cg_ref_kind */
    int ambiguous;       /**< 1: several equally good targets; 0: none found */
    uint32_t candidates; /**< candidates seen */
    uint32_t line, col;  /**< the site: 1-based line, 0-based column */
    const char *name;    /**< the target as written */
} cg_graph_unresolved;

/**
 * Call fn for every unresolved reference of the view's project (key order: simple name,
 * file uid, reference position). fn returns 0 to go on; anything else stops the walk and
 * is returned. 0, CG_ECORRUPT, CG_EDB, CG_ENOMEM. (src/graph/resolve.c)
 */
int cg_graph_unresolved_foreach(cg_graph_view *v,
                                int (*fn)(void *ctx, const cg_graph_unresolved *u), void *ctx);

#endif
