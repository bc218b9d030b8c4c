/*
 * resolve.c — name resolution: turning a file's references (names as written) into edges,
 * each tagged with how it was found, or into unresolved entries. Also the project passes
 * (pending names → dirty files → re-resolution).
 *
 * DESIGN — the rules, tried in order for a reference R written as "q1.q2.S" (separators
 * . :: -> / \ #, bracketed groups such as call arguments or generics dropped) from entity F
 * of file X. S is the simple name; Q = q1.q2 the qualifier; a leading self/this/cls/Self/
 * static is a *receiver* (member of the enclosing class), super/parent/base a *super
 * receiver*. A target must have the exact name S (case-sensitive) and a kind that fits R:
 * calls → function, method, class, struct; inherits → class, struct, interface, trait;
 * implements → interface, trait, class, module (a Ruby mixin); type references → any
 * definition; imports → any.
 *   1. exact (same scope, same file): without Q, the first scope from F outwards (F, its
 *      parent, …, the file) that directly contains an S; with a receiver only the enclosing
 *      class; failing that, any non-method S defined in X. With Q, an S in X whose
 *      qualified name is, or ends with, "Q.S", or whose parent is named like Q's last part.
 *      A receiver (self, super, or none: m() inside a class is an implicit this) that the
 *      scopes do not satisfy looks through the enclosing class's bases defined in X (its
 *      inherit/implement references, up to GR_BASE_DEPTH levels); super never takes the
 *      class's own member. A type reference prefers a type (a function or method, e.g. a
 *      constructor named like its class, only when no type fits); a call prefers anything
 *      over a constructor (the class stands for it).
 *   2. import: candidates are the S defined in other files of the project (name index). An
 *      import I of X (segments, extension and ./ ../ crate:: dropped) reaches candidate C
 *      when I names C's module — I's segments and C's path (without extension), or C's
 *      directory, agree on their common trailing segments — or I names C itself (I = M.S,
 *      or M.T with T a container of C, i.e. a segment of its qualified name, and M names
 *      C's module). With Q, its last part must be I's last segment (module import), or Q's
 *      first part I's last (symbol), or I names C's module and Q's first part is a
 *      container of C (`from M import T` … T.S). A plain name m() reaches a method only
 *      through an import of its class, not of its module (importing a module says nothing
 *      about the type of the object m is called on). The best reachable candidate wins
 *      (score below, then the shallower qualified name: M.f over M.C.f); a tie between
 *      different qualified names goes on to rule 3, other ties to the smallest path, then
 *      the smallest local id.
 *   3. name: the best candidate by score among the S of the whole project (those of X that
 *      rule 1 passed over included; never a constructor): +8 qualified name ends with
 *      "Q.S", else +4 C's parent or file is named like Q's last part (with Q and neither, C
 *      is out); +4 for a receiver or a plain name inside a class when C's parent is named
 *      like a base of that class; +2 same language; +2 a method for a receiver; +1 a type
 *      (not a module) for a type reference; +1 same directory. Ties go to the longest
 *      common directory prefix; a tie left is *ambiguous*. With Q and no candidate left,
 *      a single same-language method project-wide is still taken (obj.m() with obj
 *      untyped; only when Q looks like a variable: lower case or _, not a type, module or
 *      literal).
 * An import reference resolves to the entity M.S (symbol import) or the file node of the
 * module it names (its stem is in the name index), by rule 2's path matching only; one
 * naming a directory (a Go package) resolves to the file of that directory named like it
 * (the smallest path on a tie); an #include "x.h" prefers x.h to x.c.
 * Anything else is kept in the unresolved family with its reason (not found / ambiguous,
 * with the candidate count), keyed by its simple name so a later definition of S finds it.
 *
 * Limits (by design): no types or data flow (obj.m() resolves only through the name of m
 * and Q's spelling), no aliases (import x as y), no overload selection (the first by id),
 * inherited members only through in-file bases and rule 3, at most GR_CANDIDATES_MAX
 * candidates per name (name-index order) and GR_IMPORTS_MAX imports per file. Every
 * choice depends only on content (names, paths, local ids), never on the order files were
 * indexed in, so a fresh index and an incremental one of the same tree give the same
 * graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

/* Candidates read from the name index per reference (the rest are ignored). */
#define GR_CANDIDATES_MAX 256
/* Imports of one file considered by rule 2. */
#define GR_IMPORTS_MAX 256
/* Bases of one class considered for a self/super receiver, and how many levels up the
 * in-file class hierarchy rule 1 looks for a receiver's member. */
#define GR_BASES_MAX 8
#define GR_BASE_DEPTH 4
/* Dirty-mark writes buffered before a batch is written (resolve_pending). */
#define GR_MARK_BATCH 4096

typedef struct gr_cand {
    uint64_t id;
    int kind, lang;
    const char *qname, *path;
    int score, prefix, reach;
} gr_cand;

/* Resolution state for one file. */
typedef struct gr_rctx {
    gr_fctx *c;
    int *by_name;      /* indices of c->ents sorted by (name, id) */
    gr_idmap local_ix; /* local id → index + 1 */
    gr_segs *imports;
    int n_imports;
    gr_idmap path_ix; /* file uid → index + 1 into paths */
    char **paths;
    int n_paths, cap_paths;
    gr_arena arena;
    cg_store_iter *names; /* latest, unbounded, reused with seeks */
    cg_buf val, cstr;
    gr_cand cands[GR_CANDIDATES_MAX];
    int n_cands, more_cands, seen_cands; /* seen: candidates of the current reference */
    char memo_s[GR_SEG_BYTES];           /* what cands holds: (memo_s, memo_kind, …) */
    int memo_kind, memo_files, memo_ok;
    char dir[CG_GRAPH_PATH_MAX + 1];
    /* the current reference's receiver class (self/super/implicit): name and bases */
    const char *cls_name;
    const char *bases[GR_BASES_MAX];
    int n_bases;
    int ref_kind;          /* the kind of the reference being resolved */
    int qualified_calls;   /* the file's language names calls with their qualifier */
    uint32_t *inh;         /* indices of the file's inherit / implement references */
    const char **inh_name; /* … and their simple names (in the arena) */
    uint32_t n_inh;
} gr_rctx;

static int gr_by_name_cmp(const void *a, const void *b, void *ctx)
{
    const gr_fent *ents = ctx;
    const gr_fent *x = &ents[*(const int *)a];
    const gr_fent *y = &ents[*(const int *)b];
    int d = strcmp(x->name, y->name);
    return d ? d : (x->id > y->id) - (x->id < y->id);
}

static void gr_dirname(char *dst, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    snprintf(dst, cap, "%.*s", (int)n, path);
}

static int gr_rctx_imports(gr_rctx *r)
{
    gr_fctx *c = r->c;

    r->imports = calloc(GR_IMPORTS_MAX, sizeof(*r->imports));
    if (!r->imports) return CG_ENOMEM;
    for (uint32_t i = 0; i < c->n_refs && r->n_imports < GR_IMPORTS_MAX; i++) {
        if (c->refs[i].kind != CG_REF_IMPORT) continue;
        gr_segs_split(&r->imports[r->n_imports], c->refs[i].name, 1);
        if (r->imports[r->n_imports].n > 0) r->n_imports++;
    }
    return 0;
}

/* The file's inherit / implement references and their simple names (class bases). */
static int gr_rctx_bases(gr_rctx *r)
{
    gr_fctx *c = r->c;
    gr_segs sg;

    r->inh = calloc((size_t)c->n_refs + 1, sizeof(*r->inh));
    r->inh_name = calloc((size_t)c->n_refs + 1, sizeof(*r->inh_name));
    if (!r->inh || !r->inh_name) return CG_ENOMEM;
    for (uint32_t i = 0; i < c->n_refs; i++) {
        if (c->refs[i].kind != CG_REF_INHERIT && c->refs[i].kind != CG_REF_IMPLEMENT) continue;
        gr_segs_split(&sg, c->refs[i].name, 0);
        if (sg.n == 0) continue;
        if (!(r->inh_name[r->n_inh] = gr_arena_strdup(&r->arena, gr_ref_simple(&sg))))
            return CG_ENOMEM;
        r->inh[r->n_inh++] = i;
    }
    return 0;
}

/* Languages whose queries (src/lang/<grammar>.scm) name a call with its qualifier ("a.f",
 * "self.f"), so that a plain "f" really is unqualified. The others (java, php, ruby, go,
 * c, cpp, dart) name obj.m() "m", which may then be any class's method. */
static int gr_lang_qualified_calls(int lang)
{
    static const char *const langs[] = {"python", "javascript", "typescript", "rust",
                                        "csharp", "kotlin",     "swift",      "scala"};
    for (size_t i = 0; i < CG_ARRAY_LEN(langs); i++)
        if (lang == gr_lang_code(langs[i])) return 1;
    return 0;
}

static int gr_rctx_init(gr_rctx *r, gr_fctx *c)
{
    int rc = 0;

    memset(r, 0, sizeof(*r));
    r->c = c;
    cg_buf_init(&r->val);
    cg_buf_init(&r->cstr);
    gr_idmap_init(&r->local_ix);
    gr_idmap_init(&r->path_ix);
    gr_dirname(r->dir, sizeof(r->dir), c->path);
    r->by_name = calloc((size_t)c->n_ents + 1, sizeof(int));
    if (!r->by_name) return CG_ENOMEM;
    for (int i = 0; i < c->n_ents && !rc; i++) {
        r->by_name[i] = i;
        rc = gr_idmap_put(&r->local_ix, c->ents[i].local, (uint64_t)i + 1);
    }
    if (rc) return rc;
    qsort_r(r->by_name, (size_t)c->n_ents, sizeof(int), gr_by_name_cmp, c->ents);
    if ((rc = gr_rctx_imports(r)) || (rc = gr_rctx_bases(r))) return rc;
    r->qualified_calls = gr_lang_qualified_calls(c->lang);
    return cg_store_iter_create(c->g->s, NULL, CG_STORE_CF_NAMES, NULL, 0, NULL, 0, &r->names);
}

static void gr_rctx_release(gr_rctx *r)
{
    free(r->by_name);
    free(r->imports);
    free(r->inh);
    free(r->inh_name);
    free(r->paths);
    gr_idmap_release(&r->local_ix);
    gr_idmap_release(&r->path_ix);
    gr_arena_free(&r->arena);
    cg_store_iter_destroy(r->names);
    cg_buf_release(&r->val);
    cg_buf_release(&r->cstr);
}

/* The entity with this local id, NULL for the file node or an unknown id. */
static const gr_fent *gr_ent_local(const gr_rctx *r, uint32_t local)
{
    uint64_t ix;
    if (local == 0 || !gr_idmap_get(&r->local_ix, local, &ix)) return NULL;
    return &r->c->ents[ix - 1];
}

/* [*lo, *hi) of by_name holding entities named s. */
static void gr_name_range(const gr_rctx *r, const char *s, int *lo, int *hi)
{
    int a = 0, b = r->c->n_ents;
    while (a < b) {
        int m = (a + b) / 2;
        if (strcmp(r->c->ents[r->by_name[m]].name, s) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    for (b = a; b < r->c->n_ents && strcmp(r->c->ents[r->by_name[b]].name, s) == 0;) b++;
    *hi = b;
}

/* gr_kind_fits, plus: an implement reference may name a module (Ruby's include M). */
static int gr_fits(int ref_kind, int kind)
{
    return gr_kind_fits(ref_kind, kind) || (ref_kind == CG_REF_IMPLEMENT && kind == CG_KIND_MODULE);
}

static int gr_classlike(int kind)
{
    return kind == CG_KIND_CLASS || kind == CG_KIND_STRUCT || kind == CG_KIND_INTERFACE ||
           kind == CG_KIND_TRAIT || kind == CG_KIND_ENUM || kind == CG_KIND_MODULE;
}

/* "q1.q2.S" joined with '.' into dst. */
static void gr_segs_join(const gr_segs *sg, int from, int to, char *dst, size_t cap)
{
    size_t n = 0;
    dst[0] = '\0';
    for (int i = from; i < to && n < cap; i++)
        n += (size_t)snprintf(dst + n, cap - n, "%s%s", i > from ? "." : "", sg->s[i]);
}

/* qname is "qs" or ends with ".qs". */
static int gr_qname_ends(const char *qname, const char *qs)
{
    size_t a = strlen(qname), b = strlen(qs);
    if (a == b) return strcmp(qname, qs) == 0;
    return a > b && qname[a - b - 1] == '.' && strcmp(qname + a - b, qs) == 0;
}

/* The simple name of the qualified name's parent part ("a.B.run" → "B"), into dst. */
static void gr_qname_parent(const char *qname, char *dst, size_t cap)
{
    const char *last = strrchr(qname, '.'), *p = last;
    dst[0] = '\0';
    if (!last) return;
    while (p > qname && p[-1] != '.') p--;
    snprintf(dst, cap, "%.*s", (int)(last - p), p);
}

/* Does entity e fit reference kind rk in this pass? A type reference first looks for a
 * type (pass 0), and takes a function or method only when no type is found (pass 1); a
 * call first skips constructors (methods named like their class: the class stands for
 * them), which sit nearer in the scope walk than the class. */
static int gr_fits_pass(const gr_rctx *r, int rk, const gr_fent *e, int pass)
{
    const gr_fent *p;

    if (!gr_fits(rk, e->kind)) return 0;
    if (pass) return 1;
    if (rk == CG_REF_TYPE) return e->kind != CG_KIND_FUNCTION && e->kind != CG_KIND_METHOD;
    if (rk != CG_REF_CALL || e->kind != CG_KIND_METHOD) return 1;
    p = gr_ent_local(r, e->parent_local);
    return !p || strcmp(p->name, e->name) != 0;
}

/* Rule 1 with a scope walk: the first scope from `scope` outwards that contains an S. */
static uint64_t gr_exact_scoped(const gr_rctx *r, int rkind, uint32_t scope, int lo, int hi,
                                int class_only, int pass)
{
    for (int guard = 0; guard <= CG_GRAPH_FILE_ENTITIES_MAX; guard++) {
        for (int i = lo; i < hi; i++) {
            const gr_fent *e = &r->c->ents[r->by_name[i]];
            if (e->parent_local == scope && gr_fits_pass(r, rkind, e, pass)) return e->id;
        }
        const gr_fent *s = gr_ent_local(r, scope);
        if (!s || class_only) return 0;
        scope = s->parent_local;
    }
    return 0;
}

/* The class-like entity enclosing local `from` (itself when class-like); 0 = none. */
static uint32_t gr_enclosing_class(const gr_rctx *r, uint32_t from)
{
    const gr_fent *s;
    while ((s = gr_ent_local(r, from)) && !gr_classlike(s->kind)) from = s->parent_local;
    return s ? from : 0;
}

/* The simple names of the bases of class `cls`: its inherit / implement references. */
static int gr_class_bases(const gr_rctx *r, uint32_t cls, const char **out)
{
    int n = 0;

    for (uint32_t i = 0; cls && i < r->n_inh && n < GR_BASES_MAX; i++)
        if (r->c->refs[r->inh[i]].from_local == cls) out[n++] = r->inh_name[i];
    return n;
}

/* Rule 1 for a receiver through the in-file class hierarchy: a member S of a base of
 * `cls` defined in this file, up to GR_BASE_DEPTH levels (the first in-file base of each
 * level leads to the next). */
static uint64_t gr_exact_in_bases(const gr_rctx *r, int rkind, uint32_t cls, int lo, int hi)
{
    const char *bases[GR_BASES_MAX];

    for (int depth = 0; depth < GR_BASE_DEPTH && cls; depth++) {
        int nb = gr_class_bases(r, cls, bases);
        uint32_t next = 0;
        for (int b = 0; b < nb; b++) {
            int blo, bhi;
            gr_name_range(r, bases[b], &blo, &bhi);
            for (int i = blo; i < bhi; i++) {
                const gr_fent *e = &r->c->ents[r->by_name[i]];
                if (!gr_classlike(e->kind) || e->local == cls) continue;
                uint64_t id = gr_exact_scoped(r, rkind, e->local, lo, hi, 1, 1);
                if (id) return id;
                if (!next) next = e->local;
            }
        }
        cls = next;
    }
    return 0;
}

static uint64_t gr_exact_pass(const gr_rctx *r, const gr_ref *ref, const gr_segs *sg, int lo,
                              int hi, int pass)
{
    char qs[GR_SEG_BYTES], parent[256];

    if (sg->receiver == 2) return 0;
    if (sg->receiver == 1) {
        uint32_t scope = ref->from_local;
        const gr_fent *s;
        while ((s = gr_ent_local(r, scope)) && !gr_classlike(s->kind)) scope = s->parent_local;
        return s ? gr_exact_scoped(r, ref->kind, scope, lo, hi, 1, pass) : 0;
    }
    if (sg->n == 1) {
        uint64_t id = gr_exact_scoped(r, ref->kind, ref->from_local, lo, hi, 0, pass);
        for (int i = lo; !id && i < hi; i++) {
            const gr_fent *e = &r->c->ents[r->by_name[i]];
            if (e->kind != CG_KIND_METHOD && gr_fits_pass(r, ref->kind, e, pass)) id = e->id;
        }
        return id;
    }
    gr_segs_join(sg, 0, sg->n, qs, sizeof(qs));
    for (int i = lo; i < hi; i++) {
        const gr_fent *e = &r->c->ents[r->by_name[i]];
        if (!gr_fits_pass(r, ref->kind, e, pass)) continue;
        gr_qname_parent(e->qname, parent, sizeof(parent));
        if (gr_qname_ends(e->qname, qs) || strcmp(parent, sg->s[sg->n - 2]) == 0) return e->id;
    }
    return 0;
}

static uint64_t gr_layer_exact(const gr_rctx *r, const gr_ref *ref, const gr_segs *sg)
{
    int lo, hi;
    uint64_t id = 0;

    gr_name_range(r, gr_ref_simple(sg), &lo, &hi);
    if (lo == hi) return 0;
    if (ref->kind == CG_REF_TYPE || ref->kind == CG_REF_CALL)
        id = gr_exact_pass(r, ref, sg, lo, hi, 0);
    if (!id) id = gr_exact_pass(r, ref, sg, lo, hi, 1);
    /* self.m(), super.m(), or m() inside a class (an implicit this) */
    if (!id && (sg->receiver || sg->n == 1))
        id = gr_exact_in_bases(r, ref->kind, gr_enclosing_class(r, ref->from_local), lo, hi);
    return id;
}

/* Remember the receiver class of reference `ref` (its name and bases) for rule 3. */
static void gr_receiver_load(gr_rctx *r, const gr_ref *ref, const gr_segs *sg)
{
    uint32_t cls = sg->receiver || sg->n == 1 ? gr_enclosing_class(r, ref->from_local) : 0;
    const gr_fent *e = gr_ent_local(r, cls);

    r->n_bases = 0;
    r->cls_name = e ? e->name : NULL;
    if (e) r->n_bases = gr_class_bases(r, cls, r->bases);
}

/* The path of a file uid (cached for this file's resolution, and in the graph). */
static const char *gr_uid_path(gr_rctx *r, uint64_t uid)
{
    char path[CG_GRAPH_PATH_MAX + 1];
    uint64_t ix;

    if (gr_idmap_get(&r->path_ix, uid, &ix)) return r->paths[ix - 1];
    if (gr_uid_path_get(r->c->g, uid, path, sizeof(path)) != 0) path[0] = '\0';
    if (r->n_paths == r->cap_paths) {
        int cap = r->cap_paths ? r->cap_paths * 2 : 64;
        char **n = realloc(r->paths, (size_t)cap * sizeof(*n));
        if (!n) return "";
        r->paths = n;
        r->cap_paths = cap;
    }
    char *copy = gr_arena_strdup(&r->arena, path);
    if (!copy || gr_idmap_put(&r->path_ix, uid, (uint64_t)r->n_paths + 1)) return "";
    r->paths[r->n_paths++] = copy;
    return copy;
}

/* Rule 3 also weighs this file's own entities named s (those rule 1 passed over: methods
 * of other classes, members of non-enclosing scopes), so that a guess by name never
 * prefers another file's entity over an equally good one here. */
static void gr_own_cands(gr_rctx *r, const char *s, int rkind)
{
    int lo, hi;

    gr_name_range(r, s, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        const gr_fent *e = &r->c->ents[r->by_name[i]];
        if (!gr_fits(rkind, e->kind)) continue;
        if (r->n_cands == GR_CANDIDATES_MAX) {
            r->more_cands = 1;
            return;
        }
        r->cands[r->n_cands++] = (gr_cand){.id = e->id,
                                           .kind = e->kind,
                                           .lang = r->c->lang,
                                           .qname = e->qname,
                                           .path = r->c->path};
    }
}

/* Load candidates named exactly s (other files, and for rule 3 (files_only < 0) this file)
 * whose kind satisfies want(kind). */
static int gr_load_cands(gr_rctx *r, const char *s, int rkind, int files_only)
{
    gr_key pre;
    size_t qoff[GR_CANDIDATES_MAX];
    int rc;

    if (r->memo_ok && r->memo_kind == rkind && r->memo_files == files_only &&
        strcmp(r->memo_s, s) == 0)
        return 0; /* references come grouped by name: load each name once */
    r->memo_ok = 0;
    r->n_cands = r->more_cands = 0;
    cg_buf_reset(&r->cstr);
    gr_key_reset(&pre);
    gr_key_u32(&pre, r->c->project);
    gr_key_lower(&pre, s);
    gr_key_u8(&pre, 0);
    if (pre.over) return 0;
    for (cg_store_iter_seek(r->names, pre.b, pre.n); cg_store_iter_valid(r->names);
         cg_store_iter_next(r->names)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(r->names, &kl);
        const void *v = cg_store_iter_value(r->names, &vl);
        gr_name nm;
        if (kl != pre.n + 8 || memcmp(k, pre.b, pre.n) != 0) break;
        uint64_t id = gr_get_u64(k + pre.n);
        if (CG_GRAPH_ID_FILE(id) == r->c->uid || gr_dec_name(v, vl, &nm) != 0) continue;
        if (strcmp(nm.name, s) != 0 || !gr_fits(rkind, nm.kind)) continue;
        if (files_only >= 0 && (nm.kind == CG_GRAPH_KIND_FILE) != files_only) continue;
        if (r->n_cands == GR_CANDIDATES_MAX) {
            r->more_cands = 1;
            break;
        }
        qoff[r->n_cands] = r->cstr.len;
        cg_buf_append(&r->cstr, nm.qname, strlen(nm.qname) + 1);
        r->cands[r->n_cands++] = (gr_cand){.id = id, .kind = nm.kind, .lang = nm.lang};
    }
    if (!cg_buf_ok(&r->cstr)) return CG_ENOMEM;
    for (int i = 0; i < r->n_cands; i++) {
        r->cands[i].qname = r->cstr.data + qoff[i];
        r->cands[i].path = gr_uid_path(r, CG_GRAPH_ID_FILE(r->cands[i].id));
    }
    if (files_only < 0) gr_own_cands(r, s, rkind);
    if ((rc = cg_store_iter_status(r->names, NULL, 0))) return rc;
    r->memo_ok = strlen(s) < sizeof(r->memo_s);
    r->memo_kind = rkind;
    r->memo_files = files_only;
    if (r->memo_ok) memcpy(r->memo_s, s, strlen(s) + 1);
    return 0;
}

/* Do a and b agree on their common trailing segments (at least one)? */
static int gr_suffix_match(const char *const *a, int na, const char *const *b, int nb)
{
    int k = CG_MIN(na, nb);
    if (k <= 0) return 0;
    for (int i = 1; i <= k; i++)
        if (strcmp(a[na - i], b[nb - i]) != 0) return 0;
    return 1;
}

/* Does the module path m (n segments) name the file fs or its directory? */
static int gr_names_module(const char *const *m, int n, const gr_segs *fs)
{
    return gr_suffix_match(m, n, fs->s, fs->n) || gr_suffix_match(m, n, fs->s, fs->n - 1);
}

/* Is w one of the containers of qname (a segment before the last one): "Format" in
 * "Acme.Util.Format.number"? Compared in place: this runs per reference x candidate x
 * import (hot). */
static int gr_qname_container(const char *qname, const char *w)
{
    size_t wl = strlen(w);
    const char *p = qname, *dot;

    while ((dot = strchr(p, '.')) != NULL) {
        if ((size_t)(dot - p) == wl && memcmp(p, w, wl) == 0) return 1;
        p = dot + 1;
    }
    return 0;
}

/* Rule 2: does import imp reach candidate c for the reference sg? */
static int gr_import_reaches(const gr_segs *imp, const gr_segs *fs, const gr_cand *c,
                             const gr_segs *sg)
{
    int qual = sg->n > 1 && sg->receiver == 0;
    const char *last = imp->s[imp->n - 1];

    /* a plain name m() reaches a method only through an import of its class: importing a
     * module says nothing about the type of an object whose method is called */
    int plain_method = sg->n == 1 && !sg->receiver && c->kind == CG_KIND_METHOD;
    if (!plain_method && gr_names_module(imp->s, imp->n, fs)) {
        /* M.S through `import M`, or T.S through `from M import T` (T = c's container) */
        if (!qual || strcmp(sg->s[sg->n - 2], last) == 0) return 1;
        return gr_qname_container(c->qname, sg->s[0]);
    }
    if (imp->n < 2) return 0;
    /* `last` names the symbol itself or one of its containers (a class, a namespace) */
    if (!gr_qname_container(c->qname, last) && strcmp(last, gr_ref_simple(sg)) != 0) return 0;
    if (!gr_names_module(imp->s, imp->n - 1, fs)) return 0;
    return !qual || strcmp(sg->s[0], last) == 0;
}

/* Length of the common directory prefix of our file and path (in bytes, at '/'). */
static int gr_common_dir(const gr_rctx *r, const char *path)
{
    int n = 0, last = 0;
    while (r->dir[n] && path[n] && r->dir[n] == path[n]) {
        n++;
        if (path[n] == '/' && (r->dir[n] == '\0' || r->dir[n] == '/')) last = n;
    }
    return last;
}

/* Is the parent of qname (its last container) the receiver class or one of its bases? */
static int gr_parent_is_base(const gr_rctx *r, const char *qname)
{
    char parent[256];

    if (!r->cls_name) return 0;
    gr_qname_parent(qname, parent, sizeof(parent));
    if (strcmp(parent, r->cls_name) == 0) return 1;
    for (int b = 0; b < r->n_bases; b++)
        if (strcmp(parent, r->bases[b]) == 0) return 1;
    return 0;
}

/* Rule 3's score (also ranks rule 2's reachable candidates); -1 = qualifier rules c out. */
static int gr_score(const gr_rctx *r, const gr_cand *c, const gr_segs *sg)
{
    char qs[GR_SEG_BYTES], parent[256], stem[256], dir[CG_GRAPH_PATH_MAX + 1];
    int s = 0;

    /* a constructor (a method named like its class) is called through its class */
    gr_qname_parent(c->qname, parent, sizeof(parent));
    if (c->kind == CG_KIND_METHOD && strcmp(parent, gr_ref_simple(sg)) == 0) return -1;
    if (sg->n > 1 && sg->receiver == 0) {
        const char *q = sg->s[sg->n - 2];
        gr_segs_join(sg, 0, sg->n, qs, sizeof(qs));
        gr_qname_parent(c->qname, parent, sizeof(parent));
        gr_path_stem(stem, sizeof(stem), c->path);
        if (gr_qname_ends(c->qname, qs))
            s += 8;
        else if (strcmp(parent, q) == 0 || strcmp(stem, q) == 0)
            s += 4;
        else
            return -1;
    }
    if ((sg->receiver || sg->n == 1) && r->cls_name) {
        /* a receiver's member: +4 in a base of the receiver class; super.m() is never the
         * class's own m */
        gr_qname_parent(c->qname, parent, sizeof(parent));
        if (sg->receiver == 2 && strcmp(parent, r->cls_name) == 0) return -1;
        for (int b = 0; b < r->n_bases; b++)
            if (strcmp(parent, r->bases[b]) == 0) s += 4;
    }
    /* where calls keep their qualifier, a plain m() is a function or a member of the
     * enclosing class or its bases (an implicit this), never another class's method */
    if (r->qualified_calls && sg->n == 1 && !sg->receiver && r->ref_kind == CG_REF_CALL &&
        c->kind == CG_KIND_METHOD && !gr_parent_is_base(r, c->qname))
        return -1;
    if (c->lang == r->c->lang) s += 2;
    if (sg->receiver && c->kind == CG_KIND_METHOD) s += 2;
    /* a type reference: a type over a value of the same name (Scala's companion object) */
    if (r->ref_kind == CG_REF_TYPE && c->kind != CG_KIND_MODULE &&
        (gr_classlike(c->kind) || c->kind == CG_KIND_TYPE_ALIAS))
        s += 1;
    gr_dirname(dir, sizeof(dir), c->path);
    if (strcmp(dir, r->dir) == 0) s += 1;
    return s;
}

/* Is candidate a better than b (score, then common directory prefix)? >0 better, 0 tie. */
static int gr_cand_better(const gr_cand *a, const gr_cand *b)
{
    if (a->score != b->score) return a->score > b->score ? 1 : -1;
    return a->prefix == b->prefix ? 0 : a->prefix > b->prefix ? 1 : -1;
}

/* Segments of a qualified name minus one (dots outside the last segment). */
static int gr_qname_depth(const char *q)
{
    int n = 0;
    for (; *q; q++) n += *q == '.';
    return n;
}

/* How gr_pick treats equally good candidates. */
enum { GR_TIES_NONE, GR_TIES_ANY, GR_TIES_SAME_QNAME };

/* The best of the candidates with reach set (all when !need_reach): index, -1 none, -2 a
 * tie that `ties` does not accept (NONE: any tie; SAME_QNAME: a tie between different
 * qualified names, e.g. the area() of two classes, while a declaration and its
 * definition may tie). An accepted tie goes to the smaller path, then the smaller id:
 * both come from content (paths, qualified names), never from the order files were put. */
static int gr_pick(gr_rctx *r, int need_reach, int ties)
{
    int best = -1, tie = 0, tie_diff = 0;

    for (int i = 0; i < r->n_cands; i++) {
        gr_cand *c = &r->cands[i], *b = best >= 0 ? &r->cands[best] : NULL;
        if ((need_reach && !c->reach) || c->score < 0) continue;
        c->prefix = gr_common_dir(r, c->path);
        int d = b ? gr_cand_better(c, b) : 1;
        /* through an import, M.f beats M.C.f: the shallower member of the module */
        if (d == 0 && ties == GR_TIES_SAME_QNAME)
            d = gr_qname_depth(b->qname) - gr_qname_depth(c->qname);
        if (d > 0) {
            best = i;
            tie = tie_diff = 0;
        } else if (d == 0) {
            int pc = strcmp(c->path, b->path);
            tie = 1;
            tie_diff |= strcmp(c->qname, b->qname) != 0;
            if (pc < 0 || (pc == 0 && GR_LOCAL(c->id) < GR_LOCAL(b->id))) best = i;
        }
    }
    if ((ties == GR_TIES_NONE && tie) || (ties == GR_TIES_SAME_QNAME && tie_diff)) return -2;
    return best;
}

/* Rules 2 and 3 over loaded candidates: 1 and *dst, *res; or 0 and *reason. */
static int gr_layer_project(gr_rctx *r, const gr_segs *sg, uint64_t *dst, int *res, int *reason)
{
    gr_segs fs;
    int any_reach = 0, i, same_lang = -1, n_same = 0;

    for (i = 0; i < r->n_cands; i++) {
        gr_cand *c = &r->cands[i];
        c->score = gr_score(r, c, sg);
        c->reach = 0;
        gr_segs_path(&fs, c->path);
        /* this file's own entities are never reached through its imports (a.cpp includes
         * "a.hpp": same stem) */
        for (int m = 0; m < r->n_imports && !c->reach && CG_GRAPH_ID_FILE(c->id) != r->c->uid; m++)
            c->reach = gr_import_reaches(&r->imports[m], &fs, c, sg);
        any_reach |= c->reach;
        if (c->lang == r->c->lang) same_lang = i, n_same++;
        if (c->reach && c->score < 0) c->score = 0; /* the import vouches for Q */
    }
    if (any_reach && (i = gr_pick(r, 1, GR_TIES_SAME_QNAME)) >= 0) {
        *dst = r->cands[i].id;
        *res = CG_RES_IMPORT;
        return 1;
    }
    i = gr_pick(r, 0, GR_TIES_NONE);
    /* obj.m() with obj untyped: the one method m of the language, when Q looks like a
     * variable (lower case or _; a capitalised Q names a type or module, HashMap::new,
     * that rules 1-3 would have found; a literal, "x".join, is no object of ours) */
    const char *q = sg->n > 1 ? sg->s[sg->n - 2] : "";
    if (i == -1 && sg->n > 1 && !sg->receiver && n_same == 1 && !r->more_cands &&
        r->cands[same_lang].kind == CG_KIND_METHOD && ((*q >= 'a' && *q <= 'z') || *q == '_'))
        i = same_lang;
    if (i < 0) {
        *reason = i == -2 || r->n_cands > 0 ? GR_UNRES_AMBIGUOUS : GR_UNRES_NOT_FOUND;
        return 0;
    }
    *dst = r->cands[i].id;
    *res = CG_RES_NAME;
    return 1;
}

/* Does path's file name equal the file name the import spells, extension included
 * (#include "list.h" prefers list.h over list.c)? */
static int gr_import_names_file(const char *import, const char *path)
{
    const char *base = strrchr(import, '/'), *pbase = strrchr(path, '/');
    size_t n;

    base = base ? base + 1 : import;
    base += strspn(base, "\"'<");
    n = strcspn(base, "\"'>;");
    pbase = pbase ? pbase + 1 : path;
    return n > 0 && strlen(pbase) == n && memcmp(pbase, base, n) == 0;
}

/* An import reference: the symbol it names, else the module file it names. */
static int gr_layer_import(gr_rctx *r, const gr_ref *ref, const gr_segs *sg, uint64_t *dst)
{
    gr_segs fs;
    int rc, i;

    for (int pass = 0; pass < 2; pass++) {
        int n = pass == 0 ? sg->n - 1 : sg->n; /* module segments */
        if (n < 1) continue;
        if ((rc = gr_load_cands(r, gr_ref_simple(sg), ref->kind, pass)) != 0) return rc;
        for (i = 0; i < r->n_cands; i++) {
            gr_cand *c = &r->cands[i];
            gr_segs_path(&fs, c->path);
            /* pass 1: the module's file, or a file of the package directory it names */
            c->reach = pass == 0 ? gr_names_module(sg->s, n, &fs)
                                 : gr_suffix_match(sg->s, n, fs.s, fs.n) ||
                                       gr_suffix_match(sg->s, n, fs.s, fs.n - 1);
            c->score = (c->lang == r->c->lang ? 2 : 0) +
                       (pass == 1 && gr_import_names_file(ref->name, c->path));
        }
        if ((i = gr_pick(r, 1, GR_TIES_ANY)) >= 0) {
            *dst = r->cands[i].id;
            return 1;
        }
    }
    return 0;
}

/* Resolve one reference: 1 and *dst, *res, or 0 with *reason (unresolved), or an error. */
static int gr_resolve_one(gr_rctx *r, const gr_ref *ref, const gr_segs *sg, uint64_t *dst, int *res,
                          int *reason)
{
    int rc;

    *reason = GR_UNRES_NOT_FOUND;
    r->seen_cands = 0;
    if (sg->n == 0) return 0;
    if (ref->kind == CG_REF_IMPORT) {
        *res = CG_RES_IMPORT;
        return gr_layer_import(r, ref, sg, dst);
    }
    if ((*dst = gr_layer_exact(r, ref, sg)) != 0) {
        *res = CG_RES_EXACT;
        return 1;
    }
    if ((rc = gr_load_cands(r, gr_ref_simple(sg), ref->kind, -1)) != 0) return rc;
    r->seen_cands = r->n_cands;
    gr_receiver_load(r, ref, sg);
    r->ref_kind = ref->kind;
    return gr_layer_project(r, sg, dst, res, reason);
}

static int gr_edge_cmp(const void *a, const void *b)
{
    const gr_out_edge *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (x->col > y->col) - (x->col < y->col);
}

static int gr_resolved_add(gr_resolved *o, const gr_out_edge *e)
{
    CG_ASSERT(e->src != 0 && e->dst != 0 && e->kind > CG_EDGE_CONTAINS && e->kind < CG_EDGE_COUNT);
    if (o->n_edges == o->cap_edges) {
        int cap = o->cap_edges ? o->cap_edges * 2 : 64;
        gr_out_edge *n = realloc(o->edges, (size_t)cap * sizeof(*n));
        if (!n) return CG_ENOMEM;
        o->edges = n;
        o->cap_edges = cap;
    }
    o->edges[o->n_edges++] = *e;
    return 0;
}

/* Sort and merge duplicates (same src, kind, dst): count them, keep the first site. */
static void gr_resolved_merge(gr_resolved *o)
{
    int w = 0;

    if (o->n_edges > 1) qsort(o->edges, (size_t)o->n_edges, sizeof(*o->edges), gr_edge_cmp);
    for (int i = 0; i < o->n_edges; i++) {
        gr_out_edge *e = &o->edges[i];
        if (w > 0 && o->edges[w - 1].src == e->src && o->edges[w - 1].kind == e->kind &&
            o->edges[w - 1].dst == e->dst) {
            o->edges[w - 1].count++;
            continue;
        }
        o->edges[w] = *e;
        o->edges[w++].count = 1;
    }
    o->n_edges = w;
    memset(o->edges_by_kind, 0, sizeof(o->edges_by_kind));
    for (int i = 0; i < w; i++) o->edges_by_kind[o->edges[i].kind]++;
}

static void gr_unres_put(gr_rctx *r, cg_store_batch *b, const gr_ref *ref, uint32_t ord,
                         const gr_segs *sg, int reason)
{
    gr_unres u = {.kind = ref->kind,
                  .reason = reason,
                  .from_local = ref->from_local,
                  .line = ref->line,
                  .col = ref->col,
                  .candidates = (uint32_t)r->seen_cands,
                  .name = ref->name};
    gr_key k;

    gr_k_unres(&k, r->c->project, gr_ref_simple(sg), r->c->uid, ord);
    if (k.over) return;
    cg_buf_reset(&r->val);
    gr_enc_unres(&r->val, &u);
    cg_store_batch_put(b, CG_STORE_CF_UNRESOLVED, k.b, k.n, r->val.data, r->val.len);
}

/* The order to resolve references in: by (simple name, kind), so that gr_load_cands reads
 * each name once per file. Results do not depend on the order. */
typedef struct gr_rorder {
    const char *names;
    const uint32_t *off;
    const gr_ref *refs;
} gr_rorder;

static int gr_rorder_cmp(const void *a, const void *b, void *ctx)
{
    const gr_rorder *o = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int d = strcmp(o->names + o->off[x], o->names + o->off[y]);
    if (d) return d;
    if (o->refs[x].kind != o->refs[y].kind) return o->refs[x].kind - o->refs[y].kind;
    return (x > y) - (x < y);
}

static int gr_rorder_build(const gr_fctx *c, uint32_t **order)
{
    uint32_t *off = calloc((size_t)c->n_refs + 1, sizeof(*off));
    cg_buf names;
    gr_segs sg;
    int rc = 0;

    cg_buf_init(&names);
    *order = calloc((size_t)c->n_refs + 1, sizeof(**order));
    if (!off || !*order) rc = CG_ENOMEM;
    for (uint32_t i = 0; !rc && i < c->n_refs; i++) {
        gr_segs_split(&sg, c->refs[i].name, c->refs[i].kind == CG_REF_IMPORT);
        off[i] = (uint32_t)names.len;
        cg_buf_append(&names, gr_ref_simple(&sg), strlen(gr_ref_simple(&sg)) + 1);
        (*order)[i] = i;
    }
    if (!rc && !cg_buf_ok(&names)) rc = CG_ENOMEM;
    if (!rc && c->n_refs > 1) {
        gr_rorder o = {.names = names.data, .off = off, .refs = c->refs};
        qsort_r(*order, c->n_refs, sizeof(**order), gr_rorder_cmp, &o);
    }
    free(off);
    cg_buf_release(&names);
    return rc;
}

/* Resolve reference i: an edge into o, or an unresolved entry into b. */
static int gr_resolve_ref(gr_rctx *r, uint32_t i, cg_store_batch *b, gr_resolved *o,
                          cg_graph_resolve_stats *st)
{
    const gr_fctx *c = r->c;
    const gr_ref *ref = &c->refs[i];
    uint64_t dst = 0;
    int res = 0, reason = 0, rc;
    gr_segs sg;

    gr_segs_split(&sg, ref->name, ref->kind == CG_REF_IMPORT);
    /* self.items.get(): a member of a field, not of the class — qualified by the field */
    if (sg.receiver == 1 && sg.n > 1) sg.receiver = 0;
    if ((rc = gr_resolve_one(r, ref, &sg, &dst, &res, &reason)) < 0) return rc;
    if (st) st->refs++;
    if (rc == 1) {
        gr_out_edge e = {.src = GR_ID(c->uid, ref->from_local),
                         .dst = dst,
                         .kind = gr_ref_edge_kind(ref->kind),
                         .resolution = res,
                         .line = ref->line,
                         .col = ref->col};
        if (st) st->by_res[res]++;
        return gr_resolved_add(o, &e);
    }
    gr_unres_put(r, b, ref, i, &sg, reason);
    o->unresolved++;
    o->ambiguous += reason == GR_UNRES_AMBIGUOUS;
    if (st) st->unresolved++, st->ambiguous += reason == GR_UNRES_AMBIGUOUS;
    return 0;
}

int gr_resolve_refs(gr_fctx *c, cg_store_batch *b, gr_resolved *o, cg_graph_resolve_stats *st)
{
    uint32_t *order = NULL;
    gr_rctx r;
    int rc = gr_rctx_init(&r, c);

    if (!rc) rc = gr_rorder_build(c, &order);
    for (uint32_t i = 0; !rc && i < c->n_refs; i++) rc = gr_resolve_ref(&r, order[i], b, o, st);
    if (!rc) gr_resolved_merge(o);
    if (!rc && !cg_buf_ok(&r.val)) rc = CG_ENOMEM;
    free(order);
    gr_rctx_release(&r);
    return rc;
}

void gr_resolved_release(gr_resolved *r)
{
    free(r->edges);
    memset(r, 0, sizeof(*r));
}

void gr_resolved_write(const gr_resolved *r, cg_store_batch *b, cg_buf *tmp)
{
    gr_key k;

    for (int i = 0; i < r->n_edges; i++) {
        const gr_out_edge *e = &r->edges[i];
        gr_edge ed = {
            .resolution = e->resolution, .count = e->count, .line = e->line, .col = e->col};
        cg_buf_reset(tmp);
        gr_enc_edge(tmp, &ed);
        gr_k_edge(&k, e->src, e->kind, e->dst);
        cg_store_batch_put(b, CG_STORE_CF_OUT_EDGES, k.b, k.n, tmp->data, tmp->len);
        gr_k_edge(&k, e->dst, e->kind, e->src);
        cg_store_batch_put(b, CG_STORE_CF_IN_EDGES, k.b, k.n, tmp->data, tmp->len);
    }
}

/* ---- reading unresolved references back (dumps, tests) ---- */

int cg_graph_unresolved_foreach(cg_graph_view *v,
                                int (*fn)(void *ctx, const cg_graph_unresolved *u), void *ctx)
{
    gr_key lo, hi;
    cg_store_iter *it = NULL;
    int rc;

    gr_key_reset(&lo);
    gr_key_u8(&lo, GR_TAG_UNRES);
    gr_key_u32(&lo, v->project);
    hi = lo;
    gr_key_prefix_end(&hi);
    rc = cg_store_iter_create(v->g->s, gr_view_snap(v), CG_STORE_CF_UNRESOLVED, lo.b, lo.n, hi.b,
                              hi.n, &it);
    for (gr_iter_first(it); !rc && cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl, vl;
        const uint8_t *k = cg_store_iter_key(it, &kl);
        const void *val = cg_store_iter_value(it, &vl);
        gr_unres u;
        /* key: 01 P lc(simple) 00 U ord — U and ord are the last 12 bytes */
        if (kl < lo.n + 1 + 12 || gr_dec_unres(val, vl, &u) != 0) {
            rc = CG_ECORRUPT;
            break;
        }
        cg_graph_unresolved out = {
            .from = GR_ID(gr_get_u64(k + kl - 12), u.from_local),
            .kind = u.kind,
            .ambiguous = u.reason == GR_UNRES_AMBIGUOUS,
            .candidates = u.candidates,
            .line = u.line,
            .col = u.col,
            .name = u.name,
        };
        rc = fn(ctx, &out);
    }
    if (!rc && it) rc = cg_store_iter_status(it, NULL, 0);
    cg_store_iter_destroy(it);
    return rc;
}
