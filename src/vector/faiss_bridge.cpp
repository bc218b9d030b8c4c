/*
 * faiss_bridge.cpp — the extern "C" bridge to FAISS 1.7.3's C++ library.
 *
 * Compiled by Debian's g++ (build.zig addBridge) so that it matches libfaiss.a's libstdc++
 * ABI. DESIGN: every exported function is noexcept and runs its body inside guard(), which
 * catches every exception and turns it into a CG_E* code plus a message in the caller's
 * buffer; a C++ exception never unwinds into C frames. The cg_faiss_index wrapper owns its
 * faiss::Index. Nothing here keeps global state except OpenMP's thread count.
 */
#include <errno.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmath>
#include <exception>
#include <new>
#include <vector>

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include "codegraph/base.h"
#include "codegraph/faiss_bridge.h"

/* Largest HNSW M (links per node) accepted. */
#define BRIDGE_HNSW_M_MAX 256
/* Largest efConstruction / efSearch accepted. */
#define BRIDGE_EF_MAX 100000

struct cg_faiss_index {
    faiss::Index *idx;
};

static int bridge_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bridge_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Run f(); map every exception to a code. FAISS' own exceptions map to faiss_code. */
template <typename F>
static int guard(const char *what, int faiss_code, char *err, size_t errlen, F &&f) noexcept
{
    try {
        return f();
    } catch (const std::bad_alloc &) {
        return bridge_fail(err, errlen, CG_ENOMEM, "%s: out of memory", what);
    } catch (const faiss::FaissException &e) {
        return bridge_fail(err, errlen, faiss_code, "%s: %s", what, e.what());
    } catch (const std::exception &e) {
        return bridge_fail(err, errlen, CG_EINTERNAL, "%s: %s", what, e.what());
    } catch (...) {
        return bridge_fail(err, errlen, CG_EINTERNAL, "%s: unknown C++ exception", what);
    }
}

static faiss::MetricType bridge_metric(cg_faiss_metric m)
{
    return m == CG_FAISS_METRIC_L2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

static int bridge_check_dim(int dim, cg_faiss_metric metric, char *err, size_t errlen)
{
    if (dim <= 0 || dim > CG_FAISS_DIM_MAX)
        return bridge_fail(err, errlen, CG_EINVAL, "dimension %d out of range 1..%d", dim,
                           CG_FAISS_DIM_MAX);
    if (metric != CG_FAISS_METRIC_IP && metric != CG_FAISS_METRIC_L2)
        return bridge_fail(err, errlen, CG_EINVAL, "unknown metric %d", (int)metric);
    return 0;
}

/* Wrap a new faiss::Index (owned from here on) into *out. */
static int bridge_wrap(cg_faiss_index **out, faiss::Index *idx)
{
    cg_faiss_index *w = new cg_faiss_index;
    w->idx = idx;
    *out = w;
    return 0;
}

extern "C" int cg_faiss_hnsw_create(cg_faiss_index **out, int dim, int m, cg_faiss_metric metric,
                                    int ef_construction, int ef_search, char *err, size_t errlen)
{
    if (!out) return bridge_fail(err, errlen, CG_EINVAL, "hnsw_create: out is NULL");
    *out = NULL;
    int rc = bridge_check_dim(dim, metric, err, errlen);
    if (rc) return rc;
    if (m < 2 || m > BRIDGE_HNSW_M_MAX || ef_construction < 1 || ef_construction > BRIDGE_EF_MAX ||
        ef_search < 1 || ef_search > BRIDGE_EF_MAX)
        return bridge_fail(err, errlen, CG_EINVAL,
                           "hnsw_create: M %d (2..%d), efConstruction %d, efSearch %d "
                           "(1..%d) out of range",
                           m, BRIDGE_HNSW_M_MAX, ef_construction, ef_search, BRIDGE_EF_MAX);
    return guard("hnsw_create", CG_EINTERNAL, err, errlen, [&] {
        faiss::IndexHNSWFlat *h = new faiss::IndexHNSWFlat(dim, m, bridge_metric(metric));
        h->hnsw.efConstruction = ef_construction;
        h->hnsw.efSearch = ef_search;
        try {
            return bridge_wrap(out, h);
        } catch (...) {
            delete h;
            throw;
        }
    });
}

extern "C" int cg_faiss_flat_create(cg_faiss_index **out, int dim, cg_faiss_metric metric,
                                    char *err, size_t errlen)
{
    if (!out) return bridge_fail(err, errlen, CG_EINVAL, "flat_create: out is NULL");
    *out = NULL;
    int rc = bridge_check_dim(dim, metric, err, errlen);
    if (rc) return rc;
    return guard("flat_create", CG_EINTERNAL, err, errlen, [&] {
        faiss::IndexFlat *f = new faiss::IndexFlat(dim, bridge_metric(metric));
        try {
            return bridge_wrap(out, f);
        } catch (...) {
            delete f;
            throw;
        }
    });
}

extern "C" int cg_faiss_add(cg_faiss_index *ix, int64_t n, const float *x, char *err, size_t errlen)
{
    if (!ix || n < 0 || (n > 0 && !x))
        return bridge_fail(err, errlen, CG_EINVAL, "add: bad arguments");
    return guard("add", CG_EINTERNAL, err, errlen, [&] {
        ix->idx->add((faiss::Index::idx_t)n, x);
        return 0;
    });
}

/*
 * FAISS 1.7.3 sizes the HNSW candidate queue as max(index efSearch, k) and reads a per-call
 * SearchParametersHNSW::efSearch only in its stopping rule (fixed upstream in 2024, PR 3233).
 * So a per-call ef larger than the index default is honoured by asking FAISS for
 * k' = max(k, ef) results (queue = max(default, ef, k)) and keeping the first k of each row;
 * a per-call ef below the default only shortens the walk. The index is never mutated, so
 * concurrent searches stay safe.
 */
static void bridge_search_hnsw(const faiss::IndexHNSW *h, int64_t nq, const float *q, int k, int ef,
                               float *distances, faiss::Index::idx_t *labels)
{
    faiss::SearchParametersHNSW p;
    p.efSearch = ef;
    if (ef <= k) {
        h->search((faiss::Index::idx_t)nq, q, k, distances, labels, &p);
        return;
    }
    std::vector<float> d((size_t)nq * ef);
    std::vector<faiss::Index::idx_t> l((size_t)nq * ef);
    h->search((faiss::Index::idx_t)nq, q, ef, d.data(), l.data(), &p);
    for (int64_t i = 0; i < nq; i++) {
        memcpy(distances + i * k, d.data() + i * ef, sizeof(float) * k);
        memcpy(labels + i * k, l.data() + i * ef, sizeof(l[0]) * k);
    }
}

extern "C" int cg_faiss_search(const cg_faiss_index *ix, int64_t nq, const float *q, int k,
                               int ef_search, float *distances, int64_t *labels, char *err,
                               size_t errlen)
{
    if (!ix || nq < 0 || (nq > 0 && (!q || !distances || !labels)))
        return bridge_fail(err, errlen, CG_EINVAL, "search: bad arguments");
    if (k < 1 || k > CG_FAISS_K_MAX || ef_search < 0 || ef_search > BRIDGE_EF_MAX)
        return bridge_fail(err, errlen, CG_EINVAL,
                           "search: k %d (1..%d) or efSearch %d (0..%d) out of range", k,
                           CG_FAISS_K_MAX, ef_search, BRIDGE_EF_MAX);
    static_assert(sizeof(faiss::Index::idx_t) == sizeof(int64_t), "FAISS labels are 64-bit");
    faiss::Index::idx_t *out = reinterpret_cast<faiss::Index::idx_t *>(labels);
    return guard("search", CG_EINTERNAL, err, errlen, [&] {
        const faiss::IndexHNSW *h = dynamic_cast<const faiss::IndexHNSW *>(ix->idx);
        if (h)
            bridge_search_hnsw(h, nq, q, k, ef_search ? ef_search : h->hnsw.efSearch, distances,
                               out);
        else
            ix->idx->search((faiss::Index::idx_t)nq, q, k, distances, out);
        return 0;
    });
}

extern "C" int64_t cg_faiss_ntotal(const cg_faiss_index *ix)
{
    return ix ? (int64_t)ix->idx->ntotal : 0;
}

extern "C" int cg_faiss_dim(const cg_faiss_index *ix)
{
    return ix ? (int)ix->idx->d : 0;
}

extern "C" int cg_faiss_is_hnsw(const cg_faiss_index *ix)
{
    return ix && dynamic_cast<const faiss::IndexHNSW *>(ix->idx) ? 1 : 0;
}

extern "C" int cg_faiss_write(const cg_faiss_index *ix, const char *path, char *err, size_t errlen)
{
    if (!ix || !path || !*path) return bridge_fail(err, errlen, CG_EINVAL, "write: bad path");
    return guard("write", CG_EINTERNAL, err, errlen, [&] {
        faiss::write_index(ix->idx, path);
        return 0;
    });
}

extern "C" int cg_faiss_read(cg_faiss_index **out, const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (!out || !path || !*path) return bridge_fail(err, errlen, CG_EINVAL, "read: bad path");
    *out = NULL;
    if (stat(path, &st) != 0)
        return bridge_fail(err, errlen, CG_ENOINDEX, "read: no index file at %s: %s", path,
                           strerror(errno));
    return guard("read", CG_ECORRUPT, err, errlen, [&] {
        faiss::Index *idx = faiss::read_index(path);
        try {
            return bridge_wrap(out, idx);
        } catch (...) {
            delete idx;
            throw;
        }
    });
}

extern "C" int cg_faiss_serialize(const cg_faiss_index *ix, uint8_t **buf, size_t *len, char *err,
                                  size_t errlen)
{
    if (!ix || !buf || !len) return bridge_fail(err, errlen, CG_EINVAL, "serialize: bad args");
    *buf = NULL;
    *len = 0;
    return guard("serialize", CG_EINTERNAL, err, errlen, [&] {
        faiss::VectorIOWriter w;
        faiss::write_index(ix->idx, &w);
        uint8_t *b = (uint8_t *)malloc(w.data.size() ? w.data.size() : 1);
        if (!b) throw std::bad_alloc();
        memcpy(b, w.data.data(), w.data.size());
        *buf = b;
        *len = w.data.size();
        return 0;
    });
}

extern "C" int cg_faiss_deserialize(cg_faiss_index **out, const uint8_t *buf, size_t len, char *err,
                                    size_t errlen)
{
    if (!out || (!buf && len)) return bridge_fail(err, errlen, CG_EINVAL, "deserialize: args");
    *out = NULL;
    return guard("deserialize", CG_ECORRUPT, err, errlen, [&] {
        faiss::VectorIOReader r;
        r.data.assign(buf, buf + len);
        faiss::Index *idx = faiss::read_index(&r);
        try {
            return bridge_wrap(out, idx);
        } catch (...) {
            delete idx;
            throw;
        }
    });
}

extern "C" int cg_faiss_hnsw_ef_set(cg_faiss_index *ix, int ef_search, char *err, size_t errlen)
{
    faiss::IndexHNSW *h = ix ? dynamic_cast<faiss::IndexHNSW *>(ix->idx) : NULL;
    if (!h || ef_search < 1 || ef_search > BRIDGE_EF_MAX)
        return bridge_fail(err, errlen, CG_EINVAL, "hnsw_ef_set: not HNSW or ef out of range");
    h->hnsw.efSearch = ef_search;
    return 0;
}

/* Is the graph of v internally consistent for an M-link HNSW (level table, offsets, ids)? */
static bool bridge_view_ok(const cg_faiss_hnsw_view *v, const faiss::HNSW &ref)
{
    if (v->n < 0 || v->n > INT32_MAX || v->n_cum != (int)ref.cum_nneighbor_per_level.size())
        return false;
    for (int l = 0; l < v->n_cum; l++)
        if (v->cum_nneighbor_per_level[l] != ref.cum_nneighbor_per_level[l]) return false;
    if (v->n == 0) return v->entry_point == -1;
    if (v->max_level < 0 || v->max_level + 1 >= v->n_cum || v->entry_point < 0 ||
        v->entry_point >= v->n || v->offsets[0] != 0)
        return false;
    for (int64_t i = 0; i < v->n; i++) {
        int lv = v->levels[i];
        if (lv < 1 || lv > v->max_level + 1 ||
            v->offsets[i + 1] - v->offsets[i] != (uint64_t)v->cum_nneighbor_per_level[lv])
            return false;
    }
    for (uint64_t j = 0; j < v->offsets[v->n]; j++)
        if (v->neighbors[j] < -1 || v->neighbors[j] >= v->n) return false;
    return true;
}

extern "C" int cg_faiss_hnsw_from_view(cg_faiss_index **out, const cg_faiss_hnsw_view *v, int m,
                                       char *err, size_t errlen)
{
    if (!out || !v) return bridge_fail(err, errlen, CG_EINVAL, "hnsw_from_view: args");
    *out = NULL;
    int rc = bridge_check_dim(v->dim, v->metric, err, errlen);
    if (rc) return rc;
    if (m < 2 || m > BRIDGE_HNSW_M_MAX)
        return bridge_fail(err, errlen, CG_EINVAL, "hnsw_from_view: M %d out of range", m);
    return guard("hnsw_from_view", CG_EINTERNAL, err, errlen, [&] {
        faiss::IndexHNSWFlat *h = new faiss::IndexHNSWFlat(v->dim, m, bridge_metric(v->metric));
        try {
            if (!bridge_view_ok(v, h->hnsw)) {
                delete h;
                return bridge_fail(err, errlen, CG_ECORRUPT, "hnsw_from_view: bad graph");
            }
            faiss::HNSW &g = h->hnsw;
            g.levels.assign(v->levels, v->levels + v->n);
            g.offsets.assign(v->offsets, v->offsets + v->n + 1);
            g.neighbors.assign(v->neighbors, v->neighbors + v->offsets[v->n]);
            g.entry_point = v->entry_point;
            g.max_level = v->max_level;
            g.efConstruction = v->ef_construction > 0 ? v->ef_construction : g.efConstruction;
            g.efSearch = v->ef_search > 0 ? v->ef_search : g.efSearch;
            h->storage->add((faiss::Index::idx_t)v->n, v->vectors);
            h->ntotal = v->n;
            return bridge_wrap(out, h);
        } catch (...) {
            delete h;
            throw;
        }
    });
}

extern "C" int cg_faiss_hnsw_view_get(const cg_faiss_index *ix, cg_faiss_hnsw_view *v, char *err,
                                      size_t errlen)
{
    static_assert(sizeof(faiss::HNSW::storage_idx_t) == sizeof(int32_t), "32-bit node ids");
    static_assert(sizeof(size_t) == sizeof(uint64_t), "64-bit offsets");
    const faiss::IndexHNSW *h = ix ? dynamic_cast<const faiss::IndexHNSW *>(ix->idx) : NULL;
    const faiss::IndexFlat *flat = h ? dynamic_cast<const faiss::IndexFlat *>(h->storage) : NULL;

    if (!v || !flat) return bridge_fail(err, errlen, CG_EINVAL, "hnsw_view: not HNSW-Flat");
    memset(v, 0, sizeof(*v));
    v->n = (int64_t)h->ntotal;
    v->dim = (int)h->d;
    v->metric = h->metric_type == faiss::METRIC_L2 ? CG_FAISS_METRIC_L2 : CG_FAISS_METRIC_IP;
    v->max_level = h->hnsw.max_level;
    v->entry_point = h->hnsw.entry_point;
    v->ef_construction = h->hnsw.efConstruction;
    v->ef_search = h->hnsw.efSearch;
    v->levels = reinterpret_cast<const int32_t *>(h->hnsw.levels.data());
    v->offsets = reinterpret_cast<const uint64_t *>(h->hnsw.offsets.data());
    v->neighbors = reinterpret_cast<const int32_t *>(h->hnsw.neighbors.data());
    v->cum_nneighbor_per_level =
        reinterpret_cast<const int32_t *>(h->hnsw.cum_nneighbor_per_level.data());
    v->n_cum = (int)h->hnsw.cum_nneighbor_per_level.size();
    v->vectors = flat->get_xb();
    return 0;
}

extern "C" void cg_faiss_destroy(cg_faiss_index *ix)
{
    if (!ix) return;
    delete ix->idx; /* FAISS destructors do not throw */
    delete ix;
}

extern "C" void cg_faiss_normalize(float *x, int64_t n, int dim)
{
    for (int64_t i = 0; i < n; i++) {
        float *row = x + i * dim;
        double s = 0;
        for (int j = 0; j < dim; j++) s += (double)row[j] * row[j];
        if (s <= 0) continue;
        float inv = (float)(1.0 / std::sqrt(s));
        for (int j = 0; j < dim; j++) row[j] *= inv;
    }
}

extern "C" int cg_faiss_threads_set(int n)
{
    int old = omp_get_max_threads();
    if (n >= 1) omp_set_num_threads(n);
    return old;
}
