/* trading.c - the route set of public resource trading: the project's
 * pages and list (project.c), the centre's steps (actions.c), enterprises'
 * registrations, sealed bids, questions and objections (bids.c). */
#include <string.h>

#include "trading/internal.h"
#include "trading/trading.h"

const zt_route *zt_trading_routes(size_t *n) {
    static zt_route all[32];
    static size_t count;
    if (!count) {
        const zt_route *(*sets[])(size_t *) = {tr_project_routes, tr_action_routes, tr_bid_routes, tr_hall_routes};
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            size_t k = 0;
            const zt_route *r = sets[s](&k);
            for (size_t i = 0; i < k && count < sizeof all / sizeof all[0]; i++) all[count++] = r[i];
        }
    }
    *n = count;
    return all;
}
