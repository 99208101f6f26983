/* exchange.c - the domain's route set, start and stop (exchange.h). */
#include <string.h>

#include "exchange/exchange_int.h"

#define MAX_ROUTES 40

const zt_route *zt_exchange_routes(size_t *n) {
    /* the files' tables in one: built on the first call (at start, before
     * any request thread), the same every time */
    static zt_route all[MAX_ROUTES];
    static size_t count;
    if (!count) {
        const zt_route *(*const sets[])(size_t *) = {ex_catalogue_routes, ex_sharing_routes, ex_call_routes};
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            size_t k;
            const zt_route *t = sets[s](&k);
            for (size_t i = 0; i < k && count < MAX_ROUTES; i++) all[count++] = t[i];
        }
    }
    *n = count;
    return all;
}

zt_err zt_exchange_start(zt_app *app, zt_error *e) {
    zt_err rc = ex_catalogue_seed(app, e);
    return rc ? rc : ex_log_start(app, e);
}

void zt_exchange_stop(void) { ex_log_stop(); }
