/* case_api.c - cases over HTTP for applicants and staff (R3, R4): apply,
 * take an action, read a case with its timeline, deadlines and the actions
 * open to the viewer, and the lists (docs/services.md). The status query
 * and receipts are in case_public.c; the case itself in case.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "flow/clock.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "org/org.h"
#include "services/case.h"
#include "services/services.h"
#include "store/query.h"

/* --- small views --------------------------------------------------------- */

json_t *case_day_json(const char *d) { return d && *d ? json_string(d) : json_null(); }

json_t *case_ts_json(int64_t t) {
    if (!t) return json_null();
    char ts[32];
    zt_time_format(t, ts);
    return json_string(ts);
}

/* Working days from today to the end of due (negative: overdue by that
 * many working days), or null. */
static json_t *remaining_json(const zt_calendar *cal, const char *due) {
    zt_day d;
    if (!due || zt_day_parse(due, &d)) return json_null();
    zt_day t = zt_today();
    if (d >= t) return json_integer(zt_cal_between(cal, t, d));
    return json_integer(-zt_cal_between(cal, d, t));
}

/* A deadline the calendar cannot vouch for: its year's holidays are not
 * imported yet, so the weekday rule counted it (docs/calendar.md). */
static json_t *provisional_json(const zt_calendar *cal, const char *const *days) {
    json_t *out = json_array();
    static const char *const names[] = {"promised_due", "legal_due", "step_due"};
    for (int i = 0; i < 3; i++) {
        zt_day d;
        if (days[i] && !zt_day_parse(days[i], &d) && !zt_lclock_covered(cal, d))
            json_array_append_new(out, json_string(names[i]));
    }
    return out;
}

const char *case_state_label(const zt_flow *f, const char *state) {
    zt_flow_state_info si;
    return f && zt_flow_state(f, state, &si) == 0 ? si.label : state;
}

static const char *action_label(const zt_flow *f, const char *action) {
    const char *l = f ? zt_flow_label(f, action) : NULL;
    return l ? l : action;
}

json_t *case_basic(const case_row *c) {
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:I}", "number", c->number, "title",
                     c->title ? c->title : "", "item_code", c->item_code, "item_version", (json_int_t)c->item_version,
                     "item_name", c->item_name, "department", c->dept_code, "department_name", c->dept_name, "region",
                     c->region, "applicant_type", c->applicant_type, "channel", c->channel, "state", c->state,
                     "legal_days", (json_int_t)c->legal_days, "promised_days", (json_int_t)c->promised_days, "flow",
                     c->flow_id, "flow_version", (json_int_t)c->flow_version);
}

static json_t *deadlines_json(const zt_calendar *cal, const case_row *c) {
    const char *days[] = {c->promised_due, c->legal_due, c->due_day};
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:I,s:o}", "accept_day", case_day_json(c->accept_day),
                     "promised_due", case_day_json(c->promised_due), "legal_due", case_day_json(c->legal_due),
                     "step_due", case_day_json(c->due_day), "remaining_days", remaining_json(cal, c->due_day),
                     "suspended_days", (json_int_t)c->suspended_days, "suspended_since", case_ts_json(c->suspended_at),
                     "suspend_granted", c->suspended_at ? json_integer(c->suspend_granted) : json_null(),
                     "extension_days", (json_int_t)c->extension_days, "provisional", provisional_json(cal, days));
}

/* --- the timeline ------------------------------------------------------------ */

typedef struct {
    json_t *arr;
    const zt_flow *f;
    zt_db *db;
    zt_arena *a;
    json_t *names; /* department code -> name, looked up once */
    int with_fields;
} timeline_ctx;

static const char *dept_name(timeline_ctx *t, const char *code) {
    if (!code || !*code) return "";
    json_t *known = json_object_get(t->names, code);
    if (known) return json_string_value(known);
    zt_dept d;
    zt_error ignored = {0};
    const char *name = zt_dept_by_code(t->db, code, &d, &ignored) == ZT_OK ? zt_arena_strdup(t->a, d.name) : code;
    json_object_set_new(t->names, code, json_string(name));
    return name;
}

static void timeline_row(const zt_flow_event *ev, void *ctx) {
    timeline_ctx *t = ctx;
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "seq", (json_int_t)ev->seq, "action", ev->action,
                          "label", action_label(t->f, ev->action), "from", ev->from, "to", ev->to, "to_label",
                          case_state_label(t->f, ev->to), "actor_role", ev->actor_role, "at", case_ts_json(ev->at),
                          "department", dept_name(t, ev->actor_dept));
    if (t->with_fields) {
        json_object_set_new(o, "actor", json_string(ev->actor));
        json_t *fields = json_loads(ev->fields, 0, NULL);
        json_object_set_new(o, "fields", fields ? fields : json_object());
    }
    json_array_append_new(t->arr, o);
}

json_t *case_events_json(zt_db *db, zt_arena *a, const zt_flow *f, const case_row *c, int with_fields, zt_error *e) {
    timeline_ctx t = {json_array(), f, db, a, json_object(), with_fields};
    zt_flow_history(db, "case", c->number, 0, timeline_row, &t, e);
    json_decref(t.names);
    return t.arr;
}

/* One step of a case as its applicant reads it (the timeline of his case
 * view, the status query, his ledger entries). */
static void case_applicant_step(json_t *ev) {
    static const char *const public_fields[] = {
        "reason",     "legal_basis", "remedy_notice", "missing_materials", "notice",      "type",     "days",
        "start_date", "end_date",    "result_type",   "certificate_no",    "fee_charged", "delivery", NULL};
    static const char *const internal_actions[] = {"return", "opinion", "assign", "submit_review", NULL};
    const char *role = json_string_value(json_object_get(ev, "actor_role"));
    int own = role && (!strcmp(role, "citizen") || !strcmp(role, "enterprise"));
    json_object_del(ev, "actor");
    json_object_del(ev, "actor_role");
    if (own) return;
    json_t *fields = json_object_get(ev, "fields"), *keep = json_object();
    /* the steps between staff (a head returning the file to the clerk, a joint
     * department's opinion, assignment, submission for review) tell the
     * applicant only that they happened */
    const char *action = json_string_value(json_object_get(ev, "action"));
    for (int k = 0; internal_actions[k]; k++)
        if (action && !strcmp(action, internal_actions[k])) fields = NULL;
    for (int k = 0; fields && public_fields[k]; k++) {
        json_t *v = json_object_get(fields, public_fields[k]);
        if (v) json_object_set(keep, public_fields[k], v);
    }
    json_object_set_new(ev, "fields", keep);
}

void case_applicant_timeline(json_t *tl) {
    json_t *ev;
    size_t i;
    json_array_foreach(tl, i, ev) case_applicant_step(ev);
}

void zt_applicant_step(const char *subject_type, json_t *step) {
    if (subject_type && !strcmp(subject_type, "case")) {
        case_applicant_step(step);
        return;
    }
    /* consultations, complaints, ratings: their views show the submitter
     * every step's fields, and staff by name only */
    json_object_del(step, "actor");
    json_object_del(step, "actor_role");
}

static json_t *materials_json(zt_db *db, int64_t case_id, zt_error *e) {
    json_t *arr = json_array();
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT m.material, m.upload_id, u.filename, f.mime, f.size, f.sha256, m.event_seq,"
                              " m.added_at FROM case_materials m JOIN uploads u ON u.id = m.upload_id"
                              " JOIN files f ON f.sha256 = u.sha256 WHERE m.case_id = ? ORDER BY m.id",
                              ZT_I(case_id));
    if (!st) return arr;
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(arr, json_pack("{s:s,s:I,s:s,s:s,s:I,s:s,s:o,s:o}", "material", zt_col_text(st, 0),
                                             "upload_id", (json_int_t)zt_col_int(st, 1), "filename", zt_col_text(st, 2),
                                             "mime", zt_col_text(st, 3), "size", (json_int_t)zt_col_int(st, 4),
                                             "sha256", zt_col_text(st, 5), "event_seq",
                                             zt_col_is_null(st, 6) ? json_null() : json_integer(zt_col_int(st, 6)),
                                             "added_at", case_ts_json(zt_col_int(st, 7))));
    zt_db_release(db);
    return arr;
}

static json_t *joint_json(zt_db *db, const case_row *c, zt_error *e) {
    json_t *arr = json_array();
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT d.code, d.name, (SELECT count(*) FROM flow_events v WHERE v.subject_type ="
                              " 'case' AND v.subject = ? AND v.actor_dept = d.code AND v.action = 'opinion')"
                              " FROM case_joint j JOIN departments d ON d.id = j.dept_id WHERE j.case_id = ?"
                              " ORDER BY d.code",
                              ZT_T(c->number), ZT_I(c->id));
    if (!st) return arr;
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "department", zt_col_text(st, 0), "name",
                                             zt_col_text(st, 1), "opinion_given", zt_col_int(st, 2) > 0));
    zt_db_release(db);
    return arr;
}

/* Each loaded definition's actions as JSON, made once: a case view used to
 * copy the whole definition for the forms of one or two actions (6 % of a
 * case action's CPU in the profile, docs/performance.md). Definitions are
 * loaded at start and live until exit, so the copies do too; readers only
 * read them, and copy what they hand out. */
static pthread_mutex_t defs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const zt_flow *f;
    json_t *actions;
} defs_cache[64];

static json_t *flow_actions_def(const zt_flow *f) {
    json_t *found = NULL;
    pthread_mutex_lock(&defs_mu);
    size_t i = 0;
    for (; i < sizeof defs_cache / sizeof defs_cache[0] && defs_cache[i].f; i++)
        if (defs_cache[i].f == f) break;
    if (i < sizeof defs_cache / sizeof defs_cache[0]) {
        if (!defs_cache[i].f) {
            json_t *def = zt_flow_json(f);
            defs_cache[i].actions = json_incref(json_object_get(def, "actions"));
            defs_cache[i].f = f;
            json_decref(def);
        }
        found = defs_cache[i].actions;
    }
    pthread_mutex_unlock(&defs_mu);
    return found;
}

/* The actions the viewer may take now, with their forms. */
static json_t *actions_json(zt_db *db, const zt_principal *p, const case_row *c) {
    json_t *arr = json_array();
    zt_flow_instance in;
    zt_error ignored = {0};
    if (!p->role || c->closed_at || case_instance(c, &in, &ignored)) return arr;
    const char *ids[ZT_FLOW_MAX_ACTIONS];
    size_t n = zt_flow_actions(in.def, c->state, p->role, ids, ZT_FLOW_MAX_ACTIONS);
    json_t *own = NULL, *defs = n ? flow_actions_def(in.def) : NULL;
    if (n && !defs) { /* more definitions than the cache holds: a copy of our own */
        own = zt_flow_json(in.def);
        defs = json_object_get(own, "actions");
    }
    for (size_t i = 0; i < n; i++) {
        zt_flow_action_info ai;
        zt_error e = {0};
        if (zt_flow_may(db, &in, ids[i], p, &e) || zt_flow_action(in.def, ids[i], &ai)) continue;
        json_t *fields = json_array();
        size_t k;
        json_t *a;
        json_array_foreach(defs, k, a) if (!strcmp(json_string_value(json_object_get(a, "id")), ids[i])) {
            json_t *fs = json_deep_copy(json_object_get(a, "fields"));
            if (fs) json_array_extend(fields, fs);
            json_decref(fs);
        }
        json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:o}", "id", ids[i], "label", ai.label, "result",
                                             ai.result ? json_string(ai.result) : json_null(), "fields", fields));
    }
    json_decref(own);
    return arr;
}

json_t *case_result_json(const case_row *c) {
    if (!c->closed_at) return json_null();
    return json_pack("{s:o,s:o,s:o,s:o}", "result_type", c->result_type ? json_string(c->result_type) : json_null(),
                     "certificate_no", c->certificate_no ? json_string(c->certificate_no) : json_null(), "fee_charged",
                     c->has_fee ? json_integer(c->fee_charged) : json_null(), "closed_at", case_ts_json(c->closed_at));
}

/* --- the applicant's identifiers ---------------------------------------- */

/* May p unmask the applicant's ID number (or credit code) and phone with
 * POST /api/cases/{number}/reveal? Those who handle or watch the case: the
 * staff of its department (not a joint-review department: its opinion
 * does not need them), supervisors of its region, auditors, administrators
 * (issue #22 F12). The viewer must see the case first (case_can_view). */
static int may_reveal(const zt_principal *p, const case_row *c) {
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return 1;
    if (p->role_bit & ZT_R_SUPERVISOR) return zt_region_within(c->region, p->region);
    if (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) return p->dept_id == c->dept_id;
    return 0;
}

/* The applicant as a viewer sees him: the ID number or credit code and the
 * phone in full to the applicant himself and to administrators (as in the
 * account lists), masked to everyone else (3603**********0045,
 * 139****0001); `may_reveal` tells the console whether to offer 查看完整信息. */
static json_t *applicant_json(const zt_principal *p, const case_row *c, int full) {
    const char *no = c->applicant_no ? c->applicant_no : "", *phone = c->contact_phone ? c->contact_phone : "";
    char mno[64], mphone[64];
    if (!full) {
        if (*no) no = zt_mask(no, 4, 4, mno, sizeof mno);
        if (*phone) phone = zt_mask(phone, 3, 4, mphone, sizeof mphone);
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "name", c->applicant_name, "type", c->applicant_type, "number", no,
                     "phone", phone, "masked", !full, "may_reveal", !full && may_reveal(p, c));
}

/* The whole case for its applicant and for staff. */
static json_t *case_detail(zt_app *app, zt_arena *a, const zt_principal *p, const case_row *c, zt_error *e) {
    zt_db *db = zt_store_reader(app->store);
    const zt_flow *f = zt_flows_get(c->flow_id, c->flow_version);
    json_t *j = case_basic(c);
    int own = p->user_id == c->applicant_id;
    json_object_set_new(j, "state_label", json_string(case_state_label(f, c->state)));
    json_object_set_new(j, "state_since", case_ts_json(c->state_since));
    json_object_set_new(j, "submitted_at", case_ts_json(c->submitted_at));
    json_object_set_new(j, "accepted_at", case_ts_json(c->accepted_at));
    json_object_set_new(j, "applicant", applicant_json(p, c, own || (p->role_bit & ZT_R_ADMIN)));
    json_t *form = json_loads(c->form ? c->form : "{}", 0, NULL);
    json_object_set_new(j, "form", form ? form : json_object());
    json_object_set_new(j, "deadlines", deadlines_json(app->cal, c));
    json_object_set_new(j, "supplements", json_integer(c->supplements));
    json_object_set_new(j, "result", case_result_json(c));
    json_object_set_new(j, "timeline", case_events_json(db, a, f, c, 1, e));
    /* the applicant (not staff who happen to have applied) reads the public timeline */
    if (own && (p->role_bit & ZT_R_PEOPLE)) case_applicant_timeline(json_object_get(j, "timeline"));
    json_object_set_new(j, "materials", materials_json(db, c->id, e));
    json_object_set_new(j, "joint_departments", joint_json(db, c, e));
    json_object_set_new(j, "actions", actions_json(db, p, c));
    if (own) {
        char pw[9];
        case_query_password(c->number, pw);
        json_object_set_new(j, "query_password", json_string(pw));
    }
    return j;
}

static zt_err load_visible(zt_req *r, case_row *c, zt_error *e) {
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_err rc = case_load(db, zt_req_arena(r), zt_req_param(r, "number"), c, e);
    if (rc) return rc;
    if (!case_can_view(db, zt_req_principal(r), c)) return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    return ZT_OK;
}

static zt_err reply_case(zt_req *r, const char *number, int status, zt_error *e) {
    zt_app *app = zt_app_of(r);
    case_row c;
    zt_err rc = case_load(zt_store_reader(app->store), zt_req_arena(r), number, &c, e);
    if (rc) return rc;
    zt_reply_json(r, status, case_detail(app, zt_req_arena(r), zt_req_principal(r), &c, e));
    return ZT_OK;
}

/* --- applying ------------------------------------------------------------------ */

static zt_err h_apply(zt_req *r, zt_error *e) {
    zt_app *app = zt_app_of(r);
    const zt_principal *p = zt_req_principal(r);
    zt_arena *A = zt_req_arena(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    static const char *const keys[] = {"item_code",     "title",           "form", "materials",
                                       "contact_phone", "idempotency_key", NULL};
    const char *code, *title, *phone, *idem;
    if ((rc = zt_json_only(b, keys, e)) || (rc = zt_json_str(b, "item_code", 1, 64, &code, e)) ||
        (rc = zt_json_str(b, "title", 0, 100, &title, e)) || (rc = zt_json_str(b, "contact_phone", 0, 20, &phone, e)) ||
        (rc = zt_json_str(b, "idempotency_key", 0, 64, &idem, e)))
        return rc;
    const char *hdr = zt_req_header(r, "Idempotency-Key");
    if (hdr && *hdr) {
        if (strlen(hdr) > 64) return zt_fail(e, ZT_EINVAL, "Idempotency-Key", "Idempotency-Key 不能超过 64 个字符");
        if (idem && strcmp(idem, hdr)) return zt_fail(e, ZT_EINVAL, "idempotency_key", "请求头与请求体的幂等键不一致");
        idem = hdr;
    }
    if (phone && !zt_phone_valid(phone))
        return zt_fail(e, ZT_EINVAL, "contact_phone", "联系电话须为 11 位手机号或带区号的固定电话");
    json_t *form = json_object_get(b, "form");
    if (form && !json_is_null(form) && !json_is_object(form))
        return zt_fail(e, ZT_EINVAL, "form", "form 须是 JSON 对象（申请表的各项内容）");
    case_new a = {.p = p, .app = app, .title = title, .phone = phone, .idem = idem};
    a.form = form && json_is_object(form) ? json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (strlen(a.form) > 65536) {
        free(a.form);
        return zt_fail(e, ZT_EINVAL, "form", "申请表内容过长（上限 64 KiB）");
    }
    zt_db *db = zt_store_reader(app->store);
    json_t *guide = NULL;
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT i.id, i.code, i.version, i.name, i.flow_id, i.region_code, i.dept_id, d.code,"
                                " i.legal_days, i.promised_days, i.online, i.guide, i.extension_days FROM items i"
                                " JOIN departments d ON d.id = i.dept_id WHERE i.code = ? AND i.status = 'published'",
                                e);
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    zt_bind_text(st, 1, code);
    if ((rc = zt_step(st, e)) != ZT_ROW) {
        zt_db_release(db);
        if (!zt_step_failed(rc)) rc = zt_fail(e, ZT_ENOTFOUND, "item_code", "事项 %s 不存在或未发布", code);
        goto out;
    }
    a.item_id = zt_col_int(st, 0);
    a.item_code = zt_arena_strdup(A, zt_col_text(st, 1));
    a.item_version = (int)zt_col_int(st, 2);
    a.item_name = zt_arena_strdup(A, zt_col_text(st, 3));
    a.flow_id = zt_arena_strdup(A, zt_col_text(st, 4));
    a.region = zt_arena_strdup(A, zt_col_text(st, 5));
    a.dept_id = zt_col_int(st, 6);
    a.dept_code = zt_arena_strdup(A, zt_col_text(st, 7));
    a.legal_days = (int)zt_col_int(st, 8);
    a.promised_days = (int)zt_col_int(st, 9);
    const char *online = zt_arena_strdup(A, zt_col_text(st, 10));
    guide = json_loads(zt_col_text(st, 11), 0, NULL);
    a.extension_days = (int)zt_col_int(st, 12);
    zt_db_release(db);
    if (!guide) {
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "读取事项失败");
        goto out;
    }
    if (!strcmp(online, "不可网办")) {
        rc = zt_fail(e, ZT_ECONFLICT, "item_code", "事项「%s」不能网上申请，请到 %s 办理", a.item_name,
                     json_string_value(json_object_get(json_object_get(guide, "place"), "address")));
        goto out;
    }
    /* the applicant may apply for it */
    json_t *subjects = json_object_get(guide, "subjects"), *s;
    size_t i;
    int fits = 0;
    int citizen = (p->role_bit & ZT_R_CITIZEN) != 0;
    json_array_foreach(subjects, i, s) {
        const char *v = json_string_value(s);
        if (v && (citizen ? !strcmp(v, "自然人") : (!strcmp(v, "法人") || !strcmp(v, "其他组织")))) fits = 1;
    }
    if (!fits) {
        rc = zt_fail(e, ZT_EINVAL, "item_code", "事项「%s」的申请对象不包括%s", a.item_name,
                     citizen ? "自然人" : "法人和其他组织");
        goto out;
    }
    const zt_flow *f = zt_flows_get(a.flow_id, 0);
    if (!f) {
        rc = zt_fail(e, ZT_EINTERNAL, "item_code", "事项的办理流程「%s」未加载", a.flow_id);
        goto out;
    }
    a.flow_version = zt_flow_version(f);
    /* materials: each a material of the guide, each upload the applicant's;
     * every required one given */
    json_t *gm = json_object_get(guide, "materials");
    if ((rc = case_attachments(db, json_object_get(b, "materials"), "materials", p->user_id, gm, a.mats, &a.nmats, e)))
        goto out;
    char missing[768] = "";
    size_t mlen = 0;
    json_array_foreach(gm, i, s) {
        if (!json_is_true(json_object_get(s, "required"))) continue;
        const char *name = json_string_value(json_object_get(s, "name"));
        int given = 0;
        for (size_t k = 0; k < a.nmats; k++)
            if (!strcmp(a.mats[k].material, name)) given = 1;
        if (!given && mlen < sizeof missing - 4)
            mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s「%s」", mlen ? "、" : "", name);
    }
    if (mlen) {
        rc = zt_fail(e, ZT_EINVAL, "materials", "缺少必需的申请材料：%s", missing);
        goto out;
    }
    /* who applies */
    if ((rc = zt_user_identity(db, A, p->user_id, &a.applicant_name, &a.applicant_no, e))) goto out;
    a.applicant_type = citizen ? "citizen" : "enterprise";
    a.joint = json_object_get(guide, "joint_departments");
    json_t *empty = json_array();
    if (!json_is_array(a.joint)) a.joint = empty;
    zt_db_release(db); /* end the read snapshot before writing */
    rc = zt_store_write(app->store, case_apply_write, &a, e);
    json_decref(empty);
    if (!rc) rc = reply_case(r, a.number, a.existing ? 200 : 201, e);
out:
    json_decref(guide);
    free(a.form);
    return rc;
}

/* --- acting ---------------------------------------------------------------------- */

/* POST /api/cases/{number}/actions/{action} {fields, attachments}: the
 * viewer's checks in the order the answer names them (404 case, 400 action,
 * 403 scope and role, 409 state, 400 field, 400 attachment), then the step. */
static zt_err h_act(zt_req *r, zt_error *e) {
    zt_app *app = zt_app_of(r);
    const zt_principal *p = zt_req_principal(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    if ((rc = zt_json_only(b, (const char *const[]){"fields", "attachments", NULL}, e))) return rc;
    json_t *fields = json_object_get(b, "fields");
    if (fields && !json_is_object(fields) && !json_is_null(fields))
        return zt_fail(e, ZT_EINVAL, "fields", "fields 须是 JSON 对象");
    case_row c;
    if ((rc = load_visible(r, &c, e))) return rc;
    case_act a = {.p = p, .app = app, .c = &c, .action = zt_req_param(r, "action")};
    zt_flow_instance in;
    zt_db *db = zt_store_reader(app->store);
    json_t *empty = json_object();
    a.fields = fields && json_is_object(fields) ? fields : empty;
    if (!(rc = case_instance(&c, &in, e)) && !(rc = zt_flow_may(db, &in, a.action, p, e)) &&
        !(rc = zt_flow_check_fields(in.def, a.action, a.fields, e)))
        rc = case_attachments(db, json_object_get(b, "attachments"), "attachments", p->user_id, NULL, a.atts, &a.natts,
                              e);
    zt_db_release(db); /* end the read snapshot before writing */
    if (!rc) rc = zt_store_write(app->store, case_act_write, &a, e);
    json_decref(empty);
    if (!rc) rc = reply_case(r, c.number, 200, e);
    return rc;
}

static zt_err h_get(zt_req *r, zt_error *e) {
    case_row c;
    zt_err rc = load_visible(r, &c, e);
    if (rc) return rc;
    zt_reply_json(r, 200, case_detail(zt_app_of(r), zt_req_arena(r), zt_req_principal(r), &c, e));
    return ZT_OK;
}

/* --- unmasking ------------------------------------------------------------------ */

typedef struct {
    const zt_principal *p;
    const case_row *c;
    const char *reason;
} reveal_arg;

static zt_err reveal_write(zt_db *db, void *arg, zt_error *e) {
    reveal_arg *a = arg;
    /* what was shown and why; never the values themselves */
    json_t *detail = json_pack("{s:s,s:[s,s],s:s}", "reason", a->reason, "fields", "applicant.number",
                               "applicant.phone", "department", a->c->dept_code);
    zt_err rc = zt_record(db, a->p, "case.reveal", "case", a->c->number, 0, detail, e);
    json_decref(detail);
    return rc;
}

/* POST /api/cases/{number}/reveal {reason}: the applicant's ID number (or
 * credit code) and phone unmasked, for those may_reveal admits, each time
 * with a reason that the audit trail and the ledger keep (case.reveal). */
static zt_err h_reveal(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    case_row c;
    zt_err rc = load_visible(r, &c, e);
    if (rc) return rc;
    if (!may_reveal(p, &c))
        return zt_fail(e, ZT_EFORBIDDEN, "number", "只有本办件的承办部门、监察、审计和管理员可以查看申请人的完整信息");
    json_t *b;
    const char *reason;
    if ((rc = zt_req_json(r, &b, e)) || (rc = zt_json_only(b, (const char *const[]){"reason", NULL}, e)) ||
        (rc = zt_json_str(b, "reason", 1, 800, &reason, e)))
        return rc;
    if (zt_blank(reason) || zt_utf8_len(reason) < 2 || zt_utf8_len(reason) > 200)
        return zt_fail(e, ZT_EINVAL, "reason", "请写明查看申请人完整信息的理由（reason，2 到 200 个字）");
    reveal_arg a = {p, &c, reason};
    if ((rc = zt_store_write(zt_app_of(r)->store, reveal_write, &a, e))) return rc;
    json_t *out = json_pack("{s:s,s:o,s:o}", "number", c.number, "applicant", applicant_json(p, &c, 1), "revealed_at",
                            case_ts_json(zt_now()));
    json_t *ap = json_object_get(out, "applicant");
    json_object_del(ap, "may_reveal");
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

/* --- lists ----------------------------------------------------------------------- */

typedef struct {
    json_t *items;
    zt_app *app;
    zt_arena *a;
} list_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    case_row c;
    case_from_row(st, l->a, &c);
    const zt_flow *f = zt_flows_get(c.flow_id, c.flow_version);
    const char *days[] = {c.promised_due, c.legal_due, c.due_day};
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "number", c.number, "title",
        c.title ? c.title : "", "item_code", c.item_code, "item_name", c.item_name, "department_name", c.dept_name,
        "state", c.state, "state_label", case_state_label(f, c.state), "submitted_at", case_ts_json(c.submitted_at),
        "applicant_name", c.applicant_name, "step_due", case_day_json(c.due_day), "remaining_days",
        remaining_json(l->app->cal, c.due_day), "promised_due", case_day_json(c.promised_due), "legal_due",
        case_day_json(c.legal_due), "closed_at", case_ts_json(c.closed_at), "result_type",
        c.result_type ? json_string(c.result_type) : json_null(), "provisional", provisional_json(l->app->cal, days));
    json_array_append_new(l->items, j);
}

/* Filters both lists share: ?state= (comma-separated), ?open=1, ?q= (number,
 * applicant, item, title), ?item=, ?from= / ?to= (submission days),
 * ?overdue=1. */
static zt_err list_filters(zt_req *r, zt_qb *f, zt_error *e) {
    zt_arena *A = zt_req_arena(r);
    const char *state = zt_req_query(r, "state"), *q = zt_req_query(r, "q"), *item = zt_req_query(r, "item");
    const char *from = zt_req_query(r, "from"), *to = zt_req_query(r, "to"), *open = zt_req_query(r, "open");
    const char *overdue = zt_req_query(r, "overdue");
    if (state && *state) {
        char *copy = zt_arena_strdup(A, state), *save = NULL;
        zt_qb_sql(f, " AND c.state IN (");
        int n = 0;
        for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
            if (n++ >= 32) return zt_fail(e, ZT_EINVAL, "state", "state 最多列出 32 个状态");
            zt_qb_sql(f, n > 1 ? ", ?" : "?");
            zt_qb_text(f, s);
        }
        zt_qb_sql(f, n ? ")" : "NULL)");
    }
    if (open && !strcmp(open, "1")) zt_qb_sql(f, " AND c.closed_at IS NULL");
    if (open && !strcmp(open, "0")) zt_qb_sql(f, " AND c.closed_at IS NOT NULL");
    if (q && *q) zt_qb_search(f, q, (const char *const[]){"c.number", "c.applicant_name", "i.name", "c.title", NULL});
    if (item && *item) {
        zt_qb_sql(f, " AND i.code = ?");
        zt_qb_text(f, item);
    }
    zt_day d;
    if (from && *from) {
        if (zt_day_parse(from, &d)) return zt_fail(e, ZT_EINVAL, "from", "from 须是日期 YYYY-MM-DD");
        zt_qb_sql(f, " AND c.submitted_at >= ?");
        zt_qb_int(f, zt_day_start(d));
    }
    if (to && *to) {
        if (zt_day_parse(to, &d)) return zt_fail(e, ZT_EINVAL, "to", "to 须是日期 YYYY-MM-DD");
        zt_qb_sql(f, " AND c.submitted_at < ?");
        zt_qb_int(f, zt_day_start(d + 1));
    }
    if (overdue && !strcmp(overdue, "1")) {
        char *tday = zt_arena_alloc(A, 11);
        zt_day_format(zt_today(), tday);
        zt_qb_sql(f, " AND c.closed_at IS NULL AND c.due_day < ?");
        zt_qb_text(f, tday);
    }
    return ZT_OK;
}

static zt_err reply_list(zt_req *r, zt_qb *f, const char *order, zt_error *e) {
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array(), zt_app_of(r), zt_req_arena(r)};
    rc = zt_qb_list(zt_store_reader(l.app->store), f, CASE_COLS, CASE_FROM, order, limit, offset, list_row, &l, &total,
                    e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

/* GET /api/my/cases: the applicant's own, newest first. */
static zt_err h_mine(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "c.applicant_id = ?");
    zt_qb_int(&f, zt_req_principal(r)->user_id);
    zt_err rc = list_filters(r, &f, e);
    if (rc) return rc;
    return reply_list(r, &f, "ORDER BY c.submitted_at DESC, c.id DESC", e);
}

/* GET /api/dept/cases: the to-do list. Staff: their department's cases
 * and those it reviews jointly; supervisors: their region; auditors and
 * administrators: all. Soonest due first. */
static zt_err h_dept(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (p->role_bit & ZT_R_SUPERVISOR) {
        zt_qb_region(&f, "c.region_code", p->region);
    } else if (!(p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR))) {
        zt_qb_sql(&f, " AND (c.dept_id = ? OR c.id IN (SELECT case_id FROM case_joint WHERE dept_id = ?))");
        zt_qb_int(&f, p->dept_id);
        zt_qb_int(&f, p->dept_id);
    }
    const char *dept = zt_req_query(r, "dept");
    if (dept && *dept) {
        zt_qb_sql(&f, " AND d.code = ?");
        zt_qb_text(&f, dept);
    }
    zt_err rc = list_filters(r, &f, e);
    if (rc) return rc;
    return reply_list(r, &f, "ORDER BY c.closed_at IS NOT NULL, c.due_day IS NULL, c.due_day, c.submitted_at", e);
}

#define CASE_STAFF (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"POST", "/api/cases", h_apply, ZT_R_PEOPLE,
     "apply for a published item: {item_code, title, form, materials:[{material, upload_id}], contact_phone}"},
    {"GET", "/api/my/cases", h_mine, ZT_R_PEOPLE, "my cases (?state ?open ?q ?item ?from ?to, paged)"},
    {"GET", "/api/dept/cases", h_dept, CASE_STAFF,
     "to-do list with remaining working days (?state ?open ?overdue ?q ?item ?dept ?from ?to, paged)"},
    {"GET", "/api/cases/{number}", h_get, ZT_R_USERS,
     "a case: timeline, materials, deadlines, the actions open to the viewer"},
    {"POST", "/api/cases/{number}/actions/{action}", h_act, ZT_R_USERS,
     "take a process action: {fields, attachments}; 400/403/409 as the definition says"},
    {"POST", "/api/cases/{number}/reveal", h_reveal, CASE_STAFF,
     "the applicant's ID number and phone unmasked: {reason}, audited (case department, supervision, audit, admin)"},
    {"GET", "/api/cases/{number}/receipt.pdf", case_h_receipt, ZT_R_USERS,
     "the receipt (受理通知书 / 网上申请回执) as PDF with the status QR code"},
    {"POST", "/api/public/case-status", case_h_status, ZT_PUBLIC,
     "status query without login: {number, password} (throttled)", 0, ZT_ROUTE_SMALL_BODY},
};

const zt_route *zt_cases_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
