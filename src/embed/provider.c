/*
 * provider.c — HTTP embedding providers (embed_provider.h): OpenAI-compatible, Ollama and
 * HF TEI behind the cg_embedder vtable, plus cg_embed_provider_create, which also hands out
 * the built-in embedder.
 *
 * DESIGN (one embed call)
 *   inputs → batches of `batch` → per batch: texts (empty ones get a zero row locally) →
 *   one JSON request → attempts:
 *     attempt k: HTTP exchange under `timeout_ms`
 *       2xx            → check the body strictly → rows scattered to out, L2 if configured
 *       429, 5xx, timeout, connection error → retryable
 *       anything else  → fail now (CG_EEMBED, the provider's message and a hint)
 *     retryable and k < retries → sleep Retry-After (if sent, <= CG_EMBED_RETRY_AFTER_MAX_MS)
 *       or the jittered exponential back-off, then attempt k + 1
 * Invariants: a call returns 0 only when every one of its n rows came from the provider (or is
 * the zero row of an empty input) and passed the checks; any failure fails the whole call;
 * at most retries + 1 attempts per batch; the API key is only ever written into the request
 * head, never into a message or a log line. The provider state is read-only after create
 * except the atomic counters and the mutex-guarded last error, so calls may run in parallel.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegraph/base.h"
#include "codegraph/config.h"
#include "codegraph/embed_provider.h"
#include "codegraph/log.h"
#include "embed/http_client.h"
#include "embed/provider_int.h"

#define PROV_BATCH_DEFAULT 32         /* batch size when the config leaves it 0 */
#define PROV_TIMEOUT_MS_DEFAULT 30000 /* attempt timeout when the config leaves it 0 */
#define PROV_JSON_NUM_BYTES 32        /* response bytes allowed per number */
#define PROV_MSG_MAX 512              /* bytes of one attempt's error message */
#define PROV_BODY_SNIPPET 200         /* bytes of a provider's error body quoted */

static const char *const kind_names[] = {"builtin", "openai", "ollama", "tei"};

typedef struct prov {
    cg_embed_provider_kind kind;
    cg_hc_url url;
    char path[CG_HC_PATH_MAX + 1];
    char where[CG_HC_HOST_MAX + CG_HC_PATH_MAX + 32]; /* "http://host:port/path" */
    char *model, *auth;                               /* auth: the header line, or NULL */
    int batch, retries, normalize;
    int64_t timeout_ms;
    _Atomic uint64_t calls, requests, retried, failures, vectors;
    pthread_mutex_t mu; /* guards the last_* fields */
    int last_ok;
    int64_t last_error_s;
    char last_error[256];
} prov;

static const cg_embed_ops prov_ops;

/* ------------------------------------------------------------------ pure pieces */

int cg_embed_provider_kind_parse(const char *name)
{
    for (size_t i = 0; name && i < CG_ARRAY_LEN(kind_names); i++)
        if (strcmp(name, kind_names[i]) == 0) return (int)i;
    return -1;
}

static void put_part(cg_buf *out, const char *s, size_t n)
{
    if (!s || !n) return;
    if (out->len) cg_buf_putc(out, '\n');
    cg_buf_append(out, s, n);
}

int cg_embed_prov_input_text(const cg_embed_input *in, cg_buf *out)
{
    cg_buf_reset(out);
    const char *head[3] = {in->language, in->kind, in->name};
    for (int i = 0; i < 3; i++)
        if (head[i] && *head[i]) {
            if (out->len) cg_buf_putc(out, ' ');
            cg_buf_puts(out, head[i]);
        }
    put_part(out, in->signature, in->signature ? strlen(in->signature) : 0);
    put_part(out, in->doc, in->doc ? strlen(in->doc) : 0);
    put_part(out, in->body, in->body_len);
    put_part(out, in->text, in->text_len);
    if (!cg_buf_ok(out)) return CG_ENOMEM;
    while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
        out->len--;
    if (out->len == 0 && in->terms && in->n_terms > 0) return CG_EINVAL;
    if (out->len > CG_EMBED_PROV_TEXT_MAX) {
        out->len = CG_EMBED_PROV_TEXT_MAX;
        while (out->len && ((unsigned char)out->data[out->len] & 0xC0) == 0x80) out->len--;
    }
    if (out->data) out->data[out->len] = 0;
    return 0;
}

void cg_embed_prov_request_json(cg_embed_provider_kind kind, const char *model,
                                const char *const *texts, const size_t *lens, int n, cg_buf *out)
{
    cg_buf_putc(out, '{');
    if (kind != CG_EMBED_PROV_TEI) {
        cg_buf_puts(out, "\"model\":");
        cg_buf_put_json_str(out, model, strlen(model));
        cg_buf_putc(out, ',');
    }
    cg_buf_puts(out, kind == CG_EMBED_PROV_TEI ? "\"inputs\":[" : "\"input\":[");
    for (int i = 0; i < n; i++) {
        if (i) cg_buf_putc(out, ',');
        cg_buf_put_json_str(out, texts[i], lens[i]);
    }
    cg_buf_puts(out, "]}");
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return CG_EEMBED;
}

static int vec_from_json(const json_t *a, int row, int dim, float *out, char *err, size_t errlen)
{
    if (!json_is_array(a)) return bad(err, errlen, "vector %d is not an array of numbers", row);
    size_t sz = json_array_size(a);
    if (sz != (size_t)dim)
        return bad(err, errlen,
                   "the provider returned %zu-dimensional vectors but [vector] dimension is %d: "
                   "set dimension = %zu (and rebuild the index) or use a model with %d "
                   "dimensions",
                   sz, dim, sz, dim);
    for (size_t j = 0; j < sz; j++) {
        const json_t *x = json_array_get(a, j);
        if (!json_is_number(x))
            return bad(err, errlen, "non-numeric value in vector %d at element %zu", row, j);
        float f = (float)json_number_value(x);
        if (!isfinite(f))
            return bad(err, errlen, "non-finite or out-of-range value in vector %d at element %zu",
                       row, j);
        out[(size_t)row * (size_t)dim + j] = f;
    }
    return 0;
}

/* OpenAI: {"data": [{"index": i, "embedding": [...]}, ...]}, any order. */
static int openai_rows(const json_t *list, int n, int dim, float *out, char *err, size_t errlen)
{
    char *seen = calloc((size_t)n, 1);
    int rc = 0;
    if (!seen) return CG_ENOMEM;
    for (int i = 0; i < n && !rc; i++) {
        const json_t *item = json_array_get(list, (size_t)i);
        const json_t *idx = json_object_get(item, "index");
        json_int_t row = i;
        if (!json_is_object(item)) {
            rc = bad(err, errlen, "data[%d] is not an object", i);
            break;
        }
        if (idx && (!json_is_integer(idx) || (row = json_integer_value(idx)) < 0 || row >= n ||
                    seen[row])) {
            rc = bad(err, errlen, "data[%d] has a missing, repeated or out-of-range index", i);
            break;
        }
        seen[row] = 1;
        rc = vec_from_json(json_object_get(item, "embedding"), (int)row, dim, out, err, errlen);
    }
    free(seen);
    return rc;
}

int cg_embed_prov_parse_response(cg_embed_provider_kind kind, const char *body, size_t len, int n,
                                 int dim, float *out, char *err, size_t errlen)
{
    static const char *const shapes[] = {"", "{\"data\": [...]}", "{\"embeddings\": [...]}",
                                         "[[...], ...]"};
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je), *list = root;
    int rc = 0;
    if (!root)
        return bad(err, errlen, "the provider's answer is not valid JSON (%s at byte %d)", je.text,
                   je.position);
    if (kind == CG_EMBED_PROV_OPENAI) list = json_object_get(root, "data");
    if (kind == CG_EMBED_PROV_OLLAMA) list = json_object_get(root, "embeddings");
    if (!json_is_array(list)) {
        rc = bad(err, errlen, "unexpected answer: expected %s", shapes[kind]);
        goto fail;
    }
    if (json_array_size(list) != (size_t)n) {
        rc = bad(err, errlen, "the provider returned %zu vectors for %d inputs",
                 json_array_size(list), n);
        goto fail;
    }
    if (kind == CG_EMBED_PROV_OPENAI) {
        rc = openai_rows(list, n, dim, out, err, errlen);
        goto fail;
    }
    for (int i = 0; i < n && !rc; i++)
        rc = vec_from_json(json_array_get(list, (size_t)i), i, dim, out, err, errlen);
fail:
    json_decref(root);
    return rc;
}

static void printable_prefix(const char *s, size_t len, char *buf, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n && o < PROV_BODY_SNIPPET; i++)
        buf[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : ' ';
    buf[o] = 0;
}

void cg_embed_prov_error_text(const char *body, size_t len, char *buf, size_t n)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    const json_t *e = root ? json_object_get(root, "error") : NULL;
    const char *s = NULL;
    if (json_is_string(e))
        s = json_string_value(e);
    else if (json_is_object(e) && json_is_string(json_object_get(e, "message")))
        s = json_string_value(json_object_get(e, "message"));
    else if (root && json_is_string(json_object_get(root, "message")))
        s = json_string_value(json_object_get(root, "message"));
    if (s)
        printable_prefix(s, strlen(s), buf, n);
    else
        printable_prefix(body, len, buf, n);
    if (!buf[0]) snprintf(buf, n, "(empty body)");
    json_decref(root);
}

int64_t cg_embed_prov_backoff_ms(int attempt, int64_t retry_after_ms, uint64_t *rng)
{
    if (retry_after_ms >= 0) return retry_after_ms;
    int64_t d = CG_EMBED_BACKOFF_BASE_MS;
    for (int i = 0; i < attempt && d < CG_EMBED_BACKOFF_MAX_MS; i++) d *= 2;
    d = CG_MIN(d, (int64_t)CG_EMBED_BACKOFF_MAX_MS);
    uint64_t x = *rng ? *rng : 0x9E3779B97F4A7C15ull; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return d / 2 + (int64_t)((x * 0x2545F4914F6CDD1Dull) % (uint64_t)(d / 2 + 1));
}

void cg_embed_prov_l2(float *v, int dim)
{
    double s = 0;
    for (int i = 0; i < dim; i++) s += (double)v[i] * v[i];
    if (s <= 0) return;
    float inv = (float)(1.0 / sqrt(s));
    for (int i = 0; i < dim; i++) v[i] *= inv;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

void cg_embed_prov_endpoint(cg_embed_provider_kind kind, const char *base_path, char *out, size_t n)
{
    const char *ep = kind == CG_EMBED_PROV_OPENAI   ? "/v1/embeddings"
                     : kind == CG_EMBED_PROV_OLLAMA ? "/api/embed"
                                                    : "/embed";
    size_t pl = strcspn(base_path, "?");
    const char *query = base_path + pl;
    while (pl && base_path[pl - 1] == '/') pl--;
    if (ends_with(base_path, pl, ep))
        ep = "";
    else if (kind == CG_EMBED_PROV_OPENAI && ends_with(base_path, pl, "/v1"))
        ep = "/embeddings";
    snprintf(out, n, "%.*s%s%s", (int)pl, base_path, ep, query);
}

/* ------------------------------------------------------------------ HTTP attempts */

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static const char *status_hint(int status)
{
    if (status == 401 || status == 403) return " (check embedding_api_key)";
    if (status == 404) return " (check embedding_url and embedding_model)";
    if (status >= 300 && status < 400) return " (redirects are not followed: set embedding_url)";
    if (status == 413) return " (lower embedding_batch_size)";
    return "";
}

/* Overwrite every occurrence of the API key in s with '*' (a server may echo it back). */
static void redact_key(const prov *p, char *s)
{
    static const char pre[] = "Authorization: Bearer ";
    if (!p->auth) return;
    const char *key = p->auth + sizeof pre - 1;
    size_t kn = strlen(key) - 2; /* without the CRLF */
    for (char *at = s; kn && (at = memmem(at, strlen(at), key, kn)) != NULL; at += kn)
        memset(at, '*', kn);
}

/* The verdict on a non-2xx answer: CG_EEMBED; retryable for 429 and 5xx. */
static int status_error(const prov *p, const cg_hc_resp *r, int *retryable, char *msg,
                        size_t msglen)
{
    char pe[PROV_BODY_SNIPPET + 1];
    cg_embed_prov_error_text(cg_hc_resp_body(r), r->body_len, pe, sizeof pe);
    redact_key(p, pe);
    snprintf(msg, msglen, "HTTP %d: %s%s", r->status, pe, status_hint(r->status));
    *retryable = r->status == 429 || r->status >= 500;
    return CG_EEMBED;
}

/* One HTTP attempt: 0 (vecs filled), or an error with *retryable and *retry_after set. */
static int attempt_once(prov *p, const cg_buf *json, int m, int dim, float *vecs,
                        int64_t *retry_after, int *retryable, char *msg, size_t msglen)
{
    cg_hc_request rq = {.url = &p->url,
                        .method = "POST",
                        .path = p->path,
                        .content_type = "application/json",
                        .headers = p->auth,
                        .body = json->data,
                        .body_len = json->len,
                        .timeout_ms = p->timeout_ms};
    size_t max = (size_t)m * (size_t)dim * PROV_JSON_NUM_BYTES + CG_HC_RECV_CHUNK;
    rq.response_max = CG_MIN(max, (size_t)CG_EMBED_PROV_RESPONSE_MAX);
    cg_hc_resp r;
    cg_hc_resp_init(&r);
    atomic_fetch_add(&p->requests, 1);
    int rc = cg_hc_do(&rq, &r, msg, msglen);
    *retryable = 0;
    *retry_after = -1;
    if (rc == CG_ETIMEOUT || (rc < 0 && rc > -4096 && rc != -EPROTO)) *retryable = 1;
    if (rc != 0) {
        if (rc != CG_ETIMEOUT && rc != CG_ENOMEM) rc = CG_EEMBED;
        goto fail;
    }
    if (r.status >= 200 && r.status < 300) {
        rc = cg_embed_prov_parse_response(p->kind, cg_hc_resp_body(&r), r.body_len, m, dim, vecs,
                                          msg, msglen);
    } else {
        rc = status_error(p, &r, retryable, msg, msglen);
        *retry_after = r.retry_after_ms;
    }
fail:
    cg_hc_resp_release(&r);
    return rc;
}

static void log_retry(const prov *p, int attempt, int64_t wait_ms, const char *msg)
{
    char a[16], w[24];
    snprintf(a, sizeof a, "%d", attempt + 1);
    snprintf(w, sizeof w, "%lld", (long long)wait_ms);
    cg_log_warn("embed", "embedding request failed, retrying", "provider", kind_names[p->kind],
                "url", p->where, "attempt", a, "delay_ms", w, "error", msg);
}

/* Attempts for one request body until success, a final error or the retry budget is spent. */
static int request_retry(prov *p, const cg_buf *json, int m, int dim, float *vecs, char *err,
                         size_t errlen)
{
    char msg[PROV_MSG_MAX];
    uint64_t rng = cg_time_mono_ns() ^ (uint64_t)(uintptr_t)&rng;
    for (int attempt = 0;; attempt++) {
        int64_t retry_after;
        int retryable, rc;
        msg[0] = 0;
        rc = attempt_once(p, json, m, dim, vecs, &retry_after, &retryable, msg, sizeof msg);
        if (rc == 0) return 0;
        if (!retryable || attempt >= p->retries) {
            snprintf(err, errlen, "%s embeddings at %s: %s (%d attempt%s)", kind_names[p->kind],
                     p->where, msg, attempt + 1, attempt ? "s" : "");
            return rc;
        }
        int64_t wait = cg_embed_prov_backoff_ms(attempt, retry_after, &rng);
        if (wait > CG_EMBED_RETRY_AFTER_MAX_MS) {
            snprintf(err, errlen,
                     "%s embeddings at %s: %s; asked to retry after %lld s, more "
                     "than the %d s we wait",
                     kind_names[p->kind], p->where, msg, (long long)(wait / 1000),
                     CG_EMBED_RETRY_AFTER_MAX_MS / 1000);
            return CG_EEMBED;
        }
        log_retry(p, attempt, wait, msg);
        atomic_fetch_add(&p->retried, 1);
        sleep_ms(wait);
    }
}

/* ------------------------------------------------------------------ the embedder */

typedef struct batch_bufs {
    cg_buf text, all, json;
    const char **texts;
    size_t *lens, *offs;
    int *rows;
    float *vecs;
} batch_bufs;

/* Texts of in[0..n) into b (rows[] maps request order → input index). Returns m or <0. */
static int batch_texts(const cg_embed_input *in, int n, batch_bufs *b, char *err, size_t errlen)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        int rc = cg_embed_prov_input_text(&in[i], &b->text);
        if (rc == CG_EINVAL)
            snprintf(err, errlen,
                     "input %d has no text: HTTP providers embed text, not the "
                     "built-in term bags",
                     i);
        if (rc) return rc;
        if (b->text.len == 0) continue;
        b->offs[m] = b->all.len;
        b->lens[m] = b->text.len;
        b->rows[m++] = i;
        cg_buf_append(&b->all, b->text.data, b->text.len);
    }
    if (!cg_buf_ok(&b->all)) return CG_ENOMEM;
    for (int j = 0; j < m; j++) b->texts[j] = b->all.data + b->offs[j];
    return m;
}

static int batch_embed(prov *p, int dim, const cg_embed_input *in, int n, float *out, char *err,
                       size_t errlen)
{
    batch_bufs b;
    int rc = CG_ENOMEM;
    memset(&b, 0, sizeof b);
    b.texts = calloc((size_t)n, sizeof *b.texts);
    b.lens = calloc((size_t)n, sizeof *b.lens);
    b.offs = calloc((size_t)n, sizeof *b.offs);
    b.rows = calloc((size_t)n, sizeof *b.rows);
    b.vecs = malloc((size_t)n * (size_t)dim * sizeof *b.vecs);
    if (!b.texts || !b.lens || !b.offs || !b.rows || !b.vecs) goto fail;
    int m = rc = batch_texts(in, n, &b, err, errlen);
    if (rc < 0) goto fail;
    memset(out, 0, (size_t)n * (size_t)dim * sizeof *out); /* empty inputs: zero rows */
    rc = 0;
    if (m == 0) goto fail;
    cg_embed_prov_request_json(p->kind, p->model, b.texts, b.lens, m, &b.json);
    if (!cg_buf_ok(&b.json)) {
        rc = CG_ENOMEM;
        goto fail;
    }
    if ((rc = request_retry(p, &b.json, m, dim, b.vecs, err, errlen)) != 0) goto fail;
    for (int j = 0; j < m; j++) {
        float *row = out + (size_t)b.rows[j] * (size_t)dim;
        memcpy(row, b.vecs + (size_t)j * (size_t)dim, (size_t)dim * sizeof *row);
        if (p->normalize) cg_embed_prov_l2(row, dim);
    }
fail:
    if (rc == CG_ENOMEM && err && errlen && !err[0])
        snprintf(err, errlen, "out of memory building an embedding request");
    cg_buf_release(&b.text);
    cg_buf_release(&b.all);
    cg_buf_release(&b.json);
    free(b.texts);
    free(b.lens);
    free(b.offs);
    free(b.rows);
    free(b.vecs);
    return rc;
}

static void record(prov *p, int rc, int n, const char *err)
{
    if (rc == 0)
        atomic_fetch_add(&p->vectors, (uint64_t)n);
    else
        atomic_fetch_add(&p->failures, 1);
    pthread_mutex_lock(&p->mu);
    p->last_ok = rc == 0;
    if (rc) {
        p->last_error_s = cg_time_wall_s();
        snprintf(p->last_error, sizeof p->last_error, "%s", err && *err ? err : cg_err_str(rc));
    }
    pthread_mutex_unlock(&p->mu);
}

static int prov_embed(cg_embedder *e, const cg_embed_input *in, int n, float *out, char *err,
                      size_t errlen)
{
    prov *p = e->impl;
    int rc = 0;
    if (err && errlen) err[0] = 0;
    atomic_fetch_add(&p->calls, 1);
    for (int i = 0; i < n && !rc; i += p->batch)
        rc = batch_embed(p, e->dim, in + i, CG_MIN(p->batch, n - i),
                         out + (size_t)i * (size_t)e->dim, err, errlen);
    if (rc) memset(out, 0, (size_t)n * (size_t)e->dim * sizeof *out); /* no partial result */
    record(p, rc, n, err);
    return rc;
}

int cg_embed_provider_probe(cg_embedder *e, char *err, size_t errlen)
{
    static const char *const text = CG_EMBED_PROBE_TEXT;
    size_t len = strlen(text);
    char msg[PROV_MSG_MAX] = "";
    int64_t retry_after;
    int retryable, rc = CG_ENOMEM;
    cg_buf json;
    if (!e || e->ops != &prov_ops) return 0; /* in-process: nothing to reach */
    prov *p = e->impl;
    float *v = malloc((size_t)e->dim * sizeof *v);
    cg_buf_init(&json);
    cg_embed_prov_request_json(p->kind, p->model, &text, &len, 1, &json);
    if (v && cg_buf_ok(&json))
        rc = attempt_once(p, &json, 1, e->dim, v, &retry_after, &retryable, msg, sizeof msg);
    if (rc)
        snprintf(err, errlen, "%s embeddings at %s: %s", kind_names[p->kind], p->where,
                 msg[0] ? msg : cg_err_str(rc));
    record(p, rc, 0, err);
    cg_buf_release(&json);
    free(v);
    return rc;
}

static void prov_destroy(cg_embedder *e)
{
    prov *p = e->impl;
    if (!p) return;
    if (p->auth) { /* the key: wipe before freeing */
        memset(p->auth, 0, strlen(p->auth));
        free(p->auth);
    }
    free(p->model);
    pthread_mutex_destroy(&p->mu);
    free(p);
    e->impl = NULL;
}

static const cg_embed_ops prov_ops = {.embed = prov_embed, .destroy = prov_destroy};

cg_embed_provider_kind cg_embed_provider_kind_of(const cg_embedder *e)
{
    return e && e->ops == &prov_ops ? ((const prov *)e->impl)->kind : CG_EMBED_PROV_BUILTIN;
}

int cg_embed_provider_stats_get(const cg_embedder *e, cg_embed_provider_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!e || e->ops != &prov_ops) return CG_EINVAL;
    prov *p = e->impl;
    st->calls = atomic_load(&p->calls);
    st->requests = atomic_load(&p->requests);
    st->retries = atomic_load(&p->retried);
    st->failures = atomic_load(&p->failures);
    st->vectors = atomic_load(&p->vectors);
    pthread_mutex_lock(&p->mu);
    st->last_ok = p->last_ok;
    st->last_error_s = p->last_error_s;
    memcpy(st->last_error, p->last_error, sizeof st->last_error);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* ------------------------------------------------------------------ construction */

static const char *default_url(cg_embed_provider_kind kind)
{
    if (kind == CG_EMBED_PROV_OLLAMA) return "http://127.0.0.1:11434";
    if (kind == CG_EMBED_PROV_TEI) return "http://127.0.0.1:8080";
    return NULL; /* openai: api.openai.com needs https, so the URL must be given */
}

/* Kind, URL, key and model from the config into p (and the model id into e). */
static int prov_configure(prov *p, cg_embedder *e, const cg_config_vector *v, char *err,
                          size_t errlen)
{
    const char *url =
        v->embedding_url && *v->embedding_url ? v->embedding_url : default_url(p->kind);
    const char *key = v->embedding_api_key ? v->embedding_api_key : "";
    const char *model = v->embedding_model && *v->embedding_model ? v->embedding_model : "";
    if (!url) {
        snprintf(err, errlen,
                 "[vector] embedding_provider = \"openai\" needs embedding_url, "
                 "an http:// base URL such as http://127.0.0.1:8000 (https is "
                 "not supported)");
        return CG_ECONFIG;
    }
    if (cg_hc_url_parse(url, &p->url, err, errlen) != 0) return CG_ECONFIG;
    for (const char *c = key; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "[vector] embedding_api_key contains a control character");
            return CG_ECONFIG;
        }
    if (!*model || snprintf(e->model, sizeof e->model, "%s:%s", kind_names[p->kind], model) >=
                       (int)sizeof e->model) {
        snprintf(err, errlen, "[vector] embedding_model must be 1..%d bytes",
                 CG_EMBED_MODEL_MAX - 8);
        return CG_ECONFIG;
    }
    cg_embed_prov_endpoint(p->kind, p->url.path, p->path, sizeof p->path);
    snprintf(p->where, sizeof p->where, "http://%s%s%s:%s%s", p->url.ipv6 ? "[" : "", p->url.host,
             p->url.ipv6 ? "]" : "", p->url.port, p->path);
    p->model = strdup(model);
    if (*key && asprintf(&p->auth, "Authorization: Bearer %s\r\n", key) < 0) p->auth = NULL;
    if (!p->model || (*key && !p->auth)) return CG_ENOMEM;
    return 0;
}

int cg_embed_provider_create(cg_embedder **out, const cg_config_vector *v, char *err, size_t errlen)
{
    const char *name = v->embedding_provider ? v->embedding_provider : "builtin";
    int kind = cg_embed_provider_kind_parse(name), rc;
    *out = NULL;
    if (kind < 0) {
        snprintf(err, errlen, "unknown [vector] embedding_provider \"%s\"", name);
        return CG_ECONFIG;
    }
    if (kind == CG_EMBED_PROV_BUILTIN) return cg_embed_builtin_create(out, v->dimension, NULL);
    if (v->dimension < 1 || v->dimension > CG_EMBED_DIM_MAX) {
        snprintf(err, errlen, "[vector] dimension must be 1..%d", CG_EMBED_DIM_MAX);
        return CG_ECONFIG;
    }
    cg_embedder *e = calloc(1, sizeof *e);
    prov *p = calloc(1, sizeof *p);
    if (!e || !p) {
        free(e);
        free(p);
        return CG_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->kind = (cg_embed_provider_kind)kind;
    p->last_ok = 1;
    p->batch = v->embedding_batch_size > 0 ? v->embedding_batch_size : PROV_BATCH_DEFAULT;
    p->timeout_ms = v->embedding_timeout_ms > 0 ? v->embedding_timeout_ms : PROV_TIMEOUT_MS_DEFAULT;
    p->retries = CG_MAX(v->embedding_retries, 0);
    p->normalize = v->embedding_normalize;
    e->ops = &prov_ops;
    e->impl = p;
    e->dim = v->dimension;
    e->normalized = p->normalize;
    if ((rc = prov_configure(p, e, v, err, errlen)) != 0) {
        cg_embedder_destroy(e);
        return rc;
    }
    *out = e;
    return 0;
}
