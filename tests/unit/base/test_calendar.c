/* test_calendar.c - civil dates, the working-day calendar and the legal clock.
 *
 * Oracles are independent of src/base/calendar.c:
 *  - dates: a plain y/m/d walk from 1900-01-01 (day -25567, a Monday);
 *  - the data: per-year working-day counts and the holiday/make-up totals
 *    below were computed by a separate Node script straight from
 *    chinese-days 1.5.7 dist/chinese-days.json (holidays rest, workdays work,
 *    otherwise Monday-Friday), not from data/calendar.tsv;
 *  - add/between: day-by-day loops over zt_cal_is_working (itself pinned by
 *    the per-year counts);
 *  - instants: Asia/Shanghai is UTC+8 with no clock changes since 1991, so
 *    local midnight of day d is d * 86400 - 8 h; the named constants were
 *    computed with Python's datetime.
 * The real data file is read from $ZT_DATA_DIR/calendar.tsv (the Makefile
 * runs unit tests with ZT_DATA_DIR=data from the repository root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"

enum { FIRST_YEAR = 2004, LAST_YEAR = 2026, HOLIDAY_DAYS = 619, MAKEUP_DAYS = 150 };

/* Working days per year 2004..2026, from chinese-days 1.5.7 by the Node oracle. */
static const int working_per_year[] = {
    252, 250, 251, 249, 251, 250, 250, 250, 249, 250, 250, 249, 250, 249, 250, 250, 249, 250, 249, 249, 251, 248, 248,
};

static zt_calendar *real; /* loaded once in group setup */

static zt_day D(int y, int m, int d) { return zt_day_from_ymd(y, m, d); }

/* Instant of local time y-m-d hh:mm in Asia/Shanghai (fixed UTC+8). */
static int64_t sh(int y, int m, int d, int hh, int mm) {
    return (int64_t)D(y, m, d) * 86400 + hh * 3600 + mm * 60 - 8 * 3600;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static zt_calendar *load_real(void) {
    const char *dir = getenv("ZT_DATA_DIR");
    char path[4096], err[256];
    size_t len = 0;

    snprintf(path, sizeof path, "%s/calendar.tsv", dir ? dir : "data");
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "test_calendar: cannot read %s (set ZT_DATA_DIR)\n", path);
        return NULL;
    }
    zt_calendar *cal = zt_cal_new();
    int n = zt_cal_load_tsv(cal, text, len, err, sizeof err);
    free(text);
    if (n != HOLIDAY_DAYS + MAKEUP_DAYS) {
        fprintf(stderr, "test_calendar: %s: loaded %d days (%s)\n", path, n, err);
        zt_cal_free(cal);
        return NULL;
    }
    return cal;
}

static int group_setup(void **state) {
    (void)state;
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    real = load_real();
    return real ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    zt_cal_free(real);
    return 0;
}

/* Deterministic xorshift so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int rnd_range(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

static int working(const zt_calendar *cal, zt_day d) { return zt_cal_is_working(cal, d, NULL, NULL, 0); }

static int naive_between(const zt_calendar *cal, zt_day from, zt_day to) {
    int c = 0;
    if (to >= from) {
        for (zt_day d = from + 1; d <= to; d++) c += working(cal, d);
        return c;
    }
    for (zt_day d = to + 1; d <= from; d++) c += working(cal, d);
    return -c;
}

static zt_day naive_add(const zt_calendar *cal, zt_day start, int n) {
    zt_day d = start;
    int step = n < 0 ? -1 : 1;
    for (int left = n < 0 ? -n : n; left > 0;) {
        d += step;
        left -= working(cal, d);
    }
    return d;
}

/* got = add(start, n). Forwards, (start, got] holds n working days;
 * backwards, [got, start) holds |n| (start itself is not counted either
 * way), which is between(got - 1, start - 1). */
static void expect_round_trip(const zt_calendar *cal, zt_day start, int n, zt_day got) {
    if (n >= 0)
        assert_int_equal(zt_cal_between(cal, start, got), n);
    else
        assert_int_equal(zt_cal_between(cal, got - 1, start - 1), -n);
}

static void expect_day(const zt_calendar *cal, zt_day d, int work, zt_day_kind kind, const char *name) {
    zt_day_kind k = (zt_day_kind)-1;
    char buf[64] = "sentinel";
    char ds[11];
    zt_day_format(d, ds);
    int w = zt_cal_is_working(cal, d, &k, buf, sizeof buf);
    if (w != work || k != kind || strcmp(buf, name) != 0)
        fail_msg("%s: got working=%d kind=%s name=\"%s\", want %d %s \"%s\"", ds, w, zt_day_kind_name(k), buf, work,
                 zt_day_kind_name(kind), name);
}

/* ---- civil dates ------------------------------------------------------- */

static void ymd_walk(void **state) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    zt_day expect = -25567; /* 1900-01-01, a Monday */
    int wd = 1;
    (void)state;
    for (int y = 1900; y <= 2999; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int len = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= len; d++, expect++, wd = wd % 7 + 1) {
                int yy, mm, dd;
                if (zt_day_from_ymd(y, m, d) != expect)
                    fail_msg("%04d-%02d-%02d -> %d, want %d", y, m, d, zt_day_from_ymd(y, m, d), expect);
                zt_day_to_ymd(expect, &yy, &mm, &dd);
                if (yy != y || mm != m || dd != d)
                    fail_msg("%d -> %04d-%02d-%02d, want %04d-%02d-%02d", expect, yy, mm, dd, y, m, d);
                if (zt_day_weekday(expect) != wd)
                    fail_msg("%04d-%02d-%02d weekday %d, want %d", y, m, d, zt_day_weekday(expect), wd);
            }
        }
    }
    assert_int_equal(expect - 1, 376199); /* 2999-12-31 */
    assert_int_equal(zt_day_from_ymd(1970, 1, 1), 0);
    assert_int_equal(zt_day_weekday(0), 4); /* Thursday */
    assert_int_equal(zt_day_weekday(D(2026, 10, 1)), 4);
    assert_int_equal(zt_day_weekday(D(1600, 3, 1)), 3); /* before the window too */
    /* Carry rules of the header. */
    assert_int_equal(zt_day_from_ymd(2026, 1, 32), D(2026, 2, 1));
    assert_int_equal(zt_day_from_ymd(2026, 13, 1), D(2027, 1, 1));
    assert_int_equal(zt_day_from_ymd(2026, 0, 1), D(2025, 12, 1));
    assert_int_equal(zt_day_from_ymd(2026, 3, 0), D(2026, 2, 28));
    /* Far days round-trip. */
    for (int i = 0; i < 10000; i++) {
        zt_day d = (zt_day)(rnd() % 2000000000u) - 1000000000;
        int y, m, dd;
        zt_day_to_ymd(d, &y, &m, &dd);
        assert_int_equal(zt_day_from_ymd(y, m, dd), d);
        assert_int_equal(zt_day_weekday(d + 7), zt_day_weekday(d));
    }
}

static void parse_format(void **state) {
    static const char *const bad[] = {
        "2026-02-29",  "2026-13-01",  "2026-1-01",  "2026-01-1",  "2026-01-01x",
        "2026-01-01 ", " 2026-01-01", "2026/01/01", "2026-00-10", "2026-04-31",
        "1899-12-31",  "3000-01-01",  "",           "2026",       "2026-01-0",
        "20260101",    "2026-01-00",  "+026-01-01",
    };
    zt_day d = 12345;
    char out[11];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (zt_day_parse(bad[i], &d) == 0) fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(zt_day_parse(NULL, &d), -1);
    assert_int_equal(d, 12345); /* untouched on failure */

    assert_int_equal(zt_day_parse("2024-02-29", &d), 0);
    assert_int_equal(d, D(2024, 2, 29));
    assert_int_equal(zt_day_parse("2000-02-29", &d), 0);
    assert_int_equal(zt_day_parse("1900-02-29", &d), -1); /* 1900 was not leap */
    assert_int_equal(zt_day_parse("1900-01-01", &d), 0);
    assert_int_equal(d, -25567);
    assert_int_equal(zt_day_parse("2999-12-31", &d), 0);
    assert_int_equal(d, 376199);

    zt_day_format(D(2026, 10, 1), out);
    assert_string_equal(out, "2026-10-01");
    zt_day_format(-25567, out);
    assert_string_equal(out, "1900-01-01");
    zt_day_format(D(10000, 1, 1), out);
    assert_string_equal(out, "0000-00-00");
    for (zt_day x = D(1900, 1, 1); x <= D(2999, 12, 31); x += 97) {
        zt_day back;
        zt_day_format(x, out);
        assert_int_equal(zt_day_parse(out, &back), 0);
        assert_int_equal(back, x);
    }
}

static void local_time(void **state) {
    (void)state;
    /* Shanghai is UTC+8: 2026-10-10 00:00 local = 2026-10-09T16:00Z. */
    assert_int_equal(zt_day_start(D(2026, 10, 10)), 1791561600);
    assert_int_equal(zt_day_of_instant(1791561600), D(2026, 10, 10));
    assert_int_equal(zt_day_of_instant(1791561599), D(2026, 10, 9));
    /* 2026-09-29 10:00 local; 16:30Z is already the 30th locally. */
    assert_int_equal(zt_day_of_instant(1790647200), D(2026, 9, 29));
    assert_int_equal(zt_day_of_instant(sh(2026, 9, 30, 0, 30)), D(2026, 9, 30));
    for (zt_day d = D(1995, 1, 1); d < D(2040, 1, 1); d += 13) {
        assert_int_equal(zt_day_start(d), (int64_t)d * 86400 - 8 * 3600);
        assert_int_equal(zt_day_of_instant(zt_day_start(d)), d);
        assert_int_equal(zt_day_of_instant(zt_day_start(d) - 1), d - 1);
    }
}

/* ---- the rules ----------------------------------------------------------- */

static void weekends(void **state) {
    zt_calendar *cal = zt_cal_new();
    (void)state;
    assert_non_null(cal);
    expect_day(cal, D(2026, 10, 1), 1, ZT_DAY_WORKDAY, ""); /* nothing listed */
    expect_day(cal, D(2026, 10, 3), 0, ZT_DAY_WEEKEND, "");
    expect_day(cal, D(2026, 10, 4), 0, ZT_DAY_WEEKEND, "");
    expect_day(cal, D(2026, 10, 5), 1, ZT_DAY_WORKDAY, "");
    assert_string_equal(zt_day_kind_name(ZT_DAY_WORKDAY), "workday");
    assert_string_equal(zt_day_kind_name(ZT_DAY_WEEKEND), "weekend");
    assert_string_equal(zt_day_kind_name(ZT_DAY_HOLIDAY), "holiday");
    assert_string_equal(zt_day_kind_name(ZT_DAY_MAKEUP), "makeup");
    /* The weekday rule alone, far inside and outside the listing window. */
    assert_int_equal(zt_cal_between(cal, D(2026, 10, 2), D(2026, 10, 9)), 5);
    assert_int_equal(zt_cal_add(cal, D(2026, 10, 2), 1), D(2026, 10, 5));
    assert_int_equal(zt_cal_add(cal, D(2026, 10, 3), -1), D(2026, 10, 2));
    assert_int_equal(zt_cal_between(cal, D(1800, 1, 5), D(1800, 1, 12)), 5);
    assert_int_equal(zt_cal_between(cal, D(3100, 1, 1), D(3100, 1, 8)), 5);
    for (int i = 0; i < 300; i++) {
        zt_day a = D(1890, 1, 1) + rnd_range(0, 40000);
        if (i % 2) a = D(2990, 1, 1) + rnd_range(0, 8000); /* across the 2999 edge */
        int n = rnd_range(-3000, 3000);
        zt_day b = naive_add(cal, a, n);
        assert_int_equal(zt_cal_add(cal, a, n), b);
        expect_round_trip(cal, a, n, b);
    }
    zt_cal_free(cal);
}

static void coverage(void **state) {
    int years[2000];
    (void)state;
    int n = zt_cal_years(real, years, 2000);
    assert_int_equal(n, LAST_YEAR - FIRST_YEAR + 1);
    for (int i = 0; i < n; i++) assert_int_equal(years[i], FIRST_YEAR + i);
    assert_int_equal(zt_cal_years(real, years, 3), 3);
    assert_int_equal(years[2], FIRST_YEAR + 2);
    assert_false(zt_cal_covers(real, FIRST_YEAR - 1));
    assert_true(zt_cal_covers(real, FIRST_YEAR));
    assert_true(zt_cal_covers(real, LAST_YEAR));
    assert_false(zt_cal_covers(real, LAST_YEAR + 1));
    assert_false(zt_cal_covers(real, 100000));

    /* Kind totals and per-year working days against the Node oracle. */
    int hol = 0, mk = 0;
    for (int y = FIRST_YEAR; y <= LAST_YEAR; y++) {
        int work = 0;
        for (zt_day d = D(y, 1, 1); d <= D(y, 12, 31); d++) {
            zt_day_kind k;
            work += zt_cal_is_working(real, d, &k, NULL, 0);
            hol += k == ZT_DAY_HOLIDAY;
            mk += k == ZT_DAY_MAKEUP;
            if (k == ZT_DAY_MAKEUP && zt_day_weekday(d) < 6) fail_msg("make-up day on a weekday: %d", d);
        }
        if (work != working_per_year[y - FIRST_YEAR])
            fail_msg("%d: %d working days, oracle says %d", y, work, working_per_year[y - FIRST_YEAR]);
        assert_int_equal(zt_cal_between(real, D(y - 1, 12, 31), D(y, 12, 31)), work);
    }
    assert_int_equal(hol, HOLIDAY_DAYS);
    assert_int_equal(mk, MAKEUP_DAYS);
}

static void holidays_and_makeups(void **state) {
    (void)state;
    /* National Day 2026: 10-01 (Thu) to 10-07 (Wed); 09-20 (Sun) and 10-10
     * (Sat) are worked. Weekends inside the period are listed too. */
    expect_day(real, D(2026, 9, 30), 1, ZT_DAY_WORKDAY, "");
    expect_day(real, D(2026, 10, 1), 0, ZT_DAY_HOLIDAY, "国庆节");
    expect_day(real, D(2026, 10, 2), 0, ZT_DAY_HOLIDAY, "国庆节");
    expect_day(real, D(2026, 10, 3), 0, ZT_DAY_HOLIDAY, "国庆节");
    expect_day(real, D(2026, 10, 6), 0, ZT_DAY_HOLIDAY, "国庆节"); /* in lieu (调休) */
    expect_day(real, D(2026, 10, 7), 0, ZT_DAY_HOLIDAY, "国庆节");
    expect_day(real, D(2026, 10, 8), 1, ZT_DAY_WORKDAY, "");
    expect_day(real, D(2026, 9, 20), 1, ZT_DAY_MAKEUP, "国庆节");
    expect_day(real, D(2026, 10, 10), 1, ZT_DAY_MAKEUP, "国庆节");
    expect_day(real, D(2026, 10, 11), 0, ZT_DAY_WEEKEND, "");
    /* Spring Festival 2025: 01-28 to 02-04; Sunday 01-26, Saturday 02-08 worked. */
    expect_day(real, D(2025, 1, 26), 1, ZT_DAY_MAKEUP, "春节");
    expect_day(real, D(2025, 2, 8), 1, ZT_DAY_MAKEUP, "春节");
    expect_day(real, D(2025, 1, 27), 1, ZT_DAY_WORKDAY, "");
    expect_day(real, D(2025, 1, 28), 0, ZT_DAY_HOLIDAY, "春节");
    expect_day(real, D(2025, 2, 4), 0, ZT_DAY_HOLIDAY, "春节");
    expect_day(real, D(2025, 2, 5), 1, ZT_DAY_WORKDAY, "");
    /* 2025: 中秋 falls inside National Day; Sunday 09-28 worked. */
    expect_day(real, D(2025, 9, 28), 1, ZT_DAY_MAKEUP, "国庆节");
    expect_day(real, D(2025, 10, 6), 0, ZT_DAY_HOLIDAY, "中秋节");
    expect_day(real, D(2025, 10, 8), 0, ZT_DAY_HOLIDAY, "国庆节");
    /* Names: official forms and the shortened 2015 one-off. */
    expect_day(real, D(2026, 4, 6), 0, ZT_DAY_HOLIDAY, "清明节");
    expect_day(real, D(2026, 6, 19), 0, ZT_DAY_HOLIDAY, "端午节");
    expect_day(real, D(2015, 9, 3), 0, ZT_DAY_HOLIDAY, "抗战胜利70周年纪念日");
    expect_day(real, D(2015, 9, 6), 1, ZT_DAY_MAKEUP, "抗战胜利70周年纪念日");
    /* 2020's Spring Festival extended to 02-02 (COVID-19). */
    expect_day(real, D(2020, 1, 31), 0, ZT_DAY_HOLIDAY, "春节");
    expect_day(real, D(2020, 2, 3), 1, ZT_DAY_WORKDAY, "");
    /* Uncovered years: weekday rule. */
    expect_day(real, D(2027, 10, 1), 1, ZT_DAY_WORKDAY, "");
    expect_day(real, D(2003, 10, 1), 1, ZT_DAY_WORKDAY, "");

    /* A short name buffer gets whole characters only: 国 is 3 bytes. */
    char small[5];
    zt_cal_is_working(real, D(2026, 10, 1), NULL, small, sizeof small);
    assert_string_equal(small, "国");
}

static void year_boundaries(void **state) {
    (void)state;
    /* 2025-12-31 (Wed); 2026-01-01..03 New Year; Sunday 01-04 worked. */
    assert_int_equal(zt_cal_add(real, D(2025, 12, 31), 1), D(2026, 1, 4));
    assert_int_equal(zt_cal_add(real, D(2025, 12, 31), 2), D(2026, 1, 5));
    assert_int_equal(zt_cal_add(real, D(2025, 12, 30), 1), D(2025, 12, 31));
    assert_int_equal(zt_cal_between(real, D(2025, 12, 31), D(2026, 1, 5)), 2);
    assert_int_equal(zt_cal_between(real, D(2025, 12, 31), D(2026, 1, 3)), 0);
    assert_int_equal(zt_cal_add(real, D(2026, 1, 4), -1), D(2025, 12, 31));
    /* 2008's New Year was 2007-12-30..2008-01-01 with Saturday 2007-12-29 worked. */
    expect_day(real, D(2007, 12, 29), 1, ZT_DAY_MAKEUP, "元旦");
    expect_day(real, D(2007, 12, 31), 0, ZT_DAY_HOLIDAY, "元旦");
    assert_int_equal(zt_cal_add(real, D(2007, 12, 28), 1), D(2007, 12, 29));
    assert_int_equal(zt_cal_add(real, D(2007, 12, 29), 1), D(2008, 1, 2));
    /* Leaving the covered years. */
    assert_int_equal(zt_cal_add(real, D(2026, 12, 31), 1), D(2027, 1, 1)); /* uncovered: a Friday */
    assert_int_equal(zt_cal_add(real, D(2004, 1, 2), -1), D(2003, 12, 31));
}

static void long_spans(void **state) {
    (void)state;
    int total = 0;
    for (int y = FIRST_YEAR; y <= LAST_YEAR; y++) total += working_per_year[y - FIRST_YEAR];
    zt_day a = D(2004, 1, 1), b = D(2026, 12, 31);
    /* (2004-01-01, 2026-12-31]: everything but 2004-01-01, itself a holiday. */
    assert_int_equal(zt_cal_between(real, a, b), naive_between(real, a, b));
    assert_int_equal(zt_cal_between(real, a - 1, b), total);
    assert_int_equal(zt_cal_between(real, b, a - 1), -total);
    assert_int_equal(zt_cal_add(real, a - 1, total), D(2026, 12, 31)); /* a Thursday, working */
    /* Back from 2026-12-31 (working, not counted): [t, b) must hold `total`
     * working days, one more than [2004-01-01, b) has, so t = 2003-12-31. */
    assert_int_equal(zt_cal_add(real, b, -total), D(2003, 12, 31));
    /* Across the whole listing window and beyond it. */
    zt_day lo = D(1850, 1, 1), hi = D(3050, 1, 1);
    int all = naive_between(real, lo, hi);
    assert_int_equal(zt_cal_between(real, lo, hi), all);
    assert_int_equal(zt_cal_add(real, lo, all), naive_add(real, lo, all));
    assert_int_equal(zt_cal_add(real, hi, -all), naive_add(real, hi, -all));
    assert_int_equal(zt_cal_between(real, D(2026, 10, 1), D(2026, 10, 1)), 0);
}

static void random_round_trips(void **state) {
    (void)state;
    for (int i = 0; i < 3000; i++) {
        zt_day start = D(2000, 1, 1) + rnd_range(0, 10600); /* 2000-2029 */
        int n = rnd_range(-400, 400);
        if (i % 10 == 0) n = rnd_range(-6000, 6000);
        zt_day want = naive_add(real, start, n);
        zt_day got = zt_cal_add(real, start, n);
        if (got != want) {
            char s[11], g[11], w[11];
            zt_day_format(start, s);
            zt_day_format(got, g);
            zt_day_format(want, w);
            fail_msg("add(%s, %d) = %s, want %s", s, n, g, w);
        }
        expect_round_trip(real, start, n, got);
        if (n != 0) assert_true(working(real, got));
        zt_day other = start + rnd_range(-800, 800);
        assert_int_equal(zt_cal_between(real, start, other), naive_between(real, start, other));
    }
}

static void negative_n(void **state) {
    (void)state;
    assert_int_equal(zt_cal_add(real, D(2026, 10, 8), -1), D(2026, 9, 30));
    assert_int_equal(zt_cal_add(real, D(2026, 10, 9), -1), D(2026, 10, 8));
    assert_int_equal(zt_cal_add(real, D(2026, 10, 8), -2), D(2026, 9, 29));
    assert_int_equal(zt_cal_add(real, D(2025, 1, 27), -1), D(2025, 1, 26)); /* make-up Sunday */
    assert_int_equal(zt_cal_add(real, D(2025, 2, 5), -1), D(2025, 1, 27));
    assert_int_equal(zt_cal_add(real, D(2026, 10, 3), 0), D(2026, 10, 3)); /* n = 0: start, even a rest day */
    assert_int_equal(zt_cal_between(real, D(2026, 10, 8), D(2026, 9, 30)), -1);
    assert_int_equal(zt_cal_between(real, D(2026, 10, 9), D(2026, 9, 29)), -3);
}

/* ---- the legal clock ---------------------------------------------------- */

static void deadlines(void **state) {
    (void)state;
    /* Accepted Tue 2026-09-29 10:00: working days 09-30 (1), 10-08 (2),
     * 10-09 (3), so late from Sat 2026-10-10 00:00 local. */
    assert_int_equal(zt_cal_deadline(real, 1790647200, 3), 1791561600);
    assert_int_equal(zt_cal_deadline(real, sh(2026, 9, 29, 23, 59), 3), sh(2026, 10, 10, 0, 0));
    /* 00:30 on the 30th is the 30th in Shanghai (16:30Z on the 29th). */
    assert_int_equal(zt_cal_deadline(real, sh(2026, 9, 30, 0, 30), 3), sh(2026, 10, 11, 0, 0));
    assert_int_equal(zt_cal_deadline(real, sh(2026, 9, 29, 10, 0), 1), sh(2026, 10, 1, 0, 0));
    assert_int_equal(zt_cal_deadline(real, sh(2026, 9, 29, 10, 0), 0), sh(2026, 9, 30, 0, 0));
    /* Accepted on a holiday: the count starts from the next working day. */
    assert_int_equal(zt_cal_deadline(real, sh(2026, 10, 2, 9, 0), 1), sh(2026, 10, 9, 0, 0));
    /* 20 working days from 2025-12-25 (Thu), across New Year and 01-04. */
    zt_day wd20 = naive_add(real, D(2025, 12, 25), 20);
    assert_int_equal(zt_cal_deadline(real, sh(2025, 12, 25, 15, 0), 20),
                     sh(2026, 1, 1, 0, 0) + (int64_t)(wd20 + 1 - D(2026, 1, 1)) * 86400);
}

static const zt_office_hours office = {{9 * 3600, 13 * 3600 + 1800}, {12 * 3600, 17 * 3600 + 1800}};

static void working_seconds(void **state) {
    (void)state;
    /* Fri 09-11 15:00 -> Mon 09-14 10:00, a plain weekend: 9 h + 10 h. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 9, 11, 15, 0), sh(2026, 9, 14, 10, 0), NULL), 19 * 3600);
    /* With office hours 09-12, 13:30-17:30: 15:00-17:30 + 09:00-10:00. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 9, 11, 15, 0), sh(2026, 9, 14, 10, 0), &office),
                     3 * 3600 + 1800);
    /* Fri 09-18 12:00 -> Mon 09-21 12:00: Sunday 09-20 is a make-up day. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 9, 18, 12, 0), sh(2026, 9, 21, 12, 0), NULL), 48 * 3600);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 9, 18, 12, 0), sh(2026, 9, 21, 12, 0), &office),
                     (4 + 7 + 3) * 3600);
    /* Wed 09-30 16:00 -> Thu 10-08 10:00 across National Day. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 9, 30, 16, 0), sh(2026, 10, 8, 10, 0), NULL), 18 * 3600);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 9, 30, 16, 0), sh(2026, 10, 8, 10, 0), &office), 9000);
    /* Inside one day, and in the lunch break. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 9, 8, 0), sh(2026, 10, 9, 12, 45), &office), 3 * 3600);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 9, 12, 45), sh(2026, 10, 9, 14, 0), &office), 1800);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 9, 12, 5), sh(2026, 10, 9, 13, 0), &office), 0);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 3, 8, 0), sh(2026, 10, 3, 18, 0), NULL), 0);
    /* Empty and reversed spans. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 9, 9, 0), sh(2026, 10, 9, 9, 0), NULL), 0);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 9, 10, 0), sh(2026, 10, 9, 9, 0), NULL), 0);
    /* Whole years: working days x 86400 or x 7 office hours. */
    int64_t days2026 = working_per_year[LAST_YEAR - FIRST_YEAR];
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0), NULL), days2026 * 86400);
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0), &office),
                     days2026 * 7 * 3600);
    int64_t all = 0;
    for (int y = FIRST_YEAR; y <= LAST_YEAR; y++) all += working_per_year[y - FIRST_YEAR];
    assert_int_equal(zt_cal_working_seconds(real, sh(2004, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0), &office), all * 7 * 3600);
    /* Starting and ending mid-day on working days, over two years: 10:00-17:30
     * less lunch on the first day, 09:00-16:00 less lunch on the last. */
    assert_int_equal(zt_cal_working_seconds(real, sh(2024, 12, 31, 10, 0), sh(2026, 12, 31, 16, 0), &office),
                     (int64_t)naive_between(real, D(2024, 12, 31), D(2026, 12, 30)) * 7 * 3600 + 6 * 3600 + 5 * 3600 +
                         1800);

    /* Overlapping periods count once; an unused period is ignored. */
    zt_office_hours overlap = {{9 * 3600, 11 * 3600}, {12 * 3600, 14 * 3600}};
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 9, 0, 0), sh(2026, 10, 10, 0, 0), &overlap), 5 * 3600);
    zt_office_hours one = {{9 * 3600, 0}, {17 * 3600, 0}};
    assert_int_equal(zt_cal_working_seconds(real, sh(2026, 10, 8, 0, 0), sh(2026, 10, 12, 0, 0), &one),
                     3 * 8 * 3600); /* Thu, Fri, make-up Sat */
    /* Random spans against a day-by-day oracle. */
    for (int i = 0; i < 300; i++) {
        int64_t from = sh(2025, 1, 1, 0, 0) + (int64_t)(rnd() % (2u * 365 * 86400));
        int64_t to = from + (int64_t)(rnd() % (90u * 86400));
        int64_t want = 0, want_office = 0;
        for (zt_day d = zt_day_of_instant(from); d <= zt_day_of_instant(to); d++) {
            if (!working(real, d)) continue;
            int64_t s = (int64_t)d * 86400 - 8 * 3600, e = s + 86400;
            int64_t a = from > s ? from : s, b = to < e ? to : e;
            if (b > a) want += b - a;
            for (int k = 0; k < 2; k++) {
                int64_t ps = s + office.start[k], pe = s + office.end[k];
                int64_t x = a > ps ? a : ps, y = b < pe ? b : pe;
                if (y > x) want_office += y - x;
            }
        }
        assert_int_equal(zt_cal_working_seconds(real, from, to, NULL), want);
        assert_int_equal(zt_cal_working_seconds(real, from, to, &office), want_office);
    }
}

/* A zone with daylight saving: New York's 2026 clocks go forward on Sunday
 * 03-08 (a 23-hour day) and back on Sunday 11-01 (25 hours). */
static void clock_changes(void **state) {
    zt_calendar *cal = zt_cal_new();
    (void)state;
    setenv("TZ", "America/New_York", 1);
    tzset();
    int64_t mar2 = 1772427600;  /* 2026-03-02 00:00 EST = 05:00Z */
    int64_t mar16 = 1773633600; /* 2026-03-16 00:00 EDT = 04:00Z */
    assert_int_equal(zt_day_start(D(2026, 3, 2)), mar2);
    assert_int_equal(zt_day_start(D(2026, 3, 16)), mar16);
    assert_int_equal(zt_day_start(D(2026, 3, 9)) - zt_day_start(D(2026, 3, 8)), 23 * 3600);
    assert_int_equal(zt_day_start(D(2026, 11, 2)) - zt_day_start(D(2026, 11, 1)), 25 * 3600);
    assert_int_equal(zt_cal_working_seconds(cal, mar2, mar16, NULL), 10 * 86400);
    /* Make the short Sunday a working day: it counts its 23 hours. */
    assert_int_equal(zt_cal_set(cal, D(2026, 3, 8), ZT_DAY_MAKEUP, "test", 1), 0);
    assert_int_equal(zt_cal_working_seconds(cal, mar2, mar16, NULL), 10 * 86400 + 23 * 3600);
    assert_int_equal(zt_cal_working_seconds(cal, mar2, mar16, &office), 11 * 7 * 3600);
    assert_int_equal(zt_cal_set(cal, D(2026, 11, 1), ZT_DAY_MAKEUP, "test", 1), 0);
    assert_int_equal(zt_cal_working_seconds(cal, zt_day_start(D(2026, 10, 26)), zt_day_start(D(2026, 11, 9)), NULL),
                     10 * 86400 + 25 * 3600);
    assert_int_equal(zt_cal_deadline(cal, zt_day_start(D(2026, 3, 6)) + 3600, 1), zt_day_start(D(2026, 3, 9)));

    /* Havana changes clocks at midnight. 2025-11-02: 01:00 CDT -> 00:00 CST,
     * so midnight happens twice and the day starts at the first (04:00Z).
     * 2026-03-08: 00:00 CST -> 01:00 CDT, no midnight; the day starts at
     * 01:00 CDT (05:00Z). */
    setenv("TZ", "America/Havana", 1);
    tzset();
    assert_int_equal(zt_day_start(D(2025, 11, 2)), 1762056000);
    assert_int_equal(zt_day_of_instant(1762056000 - 1), D(2025, 11, 1));
    assert_int_equal(zt_day_start(D(2026, 3, 8)), 1772946000);
    assert_int_equal(zt_day_of_instant(1772946000 - 1), D(2026, 3, 7));
    assert_int_equal(zt_day_start(D(2026, 3, 9)) - zt_day_start(D(2026, 3, 8)), 23 * 3600);
    zt_cal_free(cal);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
}

/* Absurd inputs stay defined and fast. */
static void extremes(void **state) {
    (void)state;
    assert_int_equal(zt_cal_add(real, INT32_MAX - 10, 1000), INT32_MAX);
    assert_int_equal(zt_cal_add(real, INT32_MIN + 10, -1000), INT32_MIN);
    assert_int_equal(zt_cal_add(real, 0, INT_MAX), INT32_MAX);
    assert_int_equal(zt_cal_add(real, 0, INT_MIN), INT32_MIN);
    assert_int_equal(zt_cal_between(real, INT32_MIN, INT32_MAX), INT_MAX);
    assert_int_equal(zt_cal_between(real, INT32_MAX, INT32_MIN), INT_MIN);
    char out[11];
    zt_day_format(INT32_MIN, out);
    assert_string_equal(out, "0000-00-00");
    /* Thirteen centuries of working seconds, in UTC where every day is 86400 s. */
    setenv("TZ", "UTC", 1);
    tzset();
    zt_day a = D(1800, 1, 1), b = D(3100, 1, 1);
    int64_t days = zt_cal_between(real, a - 1, b - 1); /* [a, b) */
    assert_int_equal(days, naive_between(real, a - 1, b - 1));
    assert_int_equal(zt_cal_working_seconds(real, (int64_t)a * 86400, (int64_t)b * 86400, NULL), days * 86400);
    assert_int_equal(zt_cal_working_seconds(real, (int64_t)a * 86400, (int64_t)b * 86400, &office), days * 7 * 3600);
    assert_true(zt_cal_working_seconds(real, INT64_MIN / 2, INT64_MAX / 2, &office) > 0);
    assert_true(zt_cal_working_seconds(real, INT64_MIN, INT64_MAX, NULL) > 0);
    assert_true(zt_cal_deadline(real, INT64_MAX, 5) > 0);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
}

/* ---- changing the calendar ---------------------------------------------- */

static void set_and_unset(void **state) {
    zt_calendar *cal = zt_cal_new();
    char name[64];
    (void)state;
    /* A local holiday on a Monday, then gone again. */
    assert_int_equal(zt_cal_between(cal, D(2026, 10, 9), D(2026, 10, 16)), 5);
    assert_int_equal(zt_cal_set(cal, D(2026, 10, 12), ZT_DAY_HOLIDAY, "地方节", 1), 0);
    expect_day(cal, D(2026, 10, 12), 0, ZT_DAY_HOLIDAY, "地方节");
    assert_int_equal(zt_cal_between(cal, D(2026, 10, 9), D(2026, 10, 16)), 4);
    assert_int_equal(zt_cal_add(cal, D(2026, 10, 9), 1), D(2026, 10, 13));
    /* Replacing the listing. */
    assert_int_equal(zt_cal_set(cal, D(2026, 10, 12), ZT_DAY_HOLIDAY, NULL, 0), 0);
    expect_day(cal, D(2026, 10, 12), 0, ZT_DAY_HOLIDAY, "");
    assert_int_equal(zt_cal_unset(cal, D(2026, 10, 12)), 0);
    assert_int_equal(zt_cal_unset(cal, D(2026, 10, 12)), -1);
    expect_day(cal, D(2026, 10, 12), 1, ZT_DAY_WORKDAY, "");
    assert_int_equal(zt_cal_between(cal, D(2026, 10, 9), D(2026, 10, 16)), 5);
    /* Bad kinds and days outside the window. */
    assert_int_equal(zt_cal_set(cal, D(2026, 10, 12), ZT_DAY_WORKDAY, "x", 0), -1);
    assert_int_equal(zt_cal_set(cal, D(2026, 10, 12), ZT_DAY_WEEKEND, "x", 0), -1);
    assert_int_equal(zt_cal_set(cal, D(2026, 10, 12), (zt_day_kind)9, "x", 0), -1);
    assert_int_equal(zt_cal_set(cal, D(1899, 12, 31), ZT_DAY_HOLIDAY, "x", 0), -1);
    assert_int_equal(zt_cal_set(cal, D(3000, 1, 1), ZT_DAY_HOLIDAY, "x", 0), -1);
    assert_int_equal(zt_cal_set(cal, D(1900, 1, 1), ZT_DAY_HOLIDAY, "edge", 0), 0);
    assert_int_equal(zt_cal_set(cal, D(2999, 12, 31), ZT_DAY_HOLIDAY, "edge", 0), 0); /* a Tuesday */
    assert_int_equal(zt_cal_add(cal, D(2999, 12, 30), 1), D(3000, 1, 1));
    assert_int_equal(zt_cal_add(cal, D(1900, 1, 2), -1), D(1899, 12, 29));
    /* Names: at most 63 bytes, cut on a character boundary. "a" + 30 x 3-byte
     * characters keeps "a" + 20 characters = 61 bytes. */
    char longname[128] = "a";
    for (int i = 0; i < 30; i++) memcpy(longname + 1 + 3 * i, "节", 4); /* 3 bytes and the NUL */
    assert_int_equal(zt_cal_set(cal, D(2026, 5, 4), ZT_DAY_HOLIDAY, longname, 0), 0);
    zt_cal_is_working(cal, D(2026, 5, 4), NULL, name, sizeof name);
    assert_int_equal(strlen(name), 61);
    assert_memory_equal(name, longname, 61);
    /* Years. */
    zt_cal_cover_year(cal, 2030);
    zt_cal_cover_year(cal, 1899); /* ignored */
    int ys[4];
    assert_int_equal(zt_cal_years(cal, ys, 4), 1);
    assert_int_equal(ys[0], 2030);
    assert_true(zt_cal_covers(cal, 2030));
    assert_false(zt_cal_covers(cal, 1899));
    zt_cal_free(cal);
    zt_cal_free(NULL);
}

/* ---- the data file ------------------------------------------------------ */

/* What a load must leave alone. */
typedef struct snapshot {
    int between_all, years, listed;
    char name[64];
} snapshot;

static void snap(const zt_calendar *cal, snapshot *s) {
    int ys[1200];
    memset(s, 0, sizeof *s); /* compared with memcmp: no stray bytes */
    s->between_all = zt_cal_between(cal, D(1900, 1, 1), D(2999, 12, 31));
    s->years = zt_cal_years(cal, ys, 1200);
    s->listed = 0;
    for (zt_day d = D(2026, 1, 1); d <= D(2026, 12, 31); d++) {
        zt_day_kind k;
        zt_cal_is_working(cal, d, &k, NULL, 0);
        s->listed += k == ZT_DAY_HOLIDAY || k == ZT_DAY_MAKEUP;
    }
    zt_cal_is_working(cal, D(2026, 10, 1), NULL, s->name, sizeof s->name);
}

static void load_rejects(void **state) {
    static const struct {
        const char *text;
        const char *err;
    } bad[] = {
        {"year\t2026\n2026-10-12\tholiday\t地方节\n2026-02-29\tholiday\tx\n", "line 3: bad date \"2026-02-29\""},
        {"# c\n\n2026-10-12\tholidays\tx\n", "line 3: kind must be \"holiday\" or \"makeup\""},
        {"2026-10-12\tholiday\n", "line 1: expected date<TAB>kind<TAB>name"},
        {"2026-10-12\tholiday\t\n", "line 1: name must be 1-63 bytes"},
        {"2026-10-12\tholiday\tx\ty\n", "line 1: too many fields"},
        {"2026-10-12 holiday x\n", "line 1: expected a YYYY-MM-DD date or \"year\""},
        {"2026-10-12\tmakeup\tx\n", "line 1: makeup day 2026-10-12 is not a Saturday or Sunday"},
        {"year\t2026\nyear\t3000\n", "line 2: expected \"year<TAB>YYYY\" with a year in 1900-2999"},
        {"year\t26\n", "line 1: expected \"year<TAB>YYYY\" with a year in 1900-2999"},
        {"year\t2026\tx\n", "line 1: expected \"year<TAB>YYYY\" with a year in 1900-2999"},
        {"2026-10-12\tholiday\ta\n2026-10-13\tholiday\tb\r\n2026-10-12\tholiday\tc",
         "line 3: 2026-10-12 already listed on line 1"},
        {"2026-10-12\tholiday\t\xe5\x9b\n", "line 1: name is not clean UTF-8"},
        {"2026-10-12\tholiday\ta\x01\n", "line 1: name is not clean UTF-8"},
        {"2026-10-12\tholiday\t1234567890123456789012345678901234567890123456789012345678901234\n",
         "line 1: name must be 1-63 bytes"},
        {"1899-12-31\tholiday\tx\n", "line 1: bad date \"1899-12-31\""},
    };
    snapshot before, after;
    char err[128];
    (void)state;
    snap(real, &before);
    assert_int_equal(before.years, LAST_YEAR - FIRST_YEAR + 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(err, sizeof err, "unset");
        int rc = zt_cal_load_tsv(real, bad[i].text, strlen(bad[i].text), err, sizeof err);
        if (rc != -1 || strcmp(err, bad[i].err) != 0)
            fail_msg("case %zu: rc %d err \"%s\", want -1 \"%s\"", i, rc, err, bad[i].err);
        snap(real, &after);
        assert_memory_equal(&before, &after, sizeof before);
    }
    /* A NUL inside the text is just a bad byte, not the end. */
    static const char nul[] = "2026-10-12\tholiday\tx\0y\n";
    assert_int_equal(zt_cal_load_tsv(real, nul, sizeof nul - 1, err, sizeof err), -1);
    assert_string_equal(err, "line 1: name is not clean UTF-8");
    /* A tiny error buffer is still NUL-terminated; NULL is allowed. */
    char tiny[6];
    assert_int_equal(zt_cal_load_tsv(real, bad[0].text, strlen(bad[0].text), tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "line ");
    assert_int_equal(zt_cal_load_tsv(real, bad[0].text, strlen(bad[0].text), NULL, 0), -1);
    snap(real, &after);
    assert_memory_equal(&before, &after, sizeof before);
}

static void load_accepts(void **state) {
    zt_calendar *cal = zt_cal_new();
    char err[128] = "";
    (void)state;
    /* CRLF, blank lines, no final newline; a later load replaces listings. */
    static const char a[] = "# test\r\nyear\t2030\r\n\r\n2030-10-01\tholiday\t国庆节\r\n2030-09-29\tmakeup\t国庆节";
    assert_int_equal(zt_cal_set(cal, D(2030, 10, 2), ZT_DAY_HOLIDAY, "地方", 1), 0);
    assert_int_equal(zt_cal_load_tsv(cal, a, strlen(a), err, sizeof err), 2);
    assert_string_equal(err, "");
    assert_true(zt_cal_covers(cal, 2030));
    expect_day(cal, D(2030, 10, 1), 0, ZT_DAY_HOLIDAY, "国庆节");
    expect_day(cal, D(2030, 9, 29), 1, ZT_DAY_MAKEUP, "国庆节");
    expect_day(cal, D(2030, 10, 2), 0, ZT_DAY_HOLIDAY, "地方"); /* kept */
    static const char b[] = "2030-10-01\tholiday\t新名\n";
    assert_int_equal(zt_cal_load_tsv(cal, b, strlen(b), err, sizeof err), 1);
    expect_day(cal, D(2030, 10, 1), 0, ZT_DAY_HOLIDAY, "新名");
    assert_int_equal(zt_cal_load_tsv(cal, "", 0, err, sizeof err), 0);
    assert_int_equal(zt_cal_load_tsv(cal, NULL, 0, err, sizeof err), 0);
    /* Loading the real file twice changes nothing. */
    zt_calendar *twice = load_real();
    assert_non_null(twice);
    snapshot s1, s2;
    snap(twice, &s1);
    zt_cal_free(twice);
    snap(real, &s2);
    assert_memory_equal(&s1, &s2, sizeof s1);
    zt_cal_free(cal);
}

/* Readers see either the calendar before a change or after it, never a torn
 * one, while a writer toggles a local holiday (run under TSan to be sure). */
typedef struct reader_arg {
    zt_calendar *cal;
    int bad;
} reader_arg;

static void *reader(void *p) {
    reader_arg *r = p;
    for (int i = 0; i < 20000; i++) {
        int b = zt_cal_between(r->cal, D(2026, 10, 9), D(2026, 10, 16));
        zt_day a = zt_cal_add(r->cal, D(2026, 10, 10), 1);
        /* 10-10 is a make-up Saturday: 6 working days, 5 with the holiday. */
        if ((b != 6 && b != 5) || (a != D(2026, 10, 12) && a != D(2026, 10, 13))) r->bad++;
    }
    return NULL;
}

static void concurrent(void **state) {
    zt_calendar *cal = load_real();
    pthread_t th[4];
    reader_arg args[4];
    (void)state;
    assert_non_null(cal);
    for (int i = 0; i < 4; i++) {
        args[i] = (reader_arg){cal, 0};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    }
    for (int i = 0; i < 2000; i++) {
        zt_cal_set(cal, D(2026, 10, 12), ZT_DAY_HOLIDAY, "地方", 1);
        zt_cal_unset(cal, D(2026, 10, 12));
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    zt_cal_free(cal);
}

/* ---- how far the calendar reaches ---------------------------------------- */

static void coverage_warning(void **state) {
    zt_cal_coverage c;
    zt_calendar *shipped = load_real(); /* the shipped file, whatever earlier tests merged */
    (void)state;
    assert_non_null(shipped);
    /* 2004-2026 covered, 60 days' warning: 2026-11-01 is the first day warned */
    zt_cal_coverage_at(shipped, D(2026, 10, 1), 60, &c);
    assert_true(c.any);
    assert_int_equal(c.until, D(2026, 12, 31));
    assert_int_equal(c.missing_year, 0);
    assert_int_equal(c.next_year, 2027);
    assert_false(c.degraded);
    zt_cal_coverage_at(shipped, D(2026, 10, 31), 60, &c);
    assert_false(c.degraded);
    zt_cal_coverage_at(shipped, D(2026, 11, 1), 60, &c);
    assert_true(c.degraded);
    assert_int_equal(c.missing_year, 0);
    zt_cal_coverage_at(shipped, D(2026, 11, 2), 60, &c);
    assert_true(c.degraded);
    assert_int_equal(c.missing_year, 2027);
    zt_cal_coverage_at(shipped, D(2026, 12, 31), 0, &c);
    assert_true(c.degraded);
    zt_cal_coverage_at(shipped, D(2026, 12, 30), 0, &c);
    assert_false(c.degraded);
    /* past the end, and long past it */
    zt_cal_coverage_at(shipped, D(2027, 1, 5), 60, &c);
    assert_true(c.degraded);
    assert_int_equal(c.until, D(2026, 12, 31));
    assert_int_equal(c.next_year, 2027);
    zt_cal_coverage_at(shipped, D(2029, 6, 1), 60, &c);
    assert_true(c.degraded);
    assert_int_equal(c.next_year, 2029);
    zt_cal_free(shipped);

    /* nothing covered: degraded whatever the day, today's year to import */
    zt_calendar *cal = zt_cal_new();
    zt_cal_coverage_at(cal, D(2026, 3, 1), 60, &c);
    assert_false(c.any);
    assert_int_equal(c.until, 0);
    assert_int_equal(c.next_year, 2026);
    assert_true(c.degraded);
    /* a hole: 2026 and 2028 covered, 2027 not; warned once the horizon reaches 2027 */
    zt_cal_cover_year(cal, 2026);
    zt_cal_cover_year(cal, 2028);
    zt_cal_coverage_at(cal, D(2026, 6, 1), 60, &c);
    assert_false(c.degraded);
    assert_int_equal(c.until, D(2028, 12, 31));
    zt_cal_coverage_at(cal, D(2026, 11, 15), 60, &c);
    assert_true(c.degraded);
    assert_int_equal(c.missing_year, 2027);
    assert_int_equal(c.next_year, 2027);
    zt_cal_coverage_at(cal, D(2028, 2, 1), 60, &c);
    assert_false(c.degraded);
    assert_int_equal(c.next_year, 2029);
    zt_cal_free(cal);
}

static void assign_copies(void **state) {
    zt_calendar *shipped = load_real();
    (void)state;
    assert_non_null(shipped);
    zt_calendar *copy = zt_cal_new(), *empty = zt_cal_new();
    zt_cal_set(copy, D(2026, 6, 15), ZT_DAY_HOLIDAY, "市庆", 1);
    zt_cal_cover_year(copy, 1999);
    zt_cal_assign(copy, shipped);
    int ys[2000];
    assert_int_equal(zt_cal_years(copy, ys, 2000), LAST_YEAR - FIRST_YEAR + 1);
    assert_false(zt_cal_covers(copy, 1999));
    expect_day(copy, D(2026, 6, 15), 1, ZT_DAY_WORKDAY, "");
    expect_day(copy, D(2026, 10, 1), 0, ZT_DAY_HOLIDAY, "国庆节");
    for (int y = FIRST_YEAR; y <= LAST_YEAR; y++)
        assert_int_equal(zt_cal_between(copy, D(y - 1, 12, 31), D(y, 12, 31)), working_per_year[y - FIRST_YEAR]);
    assert_int_equal(zt_cal_add(copy, D(2026, 9, 29), 3), D(2026, 10, 9));
    /* the copy is its own: changing it leaves the original alone */
    zt_cal_set(copy, D(2026, 10, 9), ZT_DAY_HOLIDAY, "地方", 1);
    expect_day(shipped, D(2026, 10, 9), 1, ZT_DAY_WORKDAY, "");
    /* and back to nothing */
    zt_cal_assign(copy, empty);
    assert_int_equal(zt_cal_years(copy, ys, 2000), 0);
    expect_day(copy, D(2026, 10, 1), 1, ZT_DAY_WORKDAY, "");
    assert_int_equal(zt_cal_add(copy, D(2026, 9, 29), 3), D(2026, 10, 2));
    zt_cal_free(copy);
    zt_cal_free(empty);
    zt_cal_free(shipped);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ymd_walk),         cmocka_unit_test(parse_format),  cmocka_unit_test(local_time),
        cmocka_unit_test(weekends),         cmocka_unit_test(coverage),      cmocka_unit_test(holidays_and_makeups),
        cmocka_unit_test(year_boundaries),  cmocka_unit_test(long_spans),    cmocka_unit_test(random_round_trips),
        cmocka_unit_test(negative_n),       cmocka_unit_test(deadlines),     cmocka_unit_test(working_seconds),
        cmocka_unit_test(clock_changes),    cmocka_unit_test(extremes),      cmocka_unit_test(set_and_unset),
        cmocka_unit_test(load_rejects),     cmocka_unit_test(load_accepts),  cmocka_unit_test(concurrent),
        cmocka_unit_test(coverage_warning), cmocka_unit_test(assign_copies),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
