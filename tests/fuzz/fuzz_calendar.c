/* fuzz_calendar.c - zt_cal_load_tsv (the calendar data file, also the body
 * of POST /api/admin/calendar/import) and, after a successful load, the
 * working-day arithmetic on days derived from the input.
 *
 * Checked: a failed load names "line N: " with N a line of the text, leaves
 * the calendar untouched and gives valid UTF-8 (the message reaches a JSON
 * reply); a successful load lists exactly its dated lines and covers its
 * year lines; loading the same text again changes nothing; zt_cal_add and
 * zt_cal_between agree with each other and with a day-by-day count. */
#include <limits.h>
#include <time.h>

#include "base/calendar.h"
#include "fuzz.h"

enum { DAY_LO = -25567, DAY_HI = 376199, BRUTE_MAX = 1500 };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    return 0;
}

/* Values derived from the input bytes: an FNV-1a hash seeds xorshift. */
static uint64_t rng;

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t pick(int64_t lo, int64_t hi) { /* uniform enough in [lo, hi] */
    return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

static int working(const zt_calendar *cal, zt_day d) { return zt_cal_is_working(cal, d, NULL, NULL, 0); }

static int weekday_rule(zt_day d) { return zt_day_weekday(d) <= 5; }

/* Working days in (a, b], counted one by one (b - a <= BRUTE_MAX). */
static int brute_between(const zt_calendar *cal, zt_day a, zt_day b) {
    int sign = 1, c = 0;
    if (b < a) {
        zt_day t = a;
        a = b;
        b = t;
        sign = -1;
    }
    for (int64_t d = (int64_t)a + 1; d <= b; d++) c += working(cal, (zt_day)d);
    return sign * c;
}

static zt_day pick_day(const zt_day *dates, size_t nd, const int *years, int ny) {
    switch (next() % 6) {
    case 0:
        if (nd) return dates[next() % nd] + (zt_day)pick(-10, 10);
        /* fall through */
    case 1:
        if (ny) return zt_day_from_ymd(years[next() % (size_t)ny], 1, 1) + (zt_day)pick(-20, 385);
        /* fall through */
    case 2:
        return (zt_day)pick(DAY_LO - 10, DAY_HI + 10);
    case 3:
        return (zt_day)pick(DAY_LO - 3000, DAY_LO + 3000);
    case 4:
        return (zt_day)pick(DAY_HI - 3000, DAY_HI + 3000);
    default:
        return next() % 2 ? (zt_day)pick(INT32_MAX - 30, INT32_MAX) : (zt_day)pick(INT32_MIN, INT32_MIN + 30);
    }
}

static int pick_n(void) {
    switch (next() % 8) {
    case 0:
        return (int)pick(INT_MIN, INT_MAX);
    case 1:
        return (int)pick(-5, 5);
    default:
        return (int)pick(-1200, 1200);
    }
}

static void check_arithmetic(const zt_calendar *cal, zt_day a, int n) {
    zt_day d = zt_cal_add(cal, a, n);
    int saturated = d == INT32_MAX || d == INT32_MIN;
    if (n == 0) {
        FUZZ_CHECK(d == a);
    } else if (!saturated) {
        FUZZ_CHECK(working(cal, d));
        if (n > 0) {
            FUZZ_CHECK(d > a);
            FUZZ_CHECK(zt_cal_between(cal, a, d) == n);
            FUZZ_CHECK(zt_cal_between(cal, d, a) == -n);
        } else {
            FUZZ_CHECK(d < a);
            /* (d, a] holds the |n|-1 working days between them, and a */
            FUZZ_CHECK((int64_t)zt_cal_between(cal, d, a) == -(int64_t)n - 1 + working(cal, a));
        }
    }
    int64_t b64 = (int64_t)a + pick(-BRUTE_MAX, BRUTE_MAX);
    zt_day b = b64 < INT32_MIN ? INT32_MIN : b64 > INT32_MAX ? INT32_MAX : (zt_day)b64;
    FUZZ_CHECK(zt_cal_between(cal, a, b) == brute_between(cal, a, b));
    FUZZ_CHECK(zt_cal_between(cal, a, a) == 0);
    FUZZ_CHECK(zt_cal_between(cal, a - (a > INT32_MIN), a) == (a > INT32_MIN ? working(cal, a) : 0));

    /* working seconds without office hours: whole working days of 86400 s
     * where the zone has no clock changes (Asia/Shanghai since 1992) */
    if (a >= zt_day_from_ymd(1992, 1, 1) && a < DAY_HI - 400) {
        zt_day e = a + (zt_day)pick(0, 400);
        int64_t s = zt_cal_working_seconds(cal, zt_day_start(a), zt_day_start(e), NULL);
        FUZZ_CHECK(s == (int64_t)zt_cal_between(cal, a - 1, e - 1) * 86400);
        zt_office_hours h = {{9 * 3600, 13 * 3600 + 1800}, {12 * 3600, 17 * 3600 + 1800}};
        int64_t o = zt_cal_working_seconds(cal, zt_day_start(a), zt_day_start(e), &h);
        FUZZ_CHECK(o == (int64_t)zt_cal_between(cal, a - 1, e - 1) * 7 * 3600);
    }
}

/* The whole state, seen through the public interface. */
static void snapshot(const zt_calendar *cal, int64_t out[4]) {
    int years[1100];
    out[0] = zt_cal_years(cal, years, 1100);
    out[1] = zt_cal_between(cal, DAY_LO - 1, DAY_HI);
    out[2] = zt_cal_add(cal, DAY_LO - 1, 100000);
    out[3] = zt_cal_add(cal, DAY_HI + 1, -100000);
}

/* The date at the start of each line that has one (what the loader lists
 * when the load succeeds). */
static size_t line_dates(const char *text, size_t len, zt_day **out, int *lines) {
    size_t n = 0, cap = 0;
    zt_day *dates = NULL;
    *lines = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        (*lines)++;
        char date[11];
        zt_day d;
        if (e - i >= 10) {
            memcpy(date, text + i, 10);
            date[10] = '\0';
            if (zt_day_parse(date, &d) == 0 && text[i] != '#') {
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    dates = realloc(dates, cap * sizeof *dates);
                    if (!dates) abort();
                }
                dates[n++] = d;
            }
        }
        i = e + 1;
    }
    *out = dates;
    return n;
}

static int cmp_day(const void *a, const void *b) {
    zt_day x = *(const zt_day *)a, y = *(const zt_day *)b;
    return (x > y) - (x < y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    zt_calendar *cal = zt_cal_new();
    FUZZ_CHECK(cal != NULL);
    char err[256];
    int64_t before[4], after[4];
    snapshot(cal, before);
    int n = zt_cal_load_tsv(cal, text, size, err, sizeof err);

    zt_day *dates;
    int lines;
    size_t nd = line_dates(text, size, &dates, &lines);
    rng = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++) rng = (rng ^ data[i]) * 1099511628211ULL;
    if (!rng) rng = 1;

    if (n < 0) {
        int line = 0, k = 0;
        FUZZ_CHECK(sscanf(err, "line %d: %n", &line, &k) == 1 && k > 0);
        FUZZ_CHECK(line >= 1 && line <= lines);
        FUZZ_CHECK(fuzz_utf8_ok(err, strlen(err)));
        snapshot(cal, after);
        FUZZ_CHECK(memcmp(before, after, sizeof before) == 0);
        /* Lines are checked in order and duplicates after all of them, so
         * the lines before the named one pass on their own, or fail only
         * for a day listed twice among them. */
        size_t from = 0;
        for (int l = 1; l < line; l++) from = (size_t)((const char *)memchr(text + from, '\n', size - from) - text) + 1;
        zt_calendar *prefix = zt_cal_new();
        if (zt_cal_load_tsv(prefix, text, from, err, sizeof err) < 0) FUZZ_CHECK(strstr(err, "already listed"));
        zt_cal_free(prefix);
        goto done;
    }

    FUZZ_CHECK(err[0] == '\0');
    if (nd) qsort(dates, nd, sizeof *dates, cmp_day);
    FUZZ_CHECK((size_t)n == nd);
    for (size_t i = 0; i < nd; i++) {
        zt_day_kind kind;
        char name[64];
        FUZZ_CHECK(i == 0 || dates[i] != dates[i - 1]); /* duplicates are refused */
        int w = zt_cal_is_working(cal, dates[i], &kind, name, sizeof name);
        FUZZ_CHECK(kind == ZT_DAY_HOLIDAY || kind == ZT_DAY_MAKEUP);
        FUZZ_CHECK(w == (kind == ZT_DAY_MAKEUP));
        FUZZ_CHECK(kind == ZT_DAY_HOLIDAY || !weekday_rule(dates[i]));
        FUZZ_CHECK(name[0] != '\0' && fuzz_utf8_ok(name, strlen(name)));
    }
    int years[1100];
    int ny = zt_cal_years(cal, years, 1100);
    for (int i = 0; i < ny; i++)
        FUZZ_CHECK(years[i] >= 1900 && years[i] <= 2999 && (i == 0 || years[i] > years[i - 1]));

    for (int i = 0; i < 6; i++) check_arithmetic(cal, pick_day(dates, nd, years, ny), pick_n());

    /* the same text again: the same days replace themselves */
    snapshot(cal, before);
    FUZZ_CHECK(zt_cal_load_tsv(cal, text, size, err, sizeof err) == n);
    snapshot(cal, after);
    FUZZ_CHECK(memcmp(before, after, sizeof before) == 0);

    /* take one listing away and put it back */
    if (nd) {
        zt_day d = dates[next() % nd];
        zt_day_kind kind;
        char name[64];
        zt_cal_is_working(cal, d, &kind, name, sizeof name);
        FUZZ_CHECK(zt_cal_unset(cal, d) == 0);
        FUZZ_CHECK(working(cal, d) == weekday_rule(d));
        FUZZ_CHECK(zt_cal_unset(cal, d) == -1);
        check_arithmetic(cal, d + (zt_day)pick(-30, 30), (int)pick(-60, 60));
        FUZZ_CHECK(zt_cal_set(cal, d, kind, name, 0) == 0);
        snapshot(cal, after);
        FUZZ_CHECK(memcmp(before, after, sizeof before) == 0);
    }

done:
    free(dates);
    zt_cal_free(cal);
    return 0;
}
