/* clock.h - the one source of "now" (ARCHITECTURE: time comes from one clock
 * interface, so tests can move time).
 *
 * The real clock reads CLOCK_REALTIME. `serve --fake-clock` switches to a
 * settable clock: it starts at the real time and stays still until set. */
#ifndef ZT_CLOCK_H
#define ZT_CLOCK_H

#include <stdint.h>

/* Unix seconds / microseconds. */
int64_t zt_now(void);
int64_t zt_now_us(void);
/* Monotonic microseconds for measuring durations (never faked). */
int64_t zt_mono_us(void);

void zt_clock_enable_fake(void);
int zt_clock_is_fake(void);
/* Set the fake clock (microseconds since the epoch); ignored when not fake. */
void zt_clock_set_us(int64_t us);

/* Format an instant as RFC 3339 in local time ("2026-03-02T09:00:00+08:00"),
 * out must hold 32 bytes. Where the local offset is not a whole number of
 * minutes (local mean time before 1901) the instant is written in UTC
 * ("+00:00"), so zt_time_parse always reads back the same instant. */
void zt_time_format(int64_t t, char out[32]);
/* Parse RFC 3339 ("2026-03-02T09:00:00+08:00", "...Z", optional fraction).
 * 0 ok (*t in Unix seconds, fraction dropped), -1 bad. */
int zt_time_parse(const char *s, int64_t *t);

#endif
