/*
 * test_embed.c — proves the built-in embedder (embed.h): vectors are deterministic (same
 * input, same IDF table → identical bits, also across embedder instances), L2-normalised,
 * all-zero for input without terms; the vtable path and the bag path agree; IDF weights
 * change the vector and down-weight common terms; a snippet is closer to the code it was
 * taken from than to unrelated code; bad arguments are refused. Also prints the embedding
 * throughput (MB/s on one core) as a figure, without any threshold.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/embed.h"
#include "search/bag.h"

#define DIM 768
#define THROUGHPUT_PASSES 5 /* passes over the ~6 MB of the throughput figure */

static const char *code_a =
    "def read_config(path):\n    with open(path) as fh:\n        return toml.loads(fh.read())\n";
static const char *code_b =
    "def send_packet(sock, data):\n    sock.sendall(struct.pack('!I', len(data)) + data)\n";

static void embed_text(cg_embedder *e, const char *t, float *v)
{
    cg_embed_input in = {.text = t, .text_len = strlen(t)};
    char err[128];
    int rc = cg_embedder_embed(e, &in, 1, v, err, sizeof err);
    if (rc) fprintf(stderr, "embed: %d %s\n", rc, err);
}

static double dot(const float *a, const float *b)
{
    double s = 0;
    for (int i = 0; i < DIM; i++) s += (double)a[i] * b[i];
    return s;
}

CG_TEST(deterministic_and_normalised)
{
    cg_embedder *e1, *e2;
    static float v1[DIM], v2[DIM];
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e1, DIM, NULL), 0);
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e2, DIM, NULL), 0);
    CG_CHECK_EQ_INT(e1->normalized, 1);
    CG_CHECK_EQ_INT(e1->dim, DIM);
    embed_text(e1, code_a, v1);
    embed_text(e2, code_a, v2);
    CG_CHECK(memcmp(v1, v2, sizeof v1) == 0);
    CG_CHECK(fabs(dot(v1, v1) - 1.0) < 1e-5);
    embed_text(e1, "  ... !!", v1);
    CG_CHECK(dot(v1, v1) == 0.0);
    cg_embedder_destroy(e1);
    cg_embedder_destroy(e2);
}

CG_TEST(snippet_closer_to_its_source)
{
    cg_embedder *e;
    static float a[DIM], b[DIM], s[DIM];
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, DIM, NULL), 0);
    embed_text(e, code_a, a);
    embed_text(e, code_b, b);
    embed_text(e, "return toml.loads(fh.read())", s);
    CG_CHECK(dot(s, a) > dot(s, b) + 0.2);
    cg_embedder_destroy(e);
}

CG_TEST(bag_path_matches_vtable)
{
    cg_embedder *e;
    cg_bag bag;
    static float v1[DIM], v2[DIM];
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, DIM, NULL), 0);
    cg_bag_init(&bag);
    cg_bag_add_text(&bag, code_a, strlen(code_a), CG_BAG_W_BODY, CG_EMBED_F_BODY, CG_TOK_JOINED);
    cg_embed_bag(NULL, bag.terms, bag.n, 0, DIM, v1);
    embed_text(e, code_a, v2);
    CG_CHECK(memcmp(v1, v2, sizeof v1) == 0);
    cg_embed_input in = {.terms = bag.terms, .n_terms = bag.n};
    CG_CHECK_EQ_INT(cg_embedder_embed(e, &in, 1, v2, NULL, 0), 0);
    CG_CHECK(memcmp(v1, v2, sizeof v1) == 0);
    cg_bag_release(&bag);
    cg_embedder_destroy(e);
}

CG_TEST(idf_weights_common_terms_down)
{
    static uint8_t q[1024];
    static float plain[DIM], weighted[DIM], common[DIM], rare[DIM];
    cg_embed_idf idf = {.q = q, .buckets = 1024, .docs = 100, .version = 1};
    cg_embedder *e;
    /* "path" is common (weight 1/16), everything else rare (weight 8) */
    for (int i = 0; i < 1024; i++) q[i] = 128;
    q[cg_search_term_hash("path", 4) & 1023] = 1;
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, DIM, &idf), 0);
    CG_CHECK_EQ_INT(cg_embed_builtin_idf_version(e), 1);
    embed_text(e, code_a, weighted);
    embed_text(e, "path path path", common);
    embed_text(e, "toml", rare);
    cg_embed_builtin_set_idf(e, NULL);
    embed_text(e, code_a, plain);
    CG_CHECK(memcmp(plain, weighted, sizeof plain) != 0);
    CG_CHECK(fabs(dot(weighted, weighted) - 1.0) < 1e-5);
    /* the rare term weighs more in the weighted vector than in the plain one */
    CG_CHECK(dot(weighted, rare) > dot(plain, rare));
    CG_CHECK(dot(weighted, common) < dot(plain, common));
    cg_embedder_destroy(e);
}

CG_TEST(bad_arguments)
{
    cg_embedder *e = NULL;
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, 0, NULL), CG_EINVAL);
    CG_CHECK(e == NULL);
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, CG_EMBED_DIM_MAX + 1, NULL), CG_EINVAL);
    cg_embed_idf bad = {.q = (const uint8_t *)"x", .buckets = 3};
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, 8, &bad), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_embed_builtin_create(&e, 8, NULL), 0);
    CG_CHECK_EQ_INT(cg_embedder_embed(e, NULL, 1, NULL, NULL, 0), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_embedder_embed(e, NULL, 0, NULL, NULL, 0), 0);
    cg_embedder_destroy(e);
}

static uint64_t cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A figure, not a check: bytes of source code embedded per CPU-second of this thread (per
 * core, whatever else the machine runs). */
CG_TEST(throughput_figure)
{
    size_t cap = 8u << 20, len = 0;
    char *src = malloc(cap);
    FILE *f = fopen("src/index/extract.c", "r");
    static uint8_t q[1u << 20];
    cg_embed_idf idf = {.q = q, .buckets = 1u << 20, .docs = 1000, .version = 1};
    for (size_t i = 0; i < sizeof q; i++) q[i] = (uint8_t)(16 + i % 97);
    if (!src) return;
    if (f) {
        len = fread(src, 1, cap / 2, f);
        fclose(f);
    }
    if (len == 0) len = (size_t)snprintf(src, cap, "%s%s", code_a, code_b);
    while (len * 2 <= cap) memcpy(src + len, src, len), len *= 2; /* ~4-8 MB of code */
    cg_embedder *e;
    static float v[DIM];
    cg_embed_builtin_create(&e, DIM, &idf);
    /* entity-sized pieces of ~2 KB, as the indexer embeds them; several passes, so that the
     * figure is not one scheduler tick's worth of work on a shared machine */
    uint64_t t0 = cpu_ns();
    size_t piece = 2048;
    for (int pass = 0; pass < THROUGHPUT_PASSES; pass++) {
        for (size_t off = 0; off + piece <= len; off += piece) {
            cg_embed_input in = {.name = "someFunction", .body = src + off, .body_len = piece};
            cg_embedder_embed(e, &in, 1, v, NULL, 0);
        }
    }
    double s = (double)(cpu_ns() - t0) / 1e9, mb = (double)len * THROUGHPUT_PASSES / 1e6;
    printf("FIGURE embed_throughput_mb_per_cpu_s %.1f (%.1f MB in %.3f s, dim %d)\n", mb / s, mb, s,
           DIM);
    cg_embedder_destroy(e);
    free(src);
    CG_CHECK(len > 0);
}

CG_TEST_MAIN()
