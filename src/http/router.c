#include "http/router.h"

#include <string.h>

/* Segment by segment, without a strlen or strchr per segment: this runs
 * for every route until one matches, on every request. */
int zt_route_match(const char *pattern, const char *path, zt_arena *a, zt_param *params, int *nparams) {
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/') return 0;
        p++;
        s++;
        if (*p == '{') {
            const char *pe = p, *se = s;
            while (*pe && *pe != '/') pe++;
            while (*se && *se != '/') se++;
            size_t plen = (size_t)(pe - p), slen = (size_t)(se - s);
            if (plen >= 2 && pe[-1] == '}') {
                if (slen == 0 || np == ZT_MAX_PARAMS) return 0;
                if (params) {
                    params[np].name = zt_arena_strndup(a, p + 1, plen - 2);
                    params[np].value = zt_arena_strndup(a, s, slen);
                }
                np++;
                p = pe;
                s = se;
                continue;
            }
        }
        while (*p && *p != '/' && *p == *s) {
            p++;
            s++;
        }
        if ((*p && *p != '/') || (*s && *s != '/')) return 0;
    }
    if (*p || *s) return 0;
    if (nparams) *nparams = np;
    return 1;
}

/* Is m one of the entries of the ", "-separated list? */
static int listed(const char *list, const char *m) {
    size_t n = strlen(m);
    for (const char *p = list; p; p = strchr(p, ','), p = p ? p + 2 : NULL)
        if (strncmp(p, m, n) == 0 && (p[n] == ',' || p[n] == 0)) return 1;
    return 0;
}

zt_route_result zt_route_find(const zt_route *const *routes, size_t n, const char *method, const char *path,
                              zt_arena *a, size_t *index, zt_param *params, int *nparams, char **allow) {
    int path_seen = 0;
    char *methods = NULL;
    /* HEAD is served by GET routes */
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    for (size_t i = 0; i < n; i++) {
        if (!zt_route_match(routes[i]->pattern, path, a, NULL, NULL)) continue;
        if (strcmp(routes[i]->method, m) == 0) {
            zt_route_match(routes[i]->pattern, path, a, params, nparams);
            *index = i;
            return ZT_ROUTE_FOUND;
        }
        path_seen = 1;
        if (!listed(methods, routes[i]->method))
            methods = methods ? zt_arena_printf(a, "%s, %s", methods, routes[i]->method)
                              : zt_arena_strdup(a, routes[i]->method);
    }
    if (!path_seen) return ZT_ROUTE_NO_PATH;
    if (allow) *allow = methods;
    return ZT_ROUTE_NO_METHOD;
}
