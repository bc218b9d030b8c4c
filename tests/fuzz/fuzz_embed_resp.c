/*
 * fuzz_embed_resp.c — libFuzzer target for the embedding providers' HTTP response parser
 * (cg_hc_resp_parse, src/embed/http_client.c), which reads bytes from a remote service.
 *
 * Input: byte 0 picks the body limit, byte 1 the split point and whether the peer closed;
 * the rest is the response. Checks (abort on failure): parsing in two pieces gives the same
 * verdict, status and body as parsing whole; the verdict is 0, 1 or a documented error; a
 * complete body never exceeds the limit and lies inside the received bytes.
 */
// fuzz-sources: src/embed/http_client.c src/http/*.c src/base/*.c
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "embed/http_client.h"

#define CHECK(e) ((e) ? (void)0 : abort())

static int run(const uint8_t *d, size_t n, size_t split, int eof, size_t max, cg_hc_resp *r)
{
    cg_hc_resp_init(r);
    cg_buf_append(&r->raw, d, split);
    int rc = cg_hc_resp_parse(r, 0, max, NULL, 0);
    if (rc == 0) {
        cg_buf_append(&r->raw, d + split, n - split);
        rc = cg_hc_resp_parse(r, eof, max, NULL, 0);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t max = (size_t)data[0] * 16, n = size - 2;
    const uint8_t *d = data + 2;
    int eof = data[1] & 1;
    size_t split = n ? (size_t)(data[1] >> 1) % (n + 1) : 0;
    cg_hc_resp a, b;
    int ra = run(d, n, 0, eof, max, &a), rb = run(d, n, split, eof, max, &b);
    CHECK(ra == rb);
    CHECK(ra == 0 || ra == 1 || ra == -EPROTO || ra == -ECONNRESET || ra == CG_ELIMIT);
    if (ra == 1) {
        CHECK(a.status == b.status && a.status >= 200 && a.status <= 999);
        CHECK(a.body_len == b.body_len && a.body_len <= max);
        CHECK(a.head_len + a.body_len <= a.raw.len);
        CHECK(memcmp(cg_hc_resp_body(&a), cg_hc_resp_body(&b), a.body_len) == 0);
    }
    cg_hc_resp_release(&a);
    cg_hc_resp_release(&b);
    return 0;
}
