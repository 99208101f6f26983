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
 * replaced by the file's (local holidays are kept). Updates app->cal.
 * *days and *years (may be NULL) get what was imported. */
zt_err zt_calendar_import(zt_app *app, const char *text, size_t len, const char *source, int *days, int *years,
                          zt_error *e);
/* Add or change one listed day (a local holiday, or a correction). */
zt_err zt_calendar_set_day(zt_app *app, const zt_principal *actor, const char *date, const char *kind, const char *name,
                           zt_error *e);
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

/* Routes: calendar queries and administration; the clock routes only when
 * fake_clock is set (otherwise PUT /api/admin/clock does not exist). */
const zt_route *zt_platform_routes(int fake_clock, size_t *n);

#endif
