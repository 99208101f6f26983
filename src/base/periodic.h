/* periodic.h - a background job on a thread of its own: the supervision
 * ticker, the ledger's checkpointer, the uploads' sweep. */
#ifndef ZT_PERIODIC_H
#define ZT_PERIODIC_H

#include <stdint.h>

typedef struct zt_periodic zt_periodic;

/* What the thread runs: stopping is 1 on the last run (see final). */
typedef void (*zt_periodic_fn)(void *arg, int stopping);

/* Run fn(arg, 0) every interval_ms milliseconds (the first run one interval
 * after the start) and at once when poked, until stopped; with final, one
 * more run fn(arg, 1) as it stops. NULL when the thread cannot start. */
zt_periodic *zt_periodic_start(int64_t interval_ms, int final, zt_periodic_fn fn, void *arg);
/* Run the job now (or as soon as the run under way ends). */
void zt_periodic_poke(zt_periodic *p);
/* Stop: the run under way finishes (and the final one runs), the thread is
 * joined and p freed. NULL does nothing. */
void zt_periodic_stop(zt_periodic *p);

#endif
