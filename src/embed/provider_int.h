/*
 * provider_int.h — the pure pieces of the HTTP embedding providers (provider.c), exposed to
 * their unit tests: request bodies, response checking, input text, back-off, L2.
 */
#ifndef CG_EMBED_PROVIDER_INT_H
#define CG_EMBED_PROVIDER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/embed.h"
#include "codegraph/embed_provider.h"

/**
 * The text sent for one input (see embed_provider.h) into `out` (reset first).
 * 0, CG_EINVAL (a term bag only), CG_ENOMEM.
 */
int cg_embed_prov_input_text(const cg_embed_input *in, cg_buf *out);

/** The JSON body of one request for `n` texts (texts[i], lens[i]). */
void cg_embed_prov_request_json(cg_embed_provider_kind kind, const char *model,
                                const char *const *texts, const size_t *lens, int n, cg_buf *out);

/**
 * Check a 2xx response body and write its n vectors of `dim` floats to out[n * dim] in input
 * order. 0, or CG_EEMBED with the reason in err (invalid JSON, wrong shape, wrong count, wrong
 * dimension, a non-number, a non-finite value, a bad or repeated index). On error `out` holds
 * no usable data.
 */
int cg_embed_prov_parse_response(cg_embed_provider_kind kind, const char *body, size_t len, int n,
                                 int dim, float *out, char *err, size_t errlen);

/** The provider's own error message in an error body ({"error": {"message"}} / {"error"} /
 *  {"message"}), or a printable prefix of the body, into buf. */
void cg_embed_prov_error_text(const char *body, size_t len, char *buf, size_t n);

/**
 * The wait before retry number `attempt` (0 = the first retry): `retry_after_ms` when the
 * server sent one (>= 0), else min(base * 2^attempt, max) with jitter drawn from *rng into
 * [d/2, d].
 */
int64_t cg_embed_prov_backoff_ms(int attempt, int64_t retry_after_ms, uint64_t *rng);

/** Scale v[0..dim) to L2 norm 1 (an all-zero vector stays zero). */
void cg_embed_prov_l2(float *v, int dim);

/** Where requests go: base URL path + the provider's endpoint (see embed_provider.h). */
void cg_embed_prov_endpoint(cg_embed_provider_kind kind, const char *base_path, char *out,
                            size_t n);

#endif
