/*
 * test_store_access.c — proves the generic store access the graph is built on (snapshots,
 * write batches, iterators in store.c):
 * - a batch applies all-or-nothing and means what was queued even though it is sorted
 *   before writing: the last operation on a key wins, and a range delete removes what was
 *   queued before it in its range but not what was queued after it;
 * - a snapshot keeps seeing the state it was taken at, for point reads and iterators;
 * - iterator bounds, seeks in both directions, and point reads of absent keys.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/store.h"

static char tmp_root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    return remove(p);
}

static cg_store *open_store(const char *name)
{
    static char path[128];
    cg_config_database c;
    cg_store *s = NULL;
    char err[256];

    if (!tmp_root[0]) {
        snprintf(tmp_root, sizeof(tmp_root), "/tmp/cg-sacc-XXXXXX");
        if (!mkdtemp(tmp_root)) abort();
    }
    snprintf(path, sizeof(path), "%s/%s", tmp_root, name);
    memset(&c, 0, sizeof(c));
    c.path = path;
    c.compression_type = c.bottommost_compression_type = "none";
    if (cg_store_open(&s, &c, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return s;
}

/* The value of key in CF_ENTITIES as a string ("" when absent). */
static const char *val(cg_store *s, const cg_store_snap *snap, const char *key)
{
    static cg_buf b;
    int rc = cg_store_get(s, snap, CG_STORE_CF_ENTITIES, key, strlen(key), &b, NULL, 0);
    return rc >= 0 ? b.data ? b.data : "" : rc == CG_ENOTFOUND ? "<absent>" : "<error>";
}

static void put(cg_store_batch *b, const char *k, const char *v)
{
    cg_store_batch_put(b, CG_STORE_CF_ENTITIES, k, strlen(k), v, strlen(v));
}

CG_TEST(batch_order_semantics)
{
    cg_store *s = open_store("batch");
    cg_store_batch *b = cg_store_batch_create(s);

    put(b, "m", "1");
    cg_store_batch_delete(b, CG_STORE_CF_ENTITIES, "m", 1);
    put(b, "m", "2"); /* last one wins */
    put(b, "a", "x");
    cg_store_batch_delete(b, CG_STORE_CF_ENTITIES, "a", 1);
    put(b, "z", "last");
    put(b, "k5", "before-range");
    cg_store_batch_delete_range(b, CG_STORE_CF_ENTITIES, "k0", 2, "k9", 2);
    put(b, "k6", "after-range");
    cg_store_batch_put(b, CG_STORE_CF_JOBS, "m", 1, "other-cf", 8);
    CG_CHECK_EQ_INT(cg_store_batch_count(b), 10);
    CG_CHECK(cg_store_batch_bytes(b) > 0);
    CG_CHECK_EQ_INT(cg_store_batch_write(s, b, 0, NULL, 0), 0);
    CG_CHECK_STR(val(s, NULL, "m"), "2");
    CG_CHECK_STR(val(s, NULL, "a"), "<absent>");
    CG_CHECK_STR(val(s, NULL, "z"), "last");
    CG_CHECK_STR(val(s, NULL, "k5"), "<absent>");
    CG_CHECK_STR(val(s, NULL, "k6"), "after-range");
    cg_buf jb;
    cg_buf_init(&jb);
    CG_CHECK_EQ_INT(cg_store_get(s, NULL, CG_STORE_CF_JOBS, "m", 1, &jb, NULL, 0), 8);
    CG_CHECK_STR(jb.data, "other-cf");
    cg_buf_release(&jb);
    /* a cleared batch is reusable and writes nothing of before */
    cg_store_batch_clear(b);
    CG_CHECK_EQ_INT(cg_store_batch_count(b), 0);
    put(b, "n", "3");
    CG_CHECK_EQ_INT(cg_store_batch_write(s, b, 1, NULL, 0), 0);
    CG_CHECK_STR(val(s, NULL, "n"), "3");
    CG_CHECK_STR(val(s, NULL, "m"), "2");
    cg_store_batch_destroy(b);
    cg_store_close(s);
}

static int iter_keys(cg_store_iter *it, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (cg_store_iter_first(it); cg_store_iter_valid(it); cg_store_iter_next(it)) {
        size_t kl;
        const char *k = cg_store_iter_key(it, &kl);
        n += (size_t)snprintf(out + n, cap - n, "%.*s,", (int)kl, k);
    }
    return cg_store_iter_status(it, NULL, 0);
}

CG_TEST(snapshots_and_iterators)
{
    cg_store *s = open_store("snap");
    cg_store_batch *b = cg_store_batch_create(s);
    cg_store_iter *it;
    char keys[256];

    for (const char *k = "abcde"; *k; k++) {
        char kk[2] = {*k, 0};
        put(b, kk, "v1");
    }
    cg_store_batch_write(s, b, 0, NULL, 0);
    cg_store_snap *snap = cg_store_snap_create(s);
    cg_store_batch_clear(b);
    put(b, "c", "v2");
    cg_store_batch_delete(b, CG_STORE_CF_ENTITIES, "b", 1);
    put(b, "bb", "new");
    cg_store_batch_write(s, b, 0, NULL, 0);

    CG_CHECK_STR(val(s, snap, "c"), "v1");
    CG_CHECK_STR(val(s, NULL, "c"), "v2");
    CG_CHECK_STR(val(s, snap, "b"), "v1");
    CG_CHECK_STR(val(s, NULL, "b"), "<absent>");
    CG_CHECK_EQ_INT(cg_store_iter_create(s, snap, CG_STORE_CF_ENTITIES, "b", 1, "d", 1, &it), 0);
    CG_CHECK_EQ_INT(iter_keys(it, keys, sizeof(keys)), 0);
    CG_CHECK_STR(keys, "b,c,");
    cg_store_iter_destroy(it);
    CG_CHECK_EQ_INT(cg_store_iter_create(s, NULL, CG_STORE_CF_ENTITIES, "b", 1, "d", 1, &it), 0);
    CG_CHECK_EQ_INT(iter_keys(it, keys, sizeof(keys)), 0);
    CG_CHECK_STR(keys, "bb,c,");
    cg_store_iter_destroy(it);

    CG_CHECK_EQ_INT(cg_store_iter_create(s, NULL, CG_STORE_CF_ENTITIES, NULL, 0, NULL, 0, &it), 0);
    size_t kl;
    cg_store_iter_last(it);
    CG_CHECK(cg_store_iter_valid(it) && *(const char *)cg_store_iter_key(it, &kl) == 'e');
    cg_store_iter_seek_prev(it, "bz", 2);
    CG_CHECK(cg_store_iter_valid(it));
    CG_CHECK(memcmp(cg_store_iter_key(it, &kl), "bb", 2) == 0 && kl == 2);
    cg_store_iter_seek(it, "bz", 2);
    CG_CHECK(cg_store_iter_valid(it) && *(const char *)cg_store_iter_key(it, &kl) == 'c');
    cg_store_iter_prev(it);
    CG_CHECK(cg_store_iter_valid(it));
    CG_CHECK(memcmp(cg_store_iter_key(it, &kl), "bb", 2) == 0 && kl == 2);
    cg_store_iter_seek(it, "zz", 2);
    CG_CHECK(!cg_store_iter_valid(it));
    cg_store_iter_destroy(it);

    cg_store_snap_release(s, snap);
    cg_store_batch_destroy(b);
    cg_store_close(s);
}

int main(void)
{
    int rc = cg_test_main();
    if (tmp_root[0]) nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
