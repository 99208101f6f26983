/* test_quota.c - quotas (src/auth/quota.c, issue #22 F13): fixed windows
 * from the city's midnight, taken inside a write up to the limit and not
 * beyond (nothing taken by a refusal), Retry-After to the next window, an
 * amount no window holds, 0 = no limit, the read-only check, and pruning.
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

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/log.h"

static char tmpdir[] = "/tmp/zt-quota-test-XXXXXX";
static zt_store *store;

static int group_setup(void **state) {
    setenv("TZ", "Asia/Shanghai", 1);
    zt_log_set_level(ZT_LOG_WARN);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
    remove_tree(tmpdir);
    return 0;
}

static int setup(void **state) {
    static int n;
    char path[256];
    snprintf(path, sizeof path, "%s/q%d.db", tmpdir, n++);
    zt_store_options o = {.path = path};
    zt_error e = {0};
    if (zt_store_open(&o, &store, &e)) fail_msg("zt_store_open: %s", e.message);
    return 0;
}

static int teardown(void **state) {
    zt_store_close(store);
    return 0;
}

/* 2026-03-03 10:30:00 in the city (UTC+8) */
static int64_t at(int h, int m, int s) { return zt_day_start(zt_day_from_ymd(2026, 3, 3)) + h * 3600 + m * 60 + s; }

typedef struct {
    zt_quota q;
    int64_t now, retry;
} take_arg;

static zt_err take_fn(zt_db *db, void *arg, zt_error *e) {
    take_arg *t = arg;
    return zt_quota_take(db, &t->q, t->now, &t->retry, e);
}

/* Take q at now in a write of its own; *retry (may be NULL) the Retry-After. */
static zt_err take(zt_quota q, int64_t now, int64_t *retry, zt_error *e) {
    take_arg t = {q, now, -1};
    zt_err rc = zt_store_write(store, take_fn, &t, e);
    if (retry) *retry = t.retry;
    return rc;
}

static int64_t used(const char *key) {
    zt_db *db = zt_store_reader(store);
    zt_error e = {0};
    zt_stmt *st = zt_db_query(db, &e, "SELECT coalesce(sum(used), 0) FROM quota_usage WHERE quota = ?", ZT_T(key));
    if (!st) fail_msg("%s", e.message);
    int64_t n = zt_step(st, &e) == ZT_ROW ? zt_col_int(st, 0) : -1;
    zt_db_release(db);
    return n;
}

static const zt_quota HOURLY = {"quota.uploads_per_hour", "上传文件数", "user/7", 3600, 3, 1, 0};

static void takes_up_to_the_limit_then_refuses_until_the_next_window(void **state) {
    zt_error e = {0};
    int64_t retry;
    for (int i = 0; i < 3; i++) assert_int_equal(take(HOURLY, at(10, 30, i), NULL, &e), ZT_OK);
    assert_int_equal(take(HOURLY, at(10, 45, 0), &retry, &e), ZT_ETHROTTLED);
    assert_int_equal(retry, 15 * 60); /* the window is 10:00-11:00 */
    assert_string_equal(e.field, "quota.uploads_per_hour");
    assert_non_null(
        strstr(e.message, "上传文件数已达上限（每小时 3，配置项 quota.uploads_per_hour），请 900 秒后再试"));
    assert_int_equal(used("quota.uploads_per_hour:user/7"), 3); /* the refusal took nothing */
    /* another account's count is its own */
    zt_quota other = HOURLY;
    other.who = "user/8";
    assert_int_equal(take(other, at(10, 45, 0), NULL, &e), ZT_OK);
    /* the next hour is a new window */
    assert_int_equal(take(HOURLY, at(11, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(take(HOURLY, at(10, 59, 59), &retry, &e), ZT_ETHROTTLED);
    assert_int_equal(retry, 1);
}

static void days_start_at_the_citys_midnight_and_amounts_add_up(void **state) {
    zt_error e = {0};
    int64_t retry;
    zt_quota q = {"quota.upload_bytes_per_day", "上传文件总量", "user/7", 86400, 3 << 20, 2 << 20, 1};
    assert_int_equal(take(q, at(0, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(take(q, at(23, 0, 0), &retry, &e), ZT_ETHROTTLED);
    assert_int_equal(retry, 3600); /* until midnight in the city, not in UTC */
    assert_non_null(strstr(e.message, "每天 3 MiB"));
    q.amount = 1 << 20; /* what is left of the day still fits */
    assert_int_equal(take(q, at(23, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(used("quota.upload_bytes_per_day:user/7"), 3 << 20);
    q.amount = 2 << 20;
    assert_int_equal(take(q, at(24, 0, 0), NULL, &e), ZT_OK); /* the next day */
    /* an amount above the whole window: 413, whatever is left */
    q.amount = (3 << 20) + 1;
    assert_int_equal(take(q, at(48, 0, 0), NULL, &e), ZT_ETOOLARGE);
    assert_string_equal(e.field, "quota.upload_bytes_per_day");
}

static void no_limit_takes_nothing(void **state) {
    zt_error e = {0};
    zt_quota q = HOURLY;
    q.limit = 0;
    for (int i = 0; i < 10; i++) assert_int_equal(take(q, at(10, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(used("quota.uploads_per_hour:user/7"), 0);
}

static void check_judges_without_taking(void **state) {
    zt_error e = {0};
    int64_t retry = 0;
    zt_db *db = zt_store_reader(store);
    assert_int_equal(zt_quota_check(db, &HOURLY, at(10, 0, 0), &retry, &e), ZT_OK);
    for (int i = 0; i < 3; i++) assert_int_equal(take(HOURLY, at(10, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(zt_quota_check(db, &HOURLY, at(10, 20, 0), &retry, &e), ZT_ETHROTTLED);
    assert_int_equal(retry, 40 * 60);
    assert_int_equal(used("quota.uploads_per_hour:user/7"), 3);
}

static zt_err prune_fn(zt_db *db, void *arg, zt_error *e) {
    int64_t *n = arg;
    return zt_quota_prune(db, at(12, 0, 0), n, e);
}

static void prune_forgets_old_windows(void **state) {
    zt_error e = {0};
    assert_int_equal(take(HOURLY, at(10, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(take(HOURLY, at(11, 0, 0), NULL, &e), ZT_OK);
    assert_int_equal(take(HOURLY, at(12, 0, 0), NULL, &e), ZT_OK);
    int64_t n = -1;
    assert_int_equal(zt_store_write(store, prune_fn, &n, &e), ZT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(used("quota.uploads_per_hour:user/7"), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(takes_up_to_the_limit_then_refuses_until_the_next_window, setup, teardown),
        cmocka_unit_test_setup_teardown(days_start_at_the_citys_midnight_and_amounts_add_up, setup, teardown),
        cmocka_unit_test_setup_teardown(no_limit_takes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(check_judges_without_taking, setup, teardown),
        cmocka_unit_test_setup_teardown(prune_forgets_old_windows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
