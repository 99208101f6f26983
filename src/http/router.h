/* router.h - matching request paths against route patterns with path
 * parameters ("/api/departments/{id}/staff"). Internal to http/. */
#ifndef ZT_ROUTER_H
#define ZT_ROUTER_H

#include <stddef.h>

#include "base/arena.h"
#include "http/http.h"

#define ZT_MAX_PARAMS 8

typedef struct zt_param {
    const char *name;  /* arena copy, without braces */
    const char *value; /* arena copy of the segment */
} zt_param;

/* 1 if path matches pattern, filling params (at most ZT_MAX_PARAMS) from
 * the arena; 0 if not. A parameter matches one non-empty segment. A trailing
 * slash is not ignored ("/a/" does not match "/a"). */
int zt_route_match(const char *pattern, const char *path, zt_arena *a, zt_param *params, int *nparams);

typedef enum { ZT_ROUTE_FOUND, ZT_ROUTE_NO_PATH, ZT_ROUTE_NO_METHOD } zt_route_result;

/* Find the route for method + path among n routes. On FOUND, *index is the
 * route and params are filled; on NO_METHOD, allow gets the comma-separated
 * methods that path accepts (arena). */
zt_route_result zt_route_find(const zt_route *const *routes, size_t n, const char *method, const char *path,
                              zt_arena *a, size_t *index, zt_param *params, int *nparams, char **allow);

#endif
