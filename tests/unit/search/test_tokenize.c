/*
 * test_tokenize.c — proves the search tokenizer's contract (search.h): identifiers split on
 * snake_case, camelCase, acronym runs and letter/digit changes; terms are lower-cased and
 * stemmed the same way on every side ("files"/"file", "parsing"/"parse"); the joined form of
 * multi-part identifiers appears only when asked; English function words and single letters
 * are dropped; long terms are cut at CG_SEARCH_TERM_MAX; a callback can stop the walk; term
 * bags count field-weighted frequencies; and the tokenizer's word-at-a-time fast paths (bit
 * masks over 16-byte windows) give exactly the terms of its per-byte state machine applied to
 * each identifier run, on many random texts (the terms feed stored postings and vectors).
 */
#include <stdio.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/search.h"
#include "search/bag.h"
#include "search/tok_impl.h"

typedef struct toks {
    char out[8192]; /* the terms, space-separated (a term has no spaces) */
    int n;
} toks;

static int collect(void *ctx, const char *t, size_t n)
{
    toks *k = ctx;
    size_t len = strlen(k->out);
    snprintf(k->out + len, sizeof k->out - len, "%s%.*s", k->n ? " " : "", (int)n, t);
    k->n++;
    return 0;
}

static const char *tok(const char *s, unsigned flags)
{
    static toks k;
    memset(&k, 0, sizeof k);
    cg_search_tokenize(s, strlen(s), flags, collect, &k);
    return k.out;
}

CG_TEST(splits_identifiers)
{
    CG_CHECK_STR(tok("parse_json_file", 0), "pars json fil");
    CG_CHECK_STR(tok("parseJsonFile", 0), "pars json fil");
    CG_CHECK_STR(tok("HTTPServer", 0), "http server");
    CG_CHECK_STR(tok("getHTTPResponseCode", 0), "get http respons cod");
    CG_CHECK_STR(tok("utf8_decode2", 0), "utf 8 decod 2");
    CG_CHECK_STR(tok("__init__", 0), "init");
    CG_CHECK_STR(tok("x = y + z_1", 0), "1");
}

CG_TEST(joined_form_only_when_asked)
{
    CG_CHECK_STR(tok("getValue", CG_TOK_JOINED), "get valu getvalue");
    CG_CHECK_STR(tok("get_value", CG_TOK_JOINED), "get valu getvalue");
    CG_CHECK_STR(tok("value", CG_TOK_JOINED), "valu");
    CG_CHECK_STR(tok("getValue", 0), "get valu");
}

CG_TEST(stems_agree_across_forms)
{
    CG_CHECK_STR(tok("files file", 0), "fil fil");
    CG_CHECK_STR(tok("parsing parsed parse parses", 0), "pars pars pars pars");
    CG_CHECK_STR(tok("entries entry", 0), "entry entry");
    CG_CHECK_STR(tok("classes class", 0), "class class");
    CG_CHECK_STR(tok("status string", 0), "status string");
}

CG_TEST(stop_words_and_punctuation)
{
    CG_CHECK_STR(tok("Return the name of a file, if it exists.", 0), "return nam fil exist");
    CG_CHECK_STR(tok("", 0), "");
    CG_CHECK_STR(tok("!!! --- ...", 0), "");
    CG_CHECK_STR(tok("naïve café", 0), "naïve café");
}

CG_TEST(long_terms_are_cut)
{
    char big[200];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *t = tok(big, 0);
    CG_CHECK_EQ_INT(strlen(t), CG_SEARCH_TERM_MAX);
}

static int stop_at_two(void *ctx, const char *t, size_t n)
{
    (void)t, (void)n;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

CG_TEST(callback_stops)
{
    int seen = 0;
    CG_CHECK_EQ_INT(cg_search_tokenize("alpha beta gamma delta", 22, 0, stop_at_two, &seen), 42);
    CG_CHECK_EQ_INT(seen, 2);
}

CG_TEST(bags_weight_fields)
{
    cg_bag b;
    cg_bag_init(&b);
    CG_CHECK_EQ_INT(cg_bag_add_entity(&b, "readFile", "io.readFile", "def readFile(path)",
                                      "Read a file.", "return open(path).read()", 24),
                    0);
    int read = -1, path = -1, io = -1, joined = -1;
    for (int i = 0; i < b.n; i++) {
        size_t n;
        const char *t = cg_bag_term(&b, i, &n);
        if (n == 4 && !memcmp(t, "read", 4)) read = i;
        if (n == 4 && !memcmp(t, "path", 4)) path = i;
        if (n == 2 && !memcmp(t, "io", 2)) io = i;
        if (n == 8 && !memcmp(t, "readfile", 8)) joined = i;
    }
    CG_CHECK(read >= 0 && path >= 0 && io >= 0 && joined >= 0);
    if (read >= 0 && path >= 0 && io >= 0) {
        /* read: name 6 + signature 3 + doc 2 + body 1 */
        CG_CHECK_EQ_INT(b.terms[read].tf, 6 + 3 + 2 + 1);
        CG_CHECK_EQ_INT(b.terms[read].mask, 0xf);
        /* path: signature 3 + body 1 */
        CG_CHECK_EQ_INT(b.terms[path].tf, 3 + 1);
        CG_CHECK_EQ_INT(b.terms[io].tf, CG_BAG_W_QNAME);
    }
    uint64_t sum = 0;
    for (int i = 0; i < b.n; i++) sum += b.terms[i].tf;
    CG_CHECK_EQ_INT(sum, b.total);
    cg_bag_cap(&b, 2);
    CG_CHECK_EQ_INT(b.n, 2);
    cg_bag_release(&b);
}

CG_TEST(fast_paths_match_the_state_machine)
{
    /* identifier-heavy alphabet: cases, digits, '_', separators, a UTF-8 letter */
    static const char alphabet[] = "aeiostrnxyzAEISTXZ0129____  ..\n\t-(\xc3\xa9";
    static toks fast, ref;
    static char text[300];
    uint64_t seed = 42;
    int mismatches = 0, terms = 0;

    tok_init(); /* tok_run alone does not initialise the tables */
    for (int round = 0; round < 20000; round++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t len = 1 + (size_t)(seed >> 33) % (sizeof text - 1);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            text[i] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
        }
        unsigned flags = round & 1 ? CG_TOK_JOINED : 0;
        memset(&fast, 0, sizeof fast);
        memset(&ref, 0, sizeof ref);
        cg_search_tokenize(text, len, flags, collect, &fast);
        const unsigned char *u = (const unsigned char *)text;
        for (size_t i = 0; i < len;) { /* the reference: every run through tok_run */
            if (tok_class[u[i]] == C_SEP) {
                i++;
                continue;
            }
            size_t end = i;
            while (end < len && tok_class[u[end]] != C_SEP) end++;
            tok_run(u, i, end, flags, collect, &ref);
            i = end;
        }
        terms += fast.n > 0;
        if (fast.n != ref.n || strcmp(fast.out, ref.out) != 0) mismatches++;
    }
    CG_CHECK_EQ_INT(mismatches, 0);
    CG_CHECK(terms > 10000); /* the texts did produce terms */
}

CG_TEST_MAIN()
