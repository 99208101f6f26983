/* calendar.c - civil dates and the working-day calendar (工作日历).
 *
 * Design. Listings (holidays, make-up days) may only fall in 1900-2999
 * (DAY_LO..DAY_HI); outside that window every day follows the weekday rule.
 *
 *  - kind[]: one byte per day of the window, 0 or the listing's kind, so
 *    zt_cal_is_working is a single load (400 KB per calendar; there is one).
 *  - list[]: the listings sorted by day, with their names, plus pre[], the
 *    prefix sum of each listing's "shift" (+1 a make-up Saturday/Sunday
 *    gains a working day, -1 a weekday holiday loses one, 0 otherwise).
 *
 * Everything counting working days goes through rank(d): the number of
 * working days before d, counted from a fixed Monday, i.e. the arithmetic
 * weekday count plus pre[] at d's position in list[]. Then
 *   between(from, to) = rank(to + 1) - rank(from + 1)       O(log listings)
 *   add(start, n)     = the working day of rank rank(start+1) + n - 1,
 * found by a binary search that the listings' total |shift| bounds to a
 * window around the weekday-rule answer (about 1,600 days with 2004-2026
 * loaded: a dozen probes). Spans of centuries cost the same as a day, and
 * there is no per-day table to rebuild
 * when the city adds a local holiday: a change rewrites pre[] (a few hundred
 * integers) and one byte of kind[].
 *
 * Locking: a pthread rwlock; exported functions lock, static helpers named
 * *_locked / taking the calendar assume the caller holds it. */
#include "base/calendar.h"

#include "base/clock.h"
#include "base/err.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"

enum {
    YEAR_LO = 1900,
    YEAR_HI = 2999,
    DAY_LO = -25567, /* 1900-01-01 */
    DAY_HI = 376199, /* 2999-12-31 */
    DAY_SPAN = DAY_HI - DAY_LO + 1,
    NAME_MAX_BYTES = 63,
    MONDAY0 = -3, /* 1969-12-29, the Monday the weekday count starts from */
    WEEK = 7,
    SECS_PER_DAY = 86400
};

typedef struct listing {
    zt_day day;
    uint8_t kind;  /* ZT_DAY_HOLIDAY or ZT_DAY_MAKEUP */
    uint8_t local; /* 1 = local holiday added by the city */
    char name[NAME_MAX_BYTES + 1];
} listing;

struct zt_calendar {
    pthread_rwlock_t lock;
    uint8_t *kind; /* DAY_SPAN bytes: 0 = unlisted, else a zt_day_kind */
    listing *list; /* sorted by day, no duplicates */
    int32_t *pre;  /* pre[i] = sum of shift(list[0..i-1]); n + 1 entries */
    size_t n, cap;
    int64_t spread; /* sum of |shift| over list: how far ranks can drift */
    uint8_t years[YEAR_HI - YEAR_LO + 1];
};

/* ---- civil dates ------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static zt_day clamp_day(int64_t d) {
    if (d > INT32_MAX) return INT32_MAX;
    if (d < INT32_MIN) return INT32_MIN;
    return (zt_day)d;
}

/* Howard Hinnant's days_from_civil: eras of 400 years (146097 days) with
 * March-based years so the leap day is last. */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

zt_day zt_day_from_ymd(int y, int m, int d) {
    /* Months outside 1-12 carry into the year and days outside the month
     * carry into the next/previous months, so the function is total. */
    int64_t yy = (int64_t)y + floor_div((int64_t)m - 1, 12);
    int mm = (int)((int64_t)m - 1 - floor_div((int64_t)m - 1, 12) * 12) + 1;
    return clamp_day(days_from_civil(yy, mm, 1) + (int64_t)d - 1);
}

void zt_day_to_ymd(zt_day day, int *y, int *m, int *d) {
    int64_t z = (int64_t)day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    if (y) *y = (int)(yoe + era * 400 + (mm <= 2));
    if (m) *m = mm;
    if (d) *d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int zt_day_weekday(zt_day day) {
    /* 1970-01-01 was a Thursday (4). */
    return (int)((int64_t)day + 3 - floor_div((int64_t)day + 3, WEEK) * WEEK) + 1;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int zt_day_parse(const char *s, zt_day *out) {
    if (!s) return -1;
    /* Checked left to right so a short string stops at its NUL. */
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i])) return -1;
    }
    if (s[10] != '\0') return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < YEAR_LO || y > YEAR_HI || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
    if (out) *out = zt_day_from_ymd(y, m, d);
    return 0;
}

static void put_digits(char *p, int v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void zt_day_format(zt_day day, char out[11]) {
    int y, m, d;
    zt_day_to_ymd(day, &y, &m, &d);
    if (y < 0 || y > 9999) y = m = d = 0; /* unrepresentable: "0000-00-00" */
    put_digits(out, y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = '\0';
}

/* ---- local time -------------------------------------------------------- */

static zt_day day_of_tm(const struct tm *tm) {
    return zt_day_from_ymd(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
}

static int secs_of_tm(const struct tm *tm) { return tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec; }

zt_day zt_day_of_instant(int64_t t) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm)) return clamp_day(floor_div(t, SECS_PER_DAY));
    return day_of_tm(&tm);
}

zt_day zt_today(void) { return zt_day_of_instant(zt_now()); }

int64_t zt_day_start(zt_day day) {
    int y, m, d;
    zt_day_to_ymd(day, &y, &m, &d);
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1) return (int64_t)day * SECS_PER_DAY; /* out of the zone's range */

    /* Where midnight does not exist (clocks jump forward at 00:00) mktime may
     * land on the evening before: the start is then the first instant whose
     * date is `day`, found by bisection over the next two days. */
    struct tm lt;
    if (localtime_r(&t, &lt) && day_of_tm(&lt) < day) {
        time_t lo = t, hi = t + 2 * SECS_PER_DAY; /* date(lo) < day <= date(hi) */
        while (hi - lo > 1) {
            time_t mid = lo + (hi - lo) / 2;
            if (localtime_r(&mid, &lt) && day_of_tm(&lt) < day)
                lo = mid;
            else
                hi = mid;
        }
        return (int64_t)hi;
    }
    /* Where midnight happens twice (clocks go back to 00:00) mktime may pick
     * the second one: step back while the second before is still `day`. */
    for (int i = 0; i < 4; i++) {
        time_t p = t - 1;
        if (!localtime_r(&p, &lt) || day_of_tm(&lt) != day) break;
        t = p - secs_of_tm(&lt);
    }
    return (int64_t)t;
}

/* ---- the calendar ------------------------------------------------------ */

const char *zt_day_kind_name(zt_day_kind k) {
    switch (k) {
    case ZT_DAY_WORKDAY:
        return "workday";
    case ZT_DAY_WEEKEND:
        return "weekend";
    case ZT_DAY_HOLIDAY:
        return "holiday";
    case ZT_DAY_MAKEUP:
        return "makeup";
    }
    return "unknown";
}

zt_calendar *zt_cal_new(void) {
    zt_calendar *cal = zt_calloc(1, sizeof *cal);
    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0) {
        free(cal);
        return NULL;
    }
#ifdef __GLIBC__
    /* glibc's default lets a steady stream of readers (every request asks
     * the calendar) starve the writer adding a local holiday. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int rc = pthread_rwlock_init(&cal->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0) {
        free(cal);
        return NULL;
    }
    cal->kind = zt_calloc(DAY_SPAN, 1);
    cal->pre = zt_calloc(1, sizeof *cal->pre);
    return cal;
}

void zt_cal_free(zt_calendar *cal) {
    if (!cal) return;
    pthread_rwlock_destroy(&cal->lock);
    free(cal->kind);
    free(cal->list);
    free(cal->pre);
    free(cal);
}

/* The rwlock is state of the object, not of its value: readers taking it
 * through a const pointer is the usual "mutable" exception. */
static void rdlock(const zt_calendar *cal) { pthread_rwlock_rdlock(&((zt_calendar *)cal)->lock); }

static void wrlock(zt_calendar *cal) { pthread_rwlock_wrlock(&cal->lock); }

static void unlock(const zt_calendar *cal) { pthread_rwlock_unlock(&((zt_calendar *)cal)->lock); }

static int in_window(int64_t day) { return day >= DAY_LO && day <= DAY_HI; }

static int weekday_rule(int64_t day) {
    int64_t x = day - MONDAY0;
    return x - floor_div(x, WEEK) * WEEK < 5; /* 0-4 = Monday-Friday */
}

/* Monday-Friday days in [MONDAY0, day) (negative before MONDAY0). */
static int64_t weekdays_before(int64_t day) {
    int64_t x = day - MONDAY0;
    int64_t w = floor_div(x, WEEK);
    int64_t r = x - w * WEEK;
    return 5 * w + (r < 5 ? r : 5);
}

/* The weekday with exactly k weekdays before it: inverse of the above. */
static int64_t nth_weekday(int64_t k) {
    int64_t w = floor_div(k, 5);
    return MONDAY0 + w * WEEK + (k - w * 5);
}

static int shift_of(zt_day day, int kind) {
    int rule = weekday_rule(day);
    if (kind == ZT_DAY_HOLIDAY) return rule ? -1 : 0;
    return rule ? 0 : 1; /* ZT_DAY_MAKEUP */
}

/* First index of list with day >= d. */
static size_t lower_bound(const zt_calendar *cal, int64_t d) {
    size_t lo = 0, hi = cal->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->list[mid].day < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void rebuild_prefix(zt_calendar *cal) {
    int64_t spread = 0;
    cal->pre = zt_realloc(cal->pre, (cal->n + 1) * sizeof *cal->pre);
    cal->pre[0] = 0;
    for (size_t i = 0; i < cal->n; i++) {
        int s = shift_of(cal->list[i].day, cal->list[i].kind);
        cal->pre[i + 1] = cal->pre[i] + s;
        spread += s < 0 ? -s : s;
    }
    cal->spread = spread;
}

static int working_locked(const zt_calendar *cal, int64_t day, zt_day_kind *kind) {
    int rule = weekday_rule(day);
    zt_day_kind k = rule ? ZT_DAY_WORKDAY : ZT_DAY_WEEKEND;
    if (in_window(day) && cal->kind[day - DAY_LO]) k = (zt_day_kind)cal->kind[day - DAY_LO];
    if (kind) *kind = k;
    return k == ZT_DAY_WORKDAY || k == ZT_DAY_MAKEUP;
}

/* Working days in [MONDAY0, day): strictly increasing across working days,
 * flat across rest days. */
static int64_t rank(const zt_calendar *cal, int64_t day) {
    return weekdays_before(day) + cal->pre[lower_bound(cal, day)];
}

/* The working day t with rank(t) == k. */
static int64_t select_rank(const zt_calendar *cal, int64_t k) {
    /* Listings move a rank by at most spread from the weekday count, so t
     * lies between the weekday-rule answers for k - spread and k + spread.
     * Smallest t with rank(t + 1) > k is the one: it is working and has
     * rank exactly k (ranks step by at most 1). */
    int64_t lo = nth_weekday(k - cal->spread - 1) + 1;
    int64_t hi = nth_weekday(k + cal->spread);
    while (lo < hi) {
        int64_t mid = lo + floor_div(hi - lo, 2);
        if (rank(cal, mid + 1) > k)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Copy at most cap - 1 bytes of src and a NUL, never cutting a UTF-8
 * sequence in half (a cut before a continuation byte backs up to its lead). */
static void copy_utf8(char *dst, size_t cap, const char *src) {
    if (cap == 0) return;
    size_t n = strlen(src);
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Put l into the sorted list, replacing a listing of the same day. The
 * caller rebuilds pre[]. */
static void insert_locked(zt_calendar *cal, const listing *l) {
    size_t i = lower_bound(cal, l->day);
    if (i < cal->n && cal->list[i].day == l->day) {
        cal->list[i] = *l;
    } else {
        if (cal->n == cal->cap) {
            cal->cap = cal->cap ? cal->cap * 2 : 64;
            cal->list = zt_realloc(cal->list, cal->cap * sizeof *cal->list);
        }
        memmove(cal->list + i + 1, cal->list + i, (cal->n - i) * sizeof *cal->list);
        cal->list[i] = *l;
        cal->n++;
    }
    cal->kind[l->day - DAY_LO] = l->kind;
}

int zt_cal_set(zt_calendar *cal, zt_day day, zt_day_kind kind, const char *name, int local) {
    if (kind != ZT_DAY_HOLIDAY && kind != ZT_DAY_MAKEUP) return -1;
    if (!in_window(day)) return -1;
    listing l = {.day = day, .kind = (uint8_t)kind, .local = local != 0};
    copy_utf8(l.name, sizeof l.name, name ? name : "");
    wrlock(cal);
    insert_locked(cal, &l);
    rebuild_prefix(cal);
    unlock(cal);
    return 0;
}

int zt_cal_unset(zt_calendar *cal, zt_day day) {
    int rc = -1;
    wrlock(cal);
    size_t i = lower_bound(cal, day);
    if (i < cal->n && cal->list[i].day == day) {
        memmove(cal->list + i, cal->list + i + 1, (cal->n - i - 1) * sizeof *cal->list);
        cal->n--;
        cal->kind[day - DAY_LO] = 0;
        rebuild_prefix(cal);
        rc = 0;
    }
    unlock(cal);
    return rc;
}

void zt_cal_cover_year(zt_calendar *cal, int year) {
    if (year < YEAR_LO || year > YEAR_HI) return;
    wrlock(cal);
    cal->years[year - YEAR_LO] = 1;
    unlock(cal);
}

int zt_cal_covers(const zt_calendar *cal, int year) {
    if (year < YEAR_LO || year > YEAR_HI) return 0;
    rdlock(cal);
    int c = cal->years[year - YEAR_LO];
    unlock(cal);
    return c;
}

int zt_cal_years(const zt_calendar *cal, int *out, int cap) {
    int n = 0;
    rdlock(cal);
    for (int y = YEAR_LO; y <= YEAR_HI && n < cap; y++) {
        if (cal->years[y - YEAR_LO]) out[n++] = y;
    }
    unlock(cal);
    return n;
}

void zt_cal_assign(zt_calendar *dst, const zt_calendar *src) {
    ZT_ASSERT(dst != src);
    rdlock(src);
    wrlock(dst);
    if (dst->cap < src->n) {
        dst->cap = src->n;
        dst->list = zt_realloc(dst->list, dst->cap * sizeof *dst->list);
    }
    if (src->n) memcpy(dst->list, src->list, src->n * sizeof *src->list);
    dst->n = src->n;
    dst->pre = zt_realloc(dst->pre, (src->n + 1) * sizeof *dst->pre);
    memcpy(dst->pre, src->pre, (src->n + 1) * sizeof *src->pre);
    dst->spread = src->spread;
    memcpy(dst->kind, src->kind, DAY_SPAN);
    memcpy(dst->years, src->years, sizeof dst->years);
    unlock(dst);
    unlock(src);
}

void zt_cal_coverage_at(const zt_calendar *cal, zt_day today, int warn_days, zt_cal_coverage *out) {
    memset(out, 0, sizeof *out);
    if (warn_days < 0) warn_days = 0;
    int ty, hy;
    zt_day_to_ymd(today, &ty, NULL, NULL);
    zt_day_to_ymd(clamp_day((int64_t)today + warn_days), &hy, NULL, NULL);
    rdlock(cal);
    int last = 0;
    for (int y = YEAR_HI; y >= YEAR_LO && !last; y--)
        if (cal->years[y - YEAR_LO]) last = y;
    for (int y = ty; y <= hy && !out->missing_year; y++)
        if (y < YEAR_LO || y > YEAR_HI || !cal->years[y - YEAR_LO]) out->missing_year = y;
    unlock(cal);
    out->any = last != 0;
    if (out->any) out->until = zt_day_from_ymd(last, 12, 31);
    out->next_year = out->missing_year ? out->missing_year : out->any ? last + 1 : ty;
    out->degraded = !out->any || out->missing_year || (int64_t)today >= (int64_t)out->until - warn_days;
}

int zt_cal_is_working(const zt_calendar *cal, zt_day day, zt_day_kind *kind, char *name, size_t name_len) {
    rdlock(cal);
    int w = working_locked(cal, day, kind);
    if (name && name_len > 0) {
        const char *src = "";
        if (in_window(day) && cal->kind[day - DAY_LO]) src = cal->list[lower_bound(cal, day)].name;
        copy_utf8(name, name_len, src);
    }
    unlock(cal);
    return w;
}

static zt_day add_locked(const zt_calendar *cal, zt_day start, int n) {
    if (n == 0) return start;
    /* Working days after start have ranks rank(start+1), rank(start+1)+1...;
     * those before it rank(start)-1, rank(start)-2... */
    int64_t k = n > 0 ? rank(cal, (int64_t)start + 1) + n - 1 : rank(cal, start) + n;
    return clamp_day(select_rank(cal, k));
}

zt_day zt_cal_add(const zt_calendar *cal, zt_day start, int n) {
    rdlock(cal);
    zt_day d = add_locked(cal, start, n);
    unlock(cal);
    return d;
}

int zt_cal_between(const zt_calendar *cal, zt_day from, zt_day to) {
    rdlock(cal);
    int64_t c = rank(cal, (int64_t)to + 1) - rank(cal, (int64_t)from + 1);
    unlock(cal);
    /* Only spans of over 8 million years reach these. */
    if (c > INT_MAX) return INT_MAX;
    if (c < INT_MIN) return INT_MIN;
    return (int)c;
}

int64_t zt_cal_deadline(const zt_calendar *cal, int64_t start, int n) {
    zt_day last = zt_cal_add(cal, zt_day_of_instant(start), n);
    return zt_day_start((zt_day)((int64_t)last + 1 > INT32_MAX ? INT32_MAX : last + 1));
}

/* ---- working seconds --------------------------------------------------- */

/* Office periods as sorted, disjoint [start, end) seconds after midnight. */
typedef struct periods {
    int n;
    int64_t start[2], end[2];
} periods;

static void normalize_hours(const zt_office_hours *h, periods *p) {
    p->n = 0;
    for (int i = 0; i < 2; i++) {
        int64_t s = h->start[i] < 0 ? 0 : h->start[i];
        int64_t e = h->end[i];
        if (e <= s) continue;
        p->start[p->n] = s;
        p->end[p->n] = e;
        p->n++;
    }
    if (p->n == 2 && p->start[1] < p->start[0]) {
        int64_t s = p->start[0], e = p->end[0];
        p->start[0] = p->start[1];
        p->end[0] = p->end[1];
        p->start[1] = s;
        p->end[1] = e;
    }
    /* Overlapping periods (a configuration slip) must not count twice. */
    if (p->n == 2 && p->start[1] <= p->end[0]) {
        if (p->end[1] > p->end[0]) p->end[0] = p->end[1];
        p->n = 1;
    }
}

/* Seconds of [a, b) (seconds after a working day's midnight) that count:
 * all of them, or those inside the office periods. */
static int64_t counted(const periods *p, int64_t a, int64_t b) {
    if (b <= a) return 0;
    if (!p) return b - a;
    int64_t sum = 0;
    for (int i = 0; i < p->n; i++) {
        int64_t s = p->start[i] > a ? p->start[i] : a;
        int64_t e = p->end[i] < b ? p->end[i] : b;
        if (e > s) sum += e - s;
    }
    return sum;
}

/* zt_day_start(e) given that day e - n started at s: usually s + n days, which
 * one localtime_r() confirms far more cheaply than mktime() finds it. */
static int64_t start_after(int64_t s, int64_t n, int64_t e) {
    time_t t = (time_t)(s + n * SECS_PER_DAY);
    struct tm tm;
    if (localtime_r(&t, &tm) && secs_of_tm(&tm) == 0 && day_of_tm(&tm) == e) return t;
    return zt_day_start((zt_day)e);
}

/* Whole days [a, b) whose starts are sa and sb. Days are taken a week at a
 * time: when a week is exactly 7 * 86400 s long (always, in a zone without
 * daylight saving) its working days are counted by rank() and each is worth
 * a standard day; a week holding a clock change is walked day by day. */
static int64_t whole_days(const zt_calendar *cal, int64_t a, int64_t b, int64_t sa, int64_t sb, const periods *p) {
    int64_t total = 0;
    int64_t std_day = counted(p, 0, SECS_PER_DAY);
    /* Outside the listing window no case lives and nothing is listed: days
     * there count as standard days, so an absurd span stays O(1) instead of
     * walking millions of weeks. */
    int64_t wa = a < DAY_LO ? DAY_LO : a, wb = b > DAY_HI + 1 ? DAY_HI + 1 : b;
    if (wa >= wb) return (rank(cal, b) - rank(cal, a)) * std_day;
    if (wa > a) {
        total += (rank(cal, wa) - rank(cal, a)) * std_day;
        sa = zt_day_start((zt_day)wa);
    }
    if (wb < b) {
        total += (rank(cal, b) - rank(cal, wb)) * std_day;
        sb = zt_day_start((zt_day)wb);
    }
    a = wa;
    b = wb;
    for (int64_t c = a; c < b;) {
        int64_t e = b - c > WEEK ? c + WEEK : b;
        int64_t se = e == b ? sb : start_after(sa, e - c, e);
        if (se - sa == (e - c) * SECS_PER_DAY) {
            total += (rank(cal, e) - rank(cal, c)) * std_day;
        } else {
            int64_t s = sa;
            for (int64_t d = c; d < e; d++) {
                int64_t next = d + 1 == e ? se : zt_day_start((zt_day)(d + 1));
                if (working_locked(cal, d, NULL)) total += counted(p, 0, next - s);
                s = next;
            }
        }
        c = e;
        sa = se;
    }
    return total;
}

int64_t zt_cal_working_seconds(const zt_calendar *cal, int64_t from, int64_t to, const zt_office_hours *hours) {
    if (to <= from) return 0;
    /* Instants beyond the zt_day range have no day; clamping them also keeps
     * every sum below far from int64 overflow. */
    const int64_t tmin = (int64_t)INT32_MIN * SECS_PER_DAY, tmax = (int64_t)INT32_MAX * SECS_PER_DAY;
    from = from < tmin ? tmin : from > tmax ? tmax : from;
    to = to < tmin ? tmin : to > tmax ? tmax : to;
    if (to <= from) return 0;
    periods ph, *p = NULL;
    if (hours) {
        normalize_hours(hours, &ph);
        p = &ph;
    }
    /* The partial first and last days are clipped against their own
     * zt_day_start() boundaries; only whole days in between are counted in
     * bulk. */
    int64_t d0 = zt_day_of_instant(from);
    int64_t d1 = zt_day_of_instant(to - 1);
    int64_t s0 = zt_day_start((zt_day)d0);
    int64_t total = 0;

    rdlock(cal);
    if (d1 <= d0) {
        if (working_locked(cal, d0, NULL)) total = counted(p, from - s0, to - s0);
    } else {
        int64_t e0 = zt_day_start((zt_day)(d0 + 1));
        int64_t s1 = zt_day_start((zt_day)d1);
        if (working_locked(cal, d0, NULL)) total += counted(p, from - s0, e0 - s0);
        total += whole_days(cal, d0 + 1, d1, e0, s1, p);
        if (working_locked(cal, d1, NULL)) total += counted(p, 0, to - s1);
    }
    unlock(cal);
    return total;
}

/* ---- data file --------------------------------------------------------- */

typedef struct pending {
    listing l;
    int line;
} pending;

static int fail_line(char *err, size_t errlen, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail_line(char *err, size_t errlen, int line, const char *fmt, ...) {
    if (err && errlen > 0) {
        int k = snprintf(err, errlen, "line %d: ", line);
        if (k >= 0 && (size_t)k < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* Well-formed UTF-8 without control characters (names end up in JSON and
 * on printed notices). */
static int clean_utf8(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7F) return 0;
    return zt_utf8_valid((const char *)s, n);
}

static int field_is(const char *f, size_t n, const char *word) { return n == strlen(word) && memcmp(f, word, n) == 0; }

static int by_day_then_line(const void *a, const void *b) {
    const pending *x = a, *y = b;
    if (x->l.day != y->l.day) return x->l.day < y->l.day ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

int zt_cal_load_tsv(zt_calendar *cal, const char *text, size_t len, char *err, size_t errlen) {
    uint8_t years[YEAR_HI - YEAR_LO + 1] = {0};
    pending *pend = NULL;
    size_t np = 0, cap = 0;
    int line = 0;
    const char *p = text, *end = text ? text + len : NULL;

    if (err && errlen > 0) err[0] = '\0';
    /* Parse everything into pend/years first; the calendar is touched only
     * once the whole text has passed. */
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        line++;
        if (eol > p && eol[-1] == '\r') eol--;
        size_t n = (size_t)(eol - p);
        if (n == 0 || p[0] == '#') {
            p = next;
            continue;
        }

        const char *f[3];
        size_t fl[3];
        int nf = 0;
        const char *q = p;
        for (;;) {
            const char *tab = memchr(q, '\t', (size_t)(eol - q));
            const char *fe = tab ? tab : eol;
            if (nf == 3) {
                free(pend);
                return fail_line(err, errlen, line, "too many fields");
            }
            f[nf] = q;
            fl[nf] = (size_t)(fe - q);
            nf++;
            if (!tab) break;
            q = tab + 1;
        }

        if (field_is(f[0], fl[0], "year")) {
            int y = 0;
            int ok = nf == 2 && fl[1] == 4;
            for (size_t i = 0; ok && i < 4; i++) {
                ok = is_digit(f[1][i]);
                y = y * 10 + (f[1][i] - '0');
            }
            if (!ok || y < YEAR_LO || y > YEAR_HI) {
                free(pend);
                return fail_line(err, errlen, line, "expected \"year<TAB>YYYY\" with a year in %d-%d", YEAR_LO,
                                 YEAR_HI);
            }
            years[y - YEAR_LO] = 1;
            p = next;
            continue;
        }

        pending pd = {.line = line};
        char date[11];
        if (fl[0] != 10) {
            free(pend);
            return fail_line(err, errlen, line, "expected a YYYY-MM-DD date or \"year\"");
        }
        memcpy(date, f[0], 10);
        date[10] = '\0';
        zt_day day;
        if (zt_day_parse(date, &day) != 0) {
            /* quoted back to the uploader and on terminals: keep it ASCII */
            for (int i = 0; i < 10; i++)
                if (date[i] < 0x20 || date[i] > 0x7E) date[i] = '?';
            free(pend);
            return fail_line(err, errlen, line, "bad date \"%s\"", date);
        }
        if (nf != 3) {
            free(pend);
            return fail_line(err, errlen, line, "expected date<TAB>kind<TAB>name");
        }
        if (field_is(f[1], fl[1], "holiday")) {
            pd.l.kind = ZT_DAY_HOLIDAY;
        } else if (field_is(f[1], fl[1], "makeup")) {
            pd.l.kind = ZT_DAY_MAKEUP;
        } else {
            free(pend);
            return fail_line(err, errlen, line, "kind must be \"holiday\" or \"makeup\"");
        }
        /* A make-up day on a weekday changes nothing; in an official file it
         * means the data is wrong, so stop rather than trust the rest. */
        if (pd.l.kind == ZT_DAY_MAKEUP && weekday_rule(day)) {
            free(pend);
            return fail_line(err, errlen, line, "makeup day %s is not a Saturday or Sunday", date);
        }
        if (fl[2] == 0 || fl[2] > NAME_MAX_BYTES) {
            free(pend);
            return fail_line(err, errlen, line, "name must be 1-%d bytes", NAME_MAX_BYTES);
        }
        if (!clean_utf8((const unsigned char *)f[2], fl[2])) {
            free(pend);
            return fail_line(err, errlen, line, "name is not clean UTF-8");
        }
        pd.l.day = day;
        memcpy(pd.l.name, f[2], fl[2]);
        pd.l.name[fl[2]] = '\0';
        if (np == cap) {
            cap = cap ? cap * 2 : 256;
            pend = zt_realloc(pend, cap * sizeof *pend);
        }
        pend[np++] = pd;
        p = next;
    }

    if (np > 0) qsort(pend, np, sizeof *pend, by_day_then_line);
    for (size_t i = 1; i < np; i++) {
        if (pend[i].l.day == pend[i - 1].l.day) {
            char date[11];
            zt_day_format(pend[i].l.day, date);
            int first = pend[i - 1].line, again = pend[i].line;
            free(pend);
            return fail_line(err, errlen, again, "%s already listed on line %d", date, first);
        }
    }

    /* Apply: merge the sorted new listings with the old ones (new wins). */
    wrlock(cal);
    size_t room = cal->n + np;
    listing *merged = zt_malloc(room * sizeof *merged);
    size_t i = 0, j = 0, m = 0;
    while (i < cal->n || j < np) {
        if (j == np || (i < cal->n && cal->list[i].day < pend[j].l.day)) {
            merged[m++] = cal->list[i++];
        } else {
            if (i < cal->n && cal->list[i].day == pend[j].l.day) i++;
            merged[m] = pend[j++].l;
            cal->kind[merged[m].day - DAY_LO] = merged[m].kind;
            m++;
        }
    }
    free(cal->list);
    cal->list = merged;
    cal->n = m;
    cal->cap = room;
    for (int y = 0; y <= YEAR_HI - YEAR_LO; y++) cal->years[y] |= years[y];
    rebuild_prefix(cal);
    unlock(cal);

    free(pend);
    return (int)np;
}
