/* ratings.c - 好差评: the applicant rates a finished case on five levels
 * (非常满意 5 … 非常不满意 1) with the reasons ticked; a bad rating (1-2)
 * opens a follow-up: the department visits the applicant (回访) and fixes
 * the problem (整改) within services.rating_fix_days working days, which
 * supervision watches. A rating is an instance of data/flows/rating.json:
 * created open (a bad one) or finished (none needed), each step through the
 * process engine, a supervision event and a ledger entry. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "services/services.h"
#include "store/query.h"

static const char *const LEVELS[] = {"", "非常不满意", "不满意", "基本满意", "满意", "非常满意"};

/* The reasons a rating may give (GB/T 39735-2020 政务服务评价工作指南 in
 * spirit): the good and the bad ones. */
static const char *const CRITERIA[] = {"办事指南清晰准确", "申请材料精简",   "办理流程便捷", "办理时间短", "一次办成",
                                       "服务态度好",       "办事指南不准确", "材料要求反复", "多次跑动",   "超时办理",
                                       "服务态度差",       "乱收费",         "系统操作不便", "其他",       NULL};

static int is_bad(int64_t level) { return level <= 2; }

static json_t *text_or_null(zt_stmt *st, int col) {
    return zt_col_is_null(st, col) ? json_null() : json_string(zt_col_text(st, col));
}

#define RATING_COLS                                                                                                    \
    "r.id, c.number, r.level, r.criteria, r.comment, r.rated_at, d.code, d.name, r.followup, r.fix_due,"               \
    " r.visit_note, r.visited_at, r.fix_note, r.fixed_at, i.name, c.applicant_name, c.region_code, r.dept_id,"         \
    " c.applicant_id"
#define RATING_FROM                                                                                                    \
    "ratings r JOIN cases c ON c.id = r.case_id JOIN departments d ON d.id = r.dept_id JOIN items i"                   \
    " ON i.id = c.item_id"

static json_t *rating_json(zt_stmt *st, const zt_calendar *cal) {
    int64_t level = zt_col_int(st, 2);
    json_t *criteria = json_loads(zt_col_text(st, 3), 0, NULL);
    json_t *remaining = json_null();
    zt_day due;
    if (!zt_col_is_null(st, 9) && zt_day_parse(zt_col_text(st, 9), &due) == 0 &&
        strcmp(zt_col_text(st, 8), "fixed") != 0) {
        zt_day t = zt_day_of_instant(zt_now());
        remaining = json_integer(due >= t ? zt_cal_between(cal, t, due) : -zt_cal_between(cal, due, t));
    }
    return json_pack("{s:I,s:s,s:I,s:s,s:b,s:o,s:s,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:s}", "id",
                     (json_int_t)zt_col_int(st, 0), "case_number", zt_col_text(st, 1), "level", (json_int_t)level,
                     "level_label", level >= 1 && level <= 5 ? LEVELS[level] : "", "bad", is_bad(level), "criteria",
                     criteria ? criteria : json_array(), "comment", zt_col_text(st, 4), "rated_at",
                     zt_col_json_time(st, 5), "department", zt_col_text(st, 6), "department_name", zt_col_text(st, 7),
                     "followup", zt_col_text(st, 8), "fix_due", text_or_null(st, 9), "remaining_days", remaining,
                     "visit_note", text_or_null(st, 10), "visited_at", zt_col_json_time(st, 11), "fix_note",
                     text_or_null(st, 12), "fixed_at", zt_col_json_time(st, 13), "item_name", zt_col_text(st, 14),
                     "applicant_name", zt_col_text(st, 15));
}

/* --- the rating as a process instance ------------------------------------ */

typedef struct rating_row {
    int64_t id, dept_id, owner, updated_at;
    char followup[16], number[64], dept[64], region[16], due[16];
} rating_row;

/* What the rating itself says, for the event of its creation. */
typedef struct rate_ctx {
    int64_t level;
    json_t *criteria;
    const char *comment, *case_state, *due;
} rate_ctx;

/* The follow-up's columns and the rating member of the event. */
static zt_err rating_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const rating_row *rr = m->in->row;
    const char *action = m->action.id;
    if (!strcmp(action, "rate")) {
        const rate_ctx *x = m->arg;
        json_object_set_new(m->event, "rating",
                            json_pack("{s:s,s:I,s:s,s:b,s:O,s:s,s:s,s:s,s:o}", "case_number", rr->number, "level",
                                      (json_int_t)x->level, "level_label", LEVELS[x->level], "bad", is_bad(x->level),
                                      "criteria", x->criteria, "comment", x->comment ? x->comment : "", "department",
                                      rr->dept, "state", x->case_state, "fix_due",
                                      *x->due ? json_string(x->due) : json_null()));
        return ZT_OK;
    }
    const char *note = json_string_value(json_object_get(m->fields, "note"));
    zt_stmt *st =
        zt_db_prepare(db,
                      !strcmp(action, "visit") ? "UPDATE ratings SET visit_note = ?, visited_at = ? WHERE id = ?"
                                               : "UPDATE ratings SET fix_note = ?, fixed_at = ? WHERE id = ?",
                      e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, note ? note : "");
    zt_bind_int(st, 2, m->at);
    zt_bind_int(st, 3, rr->id);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    json_object_set_new(m->event, "rating",
                        json_pack("{s:s,s:s,s:s,s:s}", "case_number", rr->number, "department", rr->dept, "note",
                                  note ? note : "", "fix_due", rr->due));
    return ZT_OK;
}

/* Only the rated department follows a rating up. */
static zt_err rating_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *a,
                         zt_error *e) {
    const rating_row *rr = in->row;
    if (!strcmp(a->id, "rate") || p->dept_id == rr->dept_id) return ZT_OK;
    if (p->role_bit & ZT_R_SUPERVISOR) return zt_fail(e, ZT_EFORBIDDEN, "id", "回访和整改由被评价部门办理");
    return zt_fail(e, ZT_ENOTFOUND, "id", "评价不存在");
}

static const zt_flow_owner RATING_OWNER = {
    .subject_type = "rating", .table = "ratings", .state_column = "followup", .may = rating_may, .apply = rating_apply};

static zt_err rating_instance(const rating_row *rr, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("rating", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 rating 未加载");
    *in = (zt_flow_instance){.owner = &RATING_OWNER,
                             .def = f,
                             .row_id = rr->id,
                             .subject = rr->number,
                             .state = rr->followup,
                             .updated_at = rr->updated_at,
                             .dept_code = rr->dept,
                             .region_code = rr->region,
                             .owner_user_id = rr->owner,
                             .row = (void *)rr};
    return ZT_OK;
}

/* --- rating a case ---------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const zt_calendar *cal;
    int64_t fix_days;
    const char *number;
    int64_t level;
    json_t *criteria;
    const char *comment;
    int64_t id;
} rate_arg;

static zt_err rate_write(zt_db *db, void *arg, zt_error *e) {
    rate_arg *a = arg;
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT c.id, c.applicant_id, c.closed_at, c.state, c.dept_id, d.code, c.region_code,"
                              " (SELECT count(*) FROM ratings r WHERE r.case_id = c.id) FROM cases c"
                              " JOIN departments d ON d.id = c.dept_id WHERE c.number = ?",
                              ZT_T(a->number));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW || zt_col_int(st, 1) != a->p->user_id) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    }
    int64_t case_id = zt_col_int(st, 0), dept_id = zt_col_int(st, 4), closed = zt_col_int(st, 2);
    char state[64], dept_code[64], region[16];
    snprintf(state, sizeof state, "%s", zt_col_text(st, 3));
    snprintf(dept_code, sizeof dept_code, "%s", zt_col_text(st, 5));
    snprintf(region, sizeof region, "%s", zt_col_text(st, 6));
    int64_t rated = zt_col_int(st, 7);
    zt_db_release(db);
    if (!closed || !strcmp(state, "withdrawn") || !strcmp(state, "voided"))
        return zt_fail(e, ZT_ECONFLICT, "state", "办件办结后才能评价");
    if (rated) return zt_fail(e, ZT_ECONFLICT, "number", "该办件已经评价过");
    int64_t now = zt_now();
    char due[11] = "";
    if (is_bad(a->level)) zt_day_format(zt_cal_add(a->cal, zt_day_of_instant(now), (int)a->fix_days), due);
    char *crit = json_dumps(a->criteria, JSON_COMPACT);
    st = zt_db_prepare(db,
                       "INSERT INTO ratings (case_id, level, criteria, comment, rater_id, rated_at, dept_id, followup,"
                       " fix_due, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       e);
    if (!st) {
        free(crit);
        return ZT_EINTERNAL;
    }
    zt_bind_int(st, 1, case_id);
    zt_bind_int(st, 2, a->level);
    zt_bind_text(st, 3, crit);
    zt_bind_text(st, 4, a->comment ? a->comment : "");
    zt_bind_int(st, 5, a->p->user_id);
    zt_bind_int(st, 6, now);
    zt_bind_int(st, 7, dept_id);
    zt_bind_text(st, 8, *due ? "open" : "none");
    if (*due)
        zt_bind_text(st, 9, due);
    else
        zt_bind_null(st, 9);
    zt_bind_int(st, 10, now);
    zt_err s = zt_step(st, e);
    free(crit);
    if (s != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    a->id = zt_col_int(st, 0);
    zt_db_release(db);
    rating_row rr = {.id = a->id, .dept_id = dept_id, .owner = a->p->user_id, .updated_at = now};
    snprintf(rr.followup, sizeof rr.followup, "%s", *due ? "open" : "none");
    snprintf(rr.number, sizeof rr.number, "%s", a->number);
    snprintf(rr.dept, sizeof rr.dept, "%s", dept_code);
    snprintf(rr.region, sizeof rr.region, "%s", region);
    snprintf(rr.due, sizeof rr.due, "%s", due);
    zt_flow_instance in;
    zt_err rc = rating_instance(&rr, &in, e);
    if (rc) return rc;
    json_t *fields = json_pack("{s:I,s:O,s:s}", "level", (json_int_t)a->level, "criteria", a->criteria, "comment",
                               a->comment ? a->comment : "");
    rate_ctx x = {a->level, a->criteria, a->comment, state, due};
    zt_flow_opts o = {.arg = &x, .at = now};
    rc = zt_flow_create(db, &in, "rate", a->p, fields, &o, e);
    json_decref(fields);
    return rc;
}

static zt_err reply_rating(zt_req *r, int64_t id, int status, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT " RATING_COLS " FROM " RATING_FROM " WHERE r.id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "评价不存在");
    zt_reply_json(r, status, rating_json(st, app->cal));
    return ZT_OK;
}

static zt_err h_rate(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    rate_arg a = {zt_req_principal(r), app->cal, app->cfg->rating_fix_days, zt_req_param(r, "number")};
    if ((rc = zt_json_only(b, (const char *const[]){"level", "criteria", "comment", NULL}, e)) ||
        (rc = zt_json_int(b, "level", 1, 1, 5, 0, &a.level, e)) ||
        (rc = zt_json_str(b, "comment", 0, 500, &a.comment, e)))
        return rc;
    json_t *crit = json_object_get(b, "criteria");
    if (crit && !json_is_null(crit) && !json_is_array(crit))
        return zt_fail(e, ZT_EINVAL, "criteria", "criteria 须是评价理由的数组");
    size_t i, n = crit && json_is_array(crit) ? json_array_size(crit) : 0;
    json_t *v;
    if (n > 14) return zt_fail(e, ZT_EINVAL, "criteria", "评价理由过多");
    json_array_foreach(crit, i, v) {
        const char *s = json_string_value(v);
        int known = 0;
        for (int k = 0; s && CRITERIA[k]; k++)
            if (!strcmp(s, CRITERIA[k])) known = 1;
        if (!known) return zt_fail(e, ZT_EINVAL, "criteria", "未知的评价理由：%s", s ? s : "(非文本)");
    }
    if (is_bad(a.level) && n == 0) return zt_fail(e, ZT_EINVAL, "criteria", "差评须勾选至少一项理由，以便部门回访整改");
    a.criteria = crit && json_is_array(crit) ? crit : json_array();
    if (!crit || !json_is_array(crit)) json_object_set_new(b, "criteria", a.criteria);
    if ((rc = zt_store_write(app->store, rate_write, &a, e))) return rc;
    return reply_rating(r, a.id, 201, e);
}

/* May p see (and, staff of its department, follow up) the rating? */
/* Who reads a case's rating: its applicant, administrators and auditors,
 * supervisors of its region, staff of the rated department. */
static int may_see(const zt_principal *p, const char *region, int64_t dept_id, int64_t applicant_id) {
    if (p->user_id == applicant_id) return 1;
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return 1;
    if (p->role_bit & ZT_R_SUPERVISOR) return zt_region_within(region, p->region);
    return (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) && p->dept_id == dept_id;
}

/* GET /api/cases/{number}/rating: the rating; 204 when the case (which the
 * viewer may see) is not rated yet; 404 when there is no such case for him */
static zt_err h_get(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT r.id IS NULL, c.region_code, coalesce(r.dept_id, c.dept_id), c.applicant_id"
                              " FROM cases c LEFT JOIN ratings r ON r.case_id = c.id WHERE c.number = ?",
                              ZT_T(zt_req_param(r, "number")));
    if (!st) return ZT_EINTERNAL;
    int found = zt_step(st, e) == ZT_ROW && may_see(p, zt_col_text(st, 1), zt_col_int(st, 2), zt_col_int(st, 3));
    int unrated = found && zt_col_int(st, 0);
    zt_db_release(db);
    if (!found) return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    if (unrated) {
        zt_reply_empty(r, 204);
        return ZT_OK;
    }
    st = zt_db_query(db, e, "SELECT " RATING_COLS " FROM " RATING_FROM " WHERE c.number = ?",
                     ZT_T(zt_req_param(r, "number")));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    zt_reply_json(r, 200, rating_json(st, app->cal));
    return ZT_OK;
}

/* --- follow-up of a bad rating ------------------------------------------ */

typedef struct {
    const zt_principal *p;
    int64_t id;
    const char *step; /* "visit" or "fix" */
    const char *note;
} follow_arg;

static zt_err follow_write(zt_db *db, void *arg, zt_error *e) {
    follow_arg *a = arg;
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT r.followup, r.dept_id, c.number, d.code, c.region_code, c.applicant_id,"
                              " r.fix_due, r.updated_at FROM ratings r JOIN cases c ON c.id = r.case_id"
                              " JOIN departments d ON d.id = r.dept_id WHERE r.id = ?",
                              ZT_I(a->id));
    if (!st) return ZT_EINTERNAL;
    zt_err found = zt_step(st, e);
    if (found != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(found) ? found : zt_fail(e, ZT_ENOTFOUND, "id", "评价不存在");
    }
    rating_row rr = {
        .id = a->id, .dept_id = zt_col_int(st, 1), .owner = zt_col_int(st, 5), .updated_at = zt_col_int(st, 7)};
    snprintf(rr.followup, sizeof rr.followup, "%s", zt_col_text(st, 0));
    snprintf(rr.number, sizeof rr.number, "%s", zt_col_text(st, 2));
    snprintf(rr.dept, sizeof rr.dept, "%s", zt_col_text(st, 3));
    snprintf(rr.region, sizeof rr.region, "%s", zt_col_text(st, 4));
    snprintf(rr.due, sizeof rr.due, "%s", zt_col_is_null(st, 6) ? "" : zt_col_text(st, 6));
    zt_db_release(db);
    zt_flow_instance in;
    zt_err rc = rating_instance(&rr, &in, e);
    if (rc) return rc;
    zt_flow_action_info ai = {.id = a->step};
    if ((rc = rating_may(db, &in, a->p, &ai, e))) return rc;
    /* what the follow-up's state means, said plainly */
    int visit = !strcmp(a->step, "visit");
    if (!strcmp(rr.followup, "none")) return zt_fail(e, ZT_ECONFLICT, "followup", "只有差评需要回访和整改");
    if (!strcmp(rr.followup, "fixed")) return zt_fail(e, ZT_ECONFLICT, "followup", "该差评已整改完毕");
    if (visit && strcmp(rr.followup, "open")) return zt_fail(e, ZT_ECONFLICT, "followup", "已经回访过");
    json_t *fields = json_pack("{s:s}", "note", a->note);
    rc = zt_flow_step(db, &in, a->step, a->p, fields, NULL, e);
    json_decref(fields);
    return rc;
}

static zt_err follow(zt_req *r, const char *step, zt_error *e) {
    follow_arg a = {zt_req_principal(r), 0, step, NULL};
    json_t *b;
    zt_err rc = zt_req_param_id(r, "id", &a.id, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"note", NULL}, e);
    if (!rc) rc = zt_json_str(b, "note", 1, 2000, &a.note, e);
    if (!rc) rc = zt_store_write(((zt_app *)zt_req_app(r))->store, follow_write, &a, e);
    if (rc) return rc;
    return reply_rating(r, a.id, 200, e);
}

static zt_err h_visit(zt_req *r, zt_error *e) { return follow(r, "visit", e); }
static zt_err h_fix(zt_req *r, zt_error *e) { return follow(r, "fix", e); }

/* --- lists ------------------------------------------------------------------ */

typedef struct {
    json_t *items;
    const zt_calendar *cal;
} list_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    json_array_append_new(l->items, rating_json(st, l->cal));
}

/* GET /api/dept/ratings: the department's ratings (supervisors: their
 * region's), ?followup= ?bad=1 ?level=, paged; open follow-ups soonest due
 * first. */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (p->role_bit & ZT_R_SUPERVISOR) {
        zt_qb_region(&f, "c.region_code", p->region);
    } else if (!(p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR))) {
        zt_qb_sql(&f, " AND r.dept_id = ?");
        zt_qb_int(&f, p->dept_id);
    }
    const char *fu = zt_req_query(r, "followup"), *bad = zt_req_query(r, "bad");
    if (fu && *fu) {
        if (strcmp(fu, "none") && strcmp(fu, "open") && strcmp(fu, "visited") && strcmp(fu, "fixed"))
            return zt_fail(e, ZT_EINVAL, "followup", "followup 须是 none、open、visited 或 fixed");
        zt_qb_sql(&f, " AND r.followup = ?");
        zt_qb_text(&f, fu);
    }
    if (bad && !strcmp(bad, "1")) zt_qb_sql(&f, " AND r.level <= 2");
    int64_t level, limit, offset, total;
    zt_err rc = zt_req_query_int(r, "level", 0, 0, 5, &level, e);
    if (!rc) rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    if (level) {
        zt_qb_sql(&f, " AND r.level = ?");
        zt_qb_int(&f, level);
    }
    list_ctx l = {json_array(), app->cal};
    rc = zt_qb_list(zt_store_reader(app->store), &f, RATING_COLS, RATING_FROM,
                    "ORDER BY r.followup NOT IN ('open', 'visited'), r.fix_due, r.rated_at DESC", limit, offset,
                    list_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

#define FOLLOWERS (ZT_R_CLERK | ZT_R_DEPT_HEAD)

static const zt_route routes[] = {
    {"POST", "/api/cases/{number}/rating", h_rate, ZT_R_PEOPLE,
     "rate a finished case (好差评): {level 1-5, criteria, comment}; 1-2 open a follow-up"},
    {"GET", "/api/cases/{number}/rating", h_get, ZT_R_USERS,
     "the rating of a case and its follow-up (204: not rated yet)"},
    {"GET", "/api/dept/ratings", h_list, FOLLOWERS | ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR,
     "ratings of the department (?followup ?bad=1 ?level, paged)"},
    {"POST", "/api/ratings/{id}/visit", h_visit, FOLLOWERS,
     "record the follow-up visit (回访) of a bad rating: {note}"},
    {"POST", "/api/ratings/{id}/fix", h_fix, FOLLOWERS, "record the fix (整改) of a bad rating: {note}"},
};

const zt_route *zt_ratings_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
