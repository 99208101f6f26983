/* api.c - process definitions over HTTP: what the web UI reads for state
 * labels, action forms and the card states (docs/flow.md). */
#include "flow/api.h"

#include "flow/registry.h"

/* GET /api/flows/{id}?version=: a process definition (the newest, or the
 * version a running instance keeps). */
static zt_err h_flow(zt_req *r, zt_error *e) {
    int64_t v;
    zt_err rc = zt_req_query_int(r, "version", 0, 0, 1000000, &v, e);
    if (rc) return rc;
    const zt_flow *f = zt_flows_get(zt_req_param(r, "id"), (int)v);
    if (!f) return zt_fail(e, ZT_ENOTFOUND, "id", "流程定义不存在");
    zt_reply_json(r, 200, zt_flow_json(f));
    return ZT_OK;
}

static const zt_route routes[] = {
    {"GET", "/api/flows/{id}", h_flow, ZT_PUBLIC, "a process definition (?version=, default the newest)"},
};

const zt_route *zt_flow_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
