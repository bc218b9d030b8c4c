/*
 * embed_provider.h — embedders backed by an HTTP embedding service, chosen in config.
 *
 * [vector] embedding_provider picks the embedder:
 *   "builtin"  the in-process hashing embedder (embed.h), the default;
 *   "openai"   an OpenAI-compatible server: POST {base}/v1/embeddings
 *              {"model": M, "input": [texts]} → {"data": [{"index": i, "embedding": [...]}]}
 *              (a base URL ending in /v1 gets /embeddings appended);
 *   "ollama"   POST {base}/api/embed {"model": M, "input": [texts]} → {"embeddings": [[...]]};
 *   "tei"      Hugging Face text-embeddings-inference: POST {base}/embed {"inputs": [texts]}
 *              → [[...]].
 * A URL that already ends with the endpoint's path is used as it is.
 *
 * Transport: plain http:// only (no TLS library is linked: https:// is refused with an error
 * that says so). Inputs are sent in batches of [vector] embedding_batch_size; each HTTP
 * attempt is bounded by embedding_timeout; 429, 5xx, timeouts and connection errors are
 * retried up to embedding_retries times with exponential back-off and jitter (a Retry-After
 * header is honoured, up to CG_EMBED_RETRY_AFTER_MAX_MS). Every answer is checked: the
 * count, the dimension ([vector] dimension), numbers only, all finite. Anything else fails
 * the whole call with CG_EEMBED (CG005) or CG_ETIMEOUT and an actionable message: no vector
 * is ever substituted. embedding_normalize L2-normalises the vectors (then normalized = 1).
 * The embedder records model "<provider>:<embedding_model>" (e.g. "ollama:nomic-embed-text"),
 * the dimension and normalisation, so an index never mixes vectors of two models.
 *
 * What is sent for an input: `text` as it is; for an entity, "<language> <kind> <name>",
 * then the signature, the doc and the body, one per line; at most CG_EMBED_PROV_TEXT_MAX
 * bytes (cut at a UTF-8 boundary). An input with no text (empty) gets an all-zero vector
 * without a request; a term bag alone (built-in only) is CG_EINVAL.
 *
 * The API key (embedding_api_key, or CODEGRAPH_VECTOR_EMBEDDING_API_KEY) is sent as
 * "Authorization: Bearer KEY" and never logged or put in an error message. Calls block the
 * calling thread: run them on the pool. Provider embedders are thread-safe.
 */
#ifndef CODEGRAPH_EMBED_PROVIDER_H
#define CODEGRAPH_EMBED_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/embed.h"

#define CG_EMBED_PROV_TEXT_MAX (32 * 1024)      /**< bytes of one input's text sent */
#define CG_EMBED_RETRY_AFTER_MAX_MS 60000       /**< longer Retry-After: give up at once */
#define CG_EMBED_BACKOFF_BASE_MS 250            /**< first back-off (before jitter) */
#define CG_EMBED_BACKOFF_MAX_MS 8000            /**< back-off ceiling */
#define CG_EMBED_PROV_RESPONSE_MAX (256u << 20) /**< bytes of one provider response */

typedef enum cg_embed_provider_kind {
    CG_EMBED_PROV_BUILTIN,
    CG_EMBED_PROV_OPENAI,
    CG_EMBED_PROV_OLLAMA,
    CG_EMBED_PROV_TEI,
} cg_embed_provider_kind;

struct cg_config_vector;

/**
 * The embedder [vector] asks for. "builtin" → cg_embed_builtin_create(out, dimension, NULL)
 * (publish an IDF table later with cg_embed_builtin_set_idf); otherwise an HTTP provider.
 * No network traffic happens here. 0, CG_ECONFIG (bad URL, https, no URL for "openai",
 * a control byte in the key; reason in err), CG_ENOMEM.
 */
int cg_embed_provider_create(cg_embedder **out, const struct cg_config_vector *v, char *err,
                             size_t errlen);

/** "builtin" … "tei" → kind, or -1. */
int cg_embed_provider_kind_parse(const char *name);
/** The kind of an embedder made by cg_embed_provider_create (builtin for any other). */
cg_embed_provider_kind cg_embed_provider_kind_of(const cg_embedder *e);

/** Counters of an HTTP provider (all zero for the built-in embedder). */
typedef struct cg_embed_provider_stats {
    uint64_t calls;       /**< embed calls */
    uint64_t requests;    /**< HTTP attempts */
    uint64_t retries;     /**< attempts after a retryable failure */
    uint64_t failures;    /**< embed calls that returned an error */
    uint64_t vectors;     /**< vectors returned */
    int last_ok;          /**< 1: the latest call succeeded (or none yet) */
    int64_t last_error_s; /**< wall time of the latest failure, 0 if none */
    char last_error[256]; /**< its message (no secrets) */
} cg_embed_provider_stats;

/** Copy the counters. 0, or CG_EINVAL when `e` is not an HTTP provider. */
int cg_embed_provider_stats_get(const cg_embedder *e, cg_embed_provider_stats *st);

#define CG_EMBED_PROBE_TEXT "codegraph health probe" /**< what a probe embeds */

/**
 * One request for one short text (CG_EMBED_PROBE_TEXT), no retries, the answer checked like
 * any other ([health] check_external_services). Blocks: call it on the pool. Updates the
 * last_ok / last_error counters. 0 (also for the built-in embedder), CG_EEMBED, CG_ETIMEOUT.
 */
int cg_embed_provider_probe(cg_embedder *e, char *err, size_t errlen);

#endif
