/* test_router.c - path patterns with {param} segments and the choice of a
 * route (src/http/router.c).
 *
 * Expectations come from the contract in router.h and from HTTP itself
 * (RFC 9110: HEAD is answered like GET; 405 carries the methods the path
 * accepts, each once), written out literally here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/router.h"

static zt_arena arena;

static int setup(void **state) {
    zt_arena_init(&arena);
    return 0;
}

static int teardown(void **state) {
    zt_arena_free(&arena);
    return 0;
}

/* match without parameters of interest: returns the result only */
static int m(const char *pattern, const char *path) {
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    return zt_route_match(pattern, path, &arena, p, &n);
}

static void literal_segments(void **state) {
    assert_int_equal(m("/api/regions", "/api/regions"), 1);
    assert_int_equal(m("/", "/"), 1);
    assert_int_equal(m("/api/regions", "/api/region"), 0);
    assert_int_equal(m("/api/region", "/api/regions"), 0);
    assert_int_equal(m("/api/regions", "/api/regions/x"), 0);
    assert_int_equal(m("/api/regions/x", "/api/regions"), 0);
    assert_int_equal(m("/api/regions", "/API/regions"), 0); /* case matters */
    assert_int_equal(m("/api/regions", "api/regions"), 0);  /* a path starts with a slash */
    assert_int_equal(m("/api/regions", ""), 0);

    /* no parameters: *nparams is set to 0 on a match */
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    assert_int_equal(zt_route_match("/api/regions", "/api/regions", &arena, p, &n), 1);
    assert_int_equal(n, 0);
}

static void params_extracted(void **state) {
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    assert_int_equal(
        zt_route_match("/api/departments/{id}/staff/{login}", "/api/departments/42/staff/wang.li", &arena, p, &n), 1);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].name, "id");
    assert_string_equal(p[0].value, "42");
    assert_string_equal(p[1].name, "login");
    assert_string_equal(p[1].value, "wang.li");

    /* parameter as the last segment and at the very start */
    assert_int_equal(zt_route_match("/{a}", "/x", &arena, p, &n), 1);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].name, "a");
    assert_string_equal(p[0].value, "x");

    /* params and nparams may be NULL (the router's first pass) */
    assert_int_equal(zt_route_match("/api/departments/{id}", "/api/departments/7", &arena, NULL, NULL), 1);
}

static void params_chinese_values(void **state) {
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    /* 北京市 is 9 bytes of UTF-8; the value must be copied whole */
    assert_int_equal(
        zt_route_match("/api/regions/{name}/halls/{hall}", "/api/regions/北京市/halls/政务服务中心", &arena, p, &n), 1);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].value, "\xe5\x8c\x97\xe4\xba\xac\xe5\xb8\x82"); /* 北京市 */
    assert_int_equal(strlen(p[0].value), 9);
    assert_string_equal(p[1].value, "政务服务中心");
    /* a Chinese literal segment compares byte for byte */
    assert_int_equal(m("/帮助/{x}", "/帮助/1"), 1);
    assert_int_equal(m("/帮助/{x}", "/帮手/1"), 0);
}

static void trailing_slash_not_ignored(void **state) {
    assert_int_equal(m("/api/regions", "/api/regions/"), 0);
    assert_int_equal(m("/api/regions/", "/api/regions"), 0);
    assert_int_equal(m("/api/regions/", "/api/regions/"), 1);
    assert_int_equal(m("/api/regions/{code}", "/api/regions/110000/"), 0);
}

static void empty_segment_is_not_a_param(void **state) {
    assert_int_equal(m("/api/regions/{code}", "/api/regions/"), 0);
    assert_int_equal(m("/api/regions/{code}/halls", "/api/regions//halls"), 0);
    assert_int_equal(m("/{a}/{b}", "//x"), 0);
    assert_int_equal(m("/{a}/{b}", "/x/"), 0);
    /* but a literal pattern with an empty segment matches the same empty segment */
    assert_int_equal(m("/a//b", "/a//b"), 1);
}

static void too_many_params(void **state) {
    zt_param p[ZT_MAX_PARAMS + 1];
    int n = -1;
    /* exactly ZT_MAX_PARAMS (8): fine, all filled */
    assert_int_equal(ZT_MAX_PARAMS, 8);
    assert_int_equal(zt_route_match("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "/1/2/3/4/5/6/7/8", &arena, p, &n), 1);
    assert_int_equal(n, 8);
    assert_string_equal(p[0].name, "a");
    assert_string_equal(p[7].name, "h");
    assert_string_equal(p[7].value, "8");

    /* one more: refused rather than written past the array (ASan checks the
     * array of exactly ZT_MAX_PARAMS below) */
    zt_param exact[ZT_MAX_PARAMS];
    n = -1;
    assert_int_equal(zt_route_match("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "/1/2/3/4/5/6/7/8/9", &arena, exact, &n),
                     0);
    assert_int_equal(n, -1);
}

static void braces_only_whole_segment(void **state) {
    /* "{id}.json" is not a parameter segment: it is compared literally */
    assert_int_equal(m("/files/{id}.json", "/files/7.json"), 0);
    assert_int_equal(m("/files/{id}.json", "/files/{id}.json"), 1);
}

/* --- zt_route_find ---------------------------------------------------- */

static zt_err h(zt_req *r, zt_error *e) { return ZT_OK; }

static const zt_route table[] = {
    {"GET", "/api/regions/tree", h, ZT_PUBLIC, ""},           /* 0: before the {code} route on purpose */
    {"GET", "/api/regions/{code}", h, ZT_PUBLIC, ""},         /* 1 */
    {"PUT", "/api/regions/{code}", h, ZT_PUBLIC, ""},         /* 2 */
    {"DELETE", "/api/regions/{code}", h, ZT_PUBLIC, ""},      /* 3 */
    {"PUT", "/api/regions/tree", h, ZT_PUBLIC, ""},           /* 4: PUT again for the tree path */
    {"POST", "/api/regions", h, ZT_PUBLIC, ""},               /* 5 */
    {"GET", "/api/regions", h, ZT_PUBLIC, ""},                /* 6 */
    {"PATCH", "/api/regions/{code}", h, ZT_PUBLIC, ""},       /* 7 */
    {"POST", "/api/regions/{code}/retire", h, ZT_PUBLIC, ""}, /* 8 */
};
#define NT (sizeof table / sizeof table[0])
static const zt_route *routes[NT];

static int setup_table(void **state) {
    for (size_t i = 0; i < NT; i++) routes[i] = &table[i];
    return setup(state);
}

static zt_route_result find(const char *method, const char *path, size_t *idx, zt_param *p, int *n, char **allow) {
    return zt_route_find(routes, NT, method, path, &arena, idx, p, n, allow);
}

static void find_first_match_wins(void **state) {
    size_t idx = 99;
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    char *allow = NULL;
    assert_int_equal(find("GET", "/api/regions/tree", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 0);
    assert_int_equal(n, 0);

    assert_int_equal(find("GET", "/api/regions/110000", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 1);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].name, "code");
    assert_string_equal(p[0].value, "110000");

    /* PUT /api/regions/tree: the {code} route (2) comes before the literal (4) */
    assert_int_equal(find("PUT", "/api/regions/tree", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 2);
    assert_string_equal(p[0].value, "tree");

    assert_int_equal(find("POST", "/api/regions/110000/retire", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 8);
    assert_string_equal(p[0].value, "110000");

    assert_int_equal(find("POST", "/api/regions", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 5);
    assert_int_equal(find("GET", "/api/regions", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 6);
}

static void find_no_path(void **state) {
    size_t idx = 99;
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    char *allow = NULL;
    assert_int_equal(find("GET", "/api/nothing", &idx, p, &n, &allow), ZT_ROUTE_NO_PATH);
    assert_int_equal(find("GET", "/api/regions/", &idx, p, &n, &allow), ZT_ROUTE_NO_PATH);
    assert_int_equal(find("DELETE", "/api/regions/1/retire/x", &idx, p, &n, &allow), ZT_ROUTE_NO_PATH);
    assert_int_equal(idx, 99);
    assert_null(allow);
}

static void find_no_method_allow_list(void **state) {
    size_t idx = 99;
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    char *allow = NULL;
    /* /api/regions/110000 accepts GET, PUT, DELETE, PATCH (routes 1,2,3,7) */
    assert_int_equal(find("POST", "/api/regions/110000", &idx, p, &n, &allow), ZT_ROUTE_NO_METHOD);
    assert_non_null(allow);
    assert_string_equal(allow, "GET, PUT, DELETE, PATCH");

    /* /api/regions/tree matches 0 (GET), 1 (GET), 2 (PUT), 3 (DELETE), 4 (PUT),
     * 7 (PATCH): each method once, in route order */
    allow = NULL;
    assert_int_equal(find("POST", "/api/regions/tree", &idx, p, &n, &allow), ZT_ROUTE_NO_METHOD);
    assert_string_equal(allow, "GET, PUT, DELETE, PATCH");

    allow = NULL;
    assert_int_equal(find("DELETE", "/api/regions", &idx, p, &n, &allow), ZT_ROUTE_NO_METHOD);
    assert_string_equal(allow, "POST, GET");

    allow = NULL;
    assert_int_equal(find("GET", "/api/regions/110000/retire", &idx, p, &n, &allow), ZT_ROUTE_NO_METHOD);
    assert_string_equal(allow, "POST");

    /* allow may be NULL */
    assert_int_equal(find("OPTIONS", "/api/regions", &idx, p, &n, NULL), ZT_ROUTE_NO_METHOD);
    assert_int_equal(idx, 99);
}

static void find_head_served_by_get(void **state) {
    size_t idx = 99;
    zt_param p[ZT_MAX_PARAMS];
    int n = -1;
    char *allow = NULL;
    assert_int_equal(find("HEAD", "/api/regions/110000", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 1);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].value, "110000");
    assert_int_equal(find("HEAD", "/api/regions/tree", &idx, p, &n, &allow), ZT_ROUTE_FOUND);
    assert_int_equal(idx, 0);
    /* HEAD where there is no GET: 405 listing what the path has */
    assert_int_equal(find("HEAD", "/api/regions/1/retire", &idx, p, &n, &allow), ZT_ROUTE_NO_METHOD);
    assert_string_equal(allow, "POST");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_segments),
        cmocka_unit_test(params_extracted),
        cmocka_unit_test(params_chinese_values),
        cmocka_unit_test(trailing_slash_not_ignored),
        cmocka_unit_test(empty_segment_is_not_a_param),
        cmocka_unit_test(too_many_params),
        cmocka_unit_test(braces_only_whole_segment),
        cmocka_unit_test(find_first_match_wins),
        cmocka_unit_test(find_no_path),
        cmocka_unit_test(find_no_method_allow_list),
        cmocka_unit_test(find_head_served_by_get),
    };
    return cmocka_run_group_tests(tests, setup_table, teardown);
}
