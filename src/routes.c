/* routes.c - every route set of the product (routes.h). */
#include "routes.h"

#include "auth/auth.h"
#include "ledger/service.h"
#include "org/org.h"
#include "platform/platform.h"
#include "services/services.h"
#include "supervise/stream.h"
#include "supervise/supervise.h"

size_t zt_route_sets(int fake_clock, const zt_route *sets[ZT_ROUTE_SETS], size_t counts[ZT_ROUTE_SETS]) {
    size_t n = 0;
    sets[n] = zt_auth_routes(&counts[n]), n++;
    sets[n] = zt_org_routes(&counts[n]), n++;
    sets[n] = zt_platform_routes(fake_clock, &counts[n]), n++;
    sets[n] = zt_ledger_routes(&counts[n]), n++;
    sets[n] = zt_items_routes(&counts[n]), n++;
    sets[n] = zt_uploads_routes(&counts[n]), n++;
    sets[n] = zt_cases_routes(&counts[n]), n++;
    sets[n] = zt_messages_routes(&counts[n]), n++;
    sets[n] = zt_ratings_routes(&counts[n]), n++;
    sets[n] = zt_sv_routes(&counts[n]), n++;
    sets[n] = zt_sv_score_routes(&counts[n]), n++;
    sets[n] = zt_sv_card_routes(&counts[n]), n++;
    sets[n] = zt_sv_view_routes(&counts[n]), n++;
    sets[n] = zt_sv_stream_routes(&counts[n]), n++;
    sets[n] = zt_sv_intake_routes(&counts[n]), n++;
    sets[n] = zt_sv_rule_routes(&counts[n]), n++;
    return n;
}

void zt_serve_routes(zt_server *srv, int fake_clock) {
    const zt_route *sets[ZT_ROUTE_SETS];
    size_t counts[ZT_ROUTE_SETS];
    size_t n = zt_route_sets(fake_clock, sets, counts);
    for (size_t i = 0; i < n; i++) zt_server_routes(srv, sets[i], counts[i]);
}
