/* routes.h - every route set of the product, in the order they are served:
 * one list for `serve`, `routes` (the docs) and the request-path fuzzer, so
 * that a new set cannot be served and left undocumented or unfuzzed. Owned
 * by main's layer: it names every domain. */
#ifndef ZT_ROUTES_H
#define ZT_ROUTES_H

#include <stddef.h>

#include "http/http.h"

#define ZT_ROUTE_SETS 16

/* Fill sets[i]/counts[i] with each route set (fake_clock: include
 * PUT /api/admin/clock); returns how many (ZT_ROUTE_SETS). */
size_t zt_route_sets(int fake_clock, const zt_route *sets[ZT_ROUTE_SETS], size_t counts[ZT_ROUTE_SETS]);

/* Register every route set on the server. */
void zt_serve_routes(zt_server *srv, int fake_clock);

#endif
