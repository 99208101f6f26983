/* views.h - a supervised subject as the views show it (inside
 * src/supervise): the common columns of sv_subjects and its kind's detail
 * in one JSON object, for the subject view, the subjects list and a card's
 * summary of its subject. */
#ifndef ZT_SV_VIEWS_H
#define ZT_SV_VIEWS_H

#include <jansson.h>

#include "store/store.h"

#define ZT_SV_SUBJECT_COLS                                                                                             \
    "s.id, s.subject_type, s.subject, s.source, s.dept_code, s.region_code, s.title, s.state, s.opened_at,"            \
    " s.due_day, s.closed_at, s.events, s.last_event_at, s.evaluated_at, s.updated_at, s.detail, s.topic"

/* Into out: the common members of the row of ZT_SV_SUBJECT_COLS that
 * starts at column col (state, submitted_at, due_day, closed, closed_at,
 * events, last_event_at, evaluated_at, updated_at), then the kind's detail
 * (instants - names ending in _at or _since - as RFC 3339). */
void zt_sv_subject_common(json_t *out, zt_stmt *st, int col);

#endif
