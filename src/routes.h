/* routes.h - every route set of the product, in the order they are served:
 * one list for `serve`, `routes` (the docs) and the request-path fuzzer, so
 * that a new set cannot be served and left undocumented or unfuzzed. Owned
 * by main's layer: it names every domain. Adding a domain's set is one line
 * of the table in routes.c. */
#ifndef ZT_ROUTES_H
#define ZT_ROUTES_H

#include <stddef.h>

#include "http/http.h"

/* A domain's route set: its routes (static) and their count in *n. */
typedef const zt_route *(*zt_route_set_fn)(size_t *n);

/* Call fn(routes, n, ctx) for each route set in serving order (fake_clock:
 * the platform's set includes PUT /api/admin/clock). */
void zt_route_sets_each(int fake_clock, void (*fn)(const zt_route *routes, size_t n, void *ctx), void *ctx);

/* Register every route set on the server. */
void zt_serve_routes(zt_server *srv, int fake_clock);

/* Wire the layers that may not call up to each other: the kinds of subject
 * supervision watches (src/supervise/kinds/) and the catalogue's fee lists
 * for their rules, where the process engine's events go (supervised
 * subjects to supervision, everything else to the ledger's record), the
 * supervision tick when the fake clock is set, and supervision's
 * re-evaluation when the calendar changes. Before anything writes (main's
 * app_open, the fuzzers, unit tests); a second call does nothing. */
void zt_wire(void);

#endif
