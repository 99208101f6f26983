/* internal.h - what the files of src/experts share (not for other folders). */
#ifndef ZT_EXPERTS_INTERNAL_H
#define ZT_EXPERTS_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "base/calendar.h"
#include "http/http.h"
#include "store/store.h"

/* The classification (data/experts/specialties.json), loaded once: the
 * document, and whether code is one of its second-level specialties. */
json_t *zt_experts_specialties(const zt_app *app);
int zt_experts_specialty_known(const zt_app *app, const char *code);

/* Age in whole years on day of someone born on birth (YYYY-MM-DD). */
int zt_experts_age(const char *birth, zt_day day);

/* SHA-256 of len bytes as 64 lower-case hex characters + NUL. */
void zt_experts_sha256_hex(const void *data, size_t len, char out[65]);

/* The retirement job's one run: every active or suspended expert past
 * experts.age_limit on now's day is retired through the flow (actor: the
 * system), each logged; *n (may be NULL) gets how many. */
zt_err zt_experts_retire_due(zt_app *app, int64_t now, int *n, zt_error *e);

/* After a rating (inside the write): when the expert's average rating is
 * below experts.pass_mark and he is still in the pool, he is removed
 * (retire, as the system, the reason naming the average); *removed says. */
zt_err zt_experts_check_rating(zt_db *db, const zt_app *app, int64_t expert_id, int64_t at, int *removed, zt_error *e);

/* The steps of an instance (flow_events) as the answers show them:
 * [{action, from, to, actor, actor_role, at, fields}], into o's "history". */
zt_err zt_experts_history(zt_db *db, const char *subject_type, const char *number, json_t *o, zt_error *e);

/* The draws' routes (draw.c), served in zt_experts_routes' set. */
const zt_route *zt_expert_draws_routes(size_t *n);

#endif
