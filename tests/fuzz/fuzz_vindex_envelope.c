/*
 * fuzz_vindex_envelope.c — libFuzzer target for the vector index file checker and the mmap
 * search behind it: arbitrary bytes are checked as a vector file (cg_vfile_check, full mode)
 * as they are; then a copy whose header and section checksums are recomputed (so mutations
 * reach the structural checks instead of stopping at a checksum) is checked in both modes,
 * and when it is accepted, searched (HNSW walk and exact scan over the possibly corrupt
 * graph and vectors) and looked up by id. Nothing may crash, hang, leak or read outside the
 * buffer. Seeds: tests/fuzz/corpus/vindex_envelope/ (small valid HNSW and flat files).
 */
// fuzz-sources: src/vector/vfile.c src/vector/vsearch.c src/base/*.c
// fuzz-flags: -lxxhash -lm -lpthread
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "vector/vfile.h"
#include "vector/vsearch.h"

/* Inputs larger than this are ignored (the file format itself has no such limit). */
#define FUZZ_VINDEX_MAX (1u << 22)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Recompute every in-bounds section checksum and the header checksum. */
static void fix_sums(uint8_t *buf, size_t len)
{
    cg_vfile_header *h = (cg_vfile_header *)buf;
    if (len < CG_VFILE_HEADER_SIZE) return;
    for (int s = 0; s < CG_VSEC_COUNT; s++) {
        cg_vfile_secent *e = &h->sec[s];
        if (e->offset <= len && e->length <= len - e->offset)
            e->xxh3 = XXH3_64bits(buf + e->offset, e->length);
    }
    h->header_xxh3 = XXH3_64bits(buf, offsetof(cg_vfile_header, header_xxh3));
}

static void exercise(const cg_vfile_view *v)
{
    cg_vcand out[16];
    float *q = malloc(sizeof(float) * (size_t)v->dim);
    if (!q) return;
    for (int i = 0; i < v->dim; i++) q[i] = (float)(i % 7) - 3.0f;
    cg_vsearch(v, q, 10, 16, NULL, NULL, out);
    cg_vsearch_exact(v, q, 16, NULL, NULL, out);
    if (v->n > 0) {
        memcpy(q, v->vectors, sizeof(float) * (size_t)v->dim);
        cg_vsearch(v, q, 5, 5, NULL, NULL, out);
        cg_vfile_node_of(v, v->ids[0]);
    }
    cg_vfile_node_of(v, 12345);
    free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    cg_vfile_view v;
    if (size > FUZZ_VINDEX_MAX) return 0;
    uint8_t *buf = aligned_alloc(64, (size + 63) / 64 * 64 + 64);
    if (!buf) return 0;
    memcpy(buf, data, size);
    cg_vfile_check(buf, size, CG_VFILE_CHECK_FULL, &v, err, sizeof(err));
    fix_sums(buf, size);
    if (cg_vfile_check(buf, size, CG_VFILE_CHECK_SMALL, &v, err, sizeof(err)) == 0) {
        exercise(&v);
        cg_vfile_check_bulk(&v, err, sizeof(err));
    }
    cg_vfile_check(buf, size, CG_VFILE_CHECK_FULL, &v, err, sizeof(err));
    free(buf);
    return 0;
}
