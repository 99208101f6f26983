/* benchgen.h - the bulk generator of benchmark data (zhengtong bench-gen).
 *
 * It adds N cases by cloning template cases: cases made through the real
 * API (bench/seed.mjs walks them through the real handlers, engine and
 * ledger). A clone copies every row its template's history left, with the
 * template's times, under a new number from the same numbering
 * (zt_number_next, the template's region and day):
 *   cases (new query hash, idem_key "bench-gen:{number}"), case_joint,
 *   flow_events (the steps), case_materials (the template's uploads), sv_events,
 *   sv_subjects, sv_timers, audit_log, and the ledger entries about the
 *   case: the template entry's bytes with the clone's index and number
 *   (what zt_ledger_append writes for that event at that recorded time),
 *   their leaf hashes and the interior nodes they complete.
 * The template's number is replaced by the clone's in every text (event
 * ids, event bodies, facts, audit details, ledger payloads). So a clone's
 * rows are its template's rows with other ids and number: the rows the real
 * paths would have written for the same history at the same moments
 * (tests/api/benchgen.test.mjs reads clones back through the API against
 * their templates). Templates with supervision cards are not cloned (a
 * card has its own number, inbox rows and ledger entries). */
#ifndef ZT_BENCHGEN_H
#define ZT_BENCHGEN_H

#include <stdint.h>

#include "app.h"
#include "base/err.h"

typedef struct zt_benchgen_options {
    int64_t cases;         /* clones to add */
    int batch;             /* clones per write (transaction); default 1000 */
    const char *passwords; /* file for "number\tpassword\tstate\tdept" lines, or NULL */
    int64_t sample;        /* lines written there: every k-th clone so that about this many are listed */
    int quiet;             /* no progress lines on stderr */
} zt_benchgen_options;

typedef struct zt_benchgen_stats {
    int64_t templates, cases, ledger_entries, listed;
    double seconds;
} zt_benchgen_stats;

/* Clone o->cases cases round-robin over the templates in app's store
 * (zt_services_start must have run: it loads the query key). ZT_EINVAL
 * when the database holds no template; store errors as they come. Nothing
 * else may write to the store meanwhile (a command-line process). */
zt_err zt_benchgen_run(zt_app *app, const zt_benchgen_options *o, zt_benchgen_stats *st, zt_error *e);

#endif
