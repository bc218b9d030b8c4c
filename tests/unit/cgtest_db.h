/*
 * cgtest_db.h — helpers for unit tests that run on a real RocksDB store and graph in a
 * temporary directory (header-only, like cgtest.h). Every failure to set up aborts: a test
 * without its database proves nothing.
 *
 *   static char root[CGT_ROOT_MAX];   (empty: made by the first cgt_db_new)
 *   cgt_db d;  cgt_db_new(&d, root, "lex", "db");   -> /tmp/cg-lex-XXXXXX/db
 *   ... d.s, d.g ...  cgt_db_close(&d);  cgt_db_open(&d, d.path) reopens it
 *   cgt_rmtree(root);
 *   cgt_fx f;  cgt_fx_init(&f);  cgt_fx_ent(&f, CG_KIND_FUNCTION, "f", "f", "f()", "", -1, span)
 *   (a hand-built extraction to hand to cg_graph_file_put; its strings are the caller's to
 *   release)
 */
#ifndef CGTEST_DB_H
#define CGTEST_DB_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codegraph/extract.h"
#include "codegraph/graph.h"
#include "codegraph/store.h"

#define CGT_ROOT_MAX 64  /* a temp root's name */
#define CGT_PATH_MAX 192 /* a store path under it */
#define CGT_FX_ENTS 400  /* entities a hand-built extraction holds */
#define CGT_FX_REFS 64   /* references a hand-built extraction holds */

typedef struct cgt_db {
    cg_config_database cfg;
    char path[CGT_PATH_MAX];
    cg_store *s;
    cg_graph *g;
} cgt_db;

/* A new directory /tmp/cg-<tag>-XXXXXX into root[CGT_ROOT_MAX]. */
static inline void cgt_tmpdir(char *root, const char *tag)
{
    snprintf(root, CGT_ROOT_MAX, "/tmp/cg-%s-XXXXXX", tag);
    if (!mkdtemp(root)) abort();
}

/* Open (creating) the store at path (may be d->path itself) and the graph on it: small
 * cache, no compression. */
static inline void cgt_db_open(cgt_db *d, const char *path)
{
    char err[256];
    if (path != d->path) snprintf(d->path, sizeof(d->path), "%s", path);
    memset(&d->cfg, 0, sizeof(d->cfg));
    d->cfg.path = d->path;
    d->cfg.cache_size_mb = 8;
    d->cfg.compression_type = d->cfg.bottommost_compression_type = "none";
    if (cg_store_open(&d->s, &d->cfg, err, sizeof(err)) != 0 ||
        cg_graph_open(&d->g, d->s, err, sizeof(err)) != 0) {
        fprintf(stderr, "open %s: %s\n", d->path, err);
        abort();
    }
}

static inline void cgt_db_close(cgt_db *d)
{
    cg_graph_close(d->g);
    cg_store_close(d->s);
    d->g = NULL;
    d->s = NULL;
}

static inline int cgt_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

/* Open a fresh store + graph in root/name, making root (/tmp/cg-<tag>-XXXXXX) when it is
 * still empty. */
static inline void cgt_db_new(cgt_db *d, char *root, const char *tag, const char *name)
{
    char path[CGT_PATH_MAX];
    if (!root[0]) cgt_tmpdir(root, tag);
    snprintf(path, sizeof(path), "%s/%s", root, name);
    cgt_db_open(d, path);
}

/* rm -rf root (nothing when root is empty). */
static inline void cgt_rmtree(const char *root)
{
    if (root[0]) nftw(root, cgt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A hand-built extraction with fixed room (cg_extract pointing at ents and refs). */
typedef struct cgt_fx {
    cg_extract x;
    cg_xentity ents[CGT_FX_ENTS];
    cg_xref refs[CGT_FX_REFS];
} cgt_fx;

/* An empty extraction whose string table starts with "" (offset 0 = no string). */
static inline void cgt_fx_init(cgt_fx *f)
{
    memset(f, 0, sizeof(*f));
    cg_buf_init(&f->x.strings);
    cg_buf_putc(&f->x.strings, '\0');
    f->x.entities = f->ents;
    f->x.refs = f->refs;
    f->x.cap_entities = CGT_FX_ENTS;
    f->x.cap_refs = CGT_FX_REFS;
}

/* s appended to f's string table; its offset. */
static inline uint32_t cgt_fx_str(cgt_fx *f, const char *s)
{
    uint32_t off = (uint32_t)f->x.strings.len;
    cg_buf_append(&f->x.strings, s, strlen(s) + 1);
    return off;
}

/* A definition appended to f (strings copied into its table); its index. */
static inline int cgt_fx_ent(cgt_fx *f, cg_entity_kind k, const char *name, const char *qname,
                             const char *sig, const char *doc, int parent, cg_span span)
{
    int i = f->x.n_entities++;
    cg_xentity *e = &f->ents[i];
    e->kind = k;
    e->name = cgt_fx_str(f, name);
    e->qualified_name = cgt_fx_str(f, qname);
    e->signature = cgt_fx_str(f, sig);
    e->doc = cgt_fx_str(f, doc);
    e->parent = parent;
    e->span = span;
    return i;
}

#endif
