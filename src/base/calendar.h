/* calendar.h - civil dates and the working-day calendar (工作日历): the
 * legal clock that every deadline of the platform is computed on.
 *
 * A day is a zt_day: the number of days since 1970-01-01 (proleptic
 * Gregorian), independent of time zone. An instant is int64 Unix seconds.
 * Day boundaries of instants are in the process's local time zone, which
 * main sets once at start-up from the configuration (TZ, default
 * Asia/Shanghai) before any thread starts.
 *
 * Working day rule: Monday-Friday work and Saturday/Sunday rest, except days
 * listed in the calendar: an official or local holiday (休) is a rest day even
 * on a weekday; a make-up working day (调休上班) is a working day even on a
 * weekend. Years that no import covers follow the weekday rule alone;
 * zt_cal_covers() tells which years are covered.
 *
 * Thread safety: a zt_calendar may be read from many threads while one thread
 * changes it (an rwlock inside). */
#ifndef ZT_CALENDAR_H
#define ZT_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t zt_day;

/* Total: a month outside 1-12 carries into the year, a day outside the
 * month into the neighbouring months (2026-01-32 is 2026-02-01). */
zt_day zt_day_from_ymd(int y, int m, int d);
void zt_day_to_ymd(zt_day day, int *y, int *m, int *d);
/* ISO weekday: 1 = Monday ... 7 = Sunday. */
int zt_day_weekday(zt_day day);
/* Strict "YYYY-MM-DD" (real calendar date, year 1900-2999). 0 ok, -1 bad. */
int zt_day_parse(const char *s, zt_day *out);
/* Writes "YYYY-MM-DD" and a NUL into out (11 bytes); "0000-00-00" for a
 * day whose year is outside 0-9999. */
void zt_day_format(zt_day day, char out[11]);

/* Local-time-zone conversions. */
zt_day zt_day_of_instant(int64_t t);
/* The day of zt_now() (base/clock.h): today in the city. */
zt_day zt_today(void);
int64_t zt_day_start(zt_day day); /* the instant of 00:00:00 local */

typedef enum {
    ZT_DAY_WORKDAY = 0, /* ordinary Monday-Friday */
    ZT_DAY_WEEKEND,     /* ordinary Saturday/Sunday */
    ZT_DAY_HOLIDAY,     /* listed rest day (法定节假日 or local holiday) */
    ZT_DAY_MAKEUP       /* listed working day on a weekend (调休上班) */
} zt_day_kind;

/* "workday", "weekend", "holiday", "makeup" */
const char *zt_day_kind_name(zt_day_kind k);

typedef struct zt_calendar zt_calendar;

/* An empty calendar (weekday rule only). Listings are kept for days of
 * 1900-2999; outside that window every day follows the weekday rule. NULL
 * only if the lock cannot be created (out of memory aborts). */
zt_calendar *zt_cal_new(void);
void zt_cal_free(zt_calendar *cal);

/* List a day as ZT_DAY_HOLIDAY or ZT_DAY_MAKEUP with its name (copied, at most
 * 63 bytes of UTF-8 kept); local = 1 for a local holiday added by the city.
 * Replaces an earlier listing of that day. Returns 0, or -1 for a bad kind
 * or a day outside 1900-2999. Truncation never splits a UTF-8 sequence. */
int zt_cal_set(zt_calendar *cal, zt_day day, zt_day_kind kind, const char *name, int local);
/* Remove a listing; the day falls back to the weekday rule. 0, or -1 if unlisted. */
int zt_cal_unset(zt_calendar *cal, zt_day day);
/* Mark a year as covered by an official import / ask whether it is. */
void zt_cal_cover_year(zt_calendar *cal, int year);
int zt_cal_covers(const zt_calendar *cal, int year);
/* Covered years in ascending order into out (at most cap); returns the count
 * written (at most cap). Years outside 1900-2999 are never covered. */
int zt_cal_years(const zt_calendar *cal, int *out, int cap);

/* Make dst a copy of src (listings and covered years) in one step: dst's
 * readers see the old calendar or the new one, never a mix. dst's lock is
 * taken for writing while src's is held for reading, so two threads must
 * never assign two calendars to each other at once; src is meant to be a
 * private calendar (a snapshot, or one being built). */
void zt_cal_assign(zt_calendar *dst, const zt_calendar *src);

/* How far the covered years reach, seen from a day (today): the warning of
 * docs/calendar.md "When the calendar runs out". A year the calendar does
 * not cover counts on the weekday rule alone, so deadlines in it are
 * provisional; the operator must import the year when the State Council
 * publishes its holidays (in November of the year before). */
typedef struct zt_cal_coverage {
    int any;          /* some year is covered */
    zt_day until;     /* the last day (12-31) of the last covered year; 0 when none */
    int missing_year; /* the first year from today's to that of today + warn_days not covered, or 0 */
    int next_year;    /* the year to import: missing_year, else the one after until's (today's if none) */
    int degraded;     /* none covered, a year missing, or today >= until - warn_days (also after until) */
} zt_cal_coverage;

/* Fill out for the calendar seen from today, warning warn_days (>= 0) days
 * before the covered years end. */
void zt_cal_coverage_at(const zt_calendar *cal, zt_day today, int warn_days, zt_cal_coverage *out);

/* Load the data file format (data/calendar.tsv):
 *   # comment
 *   year<TAB>2026                       (the year is covered)
 *   2026-10-01<TAB>holiday<TAB>国庆节
 *   2026-09-20<TAB>makeup<TAB>国庆节      (a Sunday worked for National Day)
 * Returns the number of days listed, or -1 with a message ("line N: ...")
 * in err (errlen bytes) on the first bad line; nothing is changed then.
 * Blank lines and "\r\n" endings are accepted. Rejected: a date that is not a
 * real 1900-2999 date, a kind other than holiday/makeup, a makeup day on a
 * weekday, an empty name or one over 63 bytes or not clean UTF-8, a day
 * listed twice in the text, a field too many or too few. The text is merged
 * into the calendar as by zt_cal_set(..., local = 0): its days replace
 * earlier listings of the same days, other listings stay, its years are
 * added to the covered ones. text need not be NUL-terminated. */
int zt_cal_load_tsv(zt_calendar *cal, const char *text, size_t len, char *err, size_t errlen);

/* Is the day a working day? kind (may be NULL) gets why; name (may be NULL)
 * gets the listing's name ("" if none), name_len bytes. Returns 1 or 0. */
int zt_cal_is_working(const zt_calendar *cal, zt_day day, zt_day_kind *kind, char *name, size_t name_len);

/* The n-th working day after start (start itself not counted). n = 0 gives
 * start; n < 0 counts backwards (the |n|-th working day before start).
 * Cost does not grow with n (a binary search around the weekday-rule answer).
 * A result beyond the zt_day range saturates at INT32_MAX / INT32_MIN. */
zt_day zt_cal_add(const zt_calendar *cal, zt_day start, int n);

/* Working days in (from, to]: from excluded, to included. Negative
 * (-(working days in (to, from])) when to < from. Saturates at INT_MAX /
 * INT_MIN (spans of millions of years). */
int zt_cal_between(const zt_calendar *cal, zt_day from, zt_day to);

/* Deadline of a limit of n working days counted after the day of `start`
 * (the legal clock: the day of acceptance is not counted): the end of WD_n,
 * returned as the first instant after it, i.e. zt_day_start(WD_n + 1).
 * Something done at or after the returned instant is late. n = 0 gives the
 * end of the day of start. */
int64_t zt_cal_deadline(const zt_calendar *cal, int64_t start, int n);

/* Office hours: up to two periods per working day, in seconds after local
 * midnight (e.g. 09:00-12:00 and 13:30-17:30). A period with end <= start is
 * unused. */
typedef struct zt_office_hours {
    int32_t start[2];
    int32_t end[2];
} zt_office_hours;

/* Working seconds in [from, to): seconds that fall on working days, and,
 * when hours is not NULL, inside its periods. 0 when to <= from.
 * Overlapping periods count once. Day boundaries are zt_day_start(); on a day
 * with a clock change the periods are still seconds after that boundary. */
int64_t zt_cal_working_seconds(const zt_calendar *cal, int64_t from, int64_t to, const zt_office_hours *hours);

#endif
