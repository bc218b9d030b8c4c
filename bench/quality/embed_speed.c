/*
 * embed_speed.c — throughput of the built-in embedder (issue 4: >= 200 MB per CPU-second per
 * core) on real source files: each file given is cut into 2 KB entity-sized bodies, as the
 * indexer embeds them, and embedded EMBED_SPEED_PASSES times; the figure is bytes per second
 * of this thread's CPU time (so other load on the machine does not count against it), the
 * median of EMBED_SPEED_RUNS runs, with the slowest and fastest run.
 *
 *   zig build bench-bins -Doptimize=ReleaseFast && zig-out/bench/quality_embed_speed FILE...
 *   (e.g. the Python stdlib's top-level modules concatenated into one file, and this
 *   repository's src tree likewise)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegraph/base.h"
#include "codegraph/embed.h"

#define EMBED_SPEED_DIM 768        /* the default [vector] dimension */
#define EMBED_SPEED_PIECE 2048     /* bytes of one embedded body */
#define EMBED_SPEED_PASSES 4       /* passes over a file per run */
#define EMBED_SPEED_RUNS 5         /* runs per file; the median is reported */
#define EMBED_SPEED_IDF (1u << 20) /* IDF buckets, as a large index has */

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (s = malloc((size_t)n)) != NULL)
        *len = fread(s, 1, (size_t)n, f);
    fclose(f);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* MB per CPU-second of one run over text[0..len). */
static double one_run(cg_embedder *e, const char *text, size_t len)
{
    static float v[EMBED_SPEED_DIM];
    size_t bytes = 0;
    double t0 = cpu_seconds();
    for (int p = 0; p < EMBED_SPEED_PASSES; p++) {
        for (size_t off = 0; off + EMBED_SPEED_PIECE <= len; off += EMBED_SPEED_PIECE) {
            cg_embed_input in = {
                .name = "someFunction", .body = text + off, .body_len = EMBED_SPEED_PIECE};
            cg_embedder_embed(e, &in, 1, v, NULL, 0);
            bytes += EMBED_SPEED_PIECE;
        }
    }
    return (double)bytes / 1e6 / (cpu_seconds() - t0);
}

int main(int argc, char **argv)
{
    static uint8_t q[EMBED_SPEED_IDF];
    cg_embed_idf idf = {.q = q, .buckets = EMBED_SPEED_IDF, .docs = 1000, .version = 1};
    cg_embedder *e;
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof q; i++) q[i] = (uint8_t)(16 + i % 97);
    if (cg_embed_builtin_create(&e, EMBED_SPEED_DIM, &idf) != 0) return 1;
    for (int a = 1; a < argc; a++) {
        size_t len = 0;
        char *text = read_all(argv[a], &len);
        double mb[EMBED_SPEED_RUNS];
        if (!text || len < EMBED_SPEED_PIECE) {
            fprintf(stderr, "%s: unreadable or shorter than %d bytes\n", argv[a],
                    EMBED_SPEED_PIECE);
            free(text);
            rc = 1;
            continue;
        }
        for (int r = 0; r < EMBED_SPEED_RUNS; r++) mb[r] = one_run(e, text, len);
        qsort(mb, EMBED_SPEED_RUNS, sizeof mb[0], cmp_double);
        printf("FIGURE embed_mb_per_cpu_s %.1f (%s, %.1f MB x %d passes, runs %.1f..%.1f)\n",
               mb[EMBED_SPEED_RUNS / 2], argv[a], (double)len / 1e6, EMBED_SPEED_PASSES, mb[0],
               mb[EMBED_SPEED_RUNS - 1]);
        free(text);
    }
    cg_embedder_destroy(e);
    return rc;
}
