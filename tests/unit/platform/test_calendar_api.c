/* test_calendar_api.c - the calendar's changes in the database
 * (src/platform/calendar_api.c): an import or a day set or unset runs the
 * calendar-change hook inside its own write, with the live calendar already
 * changed and a Chinese reason; a failing hook rolls the change back, in the
 * database and in memory.
 *
 * Each test opens a fresh database (migrations applied by the store) in a
 * temporary directory removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "platform/platform.h"

static char tmpdir[] = "/tmp/zt-calapi-test-XXXXXX";

static int group_setup(void **state) {
    setenv("TZ", "Asia/Shanghai", 1);
    zt_log_set_level(ZT_LOG_WARN); /* the migrations of every fresh database */
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
    remove_tree(tmpdir);
    return 0;
}

/* what the hook saw */
static struct {
    int calls;
    char why[512];
    int covered_2027;        /* the live calendar covered 2027 during the call */
    int same_cal;            /* the hook was given the live calendar */
    int working_0615;        /* 2026-06-15 was a working day during the call */
    int64_t years_in_write;  /* calendar_years rows the write's connection saw */
    int64_t years_committed; /* ... and a reader, outside the write, saw */
    zt_err fail;             /* what the hook returns */
} seen;

static zt_app app;

/* One integer; release: a reader's snapshot ends (never the writer's). */
static int64_t count_on(zt_db *db, const char *sql, int release) {
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(db, sql, &e);
    if (!st) fail_msg("%s: %s", sql, e.message);
    int64_t n = zt_step(st, &e) == ZT_ROW ? zt_col_int(st, 0) : -1;
    if (release) zt_db_release(db);
    return n;
}

static int64_t count(zt_db *db, const char *sql) { return count_on(db, sql, 1); }

static zt_err hook(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e) {
    seen.calls++;
    snprintf(seen.why, sizeof seen.why, "%s", why);
    seen.covered_2027 = zt_cal_covers(cal, 2027); /* the calendar the hook is given: the live one, changed */
    seen.same_cal = cal == app.cal;
    seen.working_0615 = zt_cal_is_working(cal, zt_day_from_ymd(2026, 6, 15), NULL, NULL, 0);
    seen.years_in_write = count_on(db, "SELECT count(*) FROM calendar_years", 0);
    seen.years_committed = count(zt_store_reader(app.store), "SELECT count(*) FROM calendar_years");
    if (seen.fail) return zt_fail(e, seen.fail, NULL, "监察重新评估失败（测试）");
    return ZT_OK;
}

static int setup(void **state) {
    static int n;
    char path[256];
    snprintf(path, sizeof path, "%s/t%d.db", tmpdir, n++);
    zt_store_options o = {.path = path};
    zt_error e = {0};
    memset(&app, 0, sizeof app);
    if (zt_store_open(&o, &app.store, &e)) fail_msg("zt_store_open: %s", e.message);
    app.cal = zt_cal_new();
    memset(&seen, 0, sizeof seen);
    zt_platform_on_calendar_change(hook);
    return 0;
}

static int teardown(void **state) {
    zt_platform_on_calendar_change(NULL);
    zt_store_close(app.store);
    zt_cal_free(app.cal);
    return 0;
}

static zt_err import(const char *text, zt_error *e) {
    return zt_calendar_import(&app, text, strlen(text), "test.tsv", NULL, NULL, e);
}

static const char Y2026[] = "year\t2026\n2026-10-01\tholiday\t国庆节\n";
/* a test fixture, not the State Council's schedule */
static const char Y2027[] = "year\t2027\n2027-01-01\tholiday\t元旦\n2027-02-20\tmakeup\t春节\n";

static void import_runs_the_hook_inside_its_write(void **state) {
    zt_error e = {0};
    assert_int_equal(import(Y2026, &e), ZT_OK);
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.why, "导入 2026 年工作日历");
    assert_int_equal(import(Y2027, &e), ZT_OK);
    assert_int_equal(seen.calls, 2);
    assert_string_equal(seen.why, "导入 2027 年工作日历");
    /* during the call the live calendar was the new one, and the write's
     * connection saw its own rows, not committed yet */
    assert_true(seen.same_cal);
    assert_true(seen.covered_2027);
    assert_int_equal(seen.years_in_write, 2);
    assert_int_equal(seen.years_committed, 1);
    assert_true(zt_cal_covers(app.cal, 2027));
    assert_false(zt_cal_is_working(app.cal, zt_day_from_ymd(2027, 1, 1), NULL, NULL, 0));
    /* several years at once, in ranges */
    assert_int_equal(import("year\t2005\nyear\t2004\nyear\t2007\n", &e), ZT_OK);
    assert_string_equal(seen.why, "导入 2004 至 2005、2007 年工作日历");
    assert_int_equal(import("2026-06-15\tholiday\t市庆\n", &e), ZT_OK);
    assert_string_equal(seen.why, "导入工作日历中的 1 个日期（不含整年）");
    /* a file refused before any write runs nothing */
    assert_int_equal(import("year\t2028\n2028-01-03\tmakeup\tx\n", &e), ZT_EINVAL);
    assert_int_equal(seen.calls, 4);
}

static void set_and_unset_run_the_hook(void **state) {
    zt_error e = {0};
    assert_int_equal(import(Y2026, &e), ZT_OK);
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-15", "holiday", "市庆", &e), ZT_OK);
    assert_string_equal(seen.why, "设置 2026-06-15 为节假日（市庆）");
    assert_false(seen.working_0615); /* the live calendar had the holiday already */
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-15", NULL, NULL, &e), ZT_OK);
    assert_string_equal(seen.why, "取消 2026-06-15 的本地安排：节假日（市庆）");
    assert_true(seen.working_0615);
    /* a local change of an official day, then removed: the official one is back */
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-10-01", "holiday", "市庆", &e), ZT_OK);
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-10-01", NULL, NULL, &e), ZT_OK);
    assert_string_equal(seen.why, "取消 2026-10-01 的本地安排：节假日（市庆），恢复国务院安排：节假日（国庆节）");
    char name[64];
    zt_cal_is_working(app.cal, zt_day_from_ymd(2026, 10, 1), NULL, name, sizeof name);
    assert_string_equal(name, "国庆节");
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-20", "makeup", "补班", &e), ZT_OK);
    assert_string_equal(seen.why, "设置 2026-06-20 为调休上班日（补班）");
    assert_int_equal(seen.calls, 6);
    /* refused before the write (a make-up Monday) or inside it (nothing to
     * unset): the hook does not run */
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-15", "makeup", "x", &e), ZT_EINVAL);
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-16", NULL, NULL, &e), ZT_ENOTFOUND);
    assert_int_equal(seen.calls, 6);
}

static void a_failing_hook_undoes_the_change(void **state) {
    zt_error e = {0};
    zt_db *db = zt_store_reader(app.store);
    assert_int_equal(import(Y2026, &e), ZT_OK);
    int64_t audit = count(db, "SELECT count(*) FROM audit_log");
    int64_t entries = count(db, "SELECT count(*) FROM ledger_entries");
    seen.fail = ZT_ECONFLICT;
    /* an import */
    assert_int_equal(import(Y2027, &e), ZT_ECONFLICT);
    assert_string_equal(e.message, "监察重新评估失败（测试）");
    assert_true(seen.covered_2027);             /* the hook saw it ... */
    assert_false(zt_cal_covers(app.cal, 2027)); /* ... and it is gone */
    assert_true(zt_cal_is_working(app.cal, zt_day_from_ymd(2027, 1, 1), NULL, NULL, 0));
    assert_int_equal(count(db, "SELECT count(*) FROM calendar_years WHERE year = 2027"), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM calendar_days WHERE day LIKE '2027-%'"), 0);
    /* a day */
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-15", "holiday", "市庆", &e), ZT_ECONFLICT);
    assert_false(seen.working_0615);
    assert_true(zt_cal_is_working(app.cal, zt_day_from_ymd(2026, 6, 15), NULL, NULL, 0));
    assert_int_equal(count(db, "SELECT count(*) FROM calendar_days WHERE day = '2026-06-15'"), 0);
    /* nothing recorded either */
    assert_int_equal(count(db, "SELECT count(*) FROM audit_log"), audit);
    assert_int_equal(count(db, "SELECT count(*) FROM ledger_entries"), entries);
    /* the same changes go through once the hook agrees */
    seen.fail = ZT_OK;
    assert_int_equal(import(Y2027, &e), ZT_OK);
    assert_true(zt_cal_covers(app.cal, 2027));
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2026-06-15", "holiday", "市庆", &e), ZT_OK);
    assert_false(zt_cal_is_working(app.cal, zt_day_from_ymd(2026, 6, 15), NULL, NULL, 0));
    assert_int_equal(count(db, "SELECT count(*) FROM audit_log"), audit + 2);
}

static void no_hook_no_call(void **state) {
    zt_error e = {0};
    zt_platform_on_calendar_change(NULL);
    assert_int_equal(import(Y2027, &e), ZT_OK);
    assert_int_equal(zt_calendar_set_day(&app, NULL, "2027-06-15", "holiday", "市庆", &e), ZT_OK);
    assert_int_equal(seen.calls, 0);
    assert_true(zt_cal_covers(app.cal, 2027));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(import_runs_the_hook_inside_its_write, setup, teardown),
        cmocka_unit_test_setup_teardown(set_and_unset_run_the_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failing_hook_undoes_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(no_hook_no_call, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
