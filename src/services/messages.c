/* messages.c - consultations (咨询) and complaints (投诉), issue #4 (R3).
 *
 * A citizen or an enterprise writes to a department, about a power item
 * (routed to the item's department) or about one of his own cases (routed
 * to the case's department). Each message runs under a process definition
 * of data/flows (consultation.json, complaint.json): the version it started
 * under is stored with it and every later action is decided by that
 * version. The answer is due on the limit-th working day after the day of
 * submission (the flow's limit counted by the start state).
 *
 * Every state change - the submission included - is one step of the process
 * engine (src/flow/step.h) in one write: the message row (compare-and-set on
 * its state), the numbered step and the supervision event with its audit
 * row and ledger entry. Supervision reads the events; docs/messages.md has
 * the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "org/org.h"
#include "services/services.h"
#include "store/query.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

/* What differs between the two kinds; the flow id is the kind. */
typedef struct kind_info {
    const char *kind;         /* "consultation" */
    const char *label;        /* "咨询" */
    const char *prefix;       /* number prefix: "ZX" */
    const char *answer_field; /* the action field that answers the submitter */
} kind_info;

static const kind_info KINDS[] = {
    {"consultation", "咨询", "ZX", "answer"}, /* 答复 (reply): answer */
    {"complaint", "投诉", "TS", "reply"},     /* 审核办结 (close): reply, 答复投诉人内容 */
};

static const kind_info *kind_by_name(const char *kind) {
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].kind, kind) == 0) return &KINDS[i];
    return NULL;
}

/* --- small helpers --- */

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* Only spaces, tabs, newlines and the ideographic space (U+3000)? */

/* A text member of the body, its error naming it in Chinese. Blank counts
 * as absent. max is in characters. */
static zt_err text_field(json_t *b, const char *key, const char *label, int required, size_t max, const char **out,
                         zt_error *e) {
    json_t *v = json_object_get(b, key);
    *out = NULL;
    if (v && !json_is_null(v) && !json_is_string(v))
        return zt_fail(e, ZT_EINVAL, key, "%s（%s）须是字符串", label, key);
    if (!v || json_is_null(v) || zt_blank(json_string_value(v))) {
        if (required) return zt_fail(e, ZT_EINVAL, key, "请填写%s（%s）", label, key);
        return ZT_OK;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) return zt_fail(e, ZT_EINVAL, key, "%s（%s）含有空字符", label, key);
    if (zt_utf8_len(s) > max) return zt_fail(e, ZT_EINVAL, key, "%s（%s）最多 %zu 个字", label, key, max);
    *out = s;
    return ZT_OK;
}

/* The working days of the limit the start state counts against (the
 * reply / handling limit), or -1 if the definition has none. */
static int flow_days(const zt_flow *f) {
    zt_flow_state_info s;
    zt_flow_limit_info l;
    if (zt_flow_state(f, zt_flow_start(f), &s) == 0 && s.ncounts && zt_flow_limit(f, s.counts[0], &l) == 0)
        return l.days;
    return zt_flow_limit_at(f, 0, &l) == 0 ? l.days : -1;
}

static const char *state_label(const zt_flow *f, const char *state) {
    zt_flow_state_info s;
    return f && zt_flow_state(f, state, &s) == 0 ? s.label : state;
}

/* due_day, remaining working days (today excluded, the due day included;
 * negative = overdue) and whether it is (or was, when it was closed) late.
 * A closed message is judged by its closing day, never by today. */
static void set_timing(json_t *o, zt_calendar *cal, zt_day now, const char *due, int closed, int64_t closed_at) {
    zt_day d;
    json_object_set_new(o, "due_day", json_string(due));
    if (zt_day_parse(due, &d)) {
        json_object_set_new(o, "remaining_days", json_null());
        json_object_set_new(o, "overdue", json_false());
        return;
    }
    if (closed) {
        json_object_set_new(o, "remaining_days", json_null());
        json_object_set_new(o, "overdue", json_boolean(zt_day_of_instant(closed_at) > d));
    } else {
        json_object_set_new(o, "remaining_days", json_integer(zt_cal_between(cal, now, d)));
        json_object_set_new(o, "overdue", json_boolean(now > d));
    }
}

/* --- reading messages --- */

#define MSG_COLS                                                                                                       \
    "m.number, m.kind, m.flow_id, m.flow_version, m.state, m.state_since, d.code, d.name, m.region_code,"              \
    " m.item_code, c.number, m.submitter_name, m.title, m.submitted_at, m.due_day, m.closed_at, m.updated_at,"         \
    " m.answer IS NOT NULL, m.dept_id, m.id, m.submitter_id, m.disclose"
#define MSG_FROM "messages m JOIN departments d ON d.id = m.dept_id LEFT JOIN cases c ON c.id = m.case_id"

/* Does viewer p see who made the message (issue #22 F20)? The department
 * a complaint is about sees what it says, not who said it (the name, the
 * phone, the steps the complainant took, the case it names, which would
 * name him), unless the complainant agreed (disclose); the complainant,
 * the supervision office (supervisors of the region) and administrators
 * always do. Consultations are answered to the person who asked. */
static int identity_hidden(const zt_principal *p, const char *kind, int disclose, int64_t submitter_id) {
    if (strcmp(kind, "complaint") != 0 || disclose) return 0;
    if (p->user_id && p->user_id == submitter_id) return 0;
    return !(p->role_bit & (ZT_R_SUPERVISOR | ZT_R_ADMIN));
}

/* The summary of a row of MSG_COLS (lists and the head of the detail), as
 * viewer p may see it. */
static json_t *msg_json(zt_stmt *st, const zt_principal *p, zt_calendar *cal, zt_day now) {
    const kind_info *k = kind_by_name(zt_col_text(st, 1));
    const zt_flow *f = zt_flows_get(zt_col_text(st, 2), (int)zt_col_int(st, 3));
    const char *state = zt_col_text(st, 4);
    zt_flow_state_info si;
    int terminal = f && zt_flow_state(f, state, &si) == 0 ? si.terminal : !zt_col_is_null(st, 15);
    json_t *o = json_pack("{s:s,s:s,s:s,s:{s:s,s:I},s:s,s:s,s:b,s:o,s:{s:s,s:s},s:s,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:b}",
                          "number", zt_col_text(st, 0), "kind", zt_col_text(st, 1), "kind_label", k ? k->label : "",
                          "flow", "id", zt_col_text(st, 2), "version", (json_int_t)zt_col_int(st, 3), "state", state,
                          "state_label", state_label(f, state), "terminal", terminal, "state_since",
                          zt_col_json_time(st, 5), "department", "code", zt_col_text(st, 6), "name", zt_col_text(st, 7),
                          "region_code", zt_col_text(st, 8), "item_code", zt_col_json_text(st, 9), "case_number",
                          zt_col_json_text(st, 10), "submitter_name", zt_col_text(st, 11), "title", zt_col_text(st, 12),
                          "submitted_at", zt_col_json_time(st, 13), "closed_at", zt_col_json_time(st, 15), "updated_at",
                          zt_col_json_time(st, 16), "answered", (int)zt_col_int(st, 17));
    set_timing(o, cal, now, zt_col_text(st, 14), terminal, zt_col_is_null(st, 15) ? zt_now() : zt_col_int(st, 15));
    int hidden = identity_hidden(p, zt_col_text(st, 1), (int)zt_col_int(st, 21), zt_col_int(st, 20));
    json_object_set_new(o, "disclose", json_boolean(zt_col_int(st, 21)));
    json_object_set_new(o, "submitter_hidden", json_boolean(hidden));
    if (hidden) {
        json_object_set_new(o, "submitter_name", json_null());
        json_object_set_new(o, "case_number", json_null());
    }
    return o;
}

typedef struct {
    json_t *items;
    const zt_principal *p;
    zt_calendar *cal;
    zt_day today;
} rows_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    rows_ctx *c = ctx;
    json_array_append_new(c->items, msg_json(st, c->p, c->cal, c->today));
}

static zt_err reply_list(zt_req *r, zt_qb *f, const char *order, zt_error *e) {
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    rows_ctx c = {json_array(), zt_req_principal(r), APP(r)->cal, zt_today()};
    rc = zt_qb_list(zt_store_reader(APP(r)->store), f, MSG_COLS, MSG_FROM, order, limit, offset, list_row, &c, &total,
                    e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

/* ?kind= and ?state= of both lists. */
static zt_err kind_state_filters(zt_req *r, zt_qb *f, zt_error *e) {
    const char *kind = zt_req_query(r, "kind"), *state = zt_req_query(r, "state");
    if (kind && *kind) {
        if (!kind_by_name(kind)) return zt_fail(e, ZT_EINVAL, "kind", "类别（kind）须为 consultation 或 complaint");
        zt_qb_sql(f, " AND m.kind = ?");
        zt_qb_text(f, kind);
    }
    if (state && *state) {
        zt_qb_sql(f, " AND m.state = ?");
        zt_qb_text(f, state);
    }
    return ZT_OK;
}

/* GET /api/my/messages: the submitter's own, newest first. */
static zt_err h_my(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "m.submitter_id = ?");
    zt_qb_int(&f, zt_req_principal(r)->user_id);
    zt_err rc = kind_state_filters(r, &f, e);
    if (rc) return rc;
    return reply_list(r, &f, "ORDER BY m.submitted_at DESC, m.id DESC", e);
}

/* GET /api/dept/messages: the department's (supervisors: the region's),
 * open ones first, the nearest due first. */
static zt_err h_dept(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (p->role_bit & ZT_R_ADMIN) {
        /* everything */
    } else if ((p->role_bit & ZT_R_SUPERVISOR) && !(p->region && *p->region)) {
        zt_qb_sql(&f, " AND 1 = 0"); /* no region, no scope (as zt_region_within) */
    } else if (p->role_bit & ZT_R_SUPERVISOR) {
        zt_qb_region(&f, "m.region_code", p->region);
    } else {
        zt_qb_sql(&f, " AND m.dept_id = ?");
        zt_qb_int(&f, p->dept_id);
    }
    zt_err rc = kind_state_filters(r, &f, e);
    if (rc) return rc;
    const char *q = zt_req_query(r, "q"), *dept = zt_req_query(r, "department"), *over = zt_req_query(r, "overdue");
    if (q && *q) zt_qb_search(&f, q, (const char *const[]){"m.title", "m.number", NULL});
    if (dept && *dept) {
        zt_qb_sql(&f, " AND d.code = ?");
        zt_qb_text(&f, dept);
    }
    if (over && strcmp(over, "1") == 0) { /* open and past the due day */
        char day[11];
        zt_day_format(zt_today(), day);
        zt_qb_sql(&f, " AND m.closed_at IS NULL AND m.due_day < ?");
        zt_qb_text(&f, zt_arena_strdup(zt_req_arena(r), day));
    }
    return reply_list(r, &f, "ORDER BY m.closed_at IS NOT NULL, m.due_day, m.id", e);
}

/* What the handlers need of one message. Strings live in the request's
 * arena. */
typedef struct msg {
    int64_t id, dept_id, submitter_id, state_since, updated_at;
    int flow_version;
    const char *number, *kind, *flow_id, *state, *dept_code, *region_code, *item_code, *case_number, *title, *due_day;
} msg;

static const char *dup_col(zt_arena *a, zt_stmt *st, int col) {
    return zt_col_is_null(st, col) ? NULL : zt_arena_strdup(a, zt_col_text(st, col));
}

static zt_err load_msg(zt_req *r, const char *number, msg *m, zt_error *e) {
    zt_arena *a = zt_req_arena(r);
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store), "SELECT " MSG_COLS " FROM " MSG_FROM " WHERE m.number = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, number);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "number", "咨询投诉不存在");
    *m = (msg){.id = zt_col_int(st, 19),
               .dept_id = zt_col_int(st, 18),
               .submitter_id = zt_col_int(st, 20),
               .state_since = zt_col_int(st, 5),
               .updated_at = zt_col_int(st, 16),
               .flow_version = (int)zt_col_int(st, 3),
               .number = dup_col(a, st, 0),
               .kind = dup_col(a, st, 1),
               .flow_id = dup_col(a, st, 2),
               .state = dup_col(a, st, 4),
               .dept_code = dup_col(a, st, 6),
               .region_code = dup_col(a, st, 8),
               .item_code = dup_col(a, st, 9),
               .case_number = dup_col(a, st, 10),
               .title = dup_col(a, st, 12),
               .due_day = dup_col(a, st, 14)};
    return ZT_OK;
}

/* The submitter reads his own; staff read their department's, supervisors
 * their region's (zt_scope_dept_read). */
static int may_read(const zt_principal *p, const msg *m) {
    if (p->role_bit & ZT_R_PEOPLE) return p->user_id == m->submitter_id;
    return zt_scope_dept_read(p, m->dept_id, m->region_code);
}

typedef struct {
    json_t *events;
    const zt_flow *f;
    zt_db *db;
    zt_arena *a;
    int64_t hide_actor; /* the complainant the viewer may not know (identity_hidden), or 0 */
} timeline_ctx;

/* One step as the message's timeline shows it: who acted by name (not the
 * complainant to the department he complains about). */
static void timeline_row(const zt_flow_event *ev, void *ctx) {
    timeline_ctx *t = ctx;
    const char *label = !strcmp(ev->action, "submit") ? "提交" : t->f ? zt_flow_label(t->f, ev->action) : NULL;
    json_t *fields = json_loads(ev->fields, 0, NULL);
    if (t->hide_actor && ev->actor_id == t->hide_actor) {
        json_array_append_new(
            t->events, json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s,s:n,s:s,s:o,s:o}", "seq", (json_int_t)ev->seq, "action",
                                 ev->action, "action_label", label ? label : ev->action, "from", str_or_null(ev->from),
                                 "from_label", *ev->from ? json_string(state_label(t->f, ev->from)) : json_null(), "to",
                                 ev->to, "to_label", state_label(t->f, ev->to), "actor", "actor_role", ev->actor_role,
                                 "at", zt_json_time(ev->at), "fields", fields ? fields : json_object()));
        return;
    }
    json_array_append_new(
        t->events,
        json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:o,s:o}", "seq", (json_int_t)ev->seq, "action", ev->action,
                  "action_label", label ? label : ev->action, "from", str_or_null(ev->from), "from_label",
                  *ev->from ? json_string(state_label(t->f, ev->from)) : json_null(), "to", ev->to, "to_label",
                  state_label(t->f, ev->to), "actor", zt_user_name(t->db, t->a, ev->actor_id, ev->actor), "actor_role",
                  ev->actor_role, "at", zt_json_time(ev->at), "fields", fields ? fields : json_object()));
}

/* The whole message: the summary, content, answer, the actions the viewer
 * may take now and the timeline. acted: the viewer has just changed it (a
 * clerk who transferred it away still gets the result of his step). */
static zt_err reply_detail(zt_req *r, const char *number, int status, int acted, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st =
        zt_db_prepare(db,
                      "SELECT " MSG_COLS ", m.content, m.contact_phone, m.answer, m.answered_at,"
                      " (SELECT name FROM users WHERE id = m.answered_by) FROM " MSG_FROM " WHERE m.number = ?",
                      e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, number);
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "number", "咨询投诉不存在");
    msg m = {.id = zt_col_int(st, 19),
             .dept_id = zt_col_int(st, 18),
             .submitter_id = zt_col_int(st, 20),
             .kind = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 1)),
             .region_code = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 8))};
    int in_scope = may_read(p, &m);
    if (!acted && !in_scope) return zt_fail(e, ZT_ENOTFOUND, "number", "咨询投诉不存在");
    const zt_flow *f = zt_flows_get(zt_col_text(st, 2), (int)zt_col_int(st, 3));
    json_t *o = msg_json(st, p, APP(r)->cal, zt_today());
    int hidden = json_is_true(json_object_get(o, "submitter_hidden"));
    json_object_set_new(o, "content", json_string(zt_col_text(st, 22)));
    json_object_set_new(o, "contact_phone", hidden ? json_null() : json_string(zt_col_text(st, 23)));
    json_object_set_new(o, "answer", zt_col_json_text(st, 24));
    json_object_set_new(o, "answered_at", zt_col_json_time(st, 25));
    json_object_set_new(o, "answered_by", zt_col_json_text(st, 26));
    json_t *acts = json_array();
    if (f && in_scope) {
        const char *ids[ZT_FLOW_MAX_ACTIONS];
        size_t n = zt_flow_actions(f, zt_col_text(st, 4), p->role, ids, ZT_FLOW_MAX_ACTIONS);
        for (size_t i = 0; i < n && i < ZT_FLOW_MAX_ACTIONS; i++) {
            zt_flow_action_info ai;
            if (zt_flow_action(f, ids[i], &ai) == 0)
                json_array_append_new(acts, json_pack("{s:s,s:s}", "id", ai.id, "label", ai.label));
        }
    }
    json_object_set_new(o, "actions", acts);

    timeline_ctx t = {json_array(), f, db, zt_req_arena(r), hidden ? m.submitter_id : 0};
    s = zt_flow_history(db, m.kind, number, 0, timeline_row, &t, e);
    json_t *events = t.events;
    json_object_set_new(o, "events", events);
    if (s) {
        json_decref(o);
        return s;
    }
    zt_reply_json(r, status, o);
    return ZT_OK;
}

static zt_err h_get(zt_req *r, zt_error *e) { return reply_detail(r, zt_req_param(r, "number"), 200, 0, e); }

/* --- the message as a process instance --- */

/* What a step changes besides the state: the department (转办), the
 * answer, the closing. */
typedef struct step_ctx {
    const kind_info *k;
    const zt_dept *to; /* a transfer's department, or NULL */
} step_ctx;

static zt_err msg_apply(zt_db *db, zt_flow_move *mv, zt_error *e) {
    const msg *m = mv->in->row;
    step_ctx *x = mv->arg;
    zt_qb q;
    zt_arena ar;
    zt_arena_init(&ar);
    zt_qb_init(&q, &ar, "UPDATE messages SET state_since = ?");
    zt_qb_int(&q, strcmp(mv->from, mv->to) || !*mv->from ? mv->at : m->state_since);
    if (x && x->to) {
        zt_qb_sql(&q, ", dept_id = ?, region_code = ?");
        zt_qb_int(&q, x->to->id);
        zt_qb_text(&q, x->to->region_code);
    }
    json_t *ans = x && x->k ? json_object_get(mv->fields, x->k->answer_field) : NULL;
    if (json_is_string(ans) && !zt_blank(json_string_value(ans))) {
        zt_qb_sql(&q, ", answer = ?, answered_by = ?, answered_at = ?");
        zt_qb_text(&q, json_string_value(ans));
        zt_qb_int(&q, mv->actor->user_id);
        zt_qb_int(&q, mv->at);
    }
    if (mv->target.terminal) {
        zt_qb_sql(&q, ", closed_at = ?");
        zt_qb_int(&q, mv->at);
    }
    zt_qb_sql(&q, " WHERE id = ?");
    zt_qb_int(&q, m->id);
    zt_stmt *st = zt_qb_prepare(&q, db, e);
    zt_err rc = st ? zt_step_done(st, e) : ZT_EINTERNAL;
    zt_arena_free(&ar);
    if (rc) return rc;
    /* the message as it is after the step; the envelope names the
     * department that acted (before a transfer) */
    json_object_set_new(mv->event, "message",
                        json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:s}", "number", m->number, "kind", m->kind,
                                  "department", x && x->to ? x->to->code : m->dept_code, "region",
                                  x && x->to ? x->to->region_code : m->region_code, "item_code",
                                  str_or_null(m->item_code), "case_number", str_or_null(m->case_number), "title",
                                  m->title, "due_day", m->due_day, "state", mv->to));
    return ZT_OK;
}

/* The submitter acts on his own only (a stranger's is unknown to him);
 * staff on their department's, supervisors in their region. */
static zt_err msg_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *a,
                      zt_error *e) {
    const msg *m = in->row;
    if ((p->role_bit & ZT_R_PEOPLE) && p->user_id != m->submitter_id)
        return zt_fail(e, ZT_ENOTFOUND, "number", "咨询投诉不存在");
    if (!(p->role_bit & ZT_R_PEOPLE) && !zt_scope_dept_read(p, m->dept_id, m->region_code))
        return zt_fail(e, ZT_EFORBIDDEN, "number", "无权办理其他部门（区域）的咨询投诉");
    return ZT_OK;
}

static const zt_flow_owner MSG_OWNER = {
    .subject_type = "consultation", .table = "messages", .may = msg_may, .apply = msg_apply};

static zt_err msg_instance(const msg *m, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get(m->flow_id, m->flow_version);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义「%s」第 %d 版未加载", m->flow_id, m->flow_version);
    *in = (zt_flow_instance){.owner = &MSG_OWNER,
                             .def = f,
                             .row_id = m->id,
                             .subject_type = m->kind,
                             .subject = m->number,
                             .state = m->state,
                             .updated_at = m->updated_at,
                             .dept_code = m->dept_code,
                             .region_code = m->region_code,
                             .owner_user_id = m->submitter_id,
                             .row = (void *)m};
    return ZT_OK;
}

/* --- submitting --- */

typedef struct {
    const zt_principal *p;
    const kind_info *k;
    const zt_flow *f;
    int64_t dept_id, case_id, now;
    const char *dept_code, *region_code, *item_code, *case_number;
    const char *title, *content, *phone, *idem, *due_day;
    int disclose; /* complaints: the department may see who complains */
    char day[11];
    char number[64];
    int existing; /* an earlier submission with the same idempotency key */
} submit_arg;

static zt_err write_submit(zt_db *db, void *arg, zt_error *e) {
    submit_arg *a = arg;
    zt_stmt *st;
    if (a->idem) {
        st = zt_db_query(db, e, "SELECT number, kind FROM messages WHERE submitter_id = ? AND idem_key = ?",
                         ZT_I(a->p->user_id), ZT_T(a->idem));
        if (!st) return ZT_EINTERNAL;
        zt_err rc = zt_step(st, e);
        if (zt_step_failed(rc)) return rc;
        if (rc == ZT_ROW) {
            int same = strcmp(zt_col_text(st, 1), a->k->kind) == 0;
            snprintf(a->number, sizeof a->number, "%s", zt_col_text(st, 0));
            zt_db_release(db);
            if (!same)
                return zt_fail(e, ZT_ECONFLICT, "idempotency_key", "幂等键（idempotency_key）已用于另一件%s",
                               strcmp(a->k->kind, "complaint") == 0 ? "咨询" : "投诉");
            a->existing = 1;
            return ZT_OK;
        }
    }
    char prefix[48], ymd[9];
    snprintf(ymd, sizeof ymd, "%.4s%.2s%.2s", a->day, a->day + 5, a->day + 8);
    snprintf(prefix, sizeof prefix, "%s-%s-%s", a->k->prefix, a->region_code, ymd);
    zt_err rc = zt_number_next(db, prefix, 4, a->number, sizeof a->number, e);
    if (rc) return rc;
    const char *start = zt_flow_start(a->f);
    st = zt_db_query(db, e,
                     "INSERT INTO messages (number, kind, flow_id, flow_version, state, state_since, dept_id,"
                     " region_code, item_code, case_id, submitter_id, submitter_name, contact_phone, title, content,"
                     " idem_key, submitted_at, due_day, updated_at, disclose)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                     ZT_T(a->number), ZT_T(a->k->kind), ZT_T(zt_flow_id(a->f)), ZT_I(zt_flow_version(a->f)),
                     ZT_T(start), ZT_I(a->now), ZT_I(a->dept_id), ZT_T(a->region_code), ZT_T(a->item_code));
    if (!st) return ZT_EINTERNAL;
    if (a->case_id)
        zt_bind_int(st, 10, a->case_id);
    else
        zt_bind_null(st, 10);
    zt_bind_int(st, 11, a->p->user_id);
    zt_bind_text(st, 12, a->p->name ? a->p->name : "");
    zt_bind_text(st, 13, a->phone ? a->phone : "");
    zt_bind_text(st, 14, a->title);
    zt_bind_text(st, 15, a->content);
    zt_bind_text(st, 16, a->idem);
    zt_bind_int(st, 17, a->now);
    zt_bind_text(st, 18, a->due_day);
    zt_bind_int(st, 19, a->now);
    zt_bind_int(st, 20, a->disclose);
    rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EINTERNAL, NULL, "写入咨询投诉失败");
    msg m = {.id = zt_col_int(st, 0),
             .dept_id = a->dept_id,
             .submitter_id = a->p->user_id,
             .flow_version = zt_flow_version(a->f),
             .state_since = a->now,
             .updated_at = a->now,
             .number = a->number,
             .kind = a->k->kind,
             .flow_id = zt_flow_id(a->f),
             .state = start,
             .dept_code = a->dept_code,
             .region_code = a->region_code,
             .item_code = a->item_code,
             .case_number = a->case_number,
             .title = a->title,
             .due_day = a->due_day};
    zt_db_release(db);
    zt_flow_instance in;
    if ((rc = msg_instance(&m, &in, e))) return rc;
    step_ctx x = {.k = a->k};
    zt_flow_opts o = {.arg = &x, .at = a->now};
    return zt_flow_create(db, &in, "submit", a->p, NULL, &o, e);
}

/* Which department a submission goes to: one of department (code),
 * item_code (the published item's department) or case_number (the
 * submitter's own case's department). */
static zt_err route_target(zt_req *r, submit_arg *a, const char *dept, zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_arena *ar = zt_req_arena(r);
    int n = (dept != NULL) + (a->item_code != NULL) + (a->case_number != NULL);
    if (n == 0)
        return zt_fail(e, ZT_EINVAL, "department",
                       "请指定%s对象：部门（department）、事项（item_code）或办件（case_number）", a->k->label);
    if (n > 1)
        return zt_fail(e, ZT_EINVAL, dept ? "department" : "item_code",
                       "部门（department）、事项（item_code）、办件（case_number）只能指定其一");
    zt_stmt *st;
    if (dept) {
        zt_dept d;
        zt_err rc = zt_dept_by_code(db, dept, &d, e);
        if (rc == ZT_ENOTFOUND || (!rc && d.retired))
            return zt_fail(e, ZT_EINVAL, "department", "部门（department）不存在或已撤销");
        if (rc) return rc;
        a->dept_id = d.id;
        a->dept_code = zt_arena_strdup(ar, d.code);
        a->region_code = zt_arena_strdup(ar, d.region_code);
        zt_db_release(db);
        return ZT_OK;
    }
    if (a->item_code) {
        st = zt_db_query(db, e,
                         "SELECT d.id, d.code, d.region_code FROM items i JOIN departments d ON d.id = i.dept_id"
                         " WHERE i.code = ? AND i.status = 'published'",
                         ZT_T(a->item_code));
        if (!st) return ZT_EINTERNAL;
    } else {
        st =
            zt_db_prepare(db,
                          "SELECT d.id, d.code, d.region_code, c.id FROM cases c JOIN departments d ON d.id = c.dept_id"
                          " WHERE c.number = ? AND c.applicant_id = ?",
                          e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_text(st, 1, a->case_number);
        zt_bind_int(st, 2, a->p->user_id);
    }
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) {
        if (a->item_code) return zt_fail(e, ZT_EINVAL, "item_code", "事项（item_code）不存在或未发布");
        return zt_fail(e, ZT_ENOTFOUND, "case_number", "办件不存在"); /* another's case: as if unknown */
    }
    a->dept_id = zt_col_int(st, 0);
    a->dept_code = zt_arena_strdup(ar, zt_col_text(st, 1));
    a->region_code = zt_arena_strdup(ar, zt_col_text(st, 2));
    if (a->case_number) a->case_id = zt_col_int(st, 3);
    zt_db_release(db);
    return ZT_OK;
}

static zt_err submit(zt_req *r, const char *kind, zt_error *e) {
    static const char *const allowed[] = {"department", "item_code",     "case_number",     "title",
                                          "content",    "contact_phone", "idempotency_key", NULL};
    /* a complaint also says whether the department may know who complains */
    static const char *const complaint[] = {"department",    "item_code",       "case_number", "title", "content",
                                            "contact_phone", "idempotency_key", "disclose",    NULL};
    submit_arg a = {.p = zt_req_principal(r), .k = kind_by_name(kind), .now = zt_now()};
    const char *dept;
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, strcmp(kind, "complaint") == 0 ? complaint : allowed, e);
    json_t *disclose = rc ? NULL : json_object_get(b, "disclose");
    if (disclose && !json_is_null(disclose) && !json_is_boolean(disclose))
        rc = zt_fail(e, ZT_EINVAL, "disclose", "是否向被投诉部门公开身份（disclose）须为 true 或 false");
    a.disclose = json_is_true(disclose);
    if (!rc) rc = text_field(b, "department", "部门", 0, 64, &dept, e);
    if (!rc) rc = text_field(b, "item_code", "事项编码", 0, 64, &a.item_code, e);
    if (!rc) rc = text_field(b, "case_number", "办件编号", 0, 64, &a.case_number, e);
    if (!rc) rc = text_field(b, "title", "标题", 1, 100, &a.title, e);
    if (!rc) rc = text_field(b, "content", "内容", 1, 5000, &a.content, e);
    if (!rc) rc = text_field(b, "contact_phone", "联系电话", 0, 32, &a.phone, e);
    if (!rc) rc = text_field(b, "idempotency_key", "幂等键", 0, 64, &a.idem, e);
    if (!rc && a.phone && !zt_phone_valid(a.phone))
        rc = zt_fail(e, ZT_EINVAL, "contact_phone",
                     "联系电话（contact_phone）须为 11 位手机号码或带区号的固定电话（如 0799-6837420）");
    if (!rc) rc = route_target(r, &a, dept, e);
    if (rc) return rc;
    a.f = zt_flows_get(kind, 0);
    int days = a.f ? flow_days(a.f) : -1;
    if (days < 0) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义「%s」未加载或没有时限", kind);
    zt_city_day(a.now, a.day);
    zt_day sub;
    if (zt_day_parse(a.day, &sub)) return zt_fail(e, ZT_EINTERNAL, NULL, "无法确定提交日期");
    char due[11];
    zt_day_format(zt_cal_add(APP(r)->cal, sub, days), due);
    a.due_day = due;
    rc = zt_store_write(APP(r)->store, write_submit, &a, e);
    if (rc) return rc;
    zt_db_release(zt_store_reader(APP(r)->store));
    return reply_detail(r, a.number, a.existing ? 200 : 201, 1, e);
}

static zt_err h_consult(zt_req *r, zt_error *e) { return submit(r, "consultation", e); }
static zt_err h_complain(zt_req *r, zt_error *e) { return submit(r, "complaint", e); }

/* --- acting --- */

typedef struct {
    const zt_principal *p;
    const msg *m;
    const char *action;
    json_t *fields;
    step_ctx x;
} act_arg;

static zt_err write_act(zt_db *db, void *arg, zt_error *e) {
    act_arg *a = arg;
    zt_flow_instance in;
    zt_err rc = msg_instance(a->m, &in, e);
    zt_flow_opts o = {.arg = &a->x};
    return rc ? rc : zt_flow_step(db, &in, a->action, a->p, a->fields, &o, e);
}

/* 转办: the department it goes to must exist and be another one. */
static zt_err transfer_target(zt_req *r, const msg *m, const char *code, zt_dept *out, zt_error *e) {
    zt_error ee = {0};
    zt_err rc = zt_dept_by_code(zt_store_reader(APP(r)->store), code, out, &ee);
    if (rc == ZT_ENOTFOUND || (!rc && out->retired))
        return zt_fail(e, ZT_EINVAL, "to_department", "转至部门（to_department）不存在或已撤销");
    if (rc) {
        *e = ee;
        return rc;
    }
    if (out->id == m->dept_id) return zt_fail(e, ZT_EINVAL, "to_department", "不能转办给本部门（to_department）");
    return ZT_OK;
}

/* POST /api/messages/{number}/actions/{action} {fields: {...}} */
static zt_err h_act(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"fields", NULL};
    const zt_principal *p = zt_req_principal(r);
    const char *number = zt_req_param(r, "number"), *action = zt_req_param(r, "action");
    json_t *b, *fields = NULL;
    msg m;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) {
        fields = json_object_get(b, "fields");
        if (fields && json_is_null(fields)) fields = NULL;
        if (fields && !json_is_object(fields)) rc = zt_fail(e, ZT_EINVAL, "fields", "字段（fields）须是对象");
    }
    if (!rc) rc = load_msg(r, number, &m, e);
    if (rc) return rc;
    /* scope before the process (docs/flow.md): a stranger's message is
     * unknown to a citizen; staff of another department may not act on it */
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_flow_instance in;
    zt_dept to;
    json_t *none = json_object();
    act_arg a = {.p = p, .m = &m, .action = action, .fields = fields ? fields : none};
    a.x.k = kind_by_name(m.kind);
    if (!(rc = msg_instance(&m, &in, e)) && !(rc = msg_may(db, &in, p, NULL, e)) &&
        !(rc = zt_flow_may(db, &in, action, p, e)))
        rc = zt_flow_check_fields(in.def, action, a.fields, e);
    json_t *to_dept = json_object_get(a.fields, "to_department");
    if (!rc && json_is_string(to_dept) && !(rc = transfer_target(r, &m, json_string_value(to_dept), &to, e)))
        a.x.to = &to;
    zt_db_release(db);
    if (!rc) rc = zt_store_write(APP(r)->store, write_act, &a, e);
    json_decref(none);
    if (rc) return rc;
    zt_db_release(zt_store_reader(APP(r)->store));
    return reply_detail(r, number, 200, 1, e);
}

#define PEOPLE   ZT_R_PEOPLE
#define HANDLERS (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_SUPERVISOR | ZT_R_ADMIN)
#define ACTORS   (ZT_R_PEOPLE | ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_SUPERVISOR)
static const zt_route routes[] = {
    {"POST", "/api/consultations", h_consult, PEOPLE,
     "submit a consultation (咨询) to a department, item or own case (idempotency_key)"},
    {"POST", "/api/complaints", h_complain, PEOPLE,
     "submit a complaint (投诉) about a department, item or own case (idempotency_key)"},
    {"GET", "/api/my/messages", h_my, PEOPLE, "own consultations and complaints (kind, state, page)"},
    {"GET", "/api/dept/messages", h_dept, HANDLERS,
     "the department's (supervisors: region's) messages with remaining working days (kind, state, q, department, "
     "overdue, page)"},
    {"GET", "/api/messages/{number}", h_get, ZT_R_USERS, "one message with its answer, timeline and possible actions"},
    {"POST", "/api/messages/{number}/actions/{action}", h_act, ACTORS,
     "take a flow action on a message (fields); withdraw by the submitter"},
};

const zt_route *zt_messages_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
