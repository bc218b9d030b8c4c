/*
 * api.h — the REST handlers (one file per endpoint group), private to src/api.
 */
#ifndef CODEGRAPH_API_H
#define CODEGRAPH_API_H

#include "codegraph/server.h"

void cg_api_health(cg_req *rq);
void cg_api_ready(cg_req *rq);
void cg_api_health_detail(cg_req *rq);
void cg_api_metrics(cg_req *rq);

#endif
