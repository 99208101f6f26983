/* intake.h - events reported by departments' own systems (issue #5):
 * the validation of one event of docs/supervision-events.md, shared by
 * intake.c (POST /api/supervision/events) and tests/fuzz/fuzz_events.c.
 * The route itself is zt_sv_intake_routes (supervise.h). */
#ifndef ZT_SV_INTAKE_H
#define ZT_SV_INTAKE_H

#include <jansson.h>

#include "base/err.h"

/* Most events one request may carry ({"events": [...]}). */
#define ZT_SV_BATCH_MAX 1000

/* Check one event (ev, borrowed) sent by the system of department
 * dept_code in region dept_region (NULL = any): the envelope, and - by the
 * subject's kind (kind.h) - the members the engine needs to place and
 * identify it (docs/supervision-events.md, "Reporting from a department's
 * system"). The body's department must be dept_code, its regions within
 * dept_region, "source" "dept:{dept_code}", an id not of the platform's
 * form; a missing "source" is filled in (and a kind may fill in a member),
 * on success only - nothing at all on failure. Missing step detail (a
 * refusal's reason, a fee) is not checked here: the rules raise cards for
 * it. Reads zt_now() (an event may be at most one day ahead).
 *
 * Returns ZT_OK, or ZT_EINVAL with e->field the member's path within the
 * event ("case.legal_days", "step.result"; "event" when ev is not an
 * object) and a Chinese message. */
zt_err zt_sv_event_check(json_t *ev, const char *dept_code, const char *dept_region, zt_error *e);

#endif
