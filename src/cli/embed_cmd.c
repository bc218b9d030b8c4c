/*
 * embed_cmd.c — `codegraph embed [--text T]... [--lines FILE] [--threads N] [--probe]
 * [-c CONFIG] [--set K=V]`: embed texts with the embedder [vector] configures (built-in or an
 * HTTP provider) and print one JSON object on stdout. A diagnostic for provider settings, and
 * the driver of tests/integration/test_embed_providers.py. --threads N splits the texts into
 * N contiguous slices embedded at the same time by N threads sharing the one embedder (as
 * pool threads do). --probe sends the health probe (cg_embed_provider_probe) instead and
 * prints {"probe": "ok", ...}.
 *
 * Output (success, exit 0):
 *   {"model": "ollama:m", "dim": 8, "normalized": true, "vectors": [[...], ...],
 *    "stats": {"requests": 2, "retries": 1, ...}}
 * Output (failure, exit 1): {"error": {"code": "CG005", "message": "..."}, "stats": {...}}
 * and the message on stderr; never a vector. Configuration errors exit 78. Floats are
 * printed with 9 significant digits (they round-trip a float). "stats" is present for HTTP
 * providers only.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/cli.h"
#include "codegraph/config.h"
#include "codegraph/embed.h"
#include "codegraph/embed_provider.h"
#include "codegraph/log.h"

#define EMBED_SETS_MAX 32          /* --set flags accepted */
#define EMBED_TEXTS_MAX 100000     /* texts in one run */
#define EMBED_FILE_MAX (64u << 20) /* bytes of a --lines file */
#define EMBED_THREADS_MAX 16       /* --threads upper bound */

typedef struct embed_opts {
    const char *config;
    const char *sets[EMBED_SETS_MAX][2];
    int n_sets;
    const char **texts;
    int n_texts;
    char *file_data; /* --lines contents (texts point into it) */
    int threads, probe;
} embed_opts;

static const char usage[] = "usage: codegraph embed [--text TEXT]... [--lines FILE] "
                            "[--threads N] [--probe] [-c CONFIG] [--set KEY=VALUE]\n";

static int add_text(embed_opts *o, const char *t)
{
    if (o->n_texts == EMBED_TEXTS_MAX) return -1;
    if (!o->texts && !(o->texts = calloc(EMBED_TEXTS_MAX, sizeof *o->texts))) return -1;
    o->texts[o->n_texts++] = t;
    return 0;
}

/* One text per line of `path` (a final newline ends the last line, it adds no text). */
static int add_lines(embed_opts *o, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f || o->file_data) goto fail;
    o->file_data = malloc(EMBED_FILE_MAX + 1);
    size_t n = o->file_data ? fread(o->file_data, 1, EMBED_FILE_MAX + 1, f) : 0;
    if (!o->file_data || n > EMBED_FILE_MAX) goto fail;
    fclose(f);
    o->file_data[n] = 0;
    for (char *p = o->file_data, *nl; p < o->file_data + n; p = nl + 1) {
        nl = strchr(p, '\n');
        if (!nl) nl = o->file_data + n;
        *nl = 0;
        if (add_text(o, p) != 0) return -1;
    }
    return 0;
fail:
    if (f) fclose(f);
    return -1;
}

static int embed_parse(int argc, char **argv, embed_opts *o)
{
    static const struct option longs[] = {{"config", required_argument, 0, 'c'},
                                          {"text", required_argument, 0, 't'},
                                          {"lines", required_argument, 0, 'l'},
                                          {"set", required_argument, 0, 's'},
                                          {"threads", required_argument, 0, 'T'},
                                          {"probe", no_argument, 0, 'P'},
                                          {0, 0, 0, 0}};
    int ch;
    char *eq;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:t:l:", longs, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 't':
            if (add_text(o, optarg) != 0) return -1;
            break;
        case 'l':
            if (add_lines(o, optarg) != 0) return -1;
            break;
        case 'T':
            o->threads = atoi(optarg);
            if (o->threads < 1 || o->threads > EMBED_THREADS_MAX) return -1;
            break;
        case 'P': o->probe = 1; break;
        case 's':
            eq = strchr(optarg, '=');
            if (!eq || o->n_sets == EMBED_SETS_MAX) return -1;
            *eq = 0;
            o->sets[o->n_sets][0] = optarg;
            o->sets[o->n_sets++][1] = eq + 1;
            break;
        default: return -1;
        }
    }
    return optind == argc && (o->n_texts > 0) != o->probe ? 0 : -1;
}

static void put_stats(cg_buf *b, const cg_embedder *e)
{
    cg_embed_provider_stats st;
    if (cg_embed_provider_stats_get(e, &st) != 0) return;
    cg_buf_printf(b,
                  ",\"stats\":{\"calls\":%llu,\"requests\":%llu,\"retries\":%llu,"
                  "\"failures\":%llu,\"vectors\":%llu,\"last_ok\":%s}",
                  (unsigned long long)st.calls, (unsigned long long)st.requests,
                  (unsigned long long)st.retries, (unsigned long long)st.failures,
                  (unsigned long long)st.vectors, st.last_ok ? "true" : "false");
}

static void put_vectors(cg_buf *b, const cg_embedder *e, const float *v, int n)
{
    cg_buf_puts(b, "{\"model\":");
    cg_buf_put_json_str(b, e->model, strlen(e->model));
    cg_buf_printf(b, ",\"dim\":%d,\"normalized\":%s,\"vectors\":[", e->dim,
                  e->normalized ? "true" : "false");
    for (int i = 0; i < n; i++) {
        cg_buf_puts(b, i ? ",[" : "[");
        for (int j = 0; j < e->dim; j++)
            cg_buf_printf(b, "%s%.9g", j ? "," : "", (double)v[(size_t)i * e->dim + j]);
        cg_buf_putc(b, ']');
    }
    cg_buf_putc(b, ']');
}

typedef struct embed_slice {
    cg_embedder *e;
    const cg_embed_input *in;
    int n, rc;
    float *out;
    char err[1024];
} embed_slice;

static void *slice_main(void *arg)
{
    embed_slice *s = arg;
    s->rc = cg_embedder_embed(s->e, s->in, s->n, s->out, s->err, sizeof s->err);
    return NULL;
}

/* in[0..n) in `threads` contiguous slices at once; the first failing slice's error wins. */
static int embed_threads(cg_embedder *e, const cg_embed_input *in, int n, float *v, int threads,
                         char *err, size_t errlen)
{
    embed_slice sl[EMBED_THREADS_MAX];
    pthread_t t[EMBED_THREADS_MAX];
    int started[EMBED_THREADS_MAX] = {0}, k = CG_MAX(1, CG_MIN(threads, n)), rc = 0;
    for (int i = 0; i < k; i++) {
        int lo = (int)((int64_t)n * i / k), hi = (int)((int64_t)n * (i + 1) / k);
        sl[i] = (embed_slice){.e = e, .in = in + lo, .n = hi - lo, .out = v + (size_t)lo * e->dim};
        sl[i].err[0] = 0;
        if (i > 0) started[i] = pthread_create(&t[i], NULL, slice_main, &sl[i]) == 0;
    }
    for (int i = 0; i < k; i++)
        if (!started[i]) slice_main(&sl[i]); /* slice 0, or a thread that did not start */
    for (int i = 1; i < k; i++)
        if (started[i]) pthread_join(t[i], NULL);
    for (int i = 0; i < k && !rc; i++)
        if ((rc = sl[i].rc) != 0) snprintf(err, errlen, "%s", sl[i].err);
    return rc;
}

static void put_error(cg_buf *b, int rc, const char *err)
{
    const char *m = err[0] ? err : cg_err_str(rc);
    cg_buf_printf(b, "{\"error\":{\"code\":\"%s\",\"message\":", cg_err_code(rc));
    cg_buf_put_json_str(b, m, strlen(m));
    cg_buf_putc(b, '}');
    fprintf(stderr, "codegraph: %s %s: %s\n", cg_err_code(rc), cg_err_str(rc), m);
}

static int embed_run(cg_embedder *e, const embed_opts *o)
{
    cg_embed_input *in = calloc((size_t)CG_MAX(o->n_texts, 1), sizeof *in);
    float *v = malloc((size_t)CG_MAX(o->n_texts, 1) * (size_t)e->dim * sizeof *v);
    char err[1024] = "";
    cg_buf b;
    int rc = CG_ENOMEM;
    cg_buf_init(&b);
    if (!in || !v) goto fail;
    for (int i = 0; i < o->n_texts; i++) {
        in[i].text = o->texts[i];
        in[i].text_len = strlen(o->texts[i]);
    }
    if (o->probe)
        rc = cg_embed_provider_probe(e, err, sizeof err);
    else
        rc = embed_threads(e, in, o->n_texts, v, CG_MAX(o->threads, 1), err, sizeof err);
    if (rc)
        put_error(&b, rc, err);
    else if (o->probe)
        cg_buf_puts(&b, "{\"probe\":\"ok\"");
    else
        put_vectors(&b, e, v, o->n_texts);
    put_stats(&b, e);
    cg_buf_puts(&b, "}\n");
    if (cg_buf_ok(&b)) fwrite(b.data, 1, b.len, stdout);
fail:
    if (rc == CG_ENOMEM) fprintf(stderr, "codegraph: out of memory\n");
    cg_buf_release(&b);
    free(in);
    free(v);
    return rc;
}

int cg_cli_embed(int argc, char **argv)
{
    embed_opts o;
    cg_config cfg;
    cg_embedder *e = NULL;
    char err[512] = "";
    int rc;

    memset(&o, 0, sizeof o);
    if (embed_parse(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        rc = CG_EXIT_USAGE;
        goto out;
    }
    const char *path = o.config ? o.config : getenv("CODEGRAPH_CONFIG");
    if (path && !*path) path = NULL;
    if (cg_cli_config_load(path, (const char *const(*)[2])o.sets, o.n_sets, &cfg) != 0) {
        rc = CG_EXIT_CONFIG;
        goto out;
    }
    cg_log_configure(CG_LOG_WARN, CG_LOG_PRETTY, 2); /* stdout is the JSON */
    rc = cg_embed_provider_create(&e, &cfg.vector, err, sizeof err);
    if (rc) {
        fprintf(stderr, "codegraph: %s %s: %s\n", cg_err_code(rc), cg_err_str(rc),
                err[0] ? err : cg_err_str(rc));
        rc = rc == CG_ECONFIG ? CG_EXIT_CONFIG : CG_EXIT_RUNTIME;
    } else {
        rc = embed_run(e, &o) == 0 ? CG_EXIT_OK : CG_EXIT_RUNTIME;
    }
    cg_embedder_destroy(e);
    cg_config_release(&cfg);
out:
    free(o.texts);
    free(o.file_data);
    return rc;
}
