/*
 * tools_search.c — the MCP tools over the search service (search.h): search_code (hybrid
 * or lexical), semantic_search and find_similar, plus what index_status reports about
 * them.
 *
 * When the host has no search service, or the service says a mode is unavailable (no
 * vector index, no embedder), the tool answers isError with that reason: it never falls
 * back to something else under the same name, and never makes results up.
 */
#include <string.h>

#include "codegraph/search.h"
#include "mcp_int.h"
#include "schemas.h"

static const char *const cap_names[CG_MCP_CAP_COUNT] = {"lexical_search", "semantic_search",
                                                        "find_similar"};

const char *cg_mcp_capability_name(int cap)
{
    return cap >= 0 && cap < CG_MCP_CAP_COUNT ? cap_names[cap] : "unknown";
}

int cg_mcp_capability(const cg_mcp_host *h, uint32_t project, int cap, char *why, size_t n)
{
    cg_search_caps caps;
    CG_UNUSED(project);
    if (!h->search) {
        snprintf(why, n, "the search service is not running in this %s server",
                 h->transport ? h->transport : "");
        return 0;
    }
    cg_search_capabilities(h->search, &caps);
    int mode = cap == CG_MCP_CAP_LEXICAL ? CG_SEARCH_LEXICAL : CG_SEARCH_SEMANTIC;
    if (caps.available[mode]) return 1;
    snprintf(why, n, "%s", caps.reason[mode][0] ? caps.reason[mode] : "not available");
    return 0;
}

/* Fail unless capability `cap` works now. */
static int need(cg_mcp_call *c, int cap)
{
    char why[CG_MCP_MSG_MAX / 2];
    if (cg_mcp_capability(c->h, 0, cap, why, sizeof why)) return 0;
    return cg_mcp_fail(c,
                       "%s is unavailable on this server: %s. Use search_symbols (names) "
                       "or the graph tools instead.",
                       cg_mcp_capability_name(cap), why);
}

/* The "kinds" argument as a mask. */
static int kinds_mask(cg_mcp_call *c, uint32_t *mask)
{
    json_t *a = json_object_get(c->args, "kinds"), *e;
    size_t i;
    *mask = 0;
    json_array_foreach(a, i, e)
    {
        int k = cg_graph_kind_parse(json_string_value(e));
        if (k < 0) return cg_mcp_fail(c, "\"kinds\" has an unknown entity kind.");
        *mask |= CG_GRAPH_KIND_BIT(k);
    }
    return 0;
}

/* The optional project: 0 = every project (search spans them), else its id. */
static int project_opt(cg_mcp_call *c, cg_graph_project *pr, uint32_t *id)
{
    *id = 0;
    memset(pr, 0, sizeof *pr);
    if (!json_object_get(c->args, "project")) return 0;
    int rc = cg_mcp_arg_project(c, pr);
    if (!rc) *id = pr->id;
    return rc;
}

/* Items (scored entities with their project) through the budget, then paging. */
static void hits_write(cg_mcp_call *c, const cg_search_result *r, const cg_mcp_page *p,
                       uint64_t gen)
{
    cg_buf *b = c->sc;
    int n = 0;
    cg_buf_puts(b, ",\"items\":[");
    for (; n < r->n; n++) {
        size_t mark = b->len;
        cg_graph_hit h = {.entity = r->hits[n].entity, .score = r->hits[n].score};
        if (n) cg_buf_putc(b, ',');
        cg_mcp_entity_write(b, &h, r->hits[n].project_name, CG_MCP_ENT_SCORE);
        if (!cg_mcp_item_fits(c, b->len - mark)) {
            b->len = mark;
            break;
        }
    }
    cg_buf_putc(b, ']');
    int cut = n < r->n;
    uint64_t next = cut ? p->page.offset + (uint64_t)n : r->next_offset;
    cg_mcp_paging_write(c, r->total, p->page.limit, next, r->truncated || cut, r->bounded, gen);
}

/* Answer a search error as a sentence. */
static int search_fail(cg_mcp_call *c, int rc)
{
    if (rc == CG_ENOINDEX || rc == CG_EEMBED)
        return cg_mcp_fail(c,
                           "Semantic search cannot answer now (%s); use search_code with "
                           "mode lexical, or search_symbols.",
                           cg_err_str(rc));
    if (rc == CG_ENOTFOUND)
        return cg_mcp_fail(c, "The project or entity was not found in the index; check "
                              "list_projects and the entity id.");
    if (rc == CG_EINVAL)
        return cg_mcp_fail(c, "The query is empty or too long (at most %d bytes).",
                           CG_SEARCH_QUERY_MAX);
    return cg_mcp_fail(c, "The search failed (%s); retry.", cg_err_str(rc));
}

/* search_code and semantic_search: one query in `mode`. */
static int query_run(cg_mcp_call *c, int mode)
{
    cg_graph_project pr;
    cg_mcp_page p;
    cg_search_result r;
    cg_search_query q = {.q = cg_mcp_arg_str(c, "query"),
                         .mode = mode,
                         .language = cg_mcp_arg_str(c, "language"),
                         .path_prefix = cg_mcp_arg_str(c, "path_prefix")};
    cg_search_result_init(&r);
    int rc = need(c, mode == CG_SEARCH_SEMANTIC ? CG_MCP_CAP_SEMANTIC : CG_MCP_CAP_LEXICAL);
    if (!rc) rc = kinds_mask(c, &q.kinds);
    if (!rc) rc = cg_mcp_arg_page(c, CG_MCP_LIMIT_DEFAULT, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = project_opt(c, &pr, &q.project);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, pr.generation);
    q.page = p.page;
    if (!rc && (rc = cg_search_run(c->h->search, &q, &r)) != 0) search_fail(c, rc);
    if (!rc) {
        const char *mn = cg_search_mode_name(r.mode);
        cg_buf_puts(c->sc, "\"mode\":");
        cg_buf_put_json_str(c->sc, mn ? mn : "", strlen(mn ? mn : ""));
        cg_mcp_str_field(c->sc, "project", q.project ? pr.name : NULL);
        cg_mcp_str_field(c->sc, "note", r.note[0] ? r.note : NULL);
        hits_write(c, &r, &p, pr.generation);
    }
    cg_search_result_release(&r);
    return rc;
}

static int code_run(cg_mcp_call *c)
{
    const char *m = cg_mcp_arg_str(c, "mode");
    return query_run(c, m && strcmp(m, "lexical") == 0 ? CG_SEARCH_LEXICAL : CG_SEARCH_HYBRID);
}

static int semantic_run(cg_mcp_call *c)
{
    return query_run(c, CG_SEARCH_SEMANTIC);
}

#define IN_SEARCH                                                                                  \
    IN_PROJECT ",\"query\":{\"type\":\"string\",\"minLength\":1,\"description\":\"What to look "   \
               "for, in words or identifiers\"},\"kinds\":{\"type\":\"array\",\"maxItems\":16,"    \
               "\"items\":{\"type\":\"string\"}},\"language\":{\"type\":\"string\"},"              \
               "\"path_prefix\":{\"type\":\"string\",\"description\":\"Only files under this "     \
               "directory\"}," IN_PAGE(20)
#define OUT_SEARCH_ITEMS                                                                           \
    "\"items\":{\"type\":\"array\",\"items\":{\"allOf\":[" OUT_ENTITY                              \
    ",{\"type\":\"object\",\"properties\":{\"score\":" T_NUM "},\"required\":[\"score\"]}]}}"
#define OUT_SEARCH                                                                                 \
    OUT_OBJECT("\"mode\":" T_STR ",\"project\":" T_STR_NULL ",\"note\":" T_STR_NULL                \
               "," OUT_SEARCH_ITEMS "," OUT_PAGING,                                                \
               "\"mode\"," OUT_PAGING_REQ)

const cg_mcp_tool cg_mcp_tool_search_code = {
    "search_code",
    "Search code",
    "Search definitions by what they contain: names, docs and code text. mode hybrid (the "
    "default) fuses lexical (BM25), semantic and name matching; lexical is BM25 only. Without "
    "project, searches every project.",
    IN_OBJECT(IN_SEARCH ",\"mode\":{\"type\":\"string\",\"enum\":[\"hybrid\",\"lexical\"],"
                        "\"default\":\"hybrid\"}",
              "\"query\""),
    OUT_SEARCH,
    1,
    code_run};

const cg_mcp_tool cg_mcp_tool_semantic = {
    "semantic_search",
    "Semantic search",
    "Search definitions by meaning (embedding similarity to the query), e.g. \"retry with "
    "exponential backoff\". Answers an error when no vector index is available.",
    IN_OBJECT(IN_SEARCH, "\"query\""),
    OUT_SEARCH,
    1,
    semantic_run};

static int similar_run(cg_mcp_call *c)
{
    cg_graph_project pr;
    cg_mcp_page p;
    cg_search_result r;
    json_t *code = json_object_get(c->args, "code");
    cg_search_similar_query q = {.code = cg_mcp_arg_str(c, "code"),
                                 .code_len = code ? json_string_length(code) : 0,
                                 .entity_id = (uint64_t)cg_mcp_arg_int(c, "entity_id", 0),
                                 .language = cg_mcp_arg_str(c, "language")};
    q.threshold = json_number_value(json_object_get(c->args, "threshold"));
    cg_search_result_init(&r);
    int rc = need(c, CG_MCP_CAP_SIMILAR);
    if (!rc && !q.code == !q.entity_id)
        rc = cg_mcp_fail(c, "Pass exactly one of \"entity_id\" or \"code\".");
    if (!rc) rc = kinds_mask(c, &q.kinds);
    if (!rc) rc = cg_mcp_arg_page(c, 10, CG_MCP_LIMIT_MAX, &p);
    if (!rc) rc = project_opt(c, &pr, &q.project);
    if (!rc) rc = cg_mcp_cursor_check(c, &p, pr.generation);
    q.page = p.page;
    if (!rc && (rc = cg_search_similar(c->h->search, &q, &r)) != 0) search_fail(c, rc);
    if (!rc) {
        cg_buf_puts(c->sc, "\"mode\":\"similar\"");
        cg_mcp_str_field(c->sc, "project", q.project ? pr.name : NULL);
        cg_mcp_str_field(c->sc, "note", r.note[0] ? r.note : NULL);
        hits_write(c, &r, &p, pr.generation);
    }
    cg_search_result_release(&r);
    return rc;
}

const cg_mcp_tool cg_mcp_tool_similar = {
    "find_similar",
    "Find similar code",
    "Definitions similar to an entity (entity_id) or to a code snippet (code), by cosine "
    "similarity of their embeddings, at least threshold. Useful to find duplicates or other "
    "implementations of the same idea.",
    IN_OBJECT(IN_PROJECT ",\"entity_id\":{\"type\":\"integer\",\"minimum\":1},\"code\":{\"type\":"
                         "\"string\",\"minLength\":1,\"maxLength\":65536},\"language\":{\"type\":"
                         "\"string\"},\"kinds\":{\"type\":\"array\",\"maxItems\":16,\"items\":{"
                         "\"type\":\"string\"}},\"threshold\":{\"type\":\"number\",\"minimum\":-1,"
                         "\"maximum\":1,\"default\":0}," IN_PAGE(10),
              ""),
    OUT_SEARCH,
    1,
    similar_run};
