#include "base/clock.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"

static atomic_int fake;
static _Atomic int64_t fake_us;

static int64_t real_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t zt_now_us(void) { return atomic_load(&fake) ? atomic_load(&fake_us) : real_us(); }
int64_t zt_now(void) { return zt_now_us() / 1000000; }

int64_t zt_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void zt_clock_enable_fake(void) {
    atomic_store(&fake_us, real_us());
    atomic_store(&fake, 1);
}

int zt_clock_is_fake(void) { return atomic_load(&fake); }

void zt_clock_set_us(int64_t us) {
    if (atomic_load(&fake)) atomic_store(&fake_us, us);
}

void zt_time_format(int64_t t, char out[32]) {
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    /* RFC 3339 offsets are whole minutes. A zone's local mean time before
     * standard time is not (Asia/Shanghai until 1901: +08:05:43), and "%z"
     * would drop the seconds, naming another instant: write UTC then. */
    long off = tm.tm_gmtoff;
    if (off % 60 != 0) {
        gmtime_r(&tt, &tm);
        off = 0;
    }
    long abs_off = off < 0 ? -off : off;
    char buf[96];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', abs_off / 3600, abs_off / 60 % 60);
    size_t n = strnlen(buf, 31);
    memcpy(out, buf, n);
    out[n] = 0;
}

static int digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int zt_time_parse(const char *s, int64_t *t) {
    int hh, mi, ss;
    zt_day day;
    char date[11];
    if (!s || strlen(s) < 20) return -1;
    memcpy(date, s, 10);
    date[10] = 0;
    if (zt_day_parse(date, &day) != 0) return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return -1;
    if (digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &ss))
        return -1;
    if (hh > 23 || mi > 59 || ss > 60) return -1;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
    }
    int off;
    if (*p == 'Z' || *p == 'z') {
        off = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59) return -1;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p) return -1;
    *t = (int64_t)day * 86400 + hh * 3600 + mi * 60 + ss - off;
    return 0;
}
