/* test_clock.c - RFC 3339 instants and the settable clock (src/base/clock.c).
 *
 * Expected Unix seconds were computed with Python's datetime.fromisoformat,
 * independently of the code under test. The process runs in Asia/Shanghai
 * (UTC+8, no clock changes since 1991), set before the first test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"

static int group_setup(void **state) {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    return 0;
}

static int64_t parse_ok(const char *s) {
    int64_t t = INT64_MIN;
    if (zt_time_parse(s, &t) != 0) fail_msg("zt_time_parse refused \"%s\"", s);
    return t;
}

static void parse_valid(void **state) {
    /* the same instant in three zones */
    assert_int_equal(parse_ok("2026-03-02T09:00:00+08:00"), 1772413200);
    assert_int_equal(parse_ok("2026-03-02T01:00:00Z"), 1772413200);
    assert_int_equal(parse_ok("2026-03-01T19:30:00-05:30"), 1772413200);
    assert_int_equal(parse_ok("2026-03-02T01:00:00+00:00"), 1772413200);
    assert_int_equal(parse_ok("2026-03-02T01:00:00-00:00"), 1772413200);
    /* lower-case t/z and a space separator (RFC 3339 section 5.6 note) */
    assert_int_equal(parse_ok("2026-03-02t01:00:00z"), 1772413200);
    assert_int_equal(parse_ok("2026-03-02 09:00:00+08:00"), 1772413200);
    /* fractions are dropped, whatever their length */
    assert_int_equal(parse_ok("2000-02-29T12:34:56.789+08:00"), 951798896);
    assert_int_equal(parse_ok("2000-02-29T12:34:56.9Z"), 951798896 + 8 * 3600);
    assert_int_equal(parse_ok("2000-02-29T12:34:56.123456789Z"), 951798896 + 8 * 3600);
    /* edges */
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(parse_ok("2026-12-31T23:59:59+08:00"), 1798732799);
    assert_int_equal(parse_ok("2099-06-15T00:00:00Z"), 4085164800);
    assert_int_equal(parse_ok("2026-03-02T00:00:00+23:59"), 1772409600 - 23 * 3600 - 59 * 60);
}

static void parse_invalid(void **state) {
    static const char *const bad[] = {
        "",
        "2026-03-02",
        "2026-03-02T09:00:00",        /* no offset */
        "2026-03-02T09:00:00Zjunk",   /* trailing junk */
        "2026-03-02T09:00:00+08:00 ", /* trailing space */
        "2026-03-02T09:00:00+08:00Z",
        "2026-13-01T00:00:00Z", /* bad month */
        "2026-00-10T00:00:00Z",
        "2026-02-30T00:00:00Z", /* not a real date */
        "2025-02-29T00:00:00Z", /* not a leap year */
        "2026-04-31T00:00:00Z",
        "2026-03-02T24:00:00Z",
        "2026-03-02T09:60:00Z",
        "2026-03-02T09:00:61Z",
        "2026-03-02T9:00:00Z",
        "2026-3-02T09:00:00Z",
        "2026/03/02T09:00:00Z",
        "2026-03-02X09:00:00Z",
        "2026-03-02T09-00-00Z",
        "2026-03-02T09:00:00+0800", /* offset without a colon */
        "2026-03-02T09:00:00+08",
        "2026-03-02T09:00:00+8:00",
        "2026-03-02T09:00:00+24:00",
        "2026-03-02T09:00:00+08:60",
        "2026-03-02T09:00:00.Z", /* empty fraction */
        "2026-03-02T09:00:00,5Z",
        "2026-03-02T09:00:00 Z",
        "２０２６-03-02T09:00:00Z", /* full-width digits */
        " 2026-03-02T09:00:00Z",
        "2026-03-02T09:00:00+08:00\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 12345;
        if (zt_time_parse(bad[i], &t) != -1) fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(t, 12345); /* not written */
    }
    int64_t t = 12345;
    assert_int_equal(zt_time_parse(NULL, &t), -1);
}

static void format_local(void **state) {
    char out[32];
    zt_time_format(1772413200, out);
    assert_string_equal(out, "2026-03-02T09:00:00+08:00");
    zt_time_format(0, out);
    assert_string_equal(out, "1970-01-01T08:00:00+08:00");
    zt_time_format(1798732799, out);
    assert_string_equal(out, "2026-12-31T23:59:59+08:00");
    zt_time_format(1700000000, out);
    assert_string_equal(out, "2023-11-15T06:13:20+08:00");
    /* the output fits the 32-byte contract with its NUL */
    assert_true(strlen(out) < 32);
}

static void format_negative_half_hour_zone(void **state) {
    /* St. John's: -03:30 in winter, -02:30 in summer (checked with date(1)) */
    setenv("TZ", "America/St_Johns", 1);
    tzset();
    char out[32];
    zt_time_format(1700000000, out);
    char winter[32];
    memcpy(winter, out, sizeof out);
    zt_time_format(1688000000, out);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    assert_string_equal(winter, "2023-11-14T18:43:20-03:30");
    assert_string_equal(out, "2023-06-28T22:23:20-02:30");
    assert_int_equal(parse_ok(winter), 1700000000);
    assert_int_equal(parse_ok(out), 1688000000);
}

static void round_trip(void **state) {
    static const int64_t instants[] = {0, 1, -1, 951798896, 1772413200, 1798732799, 4085164800, 1234567890};
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        char out[32];
        zt_time_format(instants[i], out);
        assert_int_equal(parse_ok(out), instants[i]);
    }
    /* every hour across a year, both directions */
    for (int64_t t = 1767196800; t < 1767196800 + 366 * 86400; t += 3600 + 17) {
        char out[32];
        zt_time_format(t, out);
        assert_int_equal(parse_ok(out), t);
    }
    /* text -> instant -> text is the identity for local +08:00 text */
    static const char *const texts[] = {"2026-03-02T09:00:00+08:00", "2024-02-29T23:59:59+08:00",
                                        "2000-01-01T00:00:00+08:00"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char out[32];
        zt_time_format(parse_ok(texts[i]), out);
        assert_string_equal(out, texts[i]);
    }
}

/* The clock tests run in this order: fake mode cannot be turned off. */
static void real_clock_ignores_set(void **state) {
    assert_int_equal(zt_clock_is_fake(), 0);
    struct timespec a, b;
    clock_gettime(CLOCK_REALTIME, &a);
    zt_clock_set_us(1000000000000000LL); /* 2001: ignored while the clock is real */
    int64_t now = zt_now_us();
    clock_gettime(CLOCK_REALTIME, &b);
    int64_t lo = (int64_t)a.tv_sec * 1000000 + a.tv_nsec / 1000;
    int64_t hi = (int64_t)b.tv_sec * 1000000 + b.tv_nsec / 1000;
    assert_true(now >= lo && now <= hi);
    assert_int_equal(zt_clock_is_fake(), 0);
    int64_t s = zt_now();
    assert_true(s >= a.tv_sec && s <= b.tv_sec);
}

static void fake_clock(void **state) {
    struct timespec a, b;
    clock_gettime(CLOCK_REALTIME, &a);
    zt_clock_enable_fake();
    clock_gettime(CLOCK_REALTIME, &b);
    assert_int_equal(zt_clock_is_fake(), 1);
    /* it starts at the real time of enabling ... */
    int64_t start = zt_now_us();
    int64_t lo = (int64_t)a.tv_sec * 1000000 + a.tv_nsec / 1000;
    int64_t hi = (int64_t)b.tv_sec * 1000000 + b.tv_nsec / 1000;
    assert_true(start >= lo && start <= hi);
    /* ... and stands still until set (real time moves on meanwhile) */
    struct timespec c;
    do clock_gettime(CLOCK_REALTIME, &c);
    while ((int64_t)c.tv_sec * 1000000 + c.tv_nsec / 1000 <= hi + 1000);
    assert_int_equal(zt_now_us(), start);

    zt_clock_set_us(1772413200LL * 1000000 + 999999);
    assert_int_equal(zt_now_us(), 1772413200LL * 1000000 + 999999);
    assert_int_equal(zt_now(), 1772413200); /* seconds truncate */
    char out[32];
    zt_time_format(zt_now(), out);
    assert_string_equal(out, "2026-03-02T09:00:00+08:00");

    zt_clock_set_us(0);
    assert_int_equal(zt_now(), 0);
    zt_clock_set_us(4085164800LL * 1000000);
    assert_int_equal(zt_now(), 4085164800LL);

    /* the monotonic clock is never faked */
    int64_t m1 = zt_mono_us(), m2 = zt_mono_us();
    assert_true(m2 >= m1);
    assert_true(m1 > 0);
    assert_true(m1 != 4085164800LL * 1000000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid),  cmocka_unit_test(parse_invalid),
        cmocka_unit_test(format_local), cmocka_unit_test(format_negative_half_hour_zone),
        cmocka_unit_test(round_trip),   cmocka_unit_test(real_clock_ignores_set),
        cmocka_unit_test(fake_clock),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
