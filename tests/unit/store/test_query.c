/* test_query.c - statements with optional filters, values always bound
 * (src/store/query.c), run against a real SQLite file in a temporary
 * directory through src/store/sqlite.c.
 *
 * The fixture is ten regions whose names carry the LIKE wildcards % and _
 * and the escape character itself; the expected matches of every search are
 * worked out by hand from that table below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "store/query.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/zt-query-test-XXXXXX";
static zt_store *store;
static zt_arena arena;

/* code, name, level */
static const struct {
    const char *code, *name;
    int level;
} fixture[] = {
    {"100001", "500", 1},      {"100002", "50%", 1},   {"100003", "50%折扣", 1}, {"100004", "5_0", 1},
    {"100005", "5x0", 1},      {"100006", "a\\b", 2},  {"100007", "ab", 2},      {"100008", "政务服务中心", 2},
    {"100009", "服务大厅", 2}, {"100010", "Upper", 2},
};
#define NFIX (sizeof fixture / sizeof fixture[0])

static zt_err load_fixture(zt_db *db, void *arg, zt_error *e) {
    for (size_t i = 0; i < NFIX; i++) {
        zt_stmt *st = zt_db_prepare(db,
                                    "INSERT INTO regions (code, name, level, created_at, updated_at)"
                                    " VALUES (?, ?, ?, 0, 0)",
                                    e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_text(st, 1, fixture[i].code);
        zt_bind_text(st, 2, fixture[i].name);
        zt_bind_int(st, 3, fixture[i].level);
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
    }
    return ZT_OK;
}

static int group_setup(void **state) {
    if (!mkdtemp(tmpdir)) return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/query.db", tmpdir);
    zt_store_options o = {.path = path};
    zt_error e = {0};
    if (zt_store_open(&o, &store, &e)) {
        fprintf(stderr, "open: %s\n", e.message);
        return -1;
    }
    if (zt_store_write(store, load_fixture, NULL, &e)) {
        fprintf(stderr, "fixture: %s\n", e.message);
        return -1;
    }
    zt_arena_init(&arena);
    return 0;
}

static int group_teardown(void **state) {
    zt_arena_free(&arena);
    zt_store_close(store);
    remove_tree(tmpdir);
    return 0;
}

static int test_teardown(void **state) {
    zt_db_release(zt_store_reader(store));
    zt_arena_reset(&arena);
    return 0;
}

/* Codes of the rows a filter selects, comma-separated, in code order. */
static const char *codes_where(const zt_qb *filter) {
    zt_qb q;
    zt_qb_wrap(&q, "SELECT code FROM regions WHERE ", filter, " ORDER BY code");
    zt_error e = {0};
    zt_db *db = zt_store_reader(store);
    zt_stmt *st = zt_qb_prepare(&q, db, &e);
    if (!st) fail_msg("prepare %s: %s", q.sql, e.message);
    const char *out = "";
    zt_err rc;
    while ((rc = zt_step(st, &e)) == ZT_ROW)
        out = zt_arena_printf(&arena, "%s%s%s", out, *out ? "," : "", zt_col_text(st, 0));
    assert_int_equal(rc, ZT_DONE);
    zt_db_release(db);
    return out;
}

static const char *search(const char *term, const char *const *cols) {
    zt_qb q;
    zt_qb_init(&q, &arena, "1 = 1");
    zt_qb_search(&q, term, cols);
    return codes_where(&q);
}

static const char *const by_name[] = {"name", NULL};
static const char *const by_name_code[] = {"name", "code", NULL};

static void search_escapes_wildcards(void **state) {
    /* % and _ are literal: "50%" must not match "500", "5_0" not "5x0" */
    assert_string_equal(search("50%", by_name), "100002,100003");
    assert_string_equal(search("%", by_name), "100002,100003");
    assert_string_equal(search("5_0", by_name), "100004");
    assert_string_equal(search("_", by_name), "100004");
    /* the escape character itself is literal too */
    assert_string_equal(search("a\\b", by_name), "100006");
    assert_string_equal(search("\\", by_name), "100006");
    /* plain substrings, Chinese included */
    assert_string_equal(search("50", by_name), "100001,100002,100003");
    assert_string_equal(search("服务", by_name), "100008,100009");
    assert_string_equal(search("折扣", by_name), "100003");
    assert_string_equal(search("ab", by_name), "100007");
    assert_string_equal(search("nothing", by_name), "");
    /* an empty term matches everything */
    assert_string_equal(search("", by_name), "100001,100002,100003,100004,100005,100006,100007,100008,100009,100010");
    /* a quote in the term is data, not SQL */
    assert_string_equal(search("' OR 1=1 --", by_name), "");
}

static void search_sql_and_values(void **state) {
    zt_qb q;
    zt_qb_init(&q, &arena, "level = ?");
    zt_qb_int(&q, 2);
    zt_qb_search(&q, "5_%", by_name_code);
    assert_string_equal(q.sql, "level = ? AND (name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\')");
    assert_int_equal(q.n, 3);
    assert_int_equal(q.v[0].is_text, 0);
    assert_int_equal(q.v[0].i, 2);
    assert_int_equal(q.v[1].is_text, 1);
    assert_string_equal(q.v[1].s, "%5\\_\\%%");
    assert_int_equal(q.v[2].is_text, 1);
    assert_string_equal(q.v[2].s, "%5\\_\\%%");

    /* several columns: any may match */
    assert_string_equal(search("10001", by_name_code), "100010");
    assert_string_equal(search("upper", by_name_code), "100010"); /* ASCII LIKE ignores case */
    assert_string_equal(search("0%", by_name_code), "100002,100003");
}

static void values_bound_in_order(void **state) {
    zt_qb q;
    zt_qb_init(&q, &arena, "SELECT ? || '|' || ? || '|' || ?");
    zt_qb_text(&q, "甲");
    zt_qb_int(&q, -2);
    zt_qb_text(&q, "c");
    zt_error e = {0};
    zt_db *db = zt_store_reader(store);
    zt_stmt *st = zt_qb_prepare(&q, db, &e);
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_string_equal(zt_col_text(st, 0), "甲|-2|c");
    zt_db_release(db);

    /* a range: swapping the two values would select nothing */
    zt_qb f;
    zt_qb_init(&f, &arena, "code >= ?");
    zt_qb_text(&f, "100003");
    zt_qb_sql(&f, " AND code < ?");
    zt_qb_text(&f, "100006");
    assert_string_equal(f.sql, "code >= ? AND code < ?");
    assert_string_equal(codes_where(&f), "100003,100004,100005");

    /* a NULL text binds NULL */
    zt_qb n;
    zt_qb_init(&n, &arena, "SELECT ? IS NULL");
    zt_qb_text(&n, NULL);
    st = zt_qb_prepare(&n, db, &e);
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_col_int(st, 0), 1);
    zt_db_release(db);
}

static void wrap_keeps_filter(void **state) {
    zt_qb f, w;
    zt_qb_init(&f, &arena, "level = ?");
    zt_qb_int(&f, 1);
    zt_qb_wrap(&w, "SELECT count(*) FROM regions WHERE ", &f, " AND 1");
    assert_string_equal(w.sql, "SELECT count(*) FROM regions WHERE level = ? AND 1");
    assert_int_equal(w.n, 1);
    assert_int_equal(w.v[0].i, 1);
    /* the filter is unchanged and still usable */
    assert_string_equal(f.sql, "level = ?");
    assert_int_equal(f.n, 1);
    /* adding to the wrapped copy does not touch the filter */
    zt_qb_int(&w, 9);
    assert_int_equal(f.n, 1);
    assert_string_equal(codes_where(&f), "100001,100002,100003,100004,100005");
}

typedef struct {
    const char *codes;
    int rows;
} collect;

static void collect_row(zt_stmt *st, void *ctx) {
    collect *c = ctx;
    c->codes =
        zt_arena_printf(&arena, "%s%s%s:%s", c->codes, *c->codes ? "," : "", zt_col_text(st, 0), zt_col_text(st, 1));
    c->rows++;
}

static zt_err list(const zt_qb *f, const char *order, int64_t limit, int64_t offset, collect *c, int64_t *total) {
    c->codes = "";
    c->rows = 0;
    *total = -1;
    zt_error e = {0};
    zt_err rc =
        zt_qb_list(zt_store_reader(store), f, "code, name", "regions", order, limit, offset, collect_row, c, total, &e);
    zt_db_release(zt_store_reader(store));
    return rc;
}

static void list_count_page_order(void **state) {
    zt_qb f;
    zt_qb_init(&f, &arena, "level = ?");
    zt_qb_int(&f, 2);
    collect c;
    int64_t total;

    assert_int_equal(list(&f, "ORDER BY code DESC", 2, 1, &c, &total), ZT_OK);
    assert_int_equal(total, 5); /* all of level 2, not just the page */
    assert_int_equal(c.rows, 2);
    assert_string_equal(c.codes, "100009:服务大厅,100008:政务服务中心");

    assert_int_equal(list(&f, "ORDER BY code", 2, 0, &c, &total), ZT_OK);
    assert_int_equal(total, 5);
    assert_string_equal(c.codes, "100006:a\\b,100007:ab");

    /* the last, partial page and a page past the end */
    assert_int_equal(list(&f, "ORDER BY code", 2, 4, &c, &total), ZT_OK);
    assert_string_equal(c.codes, "100010:Upper");
    assert_int_equal(list(&f, "ORDER BY code", 2, 10, &c, &total), ZT_OK);
    assert_int_equal(total, 5);
    assert_int_equal(c.rows, 0);

    /* the filter's values, the search's and LIMIT/OFFSET, all in order */
    zt_qb_search(&f, "服务", by_name);
    assert_int_equal(list(&f, "ORDER BY code DESC", 1, 0, &c, &total), ZT_OK);
    assert_int_equal(total, 2);
    assert_string_equal(c.codes, "100009:服务大厅");
    assert_int_equal(list(&f, "ORDER BY code DESC", 1, 1, &c, &total), ZT_OK);
    assert_string_equal(c.codes, "100008:政务服务中心");

    /* a text range with a search: 50% matches 100002 and 100003, range keeps 100003 */
    zt_qb g;
    zt_qb_init(&g, &arena, "code >= ? AND code <= ?");
    zt_qb_text(&g, "100003");
    zt_qb_text(&g, "100010");
    zt_qb_search(&g, "50%", by_name);
    assert_int_equal(list(&g, "ORDER BY code", 20, 0, &c, &total), ZT_OK);
    assert_int_equal(total, 1);
    assert_string_equal(c.codes, "100003:50%折扣");
    /* list does not add to the caller's filter */
    assert_int_equal(g.n, 3);
}

static void list_bad_sql(void **state) {
    zt_qb f;
    zt_qb_init(&f, &arena, "no_such_column = ?");
    zt_qb_int(&f, 1);
    collect c;
    int64_t total;
    assert_int_equal(list(&f, "ORDER BY code", 10, 0, &c, &total), ZT_EINTERNAL);
    assert_int_equal(c.rows, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(search_escapes_wildcards, test_teardown),
        cmocka_unit_test_teardown(search_sql_and_values, test_teardown),
        cmocka_unit_test_teardown(values_bound_in_order, test_teardown),
        cmocka_unit_test_teardown(wrap_keeps_filter, test_teardown),
        cmocka_unit_test_teardown(list_count_page_order, test_teardown),
        cmocka_unit_test_teardown(list_bad_sql, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
