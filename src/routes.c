/* routes.c - every route set of the product (routes.h). */
#include "routes.h"

#include "auth/auth.h"
#include "ledger/service.h"
#include "org/org.h"
#include "platform/platform.h"
#include "services/services.h"
#include "supervise/stream.h"
#include "supervise/supervise.h"

/* zt_platform_routes takes the serve mode, the table's functions take
 * nothing: the mode of the walk in progress on this thread. */
static _Thread_local int walk_fake_clock;

static const zt_route *platform_routes(size_t *n) { return zt_platform_routes(walk_fake_clock, n); }

/* Serving order; NULL ends the table. */
static const zt_route_set_fn SETS[] = {
    zt_auth_routes,
    zt_org_routes,
    platform_routes,
    zt_ledger_routes,
    zt_items_routes,
    zt_uploads_routes,
    zt_cases_routes,
    zt_messages_routes,
    zt_ratings_routes,
    zt_sv_routes,
    zt_sv_score_routes,
    zt_sv_card_routes,
    zt_sv_view_routes,
    zt_sv_stream_routes,
    zt_sv_intake_routes,
    zt_sv_rule_routes,
    NULL,
};

void zt_route_sets_each(int fake_clock, void (*fn)(const zt_route *routes, size_t n, void *ctx), void *ctx) {
    walk_fake_clock = fake_clock;
    for (const zt_route_set_fn *set = SETS; *set; set++) {
        size_t n = 0;
        const zt_route *routes = (*set)(&n);
        fn(routes, n, ctx);
    }
}

static void serve_set(const zt_route *routes, size_t n, void *srv) { zt_server_routes(srv, routes, n); }

void zt_serve_routes(zt_server *srv, int fake_clock) { zt_route_sets_each(fake_clock, serve_set, srv); }
