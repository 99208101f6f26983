/* fuzz_router.c - zt_route_match / zt_route_find with the platform's route
 * table (from `zhengtong routes`) and the input as the request path; the
 * input's first byte picks the method. When the input holds a newline, the
 * text before it is also matched as a pattern against the text after it.
 *
 * Checked: a match fills at most ZT_MAX_PARAMS parameters, each a non-empty
 * segment of the path (so a substring without '/'), named as in the
 * pattern, and putting the values back into the pattern gives the path
 * again; zt_route_find returns the first route of the method whose pattern
 * matches, NO_METHOD with an Allow list of exactly the other methods whose
 * patterns match, NO_PATH when none does. */
#include "http/router.h"
#include "fuzz.h"

static const struct {
    const char *method, *pattern;
} table[] = {
    {"GET", "/healthz"},
    {"GET", "/metrics"},
    {"POST", "/api/auth/login"},
    {"POST", "/api/auth/logout"},
    {"GET", "/api/auth/me"},
    {"POST", "/api/auth/register"},
    {"POST", "/api/auth/password"},
    {"GET", "/api/roles"},
    {"GET", "/api/users"},
    {"POST", "/api/users"},
    {"GET", "/api/users/{id}"},
    {"PATCH", "/api/users/{id}"},
    {"POST", "/api/users/{id}/password"},
    {"POST", "/api/users/{id}/disable"},
    {"POST", "/api/users/{id}/enable"},
    {"GET", "/api/departments/{id}/staff"},
    {"GET", "/api/keys"},
    {"POST", "/api/keys"},
    {"DELETE", "/api/keys/{id}"},
    {"GET", "/api/audit"},
    {"GET", "/api/regions"},
    {"GET", "/api/regions/tree"},
    {"GET", "/api/regions/{code}"},
    {"POST", "/api/regions"},
    {"PATCH", "/api/regions/{code}"},
    {"DELETE", "/api/regions/{code}"},
    {"GET", "/api/departments"},
    {"GET", "/api/departments/{id}"},
    {"POST", "/api/departments"},
    {"PATCH", "/api/departments/{id}"},
    {"DELETE", "/api/departments/{id}"},
    {"GET", "/api/halls"},
    {"GET", "/api/halls/{id}"},
    {"POST", "/api/halls"},
    {"PATCH", "/api/halls/{id}"},
    {"DELETE", "/api/halls/{id}"},
    {"GET", "/api/windows"},
    {"POST", "/api/halls/{id}/windows"},
    {"PATCH", "/api/windows/{id}"},
    {"DELETE", "/api/windows/{id}"},
    {"GET", "/api/calendar/day/{date}"},
    {"GET", "/api/calendar/add"},
    {"GET", "/api/calendar/between"},
    {"GET", "/api/calendar/years"},
    {"GET", "/api/calendar/days"},
    {"PUT", "/api/admin/calendar/days/{date}"},
    {"DELETE", "/api/admin/calendar/days/{date}"},
    {"POST", "/api/admin/calendar/import"},
    {"GET", "/api/clock"},
    {"PUT", "/api/admin/clock"},
};
#define NROUTES (sizeof table / sizeof table[0])

static zt_route routes[NROUTES];
static const zt_route *route_ptrs[NROUTES];

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get"};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    for (size_t i = 0; i < NROUTES; i++) {
        routes[i].method = table[i].method;
        routes[i].pattern = table[i].pattern;
        route_ptrs[i] = &routes[i];
    }
    return 0;
}

/* Rebuild the path from the pattern and the parameters. */
static void check_params(const char *pattern, const char *path, const zt_param *params, int np) {
    FUZZ_CHECK(np >= 0 && np <= ZT_MAX_PARAMS);
    size_t cap = strlen(pattern) + strlen(path) + 1, o = 0;
    char *re = malloc(cap);
    FUZZ_CHECK(re != NULL);
    int k = 0;
    for (const char *p = pattern; *p;) {
        const char *e = strchr(p + 1, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* p[0] is '/'; a segment "{name}" is a parameter */
        if (len >= 3 && p[1] == '{' && p[len - 1] == '}') {
            FUZZ_CHECK(k < np);
            FUZZ_CHECK(strlen(params[k].name) == len - 3 && memcmp(params[k].name, p + 2, len - 3) == 0);
            const char *v = params[k].value;
            FUZZ_CHECK(v[0] != '\0' && strchr(v, '/') == NULL && strstr(path, v) != NULL);
            size_t vl = strlen(v);
            FUZZ_CHECK(o + 1 + vl < cap);
            re[o++] = '/';
            memcpy(re + o, v, vl);
            o += vl;
            k++;
        } else {
            FUZZ_CHECK(o + len < cap);
            memcpy(re + o, p, len);
            o += len;
        }
        p += len;
    }
    re[o] = '\0';
    FUZZ_CHECK(k == np);
    FUZZ_CHECK(strcmp(re, path) == 0);
    free(re);
}

static int listed(const char *allow, const char *m) {
    size_t n = strlen(m);
    for (const char *p = allow; p; p = strstr(p, ", "), p = p ? p + 2 : NULL)
        if (strncmp(p, m, n) == 0 && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

static void check_find(const char *method, const char *path, zt_arena *a) {
    size_t index = (size_t)-1;
    zt_param params[ZT_MAX_PARAMS];
    int np = -1;
    char *allow = NULL;
    zt_route_result r = zt_route_find(route_ptrs, NROUTES, method, path, a, &index, params, &np, &allow);
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    size_t first = NROUTES; /* first route of the method matching the path */
    int any = 0, nallow = 0;
    for (size_t i = 0; i < NROUTES; i++) {
        int np2 = -1;
        zt_param p2[ZT_MAX_PARAMS];
        if (!zt_route_match(routes[i].pattern, path, a, p2, &np2)) continue;
        check_params(routes[i].pattern, path, p2, np2);
        any = 1;
        if (strcmp(routes[i].method, m) == 0) {
            if (first == NROUTES) first = i;
        } else if (r == ZT_ROUTE_NO_METHOD) {
            FUZZ_CHECK(allow != NULL && listed(allow, routes[i].method));
        }
    }
    if (first < NROUTES) {
        FUZZ_CHECK(r == ZT_ROUTE_FOUND && index == first);
        check_params(routes[index].pattern, path, params, np);
    } else if (any) {
        FUZZ_CHECK(r == ZT_ROUTE_NO_METHOD && allow != NULL && !listed(allow, m));
        /* every entry of Allow is a method of a route matching the path */
        for (const char *p = allow; p; p = strstr(p, ", "), p = p ? p + 2 : NULL) {
            nallow++;
            int found = 0;
            for (size_t i = 0; i < NROUTES && !found; i++) {
                size_t n = strlen(routes[i].method);
                found = strncmp(p, routes[i].method, n) == 0 && (p[n] == ',' || p[n] == '\0') &&
                        zt_route_match(routes[i].pattern, path, a, NULL, NULL);
            }
            FUZZ_CHECK(found);
        }
        FUZZ_CHECK(nallow >= 1 && nallow <= 5);
    } else {
        FUZZ_CHECK(r == ZT_ROUTE_NO_PATH);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    char *s = fuzz_cstr(data + 1, size - 1);
    zt_arena a;
    zt_arena_init(&a);

    char *nl = strchr(s, '\n');
    if (nl) *nl = '\0';
    check_find(method, s, &a);
    if (nl) {
        /* s is a pattern, nl + 1 a path */
        zt_param params[ZT_MAX_PARAMS];
        int np = -1;
        if (zt_route_match(s, nl + 1, &a, params, &np)) check_params(s, nl + 1, params, np);
        FUZZ_CHECK(zt_route_match(s, nl + 1, &a, NULL, NULL) == zt_route_match(s, nl + 1, &a, params, &np));
        check_find(method, nl + 1, &a);
    }
    zt_arena_free(&a);
    free(s);
    return 0;
}
