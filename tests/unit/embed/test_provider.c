/*
 * test_provider.c — the pure parts of the HTTP embedding providers (src/embed/provider.c)
 * and cg_embed_provider_create.
 *
 * Proves: the request body of each provider is the JSON shape the service expects (read
 * back with jansson); a good answer of each shape fills the rows in input order (OpenAI by
 * "index"); wrong count, wrong dimension, non-numbers, non-finite values, bad indexes,
 * wrong shapes and non-JSON are CG_EEMBED with a message saying which; a provider's error
 * body yields its message; back-off doubles up to its ceiling, stays within [d/2, d] and
 * obeys Retry-After; L2 gives norm 1 and leaves zero vectors alone; endpoints are joined to
 * base URLs without doubling; the text sent for an entity carries its fields and is cut at a
 * UTF-8 boundary; create() picks the built-in embedder or a provider with the model id,
 * dimension and normalisation recorded, and refuses https, a missing OpenAI URL and control
 * bytes in the key.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/config.h"
#include "codegraph/embed_provider.h"
#include "embed/provider_int.h"

static const char *const texts[] = {"alpha", "b\"e\ta", "\xc3\xbc"};
static const size_t lens[] = {5, 5, 2};

CG_TEST(request_bodies)
{
    for (int k = CG_EMBED_PROV_OPENAI; k <= CG_EMBED_PROV_TEI; k++) {
        cg_buf b;
        cg_buf_init(&b);
        cg_embed_prov_request_json((cg_embed_provider_kind)k, "m-1", texts, lens, 3, &b);
        json_t *root = json_loads(b.data, 0, NULL);
        CG_CHECK(root != NULL);
        json_t *in = json_object_get(root, k == CG_EMBED_PROV_TEI ? "inputs" : "input");
        CG_CHECK_EQ_INT(json_array_size(in), 3);
        for (size_t i = 0; i < 3 && in; i++)
            CG_CHECK_STR(json_string_value(json_array_get(in, i)), texts[i]);
        const json_t *m = json_object_get(root, "model");
        if (k == CG_EMBED_PROV_TEI)
            CG_CHECK(m == NULL);
        else
            CG_CHECK_STR(json_string_value(m), "m-1");
        json_decref(root);
        cg_buf_release(&b);
    }
}

static int parse(cg_embed_provider_kind k, const char *body, int n, int dim, float *out, char *err)
{
    err[0] = 0;
    return cg_embed_prov_parse_response(k, body, strlen(body), n, dim, out, err, 256);
}

CG_TEST(good_answers_of_each_shape)
{
    float v[4];
    char err[256];
    CG_CHECK_EQ_INT(
        parse(CG_EMBED_PROV_OLLAMA, "{\"embeddings\":[[1,2],[3.5,-4e-1]]}", 2, 2, v, err), 0);
    CG_CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3.5f && v[3] == -0.4f);
    CG_CHECK_EQ_INT(parse(CG_EMBED_PROV_TEI, "[[0.25,0],[1,1]]", 2, 2, v, err), 0);
    CG_CHECK(v[0] == 0.25f && v[1] == 0 && v[2] == 1 && v[3] == 1);
    /* OpenAI: rows placed by index, whatever the order of data[] */
    CG_CHECK_EQ_INT(parse(CG_EMBED_PROV_OPENAI,
                          "{\"data\":[{\"index\":1,\"embedding\":[7,8]},"
                          "{\"index\":0,\"embedding\":[5,6]}],\"model\":\"x\"}",
                          2, 2, v, err),
                    0);
    CG_CHECK(v[0] == 5 && v[1] == 6 && v[2] == 7 && v[3] == 8);
    /* no index: position */
    CG_CHECK_EQ_INT(parse(CG_EMBED_PROV_OPENAI, "{\"data\":[{\"embedding\":[1,2]}]}", 1, 2, v, err),
                    0);
    CG_CHECK(v[0] == 1 && v[1] == 2);
}

CG_TEST(bad_answers)
{
    static const struct {
        cg_embed_provider_kind k;
        const char *body, *phrase;
    } cases[] = {
        {CG_EMBED_PROV_TEI, "[[1,2]]", "returned 1 vectors for 2 inputs"},
        {CG_EMBED_PROV_TEI, "[[1,2],[3]]", "1-dimensional vectors but [vector] dimension is 2"},
        {CG_EMBED_PROV_TEI, "[[1,2],[3,4,5]]", "set dimension = 3"},
        {CG_EMBED_PROV_TEI, "[[1,2],[3,\"4\"]]", "non-numeric value in vector 1 at element 1"},
        {CG_EMBED_PROV_TEI, "[[1,2],[3,null]]", "non-numeric"},
        {CG_EMBED_PROV_TEI, "[[1,2],[3,1e39]]", "non-finite"},
        {CG_EMBED_PROV_TEI, "[[1,2],[3,-1e300]]", "non-finite"},
        {CG_EMBED_PROV_TEI, "[[1,2],{}]", "vector 1 is not an array"},
        {CG_EMBED_PROV_TEI, "{\"embeddings\":[[1,2],[3,4]]}", "expected [[...], ...]"},
        {CG_EMBED_PROV_OLLAMA, "[[1,2],[3,4]]", "expected {\"embeddings\": [...]}"},
        {CG_EMBED_PROV_OLLAMA, "{\"embeddings\":[[1,2],[3,4]", "not valid JSON"},
        {CG_EMBED_PROV_OLLAMA, "<html>", "not valid JSON"},
        {CG_EMBED_PROV_OLLAMA, "", "not valid JSON"},
        {CG_EMBED_PROV_OLLAMA, "{\"embeddings\":[[1,2],[3,NaN]]}", "not valid JSON"},
        {CG_EMBED_PROV_OPENAI, "{\"data\":[[1,2],[3,4]]}", "data[0] is not an object"},
        {CG_EMBED_PROV_OPENAI,
         "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":0,\"embedding\":[3,4]}]}",
         "repeated or out-of-range index"},
        {CG_EMBED_PROV_OPENAI,
         "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":2,\"embedding\":[3,4]}]}",
         "repeated or out-of-range index"},
        {CG_EMBED_PROV_OPENAI,
         "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":\"1\",\"embedding\":[3,4]}]}",
         "repeated or out-of-range index"},
        {CG_EMBED_PROV_OPENAI, "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1}]}",
         "vector 1 is not an array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        float v[6];
        char err[256];
        int rc = parse(cases[i].k, cases[i].body, 2, 2, v, err);
        CG_CHECK_EQ_INT(rc, CG_EEMBED);
        if (!strstr(err, cases[i].phrase))
            fprintf(stderr, "  case %zu: \"%s\" lacks \"%s\"\n", i, err, cases[i].phrase);
        CG_CHECK(strstr(err, cases[i].phrase) != NULL);
    }
}

CG_TEST(provider_error_messages)
{
    char b[256];
    const char *o = "{\"error\":{\"message\":\"model not found\",\"type\":\"x\"}}";
    cg_embed_prov_error_text(o, strlen(o), b, sizeof b);
    CG_CHECK_STR(b, "model not found");
    cg_embed_prov_error_text("{\"error\":\"bad input\"}", 21, b, sizeof b);
    CG_CHECK_STR(b, "bad input");
    cg_embed_prov_error_text("{\"message\":\"busy\"}", 18, b, sizeof b);
    CG_CHECK_STR(b, "busy");
    cg_embed_prov_error_text("upstream\r\nfailed", 16, b, sizeof b);
    CG_CHECK_STR(b, "upstream  failed");
    cg_embed_prov_error_text("", 0, b, sizeof b);
    CG_CHECK_STR(b, "(empty body)");
}

CG_TEST(backoff)
{
    uint64_t rng = 42;
    int64_t prev_hi = 0;
    for (int a = 0; a < 10; a++) {
        int64_t d = CG_EMBED_BACKOFF_BASE_MS << a;
        if (d > CG_EMBED_BACKOFF_MAX_MS) d = CG_EMBED_BACKOFF_MAX_MS;
        for (int i = 0; i < 200; i++) {
            int64_t w = cg_embed_prov_backoff_ms(a, -1, &rng);
            CG_CHECK(w >= d / 2 && w <= d);
        }
        CG_CHECK(d >= prev_hi);
        prev_hi = d;
    }
    /* jitter: not every draw is equal */
    int64_t first = cg_embed_prov_backoff_ms(3, -1, &rng), differs = 0;
    for (int i = 0; i < 50; i++) differs |= cg_embed_prov_backoff_ms(3, -1, &rng) != first;
    CG_CHECK(differs);
    CG_CHECK_EQ_INT(cg_embed_prov_backoff_ms(0, 1500, &rng), 1500);
    CG_CHECK_EQ_INT(cg_embed_prov_backoff_ms(5, 0, &rng), 0);
}

CG_TEST(l2)
{
    float v[3] = {3, 0, 4}, z[2] = {0, 0};
    cg_embed_prov_l2(v, 3);
    CG_CHECK(fabsf(v[0] - 0.6f) < 1e-6f && v[1] == 0 && fabsf(v[2] - 0.8f) < 1e-6f);
    cg_embed_prov_l2(z, 2);
    CG_CHECK(z[0] == 0 && z[1] == 0);
}

CG_TEST(endpoints)
{
    static const struct {
        cg_embed_provider_kind k;
        const char *base, *want;
    } cases[] = {
        {CG_EMBED_PROV_OPENAI, "/", "/v1/embeddings"},
        {CG_EMBED_PROV_OPENAI, "/v1", "/v1/embeddings"},
        {CG_EMBED_PROV_OPENAI, "/proxy/v1/", "/proxy/v1/embeddings"},
        {CG_EMBED_PROV_OPENAI, "/v1/embeddings", "/v1/embeddings"},
        {CG_EMBED_PROV_OLLAMA, "/", "/api/embed"},
        {CG_EMBED_PROV_OLLAMA, "/api/embed", "/api/embed"},
        {CG_EMBED_PROV_TEI, "/", "/embed"},
        {CG_EMBED_PROV_TEI, "/tei", "/tei/embed"},
        {CG_EMBED_PROV_TEI, "/tei/?k=v", "/tei/embed?k=v"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[128];
        cg_embed_prov_endpoint(cases[i].k, cases[i].base, out, sizeof out);
        CG_CHECK_STR(out, cases[i].want);
    }
}

CG_TEST(input_text)
{
    cg_buf b;
    cg_buf_init(&b);
    cg_embed_input in = {.text = "find the parser", .text_len = 15};
    CG_CHECK_EQ_INT(cg_embed_prov_input_text(&in, &b), 0);
    CG_CHECK_STR(b.data, "find the parser");
    cg_embed_input ent = {.name = "parse_args",
                          .signature = "def parse_args(argv)",
                          .doc = "Parse the command line.",
                          .body = "return argv[1:]",
                          .body_len = 15,
                          .language = "python",
                          .kind = "function"};
    CG_CHECK_EQ_INT(cg_embed_prov_input_text(&ent, &b), 0);
    CG_CHECK_STR(b.data, "python function parse_args\ndef parse_args(argv)\n"
                         "Parse the command line.\nreturn argv[1:]");
    cg_embed_input empty = {.text = "", .text_len = 0};
    CG_CHECK_EQ_INT(cg_embed_prov_input_text(&empty, &b), 0);
    CG_CHECK_EQ_INT(b.len, 0);
    cg_embed_term t = {.hash = 1, .tf = 1, .mask = 1};
    cg_embed_input bag = {.terms = &t, .n_terms = 1};
    CG_CHECK_EQ_INT(cg_embed_prov_input_text(&bag, &b), CG_EINVAL);
    /* a long text is cut to the limit, never inside a UTF-8 sequence */
    size_t n = CG_EMBED_PROV_TEXT_MAX + 10;
    char *big = malloc(n);
    big[0] = 'x'; /* then é é é …: a two-byte sequence straddles the limit */
    for (size_t i = 1; i + 1 < n; i += 2) memcpy(big + i, "\xc3\xa9", 2);
    cg_embed_input lg = {.text = big, .text_len = n - 1};
    CG_CHECK_EQ_INT(cg_embed_prov_input_text(&lg, &b), 0);
    CG_CHECK_EQ_INT(b.len, CG_EMBED_PROV_TEXT_MAX - 1);
    CG_CHECK_EQ_INT((unsigned char)b.data[b.len - 1], 0xa9); /* ends after a whole é */
    free(big);
    cg_buf_release(&b);
}

static cg_config_vector vcfg(const char *prov, const char *url)
{
    cg_config_vector v;
    memset(&v, 0, sizeof v);
    v.dimension = 16;
    v.embedding_provider = (char *)prov;
    v.embedding_url = (char *)url;
    v.embedding_model = "nomic-embed-text";
    v.embedding_api_key = "";
    v.embedding_batch_size = 4;
    v.embedding_retries = 1;
    v.embedding_normalize = 1;
    return v;
}

CG_TEST(create_picks_the_embedder)
{
    cg_embedder *e = NULL;
    char err[256] = "";
    cg_config_vector v = vcfg("builtin", "");
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), 0);
    CG_CHECK_STR(e->model, CG_EMBED_BUILTIN_MODEL);
    CG_CHECK_EQ_INT(e->dim, 16);
    CG_CHECK_EQ_INT(cg_embed_provider_kind_of(e), CG_EMBED_PROV_BUILTIN);
    cg_embed_provider_stats st;
    CG_CHECK_EQ_INT(cg_embed_provider_stats_get(e, &st), CG_EINVAL);
    cg_embedder_destroy(e);

    v = vcfg("ollama", ""); /* default URL */
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), 0);
    CG_CHECK_STR(e->model, "ollama:nomic-embed-text");
    CG_CHECK_EQ_INT(e->dim, 16);
    CG_CHECK_EQ_INT(e->normalized, 1);
    CG_CHECK_EQ_INT(cg_embed_provider_kind_of(e), CG_EMBED_PROV_OLLAMA);
    CG_CHECK_EQ_INT(cg_embed_provider_stats_get(e, &st), 0);
    CG_CHECK_EQ_INT(st.requests, 0);
    CG_CHECK_EQ_INT(st.last_ok, 1);
    cg_embedder_destroy(e);

    v = vcfg("tei", "http://127.0.0.1:9/");
    v.embedding_normalize = 0;
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), 0);
    CG_CHECK_STR(e->model, "tei:nomic-embed-text");
    CG_CHECK_EQ_INT(e->normalized, 0);
    cg_embedder_destroy(e);
}

CG_TEST(create_refusals)
{
    cg_embedder *e = NULL;
    char err[256] = "";
    cg_config_vector v = vcfg("openai", "https://api.openai.com/v1");
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), CG_ECONFIG);
    CG_CHECK(e == NULL && strstr(err, "https:// is not supported") != NULL);
    v = vcfg("openai", "");
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), CG_ECONFIG);
    CG_CHECK(strstr(err, "needs embedding_url") != NULL);
    v = vcfg("openai", "http://127.0.0.1:9");
    v.embedding_api_key = "abc\r\nX-Injected: 1";
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), CG_ECONFIG);
    CG_CHECK(strstr(err, "control character") != NULL && strstr(err, "abc") == NULL);
    v = vcfg("cohere", "http://127.0.0.1:9");
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), CG_ECONFIG);
    v = vcfg("tei", "http://127.0.0.1:9");
    v.dimension = 0;
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), CG_ECONFIG);
    CG_CHECK(e == NULL);
}

CG_TEST(bag_inputs_are_refused_without_a_request)
{
    cg_embedder *e = NULL;
    char err[256] = "";
    cg_config_vector v = vcfg("tei", "http://127.0.0.1:9"); /* nothing listens: never used */
    CG_CHECK_EQ_INT(cg_embed_provider_create(&e, &v, err, sizeof err), 0);
    cg_embed_term t = {.hash = 7, .tf = 1, .mask = 1};
    cg_embed_input in = {.terms = &t, .n_terms = 1};
    float out[16];
    CG_CHECK_EQ_INT(cg_embedder_embed(e, &in, 1, out, err, sizeof err), CG_EINVAL);
    CG_CHECK(strstr(err, "term bags") != NULL);
    cg_embed_provider_stats st;
    cg_embed_provider_stats_get(e, &st);
    CG_CHECK_EQ_INT(st.requests, 0);
    CG_CHECK_EQ_INT(st.failures, 1);
    CG_CHECK_EQ_INT(st.last_ok, 0);
    cg_embedder_destroy(e);
}

CG_TEST_MAIN()
