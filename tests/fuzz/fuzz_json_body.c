/*
 * fuzz_json_body.c — libFuzzer target for the JSON request body of
 * POST /api/v1/projects: create_body_parse in src/api/projects.c (jansson + our field
 * checks), compiled into this target by including the source file, so the code fuzzed is
 * exactly the handler's.
 *
 * Input: the request body bytes. Checks (abort on failure): the parser either fails with
 * exactly one 400/CG011 answer, or succeeds with none and yields a non-empty path and a
 * name that are NUL-terminated within their buffers and equal to the body's "path" and
 * "name" strings (decoded independently with jansson here, so a truncation or a
 * mis-read member is caught); no leak (ASan's leak checker runs at exit).
 * cg_req_error is the one server function the parser calls; it is recorded here. The
 * rest of projects.c (graph, index, walker calls) is never run by this target: those
 * symbols are left unresolved at link time (non-PIE, so they bind to address 0 — a call
 * would crash loudly, never pass silently). jansson is a system library and not
 * instrumented: coverage guidance comes from our checks around it.
 */
// fuzz-sources: src/base/buf.c src/base/err.c
// fuzz-flags: -ljansson -fno-pie -no-pie -Wl,--unresolved-symbols=ignore-all
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/api/projects.c"

#define FUZZ_CHECK(e) ((e) ? (void)0 : abort())

static int answers, last_status, last_err;

void cg_req_error(cg_req *rq, int status, int cg_err, const char *message,
                  const char *extra_headers)
{
    (void)extra_headers;
    FUZZ_CHECK(!rq->responded && message && message[0]);
    rq->responded = 1;
    answers++;
    last_status = status;
    last_err = cg_err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size ? size : 1);
    memcpy(body, data, size);
    cg_http_request h;
    memset(&h, 0, sizeof h);
    h.body = body;
    h.body_len = size;
    cg_req rq;
    memset(&rq, 0, sizeof rq);
    rq.http = &h;
    static char path[BODY_PATH_MAX], name[CG_GRAPH_NAME_MAX + 1];
    answers = 0;
    int rc = create_body_parse(&rq, path, sizeof path, name, sizeof name);
    FUZZ_CHECK(answers == (rc != 0));
    if (rc != 0) {
        FUZZ_CHECK(last_status == 400 && last_err == CG_EINVAL);
    } else {
        json_error_t je;
        json_t *root = json_loadb(body, size, 0, &je);
        FUZZ_CHECK(root && json_is_object(root));
        json_t *p = json_object_get(root, "path"), *n = json_object_get(root, "name");
        FUZZ_CHECK(json_is_string(p) && strlen(path) > 0 && strlen(path) < sizeof path);
        /* an embedded NUL ends the C string early; the prefix must still match */
        FUZZ_CHECK(strncmp(path, json_string_value(p), sizeof path) == 0);
        if (json_is_string(n))
            FUZZ_CHECK(strncmp(name, json_string_value(n), sizeof name) == 0);
        else
            FUZZ_CHECK(name[0] == 0);
        json_decref(root);
    }
    free(body);
    return 0;
}
