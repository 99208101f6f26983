/* test_clock.c - the legal clock (src/flow/clock.c), table-wise: the cases
 * of tests/unit/flow/clock.tests (events, then the deadlines they give) on
 * the calendar of $ZT_DATA_DIR/calendar.tsv; and the extension bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "flow/clock.h"

static zt_calendar *cal;

static const char *data_dir(void) {
    const char *d = getenv("ZT_DATA_DIR");
    return d && *d ? d : "data";
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int setup(void **state) {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    char path[512], err[256];
    size_t len;
    snprintf(path, sizeof path, "%s/calendar.tsv", data_dir());
    char *text = slurp(path, &len);
    cal = zt_cal_new();
    int n = zt_cal_load_tsv(cal, text, len, err, sizeof err);
    free(text);
    if (n < 0) fail_msg("%s: %s", path, err);
    return 0;
}

static int teardown(void **state) {
    zt_cal_free(cal);
    return 0;
}

static zt_day day(const char *where, const char *s) {
    zt_day d;
    if (!s || zt_day_parse(s, &d)) fail_msg("%s: not a day: %s", where, s ? s : "(none)");
    return d;
}

/* 10:00 of a day, as the cases say */
static int64_t ten(zt_day d) { return zt_day_start(d) + 10 * 3600; }

static long num(const char *where, const char *s) {
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || *end) fail_msg("%s: not a number: %s", where, s ? s : "(none)");
    return v;
}

static void expect_day(const char *where, const char *what, zt_day got, const char *want) {
    char t[11];
    zt_day_format(got, t);
    if (strcmp(t, want)) fail_msg("%s: %s is %s, want %s", where, what, t, want);
}

static void expect_num(const char *where, const char *what, long got, const char *want) {
    if (got != num(where, want)) fail_msg("%s: %s is %ld, want %s", where, what, got, want);
}

/* One case: the lines of a paragraph. */
typedef struct {
    zt_lclock c;
    int64_t submitted;
    int last_resume, last_accept, last_suspend;
    char title[256];
} run;

static void line(run *r, char *text, int lineno) {
    char where[320];
    snprintf(where, sizeof where, "clock.tests:%d (%.200s)", lineno, r->title);
    char *save = NULL, *cmd = strtok_r(text, " ", &save);
    char *a = strtok_r(NULL, " ", &save), *b = strtok_r(NULL, " ", &save), *c = strtok_r(NULL, " ", &save);
    if (!strcmp(cmd, "limits")) {
        zt_lclock_init(&r->c, (int)num(where, a), (int)num(where, b));
    } else if (!strcmp(cmd, "accept")) {
        zt_day d = day(where, a);
        r->last_accept = zt_lclock_accept(&r->c, d, ten(d));
    } else if (!strcmp(cmd, "submitted")) {
        r->submitted = ten(day(where, a));
    } else if (!strcmp(cmd, "supplement")) {
        zt_lclock_supplement(&r->c, cal, r->submitted, ten(day(where, a)), b ? (int)num(where, b) : 5);
    } else if (!strcmp(cmd, "suspend")) {
        zt_day d = day(where, a);
        r->last_suspend = zt_lclock_suspend(&r->c, d, ten(d), (int)num(where, b));
    } else if (!strcmp(cmd, "resume")) {
        zt_day d = day(where, a);
        r->last_resume = zt_lclock_resume(&r->c, cal, d, ten(d));
    } else if (!strcmp(cmd, "expect")) {
        if (!strcmp(a, "promised"))
            expect_day(where, a, zt_lclock_due(&r->c, cal, r->c.promised), b);
        else if (!strcmp(a, "legal"))
            expect_day(where, a, zt_lclock_due(&r->c, cal, r->c.legal), b);
        else if (!strcmp(a, "accept_day"))
            expect_day(where, a, r->c.accept_day, b);
        else if (!strcmp(a, "not_counted"))
            expect_num(where, a, r->c.not_counted, b);
        else if (!strcmp(a, "deemed"))
            expect_num(where, a, r->c.deemed, b);
        else if (!strcmp(a, "running"))
            expect_num(where, a, zt_lclock_running(&r->c) != NULL, b);
        else if (!strcmp(a, "resumed"))
            expect_num(where, a, r->last_resume, b);
        else if (!strcmp(a, "accepted"))
            expect_num(where, a, r->last_accept, b);
        else if (!strcmp(a, "suspended"))
            expect_num(where, a, r->last_suspend, b);
        else if (!strcmp(a, "moment")) {
            int64_t m = zt_lclock_moment(&r->c, cal, (int)num(where, b));
            if (m != zt_day_start(day(where, c))) fail_msg("%s: moment %s is not the start of %s", where, b, c);
        } else if (!strcmp(a, "special_moment")) {
            const zt_lclock_special *s = r->c.nspecial ? &r->c.special[r->c.nspecial - 1] : NULL;
            if (!s) fail_msg("%s: no special procedure", where);
            int64_t m = zt_lclock_special_moment(s, cal, (int)num(where, b));
            if (m != zt_day_start(day(where, c))) fail_msg("%s: special moment %s is not the start of %s", where, b, c);
        } else if (!strcmp(a, "elapsed"))
            expect_num(where, a, zt_lclock_elapsed(&r->c, cal, day(where, b)), c);
        else if (!strcmp(a, "covered"))
            expect_num(where, a, zt_lclock_covered(cal, day(where, b)), c);
        else
            fail_msg("%s: unknown expectation %s", where, a);
    } else {
        fail_msg("%s: unknown command %s", where, cmd);
    }
}

static void table(void **state) {
    size_t len;
    char *text = slurp("tests/unit/flow/clock.tests", &len);
    run r;
    int lineno = 0, cases = 0, expects = 0, in_case = 0;
    for (char *l = text, *next; l && *l; l = next) {
        next = strchr(l, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (l[0] == '#' || l[0] == 0) continue;
        if (!strncmp(l, "case ", 5)) {
            memset(&r, 0, sizeof r);
            snprintf(r.title, sizeof r.title, "%s", l + 5);
            cases++;
            in_case = 1;
            continue;
        }
        if (!in_case) fail_msg("clock.tests:%d: a line before the first case", lineno);
        if (!strncmp(l, "expect ", 7)) expects++;
        line(&r, l, lineno);
    }
    free(text);
    /* the table is the test: it must not shrink to nothing unnoticed */
    assert_true(cases >= 10);
    assert_true(expects >= 50);
}

/* 延长审查期限 is bounded by the item's legal extension; other special
 * procedures (hearings, testing, expert review) by their own days. */
static void extension_bound(void **state) {
    zt_error e = {0};
    assert_int_equal(zt_lclock_check_special(ZT_LCLOCK_EXTENSION, 10, 10, &e), ZT_OK);
    assert_int_equal(zt_lclock_check_special(ZT_LCLOCK_EXTENSION, 11, 10, &e), ZT_EINVAL);
    assert_string_equal(e.field, "days");
    assert_non_null(strstr(e.message, "第四十二条"));
    assert_int_equal(zt_lclock_check_special(ZT_LCLOCK_EXTENSION, 60, 20, &e), ZT_EINVAL);
    assert_int_equal(zt_lclock_check_special("听证", 60, 10, &e), ZT_OK);
    assert_int_equal(zt_lclock_check_special(NULL, 60, 10, &e), ZT_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(extension_bound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
