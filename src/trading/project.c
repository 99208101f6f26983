/* project.c - a trading project (交易项目) as an instance of
 * data/flows/tender.json: registered by the trading centre, published with
 * dates checked against the law, opened, evaluated, its candidates
 * published (公示), objections pausing it, awarded and contracted; a
 * failed one (流标) re-tendered. Every step goes through the flow engine;
 * its event carries the project's "tender" member for the supervision kind
 * (src/supervise/kinds/tender.c) and lands in the ledger. */
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "store/query.h"
#include "trading/internal.h"

const tr_type TR_TYPES[] = {
    {"engineering", "工程招标", {"公开招标", "邀请招标", NULL}},
    {"procurement", "政府采购", {"公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "询价", "单一来源", NULL}},
    {"land", "土地出让", {"招标", "拍卖", "挂牌", NULL}},
    {"property", "产权交易", {"挂牌", "拍卖", "竞价", NULL}},
    {NULL, NULL, {NULL}},
};

const tr_type *tr_type_get(const char *name) {
    for (const tr_type *t = TR_TYPES; name && t->name; t++)
        if (!strcmp(t->name, name)) return t;
    return NULL;
}

int tr_method_ok(const tr_type *t, const char *method) {
    for (int i = 0; method && t->methods[i]; i++)
        if (!strcmp(t->methods[i], method)) return 1;
    return 0;
}

int tr_by_price(const char *eval_method) { return !strcmp(eval_method, "价高者得"); }

/* --- the row ------------------------------------------------------------- */

#define PROJ_COLS                                                                                                      \
    "p.id, p.number, p.type, p.method, p.title, p.dept_id, d.code, d.name, p.region_code, p.budget, p.lots,"           \
    " p.legal_basis, p.eval_method, p.criteria, p.deposit_max, p.flow_version, p.state, p.paused_from,"                \
    " p.docs_from, p.docs_to, p.published_at, p.deadline, p.opened_at, p.window_end, p.committee, p.report,"           \
    " p.reported_at, p.publicity_from, p.publicity_to, p.award_bid_id, p.award_reason, p.awarded_at,"                  \
    " p.contract_amount, p.contracted_at, p.failed_reason, p.round, p.created_at, p.updated_at,"                       \
    " p.auction_increment, p.auction_price, (SELECT number FROM trade_bids WHERE id = p.auction_leader),"              \
    " p.category, p.budget_item"
#define PROJ_FROM "trade_projects p JOIN departments d ON d.id = p.dept_id"

static void cp(char *dst, size_t n, zt_stmt *st, int col) {
    snprintf(dst, n, "%s", zt_col_is_null(st, col) ? "" : zt_col_text(st, col));
}

static json_t *col_json(zt_stmt *st, int col) {
    if (zt_col_is_null(st, col)) return NULL;
    return json_loads(zt_col_text(st, col), 0, NULL);
}

static void proj_read(zt_stmt *st, tr_proj *p) {
    memset(p, 0, sizeof *p);
    p->id = zt_col_int(st, 0);
    cp(p->number, sizeof p->number, st, 1);
    cp(p->type, sizeof p->type, st, 2);
    cp(p->method, sizeof p->method, st, 3);
    cp(p->title, sizeof p->title, st, 4);
    p->dept_id = zt_col_int(st, 5);
    cp(p->dept, sizeof p->dept, st, 6);
    cp(p->dept_name, sizeof p->dept_name, st, 7);
    cp(p->region, sizeof p->region, st, 8);
    p->budget = zt_col_int(st, 9);
    p->lots = col_json(st, 10);
    cp(p->legal_basis, sizeof p->legal_basis, st, 11);
    cp(p->eval_method, sizeof p->eval_method, st, 12);
    p->criteria = col_json(st, 13);
    p->deposit_max = zt_col_int(st, 14);
    p->flow_version = zt_col_int(st, 15);
    cp(p->state, sizeof p->state, st, 16);
    cp(p->paused_from, sizeof p->paused_from, st, 17);
    cp(p->docs_from, sizeof p->docs_from, st, 18);
    cp(p->docs_to, sizeof p->docs_to, st, 19);
    p->published_at = zt_col_int(st, 20);
    p->deadline = zt_col_int(st, 21);
    p->opened_at = zt_col_int(st, 22);
    p->window_end = zt_col_int(st, 23);
    p->committee = col_json(st, 24);
    p->report = col_json(st, 25);
    p->reported_at = zt_col_int(st, 26);
    p->publicity_from = zt_col_int(st, 27);
    p->publicity_to = zt_col_int(st, 28);
    p->award_bid_id = zt_col_int(st, 29);
    cp(p->award_reason, sizeof p->award_reason, st, 30);
    p->awarded_at = zt_col_int(st, 31);
    p->contract_amount = zt_col_int(st, 32);
    p->contracted_at = zt_col_int(st, 33);
    cp(p->failed_reason, sizeof p->failed_reason, st, 34);
    p->round = zt_col_int(st, 35);
    p->created_at = zt_col_int(st, 36);
    p->updated_at = zt_col_int(st, 37);
    p->auction_increment = zt_col_int(st, 38);
    p->auction_price = zt_col_int(st, 39);
    cp(p->auction_leader, sizeof p->auction_leader, st, 40);
    cp(p->category, sizeof p->category, st, 41);
    cp(p->budget_item, sizeof p->budget_item, st, 42);
    if (!p->lots) p->lots = json_array();
    if (!p->criteria) p->criteria = json_array();
}

void tr_proj_free(tr_proj *p) {
    json_decref(p->lots);
    json_decref(p->criteria);
    json_decref(p->committee);
    json_decref(p->report);
    p->lots = p->criteria = p->committee = p->report = NULL;
}

zt_err tr_proj_load(zt_db *db, const char *number, tr_proj *p, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT " PROJ_COLS " FROM " PROJ_FROM " WHERE p.number = ?", ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(s) ? s : zt_fail(e, ZT_ENOTFOUND, "number", "交易项目不存在");
    }
    proj_read(st, p);
    zt_db_release(db);
    return ZT_OK;
}

int tr_staff(const zt_principal *p) {
    return p && (p->role_bit & (ZT_R_TRADING | ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR));
}

static json_t *day_or_null(const char *d) { return *d ? json_string(d) : json_null(); }

static int after_opening(const tr_proj *p) {
    return strcmp(p->state, "draft") && strcmp(p->state, "announced") && strcmp(p->state, "opened") &&
           (p->opened_at || !strcmp(p->state, "failed"));
}

json_t *tr_proj_json(const tr_proj *p, const zt_principal *viewer) {
    const tr_type *t = tr_type_get(p->type);
    const zt_flow *f = zt_flows_get("tender", (int)p->flow_version);
    zt_flow_state_info si = {0};
    if (f) zt_flow_state(f, p->state, &si);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:O,s:s,s:s,s:O,s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "number",
        p->number, "type", p->type, "type_label", t ? t->label : "", "method", p->method, "title", p->title,
        "department", p->dept, "department_name", p->dept_name, "region", p->region, "budget", (json_int_t)p->budget,
        "lots", p->lots, "legal_basis", p->legal_basis, "eval_method", p->eval_method, "criteria", p->criteria,
        "deposit_max", (json_int_t)p->deposit_max, "state", p->state, "state_label", si.label ? si.label : p->state,
        "docs_from", day_or_null(p->docs_from), "docs_to", day_or_null(p->docs_to), "published_at",
        zt_json_time(p->published_at), "deadline", zt_json_time(p->deadline), "round", (json_int_t)p->round,
        "opened_at", zt_json_time(p->opened_at), "unlock_until", zt_json_time(p->window_end));
    json_object_set_new(o, "reported_at", zt_json_time(p->reported_at));
    json_object_set_new(o, "publicity_from", zt_json_time(p->publicity_from));
    json_object_set_new(o, "publicity_to", zt_json_time(p->publicity_to));
    json_object_set_new(o, "awarded_at", zt_json_time(p->awarded_at));
    json_object_set_new(o, "contracted_at", zt_json_time(p->contracted_at));
    json_object_set_new(o, "contract_amount", p->contract_amount ? json_integer(p->contract_amount) : json_null());
    json_object_set_new(o, "failed_reason", *p->failed_reason ? json_string(p->failed_reason) : json_null());
    /* the ranking once published; the committee's names stay secret until
     * the award (招标投标法 §37) except to the centre */
    int published = p->publicity_from || p->awarded_at;
    json_object_set(o, "candidates", (published || tr_staff(viewer)) && p->report ? p->report : json_null());
    int award = p->awarded_at != 0;
    json_object_set(o, "committee", (award || tr_staff(viewer)) && p->committee ? p->committee : json_null());
    json_object_set_new(o, "award_reason", *p->award_reason ? json_string(p->award_reason) : json_null());
    json_object_set_new(o, "opening_done", json_boolean(after_opening(p)));
    json_object_set_new(o, "category", json_string(p->category));
    json_object_set_new(o, "budget_item", json_string(p->budget_item));
    json_object_set_new(o, "auction",
                        p->auction_increment
                            ? json_pack("{s:I,s:I,s:s}", "increment", (json_int_t)p->auction_increment, "price",
                                        (json_int_t)p->auction_price, "leader", p->auction_leader)
                            : json_null());
    return o;
}

/* --- the instance ------------------------------------------------------- */

typedef struct step_ctx {
    json_t *extra; /* more members of the event's "tender" (borrowed) */
} step_ctx;

static zt_err proj_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const tr_proj *p = m->in->row;
    const step_ctx *x = m->arg;
    json_t *t = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "number", p->number, "department", p->dept, "region",
                          p->region, "type", p->type, "method", p->method, "title", p->title, "budget",
                          (json_int_t)p->budget, "round", (json_int_t)p->round, "eval_method", p->eval_method);
    if (*p->category) json_object_set_new(t, "category", json_string(p->category));
    if (*p->budget_item) json_object_set_new(t, "budget_item", json_string(p->budget_item));
    if (p->deadline) json_object_set_new(t, "deadline", json_integer(p->deadline));
    if (p->published_at) json_object_set_new(t, "published_at", json_integer(p->published_at));
    if (*p->docs_from) json_object_set_new(t, "docs_from", json_string(p->docs_from));
    if (*p->docs_to) json_object_set_new(t, "docs_to", json_string(p->docs_to));
    if (x && x->extra) json_object_update(t, x->extra);
    json_object_set_new(m->event, "tender", t);
    return ZT_OK;
}

static const zt_flow_owner PROJ_OWNER = {.subject_type = "tender", .table = "trade_projects", .apply = proj_apply};

zt_err tr_proj_step(zt_db *db, tr_proj *p, const char *action, const zt_principal *actor, json_t *fields, json_t *extra,
                    const char *to, int64_t at, zt_error *e) {
    const zt_flow *f = zt_flows_get("tender", (int)p->flow_version);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 tender 未加载");
    zt_flow_instance in = {.owner = &PROJ_OWNER,
                           .def = f,
                           .row_id = p->id,
                           .subject = p->number,
                           .state = p->state,
                           .updated_at = p->updated_at,
                           .dept_code = p->dept,
                           .region_code = p->region,
                           .row = p};
    step_ctx x = {extra};
    zt_flow_opts o = {.to = to, .arg = &x, .at = at};
    json_t *none = fields ? NULL : json_object();
    zt_err rc = !strcmp(action, "create") ? zt_flow_create(db, &in, action, actor, fields ? fields : none, &o, e)
                                          : zt_flow_step(db, &in, action, actor, fields ? fields : none, &o, e);
    json_decref(none);
    if (!rc) {
        const char *next = to ? to : zt_flow_target(f, p->state, action);
        if (!strcmp(action, "create")) next = p->state;
        if (next) snprintf(p->state, sizeof p->state, "%s", next);
        p->updated_at = at;
    }
    return rc;
}

/* --- creating ---------------------------------------------------------------- */

typedef struct create_arg {
    const zt_principal *p;
    const zt_config *cfg;
    json_t *b;
    const char *type, *method, *title, *dept, *basis, *eval, *category, *budget_item;
    int64_t budget, deposit;
    json_t *lots, *criteria;
    char number[32];
} create_arg;

static zt_err create_write(zt_db *db, void *arg, zt_error *e) {
    create_arg *a = arg;
    zt_stmt *st = zt_db_query(db, e, "SELECT id, region_code FROM departments WHERE code = ? AND retired_at IS NULL",
                              ZT_T(a->dept));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_EINVAL, "department", "采购人/招标人部门不存在：%s", a->dept);
    }
    int64_t dept_id = zt_col_int(st, 0);
    char region[16];
    cp(region, sizeof region, st, 1);
    zt_db_release(db);
    int64_t now = zt_now();
    char prefix[16];
    zt_day today = zt_day_of_instant(now);
    int y, mo, d;
    zt_day_to_ymd(today, &y, &mo, &d);
    snprintf(prefix, sizeof prefix, "JY%04d", y);
    zt_err rc = zt_number_next(db, prefix, 4, a->number, sizeof a->number, e);
    if (rc) return rc;
    const zt_flow *f = zt_flows_get("tender", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 tender 未加载");
    char *lots = json_dumps(a->lots, JSON_COMPACT), *crit = json_dumps(a->criteria, JSON_COMPACT);
    st = zt_db_query(db, e,
                     "INSERT INTO trade_projects (number, type, method, title, dept_id, region_code, budget, lots,"
                     " legal_basis, eval_method, criteria, deposit_max, flow_version, state, created_by, created_at,"
                     " updated_at, category, budget_item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?,"
                     " ?, ?, ?) RETURNING id",
                     ZT_T(a->number), ZT_T(a->type), ZT_T(a->method), ZT_T(a->title), ZT_I(dept_id), ZT_T(region),
                     ZT_I(a->budget), ZT_T(lots), ZT_T(a->basis), ZT_T(a->eval), ZT_T(crit), ZT_I(a->deposit),
                     ZT_I(zt_flow_version(f)), ZT_I(a->p->user_id), ZT_I(now), ZT_I(now),
                     ZT_T(a->category ? a->category : ""), ZT_T(a->budget_item ? a->budget_item : ""));
    free(lots);
    free(crit);
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    zt_db_release(db);
    tr_proj p;
    if ((rc = tr_proj_load(db, a->number, &p, e))) return rc;
    rc = tr_proj_step(db, &p, "create", a->p, NULL, NULL, NULL, now, e);
    tr_proj_free(&p);
    return rc;
}

static const char *const EVAL_METHODS[] = {"综合评估法", "经评审的最低投标价法", "价高者得", NULL};

static zt_err h_create(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    json_t *b;
    create_arg a = {.p = zt_req_principal(r), .cfg = app->cfg};
    static const char *const allowed[] = {"type",     "method",      "title",       "department", "budget",
                                          "lots",     "legal_basis", "eval_method", "criteria",   "deposit",
                                          "category", "budget_item", NULL};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "type", 1, 16, &a.type, e);
    if (!rc) rc = zt_json_str(b, "method", 1, 16, &a.method, e);
    if (!rc) rc = zt_json_str(b, "title", 1, 200, &a.title, e);
    if (!rc) rc = zt_json_str(b, "department", 1, 64, &a.dept, e);
    if (!rc) rc = zt_json_int(b, "budget", 1, 1, 1000000000000000LL, 0, &a.budget, e);
    if (!rc) rc = zt_json_str(b, "legal_basis", 1, 500, &a.basis, e);
    if (!rc) rc = zt_json_str(b, "eval_method", 0, 32, &a.eval, e);
    if (!rc) rc = zt_json_int(b, "deposit", 0, 0, 1000000000000000LL, 0, &a.deposit, e);
    if (!rc) rc = zt_json_str(b, "category", 0, 64, &a.category, e);
    if (!rc) rc = zt_json_str(b, "budget_item", 0, 64, &a.budget_item, e);
    if (rc) return rc;
    const tr_type *t = tr_type_get(a.type);
    if (!t) return zt_fail(e, ZT_EINVAL, "type", "交易类型须是 engineering、procurement、land 或 property");
    if (!tr_method_ok(t, a.method)) return zt_fail(e, ZT_EINVAL, "method", "%s不适用方式「%s」", t->label, a.method);
    int sell = !strcmp(a.type, "land") || !strcmp(a.type, "property");
    if (!a.eval || !*a.eval) a.eval = sell ? "价高者得" : "综合评估法";
    if (!tr_one_of(a.eval, EVAL_METHODS))
        return zt_fail(e, ZT_EINVAL, "eval_method", "评标办法须是综合评估法、经评审的最低投标价法或价高者得");
    if (sell != tr_by_price(a.eval)) return zt_fail(e, ZT_EINVAL, "eval_method", "%s的评审办法不适用", t->label);
    /* 招标投标法实施条例 §26, 政府采购法实施条例 §33: ≤ 2 % */
    if (a.deposit * 1000 > a.budget * app->cfg->tr_deposit_permille)
        return zt_fail(e, ZT_EINVAL, "deposit",
                       "投标保证金不得超过预算（估算价）的 %lld‰（招标投标法实施条例第二十六条）",
                       (long long)app->cfg->tr_deposit_permille);
    a.lots = json_object_get(b, "lots");
    if (a.lots && !json_is_null(a.lots)) {
        size_t i;
        json_t *l;
        if (!json_is_array(a.lots) || json_array_size(a.lots) > 50)
            return zt_fail(e, ZT_EINVAL, "lots", "标段（包）须是数组，至多 50 个");
        json_array_foreach(a.lots, i, l) {
            const char *lt;
            int64_t lb;
            if (!json_is_object(l) || zt_json_str(l, "title", 1, 200, &lt, e) ||
                zt_json_int(l, "budget", 0, 0, a.budget, 0, &lb, e))
                return zt_fail(e, ZT_EINVAL, "lots", "标段 %zu 须有 title 和不超过预算的 budget", i + 1);
        }
    } else {
        a.lots = json_array();
        json_object_set_new(b, "lots", a.lots);
    }
    a.criteria = json_object_get(b, "criteria");
    if (a.criteria && !json_is_null(a.criteria)) {
        size_t i;
        json_t *c;
        if (!json_is_array(a.criteria) || json_array_size(a.criteria) < 1 || json_array_size(a.criteria) > 20)
            return zt_fail(e, ZT_EINVAL, "criteria", "评分因素须是 1 到 20 项的数组");
        json_array_foreach(a.criteria, i, c) {
            const char *cn;
            int64_t w;
            if (!json_is_object(c) || zt_json_str(c, "name", 1, 32, &cn, e) ||
                zt_json_int(c, "weight", 1, 1, 100, 0, &w, e))
                return zt_fail(e, ZT_EINVAL, "criteria", "评分因素 %zu 须有 name 和 1-100 的 weight", i + 1);
        }
    } else {
        a.criteria = json_pack("[{s:s,s:i},{s:s,s:i},{s:s,s:i}]", "name", "价格", "weight", 40, "name", "技术",
                               "weight", 40, "name", "商务", "weight", 20);
        json_object_set_new(b, "criteria", a.criteria);
    }
    if ((rc = zt_store_write(app->store, create_write, &a, e))) return rc;
    return tr_reply_project(r, a.number, 201, e);
}

static void step_row(const zt_flow_event *ev, void *ctx) {
    json_t *f = json_loads(ev->fields ? ev->fields : "{}", 0, NULL);
    json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "seq", (json_int_t)ev->seq, "action",
                                         ev->action, "from", ev->from, "to", ev->to, "actor", ev->actor, "actor_role",
                                         ev->actor_role, "at", zt_json_time(ev->at), "fields", f ? f : json_object()));
}

json_t *tr_steps_json(zt_db *db, const char *subject_type, const char *number) {
    json_t *a = json_array();
    zt_error e = {0};
    if (zt_flow_history(db, subject_type, number, 0, step_row, a, &e)) json_array_clear(a);
    return a;
}

zt_err tr_reply_project(zt_req *r, const char *number, int status, zt_error *e) {
    zt_app *app = zt_req_app(r);
    tr_proj p;
    zt_err rc = tr_proj_load(zt_store_reader(app->store), number, &p, e);
    if (rc) return rc;
    const zt_principal *v = zt_req_principal(r);
    if (!strcmp(p.state, "draft") && !(v && (v->role_bit & (ZT_R_TRADING | ZT_R_ADMIN)))) {
        tr_proj_free(&p);
        return zt_fail(e, ZT_ENOTFOUND, "number", "交易项目不存在");
    }
    json_t *o = tr_proj_json(&p, v);
    tr_proj_free(&p);
    json_object_set_new(o, "questions", tr_questions_json(zt_store_reader(app->store), number));
    json_object_set_new(o, "opening", tr_opening_json(zt_store_reader(app->store), number));
    json_object_set_new(o, "objections", tr_objections_json(zt_store_reader(app->store), number));
    /* the project's steps with what each carried: the centre and supervision */
    if (tr_staff(v)) json_object_set_new(o, "steps", tr_steps_json(zt_store_reader(app->store), "tender", number));
    zt_reply_json(r, status, o);
    return ZT_OK;
}

static zt_err h_get(zt_req *r, zt_error *e) { return tr_reply_project(r, zt_req_param(r, "number"), 200, e); }

/* --- the list ------------------------------------------------------------- */

typedef struct list_ctx {
    json_t *items;
    const zt_principal *viewer;
} list_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    tr_proj p;
    proj_read(st, &p);
    json_t *o = tr_proj_json(&p, l->viewer);
    json_object_del(o, "criteria");
    json_object_del(o, "committee");
    json_array_append_new(l->items, o);
    tr_proj_free(&p);
}

/* GET /api/trading/projects: 交易公告 (?type ?method ?state ?region ?q,
 * paged), newest first; drafts only for the centre. */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *v = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!(v && (v->role_bit & (ZT_R_TRADING | ZT_R_ADMIN)))) zt_qb_sql(&f, " AND p.state <> 'draft'");
    const char *type = zt_req_query(r, "type"), *method = zt_req_query(r, "method"), *state = zt_req_query(r, "state"),
               *region = zt_req_query(r, "region"), *q = zt_req_query(r, "q");
    if (type && *type) {
        if (!tr_type_get(type))
            return zt_fail(e, ZT_EINVAL, "type", "交易类型须是 engineering、procurement、land 或 property");
        zt_qb_sql(&f, " AND p.type = ?");
        zt_qb_text(&f, type);
    }
    if (method && *method) {
        zt_qb_sql(&f, " AND p.method = ?");
        zt_qb_text(&f, method);
    }
    if (state && *state) {
        zt_qb_sql(&f, " AND p.state = ?");
        zt_qb_text(&f, state);
    }
    if (region && *region) zt_qb_region(&f, "p.region_code", region);
    if (q && *q) zt_qb_search(&f, q, (const char *const[]){"p.title", "p.number", "d.name", NULL});
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array(), v};
    rc = zt_qb_list(zt_store_reader(app->store), &f, PROJ_COLS, PROJ_FROM, "ORDER BY p.id DESC", limit, offset,
                    list_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

static const zt_route routes[] = {
    {"POST", "/api/trading/projects", h_create, ZT_R_TRADING,
     "register a trading project (交易项目): {type, method, title, department, budget, lots, legal_basis,"
     " eval_method, criteria, deposit, category, budget_item}"},
    {"GET", "/api/trading/projects", h_list, ZT_PUBLIC,
     "trading announcements (交易公告): ?type ?method ?state ?region ?q, paged"},
    {"GET", "/api/trading/projects/{number}", h_get, ZT_PUBLIC,
     "a trading project: dates, Q&A, opening record, candidates, objections"},
};

const zt_route *tr_project_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

int tr_one_of(const char *s, const char *const *set) {
    for (; s && *set; set++)
        if (!strcmp(s, *set)) return 1;
    return 0;
}
