/* platform.h - the working-day calendar as data and API, and the clock API
 * (fake-clock mode for tests). The calendar functions live in
 * base/calendar.h; this is where they meet the store and HTTP. */
#ifndef ZT_PLATFORM_H
#define ZT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "http/http.h"

/* Fill app->cal from the database. */
zt_err zt_calendar_load_db(zt_app *app, zt_error *e);
/* Import a calendar file (data/calendar.tsv format): checked whole first,
 * then, for every year it covers, the official listings of that year are
 * replaced by the file's (local holidays are kept). Updates app->cal and
 * runs the calendar-change hook in the same write ("导入 2027 年工作日历").
 * *days and *years (may be NULL) get what was imported. */
zt_err zt_calendar_import(zt_app *app, const char *text, size_t len, const char *source, int *days, int *years,
                          zt_error *e);
/* Add or change one listed day (a local holiday, or a correction); kind
 * NULL removes the day's local listing (the official one beneath comes
 * back). Updates app->cal and runs the calendar-change hook in the same
 * write ("设置 2026-06-15 为节假日（市庆）"). */
zt_err zt_calendar_set_day(zt_app *app, const zt_principal *actor, const char *date, const char *kind, const char *name,
                           zt_error *e);
/* How far the calendar reaches, seen from today (zt_today(): the fake
 * clock's day under --fake-clock) with calendar.warn_days of warning
 * (docs/calendar.md, "When the calendar runs out"): a new object
 *   {status: "ok"|"degraded", covered_until: "2026-12-31" (the last day of
 *    the last covered year; null when none is), warn_days, message}
 * where message is Chinese: the last covered day and what to do (import the
 * next year). With full, also years (the covered ones, ascending),
 * next_year (the year to import) and today. /healthz's calendar member
 * (a data-maintenance warning: the node's own status is the store's) and
 * GET /api/calendar/coverage. */
json_t *zt_calendar_coverage_json(const zt_app *app, int full);

/* Parse "09:00-12:00,13:30-17:30". */
zt_err zt_office_hours_parse(const char *s, zt_office_hours *h, zt_error *e);

/* What runs when an administrator moves the fake clock (PUT
 * /api/admin/clock): fn(app, now, e) after the clock was set, before the
 * answer; an error it returns is the request's answer. main registers the
 * supervision tick, so that the signals now due fire at once (platform is
 * below supervise and does not call it). One hook, registered before the
 * server starts; NULL or never registered: nothing runs. */
typedef zt_err (*zt_clock_set_fn)(zt_app *app, int64_t now, zt_error *e);
void zt_platform_on_clock_set(zt_clock_set_fn fn);

/* What runs when the calendar changes (an import, a day set or unset):
 * fn(db, why, e) inside that change's write transaction, after its rows and
 * its audit record, so that the change and what it triggers commit
 * together. why is a short Chinese reason for the ledger ("导入 2027 年工作日历",
 * "设置 2026-06-15 为节假日（市庆）"), valid during the call. When fn runs,
 * app->cal already answers with the changed calendar (and gets its old
 * self back if the write fails). An error fn returns rolls the change back
 * and is the change's error. cal is the calendar with the change. main
 * registers the cases' and supervision's re-dating (deadlines already
 * computed move; platform is below both and calls neither), for serve and
 * for the CLI alike.
 * One hook, registered before anything writes; NULL or never registered:
 * nothing runs. */
typedef zt_err (*zt_calendar_change_fn)(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e);
void zt_platform_on_calendar_change(zt_calendar_change_fn fn);

/* Routes: calendar queries and administration; the clock routes only when
 * fake_clock is set (otherwise PUT /api/admin/clock does not exist). */
const zt_route *zt_platform_routes(int fake_clock, size_t *n);

#endif
