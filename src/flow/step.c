/* step.c - the process engine (step.h): check, compare-and-set, number,
 * hook, sink. */
#include "flow/step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/json.h"

static zt_flow_sink_fn sink;

void zt_flow_set_sink(zt_flow_sink_fn fn) { sink = fn; }

/* The command line acts as the system (imports, init). */
static const zt_principal CLI = {.role = "system", .login = "cli", .name = "命令行"};

static const char *stype(const zt_flow_instance *in) {
    return in->subject_type ? in->subject_type : in->owner->subject_type;
}

static const char *state_col(const zt_flow_owner *o) { return o->state_column ? o->state_column : "state"; }

int64_t zt_flow_times(zt_db *db, const char *subject_type, const char *subject, const char *action,
                      const char *dept_code, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              dept_code ? "SELECT count(*) FROM flow_events WHERE subject_type = ? AND subject = ?"
                                          " AND action = ? AND actor_dept = ?"
                                        : "SELECT count(*) FROM flow_events WHERE subject_type = ? AND subject = ?"
                                          " AND action = ?",
                              ZT_T(subject_type), ZT_T(subject), ZT_T(action));
    if (!st) return -1;
    if (dept_code) zt_bind_text(st, 4, dept_code);
    zt_err rc = zt_step(st, e);
    int64_t n = rc == ZT_ROW ? zt_col_int(st, 0) : -1;
    zt_db_release(db);
    return n;
}

/* The checks a step and a view share: the action exists, the owner lets the
 * actor near the instance, the definition admits the role from this state
 * given the history. */
static zt_err check(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor,
                    zt_flow_action_info *ai, zt_error *e) {
    if (!action || zt_flow_action(in->def, action, ai))
        return zt_fail(e, ZT_EINVAL, "action", "没有这个动作：%s", action ? action : "");
    zt_err rc = in->owner->may ? in->owner->may(db, in, actor, ai, e) : ZT_OK;
    if (rc) return rc;
    int64_t times = 0;
    if (ai->once_per_case || ai->parallel) {
        times = zt_flow_times(db, stype(in), in->subject, action,
                              ai->parallel ? (actor->dept_code ? actor->dept_code : "") : NULL, e);
        if (times < 0) return e->code ? e->code : ZT_EINTERNAL;
    }
    int done = 1;
    if (ai->requires_all_parallel && in->owner->parallel_done)
        done = in->owner->parallel_done(db, in, ai->requires_all_parallel);
    return zt_flow_allowed(in->def, in->state, action, actor->role, (int)times, done, e);
}

zt_err zt_flow_may(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor, zt_error *e) {
    zt_flow_action_info ai;
    return check(db, in, action, actor ? actor : &CLI, &ai, e);
}

static zt_err next_seq(zt_db *db, const zt_flow_instance *in, int64_t *seq, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e, "SELECT coalesce(max(seq), 0) + 1 FROM flow_events WHERE subject_type = ? AND subject = ?",
                    ZT_T(stype(in)), ZT_T(in->subject));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) *seq = zt_col_int(st, 0);
    zt_db_release(db);
    return rc == ZT_ROW ? ZT_OK : rc == ZT_DONE ? zt_fail(e, ZT_EINTERNAL, NULL, "no event number") : rc;
}

/* The state compare-and-set on the owner's row: what the caller read must
 * still hold, or another request moved the instance first. */
static zt_err move(zt_db *db, const zt_flow_instance *in, const char *to, int64_t now, zt_error *e) {
    char sql[256];
    const char *col = state_col(in->owner);
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = ?, updated_at = ? WHERE id = ? AND %s = ?%s", in->owner->table, col,
             col, in->updated_at ? " AND updated_at = ?" : "");
    zt_stmt *st = zt_db_query(db, e, sql, ZT_T(to), ZT_I(now), ZT_I(in->row_id), ZT_T(in->state));
    if (!st) return ZT_EINTERNAL;
    if (in->updated_at) zt_bind_int(st, 5, in->updated_at);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    if (zt_db_changes(db) != 1) return zt_fail(e, ZT_ECONFLICT, "state", "状态已经变化，请刷新后重试");
    return ZT_OK;
}

static zt_err insert_event(zt_db *db, const zt_flow_move *s, const char *event_id, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action,"
                                " from_state, to_state, actor_id, actor, actor_role, actor_dept, at, fields)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                e);
    if (!st) return ZT_EINTERNAL;
    char *text = json_dumps(s->fields, JSON_COMPACT);
    const zt_principal *p = s->actor;
    zt_bind_text(st, 1, stype(s->in));
    zt_bind_text(st, 2, s->in->subject);
    zt_bind_int(st, 3, s->seq);
    zt_bind_int(st, 4, s->in->row_id);
    zt_bind_text(st, 5, event_id);
    zt_bind_text(st, 6, s->action.id);
    zt_bind_text(st, 7, s->from);
    zt_bind_text(st, 8, s->to);
    if (p->user_id)
        zt_bind_int(st, 9, p->user_id);
    else
        zt_bind_null(st, 9);
    zt_bind_text(st, 10, p->login ? p->login : "system");
    zt_bind_text(st, 11, p->role ? p->role : "system");
    zt_bind_text(st, 12, p->dept_code ? p->dept_code : "");
    zt_bind_int(st, 13, s->at);
    zt_bind_text(st, 14, text ? text : "{}");
    free(text);
    zt_err rc = zt_step_done(st, e);
    /* the numbers are the instance's: a clash is a concurrent step the
     * compare-and-set let through, or a creation twice */
    if (rc == ZT_ECONFLICT) return zt_fail(e, ZT_ECONFLICT, "state", "状态已经变化，请刷新后重试");
    return rc;
}

/* The event of the step in the schema of docs/supervision-events.md: the
 * envelope and "step"; the owner's hook adds its members. */
static json_t *event_of(const zt_flow_move *s, char id[192]) {
    const zt_flow_instance *in = s->in;
    const zt_principal *p = s->actor;
    char type[96], ts[32];
    snprintf(id, 192, "platform/%s/%s/%lld", stype(in), in->subject, (long long)s->seq);
    snprintf(type, sizeof type, "%s.%s", stype(in), s->action.id);
    zt_time_format(s->at, ts);
    json_t *step =
        json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:O}", "action", s->action.id, "label", s->action.label, "result",
                  s->action.result ? json_string(s->action.result) : json_null(), "from", s->from, "to", s->to, "actor",
                  p->login ? p->login : "system", "actor_role", p->role ? p->role : "system", "fields", s->fields);
    if (p->dept_code && *p->dept_code) json_object_set_new(step, "actor_department", json_string(p->dept_code));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:o}", "id", id, "source", "platform", "type", type, "time",
                     ts, "subject_type", stype(in), "subject", in->subject, "seq", (json_int_t)s->seq, "department",
                     in->dept_code ? in->dept_code : "", "region", in->region_code ? in->region_code : "", "step",
                     step);
}

/* Number, record, hook and sink a step whose state is already in place. */
static zt_err take(zt_db *db, zt_flow_move *s, zt_error *e) {
    zt_err rc = next_seq(db, s->in, &s->seq, e);
    if (rc) return rc;
    char id[192];
    s->event = event_of(s, id);
    rc = insert_event(db, s, id, e);
    if (!rc && s->in->owner->apply) rc = s->in->owner->apply(db, s, e);
    if (!rc) {
        ZT_ASSERT(sink);
        rc = sink ? sink(db, s->actor, s->event, s->in->owner_user_id, e)
                  : zt_fail(e, ZT_EINTERNAL, NULL, "flow: no event sink registered");
    }
    json_decref(s->event);
    s->event = NULL;
    return rc;
}

static void begin(zt_flow_move *s, const zt_flow_instance *in, const zt_principal *actor, json_t *fields,
                  const zt_flow_opts *o, json_t **none) {
    *none = NULL;
    memset(s, 0, sizeof *s);
    s->in = in;
    s->actor = actor ? actor : &CLI;
    s->fields = fields && json_is_object(fields) ? fields : (*none = json_object());
    s->at = o && o->at ? o->at : zt_now();
    s->arg = o ? o->arg : NULL;
}

zt_err zt_flow_step(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor,
                    json_t *fields, const zt_flow_opts *o, zt_error *e) {
    zt_flow_move s;
    json_t *none;
    begin(&s, in, actor, fields, o, &none);
    zt_err rc = check(db, in, action, s.actor, &s.action, e);
    if (!rc) rc = zt_flow_check_fields(in->def, action, s.fields, e);
    if (!rc) {
        s.from = in->state;
        s.to = zt_flow_target_of(in->def, in->state, action, o ? o->to : NULL);
        if (!s.to || zt_flow_state(in->def, s.to, &s.target))
            rc = zt_fail(e, o && o->to ? ZT_EINVAL : ZT_EINTERNAL, "to", "「%s」不能从「%s」到「%s」", s.action.label,
                         in->state, o && o->to ? o->to : "?");
    }
    if (!rc) rc = move(db, in, s.to, s.at, e);
    if (!rc) rc = take(db, &s, e);
    json_decref(none);
    return rc;
}

zt_err zt_flow_create(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor,
                      json_t *fields, const zt_flow_opts *o, zt_error *e) {
    zt_flow_move s;
    json_t *none;
    begin(&s, in, actor, fields, o, &none);
    zt_err rc = zt_flow_creation(in->def, action, s.actor->role, in->state, &s.action, e);
    if (!rc) rc = zt_flow_check_fields(in->def, s.action.id, s.fields, e);
    if (!rc && zt_flow_state(in->def, in->state, &s.target))
        rc = zt_fail(e, ZT_EINTERNAL, "state", "状态「%s」不在流程「%s」中", in->state, zt_flow_name(in->def));
    if (!rc) {
        s.from = "";
        s.to = in->state;
        rc = take(db, &s, e);
    }
    json_decref(none);
    return rc;
}

zt_err zt_flow_history(zt_db *db, const char *subject_type, const char *subject, int64_t row_id,
                       void (*fn)(const zt_flow_event *ev, void *ctx), void *ctx, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              row_id ? "SELECT seq, event_id, action, from_state, to_state, actor_id, actor,"
                                       " actor_role, actor_dept, at, fields, id, row_id FROM flow_events"
                                       " WHERE subject_type = ? AND subject = ? AND row_id = ? ORDER BY seq"
                                     : "SELECT seq, event_id, action, from_state, to_state, actor_id, actor,"
                                       " actor_role, actor_dept, at, fields, id, row_id FROM flow_events"
                                       " WHERE subject_type = ? AND subject = ? ORDER BY seq",
                              ZT_T(subject_type), ZT_T(subject));
    if (!st) return ZT_EINTERNAL;
    if (row_id) zt_bind_int(st, 3, row_id);
    /* the steps are read whole before fn sees them: fn may read the store
     * (names, labels), which would reset this statement */
    zt_arena a;
    zt_arena_init(&a);
    zt_flow_event *evs = NULL;
    size_t n = 0, cap = 0;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            zt_flow_event *grown = zt_arena_alloc(&a, cap * sizeof *grown);
            if (n) memcpy(grown, evs, n * sizeof *grown);
            evs = grown;
        }
        evs[n++] = (zt_flow_event){.seq = zt_col_int(st, 0),
                                   .event_id = zt_arena_strdup(&a, zt_col_text(st, 1)),
                                   .action = zt_arena_strdup(&a, zt_col_text(st, 2)),
                                   .from = zt_arena_strdup(&a, zt_col_text(st, 3)),
                                   .to = zt_arena_strdup(&a, zt_col_text(st, 4)),
                                   .actor_id = zt_col_int(st, 5),
                                   .actor = zt_arena_strdup(&a, zt_col_text(st, 6)),
                                   .actor_role = zt_arena_strdup(&a, zt_col_text(st, 7)),
                                   .actor_dept = zt_arena_strdup(&a, zt_col_text(st, 8)),
                                   .at = zt_col_int(st, 9),
                                   .fields = zt_arena_strdup(&a, zt_col_text(st, 10)),
                                   .id = zt_col_int(st, 11),
                                   .row_id = zt_col_int(st, 12)};
    }
    zt_db_release(db);
    if (rc == ZT_DONE)
        for (size_t i = 0; i < n; i++) fn(&evs[i], ctx);
    zt_arena_free(&a);
    return rc == ZT_DONE ? ZT_OK : rc;
}
