/* fuzz_clock.c - zt_time_parse (RFC 3339 instants: query parameters, the
 * fake clock) and zt_day_parse (YYYY-MM-DD everywhere), on a NUL-terminated
 * copy of the input.
 *
 * Checked: an accepted date formats back to the same text; an accepted
 * instant equals timegm() of its fields minus its offset, and
 * zt_time_format of it parses back to the same instant (in Asia/Shanghai,
 * where the platform runs) unless the formatted date leaves the 1900-2999
 * range that zt_day_parse accepts. */
#include <time.h>

#include "base/calendar.h"
#include "base/clock.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    return 0;
}

static int num(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static void check_day(const char *s) {
    zt_day d;
    if (zt_day_parse(s, &d) != 0) return;
    char out[11];
    zt_day_format(d, out);
    FUZZ_CHECK(strcmp(out, s) == 0);
    int y, m, dd;
    zt_day_to_ymd(d, &y, &m, &dd);
    FUZZ_CHECK(y == num(s, 4) && m == num(s + 5, 2) && dd == num(s + 8, 2));
    FUZZ_CHECK(zt_day_from_ymd(y, m, dd) == d);
    int wd = zt_day_weekday(d);
    FUZZ_CHECK(wd >= 1 && wd <= 7 && zt_day_weekday(d + 1) == wd % 7 + 1);
    /* the day of its own start instant */
    FUZZ_CHECK(zt_day_of_instant(zt_day_start(d)) == d);
}

static void check_time(const char *s) {
    int64_t t;
    if (zt_time_parse(s, &t) != 0) return;
    /* independent arithmetic: timegm of the fields, minus the offset */
    struct tm tm = {0};
    tm.tm_year = num(s, 4) - 1900;
    tm.tm_mon = num(s + 5, 2) - 1;
    tm.tm_mday = num(s + 8, 2);
    tm.tm_hour = num(s + 11, 2);
    tm.tm_min = num(s + 14, 2);
    tm.tm_sec = num(s + 17, 2);
    int64_t expect = (int64_t)timegm(&tm);
    const char *p = s + 19;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9';) p++;
    if (*p == '+' || *p == '-') expect -= (*p == '-' ? -1 : 1) * (num(p + 1, 2) * 3600 + num(p + 4, 2) * 60);
    FUZZ_CHECK(t == expect);

    char out[32];
    zt_time_format(t, out);
    int64_t back;
    zt_day d;
    char date[11];
    memcpy(date, out, 10);
    date[10] = '\0';
    if (zt_day_parse(date, &d) != 0) return; /* formatted outside 1900-2999 */
    FUZZ_CHECK(zt_time_parse(out, &back) == 0);
    FUZZ_CHECK(back == t);
    char again[32];
    zt_time_format(back, again);
    FUZZ_CHECK(strcmp(out, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    check_day(s);
    check_time(s);
    free(s);
    return 0;
}
