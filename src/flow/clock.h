/* clock.h - the legal clock (法定时限) of a case: its deadlines from what
 * happened to it, on the working-day calendar (docs/supervision-events.md,
 * "The clock rule").
 *
 * One computation for the two places that need it: the services when they
 * record a step (the dates a case shows its applicant and its staff) and
 * supervision when it folds a case's events (the moments of its signals), so
 * that both say the same day by construction. Pure: no database and no clock
 * of its own; every day and instant is given by the caller.
 *
 *   accept_day    the day the clock starts (受理); WD_k is the k-th working
 *                 day after it (the day itself is not counted)
 *   due(n)        the end of WD_{n + not_counted}: a limit of n working days
 *                 pushed back by the working days special procedures stopped
 *   special       a special procedure (特别程序: hearing, testing, expert
 *                 review, extension ...) from day S to day E stops the clock
 *                 for the working days in (S, E]; S itself was counted
 *   deemed        a 补正 notice later than the acceptance limit after the
 *                 submission: the application counts as accepted on the day
 *                 it arrived (行政许可法 §32)
 *
 * Days are zt_day (base/calendar.h); instants are Unix seconds, turned into
 * days in the city's time zone by the caller. */
#ifndef ZT_FLOW_CLOCK_H
#define ZT_FLOW_CLOCK_H

#include <stdint.h>

#include "base/calendar.h"
#include "base/err.h"

/* Special procedures one case may have (a bigger history keeps the first). */
#define ZT_LCLOCK_MAX_SPECIAL 32

/* The special procedure that extends the review period (延长审查期限) rather
 * than waiting for something outside the department: bounded by the item's
 * legal extension (行政许可法 §42: 10 working days with the head's approval). */
#define ZT_LCLOCK_EXTENSION         "延长审查期限"
#define ZT_LCLOCK_EXTENSION_DEFAULT 10
/* The acceptance limit: 受理 or 一次性告知补正 within 5 working days (§32). */
#define ZT_LCLOCK_ACCEPTANCE_DEFAULT 5

typedef struct zt_lclock_special {
    zt_day start, end;        /* end is valid once ended */
    int64_t start_at, end_at; /* the instants reported (signals name them) */
    int granted;              /* working days granted to it (0 = none said) */
    int ended;
    int not_counted; /* working days it stopped the clock (once ended) */
} zt_lclock_special;

typedef struct zt_lclock {
    int promised, legal; /* the limits in working days (0 = the same day, 即办) */
    int accepted;        /* the clock runs from accept_day */
    zt_day accept_day;
    int64_t accepted_at; /* the instant of acceptance (the submission when deemed) */
    int deemed;          /* accepted by law, not by a step */
    int not_counted;     /* working days finished special procedures stopped */
    int nspecial;
    zt_lclock_special special[ZT_LCLOCK_MAX_SPECIAL];
} zt_lclock;

/* A clock with its limits, not yet started. */
void zt_lclock_init(zt_lclock *c, int promised, int legal);

/* Acceptance on day (at: its instant). Only the first one starts the clock:
 * 0, or -1 when the clock already runs (nothing changes). */
int zt_lclock_accept(zt_lclock *c, zt_day day, int64_t at);

/* A 补正 notice at instant notice for an application submitted at instant
 * submitted: later than `days` working days after the submission day (the
 * notice is due by the end of WD_days), the application is deemed accepted
 * on its submission day. Returns 1 when that happened (the clock now runs
 * from the submission day; an acceptance before is replaced), else 0. */
int zt_lclock_supplement(zt_lclock *c, const zt_calendar *cal, int64_t submitted, int64_t notice, int days);

/* A special procedure starts on day (at: the instant reported) with
 * `granted` working days. 0, or -1 when one is already under way or the
 * history is full (nothing changes). */
int zt_lclock_suspend(zt_lclock *c, zt_day day, int64_t at, int granted);

/* The special procedure under way ends on day (at: the instant reported).
 * Returns the working days it stopped the clock (those in (start, end]; 0
 * when it ended on its start day or earlier), or -1 when none is under way. */
int zt_lclock_resume(zt_lclock *c, const zt_calendar *cal, zt_day day, int64_t at);

/* The special procedure under way, or NULL. */
const zt_lclock_special *zt_lclock_running(const zt_lclock *c);

/* The last day of a limit of n working days: WD_{n + not_counted}. The
 * clock must run. */
zt_day zt_lclock_due(const zt_lclock *c, const zt_calendar *cal, int n);
/* The instant the n-th working day starts: the start of WD_{n + not_counted}
 * (a limit of n days is passed at zt_lclock_moment(c, cal, n + 1)). */
int64_t zt_lclock_moment(const zt_lclock *c, const zt_calendar *cal, int n);
/* The instant a special procedure's granted days are passed, plus offset
 * working days: the start of WD_{granted + offset} after its start day. */
int64_t zt_lclock_special_moment(const zt_lclock_special *s, const zt_calendar *cal, int offset);

/* Working days the clock ran from the acceptance day to day end (less what
 * special procedures stopped; never negative). 0 before acceptance. */
int zt_lclock_elapsed(const zt_lclock *c, const zt_calendar *cal, zt_day end);

/* Is a special procedure of this type and length allowed for an item whose
 * legal extension is `extension` working days? Only 延长审查期限 is bounded:
 * ZT_EINVAL naming "days" beyond it (Chinese message with the basis). */
zt_err zt_lclock_check_special(const char *type, int64_t days, int extension, zt_error *e);

/* Does the calendar cover the year of day (its holidays were imported)? A
 * deadline in a year it does not cover is provisional: it assumes the
 * weekday rule, which the year's holidays will change. */
int zt_lclock_covered(const zt_calendar *cal, zt_day day);

#endif
