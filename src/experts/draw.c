/* draw.c - the random draw of an evaluation committee (评标专家抽取) that
 * anyone can re-run (RFC 3797, rfc3797.h), an instance of
 * data/flows/expert_draw.json:
 *
 *   request  the trading centre names the project, its groups (specialty,
 *            count, reserve), regions, the evaluation date, excluded
 *            employers, the supervisor attached, and what avoidance needs
 *            (the purchaser, the bidders with their legal representatives
 *            and controllers, the drafting participants and the project's
 *            supervisory staff: #10's registrations fill these). Refused
 *            earlier than experts.draw_days working days before the
 *            evaluation and without a supervisor (each refusal recorded).
 *            Filters, then avoidance, each exclusion stored with its rule;
 *            the candidate lists (sorted by id) and their SHA-256 go to the
 *            ledger with the creation event, before any seed exists.
 *   seeds    the supervision (监察), the centre and the tenderer each commit
 *            SHA-256 of a secret (blank-separated integers) in the ledger;
 *            once all three have, each reveals, and a reveal must match.
 *   select   the key of RFC 3797 from the reveals (in that order) orders
 *            each group's candidates; the first `count` are called, the
 *            next `reserve` wait as reserves; a refusal (with its reason and
 *            time) calls the next pick.
 *   publish  with the award (#10 triggers it): the candidate lists, seeds
 *            and picks become public; before, the committee is answered to
 *            the centre and the supervisors only (403 to everyone else). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "base/log.h"
#include "experts/experts.h"
#include "experts/internal.h"
#include "experts/rfc3797.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "ledger/record.h"
#include "store/query.h"

/* zt_record borrows its detail: this one takes it. */
static zt_err record_new(zt_db *db, const zt_principal *actor, const char *action, const char *type, const char *id,
                         int64_t owner, json_t *detail, zt_error *e) {
    zt_err rc = zt_record(db, actor, action, type, id, owner, detail, e);
    json_decref(detail);
    return rc;
}

static const char *const PARTIES[] = {"supervision", "centre", "tenderer", NULL};
#define NPARTIES   3
#define MAX_GROUPS 5

/* --- the draw as a process instance ---------------------------------------------- */

typedef struct draw_row {
    int64_t id, supervisor, updated_at;
    char number[32], state[16], region[16], project[80], eval[11], purchaser[64], dept[64];
    json_t *groups, *request;  /* owned */
    const char *rule, *reason; /* a refusal's (borrowed) */
} draw_row;

static void draw_row_free(draw_row *d) {
    json_decref(d->groups);
    json_decref(d->request);
    d->groups = d->request = NULL;
}

static zt_err draw_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const draw_row *d = m->in->row;
    /* the ledger gets hashes and sizes only: the lists stay secret until
     * publication */
    json_t *g = json_array(), *v;
    size_t i;
    json_array_foreach(d->groups, i, v) {
        json_array_append_new(g,
                              json_pack("{s:O,s:O,s:O,s:I,s:O}", "specialty", json_object_get(v, "specialty"), "count",
                                        json_object_get(v, "count"), "reserve", json_object_get(v, "reserve"),
                                        "candidates", (json_int_t)json_array_size(json_object_get(v, "candidates")),
                                        "sha256", json_object_get(v, "sha256")));
    }
    json_t *info =
        json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "number", d->number, "project_code", d->project, "evaluation_date",
                  d->eval, "groups", g, "supervisor_id", d->supervisor ? json_integer(d->supervisor) : json_null(),
                  "department", d->dept, "region", d->region);
    if (d->rule) {
        json_object_set_new(info, "rule", json_string(d->rule));
        json_object_set_new(info, "reason", json_string(d->reason ? d->reason : ""));
    }
    json_object_set_new(m->event, "draw", info);
    if (!strcmp(m->action.id, "publish"))
        return zt_db_run(db, e, "UPDATE expert_draws SET published_at = ? WHERE id = ?", ZT_I(m->at), ZT_I(d->id));
    return ZT_OK;
}

static const zt_flow_owner DRAW_OWNER = {
    .subject_type = "expert_draw", .table = "expert_draws", .state_column = "state", .apply = draw_apply};

static zt_err draw_instance(draw_row *d, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("expert_draw", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 expert_draw 未加载");
    *in = (zt_flow_instance){.owner = &DRAW_OWNER,
                             .def = f,
                             .row_id = d->id,
                             .subject = d->number,
                             .state = d->state,
                             .updated_at = d->updated_at,
                             .dept_code = d->dept,
                             .region_code = d->region,
                             .row = d};
    return ZT_OK;
}

static zt_err load_draw(zt_db *db, const char *number, draw_row *d, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT id, coalesce(supervisor_id, 0), updated_at, number, state, region_code,"
                              " project_code, evaluation_date, groups, request, dept_code FROM expert_draws"
                              " WHERE number = ?",
                              ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(s) ? s : zt_fail(e, ZT_ENOTFOUND, "number", "抽取记录不存在");
    }
    *d = (draw_row){.id = zt_col_int(st, 0), .supervisor = zt_col_int(st, 1), .updated_at = zt_col_int(st, 2)};
    snprintf(d->number, sizeof d->number, "%s", zt_col_text(st, 3));
    snprintf(d->state, sizeof d->state, "%s", zt_col_text(st, 4));
    snprintf(d->region, sizeof d->region, "%s", zt_col_text(st, 5));
    snprintf(d->project, sizeof d->project, "%s", zt_col_text(st, 6));
    snprintf(d->eval, sizeof d->eval, "%s", zt_col_text(st, 7));
    snprintf(d->dept, sizeof d->dept, "%s", zt_col_text(st, 10));
    d->groups = json_loads(zt_col_text(st, 8), 0, NULL);
    d->request = json_loads(zt_col_text(st, 9), 0, NULL);
    zt_db_release(db);
    if (!d->groups || !d->request) {
        draw_row_free(d);
        return zt_fail(e, ZT_EINTERNAL, NULL, "抽取记录损坏");
    }
    snprintf(d->purchaser, sizeof d->purchaser, "%s",
             json_string_value(json_object_get(json_object_get(d->request, "purchaser"), "dept_code")) ?: "");
    return ZT_OK;
}

/* The id of draw `number` while it is in `state`; else 409 saying why. */
static zt_err draw_id_in(zt_db *db, const char *number, const char *state, const char *why, int64_t *id, zt_error *e) {
    draw_row d;
    zt_err rc = load_draw(db, number, &d, e);
    if (rc) return rc;
    *id = d.id;
    int in = !strcmp(d.state, state);
    draw_row_free(&d);
    return in ? ZT_OK : zt_fail(e, ZT_ECONFLICT, "state", "%s", why);
}

/* --- the request ----------------------------------------------------------------------- */

/* The people of a request member: an array of {name, id_number, ...}; each
 * ID number valid. */
static zt_err check_people(json_t *arr, const char *field, zt_error *e) {
    size_t i;
    json_t *v;
    if (!arr) return ZT_OK;
    if (!json_is_array(arr) || json_array_size(arr) > 200)
        return zt_fail(e, ZT_EINVAL, field, "%s 须是至多 200 人的数组", field);
    json_array_foreach(arr, i, v) {
        const char *idn = json_string_value(json_object_get(v, "id_number")), *why = NULL;
        if (!json_is_object(v) || !json_is_string(json_object_get(v, "name")) || !zt_idnum_valid(idn, &why))
            return zt_fail(e, ZT_EINVAL, field, "%s 须为 {name, id_number}，身份证号码有效", field);
    }
    return ZT_OK;
}

static zt_err check_request(const zt_app *app, json_t *b, zt_error *e) {
    static const char *const keys[] = {
        "project_code",       "project_name", "evaluation_date", "region_code", "supervisor",  "groups", "regions",
        "excluded_employers", "purchaser",    "bidders",         "drafting",    "supervisors", NULL};
    const char *s;
    zt_err rc = zt_json_only(b, keys, e);
    if (!rc) rc = zt_json_str(b, "project_code", 1, 64, &s, e);
    if (!rc) rc = zt_json_str(b, "project_name", 1, 200, &s, e);
    if (!rc) rc = zt_json_str(b, "evaluation_date", 1, 10, &s, e);
    if (!rc) rc = zt_json_str(b, "region_code", 1, 12, &s, e);
    if (!rc) rc = zt_json_str(b, "supervisor", 0, 64, &s, e);
    if (rc) return rc;
    zt_day d;
    if (zt_day_parse(json_string_value(json_object_get(b, "evaluation_date")), &d))
        return zt_fail(e, ZT_EINVAL, "evaluation_date", "评标日期须为 YYYY-MM-DD");
    json_t *g = json_object_get(b, "groups"), *v;
    size_t i;
    if (!json_is_array(g) || !json_array_size(g) || json_array_size(g) > MAX_GROUPS)
        return zt_fail(e, ZT_EINVAL, "groups", "抽取专业须为 1 到 %d 组 {specialty, count, reserve}", MAX_GROUPS);
    json_array_foreach(g, i, v) {
        int64_t n;
        if (!json_is_object(v) || zt_json_only(v, (const char *const[]){"specialty", "count", "reserve", NULL}, e) ||
            zt_json_int(v, "count", 1, 1, 21, 0, &n, e) || zt_json_int(v, "reserve", 0, 0, 20, 0, &n, e))
            return zt_fail(e, ZT_EINVAL, "groups", "抽取专业须为 {specialty, count 1-21, reserve 0-20}");
        if (!zt_experts_specialty_known(app, json_string_value(json_object_get(v, "specialty"))))
            return zt_fail(e, ZT_EINVAL, "groups", "未知的专业代码");
        if (!json_object_get(v, "reserve")) json_object_set_new(v, "reserve", json_integer(0));
    }
    json_t *r = json_object_get(b, "regions");
    if (r && (!json_is_array(r) || json_array_size(r) > 20))
        return zt_fail(e, ZT_EINVAL, "regions", "地区须是至多 20 个行政区划代码的数组");
    json_array_foreach(r, i, v) if (!json_is_string(v)) return zt_fail(e, ZT_EINVAL, "regions", "地区须是行政区划代码");
    json_t *x = json_object_get(b, "excluded_employers");
    if (x && (!json_is_array(x) || json_array_size(x) > 50))
        return zt_fail(e, ZT_EINVAL, "excluded_employers", "回避单位须是至多 50 个统一社会信用代码的数组");
    json_array_foreach(x, i, v) {
        if (!zt_uscc_valid(json_string_value(v), NULL))
            return zt_fail(e, ZT_EINVAL, "excluded_employers", "回避单位的统一社会信用代码无效");
    }
    json_t *p = json_object_get(b, "purchaser");
    if (!json_is_object(p) || !json_is_string(json_object_get(p, "dept_code")))
        return zt_fail(e, ZT_EINVAL, "purchaser", "请填写采购人/招标人 {dept_code, uscc}");
    const char *pu = json_string_value(json_object_get(p, "uscc"));
    if (pu && !zt_uscc_valid(pu, NULL)) return zt_fail(e, ZT_EINVAL, "purchaser", "采购人统一社会信用代码无效");
    json_t *bid = json_object_get(b, "bidders");
    if (bid && (!json_is_array(bid) || json_array_size(bid) > 200))
        return zt_fail(e, ZT_EINVAL, "bidders", "投标人须是至多 200 项的数组");
    json_array_foreach(bid, i, v) {
        if (!json_is_object(v) || !json_is_string(json_object_get(v, "name")) ||
            !zt_uscc_valid(json_string_value(json_object_get(v, "uscc")), NULL))
            return zt_fail(e, ZT_EINVAL, "bidders", "投标人须为 {name, uscc, people}，统一社会信用代码有效");
        if ((rc = check_people(json_object_get(v, "people"), "bidders", e))) return rc;
    }
    if ((rc = check_people(json_object_get(b, "drafting"), "drafting", e)) ||
        (rc = check_people(json_object_get(b, "supervisors"), "supervisors", e)))
        return rc;
    return ZT_OK;
}

/* Is s (an ID number or USCC) in arr's members' key (or arr's strings when
 * key is NULL)? */
static int listed(json_t *arr, const char *key, const char *s) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *t = json_string_value(key ? json_object_get(v, key) : v);
        if (t && s && !strcmp(t, s)) return 1;
    }
    return 0;
}

/* Every person of the bidders (legal representatives, controllers ...). */
static json_t *bidder_people(json_t *req) {
    json_t *all = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(req, "bidders"), i, v) json_array_extend(all, json_object_get(v, "people"));
    return all;
}

typedef struct {
    zt_app *app;
    const zt_principal *p;
    json_t *req;
    int64_t supervisor, id;
    char number[32];
    const char *rule, *reason; /* a refusal: kept as a draw in state refused */
} request_arg;

typedef struct {
    int64_t id;
    char idn[24], birth[11], region[16], number[32];
} cand;

static zt_err exclude(zt_db *db, int64_t draw, int64_t expert, const char *rule, const char *detail, zt_error *e) {
    return zt_db_run(
        db, e, "INSERT OR IGNORE INTO expert_draw_exclusions (draw_id, expert_id, rule, detail) VALUES (?, ?, ?, ?)",
        ZT_I(draw), ZT_I(expert), ZT_T(rule), ZT_T(detail));
}

/* The filters, then avoidance, for one expert: each rule that leaves him
 * out is stored; *ok stays 1 when none does. */
static zt_err judge(zt_db *db, const request_arg *a, int64_t draw, const cand *c, json_t *people,
                    const char *purchaser_name, int *ok, zt_error *e) {
    const char *eval = json_string_value(json_object_get(a->req, "evaluation_date"));
    zt_day ed = 0;
    zt_day_parse(eval, &ed);
    char buf[400];
    zt_err rc = ZT_OK;
    *ok = 1;
#define EXCL(rule, ...)                                                                                                \
    do {                                                                                                               \
        snprintf(buf, sizeof buf, __VA_ARGS__);                                                                        \
        if ((rc = exclude(db, draw, c->id, rule, buf, e))) goto out;                                                   \
        *ok = 0;                                                                                                       \
    } while (0)
    json_t *emps = json_array(), *rels = json_array(), *v;
    size_t i;
    /* filters */
    json_t *regions = json_object_get(a->req, "regions");
    if (json_array_size(regions)) {
        int in = 0;
        json_array_foreach(regions, i, v) in |= zt_region_within(c->region, json_string_value(v));
        if (!in) EXCL("region", "所在地区 %s 不在抽取范围内", c->region);
    }
    int age = zt_experts_age(c->birth, ed);
    if (age >= a->app->cfg->experts_age_limit) EXCL("age_limit", "评标日年满 %d 周岁", age);
    zt_stmt *st =
        zt_db_query(db, e, "SELECT 1 FROM expert_unavailable WHERE expert_id = ? AND day = ?", ZT_I(c->id), ZT_T(eval));
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    int busy = zt_step(st, e) == ZT_ROW;
    zt_db_release(db);
    if (busy) EXCL("unavailable", "本人申明 %s 不能参加评标", eval);
    /* avoidance (回避): employers within 3 years before the evaluation */
    char since3[40];
    int y, m, d;
    zt_day_to_ymd(ed, &y, &m, &d);
    snprintf(since3, sizeof since3, "%04d-%02d-%02d", y - 3, m, d);
    json_t *bidders = json_object_get(a->req, "bidders"), *purchaser = json_object_get(a->req, "purchaser");
    const char *puscc = json_string_value(json_object_get(purchaser, "uscc"));
    st = zt_db_query(db, e, "SELECT name, uscc, until FROM expert_employers WHERE expert_id = ?", ZT_I(c->id));
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(emps, json_pack("{s:s,s:s,s:o}", "name", zt_col_text(st, 0), "uscc", zt_col_text(st, 1),
                                              "until", zt_col_json_text(st, 2)));
    zt_db_release(db);
    json_array_foreach(emps, i, v) {
        const char *name = json_string_value(json_object_get(v, "name")),
                   *uscc = json_string_value(json_object_get(v, "uscc")),
                   *until = json_string_value(json_object_get(v, "until"));
        int current = !until, recent = current || strcmp(until, since3) >= 0;
        if (current && listed(json_object_get(a->req, "excluded_employers"), NULL, uscc))
            EXCL("excluded_employer", "现工作单位 %s 在回避单位之列", name);
        if (recent && listed(bidders, "uscc", uscc))
            EXCL("bidder_employer", "三年内任职于投标人 %s%s", name, current ? "（现任）" : "");
        if (current && ((puscc && !strcmp(puscc, uscc)) || (*purchaser_name && !strcmp(purchaser_name, name))))
            EXCL("purchaser_staff", "采购人/招标人 %s 的工作人员", name);
    }
    if (listed(people, "id_number", c->idn)) EXCL("bidder_person", "本人是投标人的法定代表人、负责人或控制人");
    st = zt_db_query(db, e, "SELECT relation, id_number FROM expert_relatives WHERE expert_id = ?", ZT_I(c->id));
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(rels, json_pack("[s,s]", zt_col_text(st, 0), zt_col_text(st, 1)));
    zt_db_release(db);
    json_array_foreach(rels, i, v) {
        if (listed(people, "id_number", json_string_value(json_array_get(v, 1))))
            EXCL("bidder_relative", "近亲属（%s）是投标人的法定代表人、负责人或控制人",
                 json_string_value(json_array_get(v, 0)));
    }
    st = zt_db_query(db, e, "SELECT 1 FROM expert_drafting WHERE expert_id = ? AND project_code = ?", ZT_I(c->id),
                     ZT_T(json_string_value(json_object_get(a->req, "project_code"))));
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    int drafted = zt_step(st, e) == ZT_ROW;
    zt_db_release(db);
    if (drafted || listed(json_object_get(a->req, "drafting"), "id_number", c->idn))
        EXCL("drafting", "参与过本项目招标文件（采购需求）的编制");
    if (listed(json_object_get(a->req, "supervisors"), "id_number", c->idn))
        EXCL("project_supervisor", "本项目的监督管理人员");
#undef EXCL
out:
    json_decref(emps);
    json_decref(rels);
    return rc;
}

/* The candidates of one specialty: active experts by id. */
static zt_err specialty_pool(zt_db *db, const char *spec, cand **out, size_t *n, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT x.id, x.id_number, x.birth_date, x.region_code, x.number FROM experts x JOIN"
                              " expert_specialties s ON s.expert_id = x.id AND s.code = ? WHERE x.state = 'active'"
                              " ORDER BY x.id",
                              ZT_T(spec));
    if (!st) return ZT_EINTERNAL;
    size_t cap = 64;
    *n = 0;
    *out = zt_malloc(cap * sizeof **out);
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        if (*n == cap) *out = zt_realloc(*out, (cap *= 2) * sizeof **out);
        cand *c = &(*out)[(*n)++];
        c->id = zt_col_int(st, 0);
        snprintf(c->idn, sizeof c->idn, "%s", zt_col_text(st, 1));
        snprintf(c->birth, sizeof c->birth, "%s", zt_col_text(st, 2));
        snprintf(c->region, sizeof c->region, "%s", zt_col_text(st, 3));
        snprintf(c->number, sizeof c->number, "%s", zt_col_text(st, 4));
    }
    zt_db_release(db);
    return zt_step_failed(s) ? s : ZT_OK;
}

/* A refused request, kept as a draw in state refused (the creation action
 * refuse, its rule and reason): supervision sees the attempt. */
static zt_err refused_create(zt_db *db, request_arg *a, const char *dept, int64_t now, zt_error *e) {
    json_t *req = a->req;
    draw_row d = {.id = a->id, .supervisor = a->supervisor, .updated_at = now, .rule = a->rule, .reason = a->reason};
    d.groups = json_array();
    snprintf(d.dept, sizeof d.dept, "%s", dept);
    snprintf(d.number, sizeof d.number, "%s", a->number);
    snprintf(d.state, sizeof d.state, "refused");
    snprintf(d.region, sizeof d.region, "%s", json_string_value(json_object_get(req, "region_code")));
    snprintf(d.project, sizeof d.project, "%s", json_string_value(json_object_get(req, "project_code")));
    snprintf(d.eval, sizeof d.eval, "%s", json_string_value(json_object_get(req, "evaluation_date")));
    zt_flow_instance in;
    zt_err rc = draw_instance(&d, &in, e);
    if (!rc) {
        json_t *f = json_pack("{s:s,s:s}", "rule", a->rule, "reason", a->reason);
        zt_flow_opts o = {.at = now};
        rc = zt_flow_create(db, &in, "refuse", a->p, f, &o, e);
        json_decref(f);
    }
    json_decref(d.groups);
    return rc;
}

static zt_err request_write(zt_db *db, void *arg, zt_error *e) {
    request_arg *a = arg;
    int64_t now = zt_now();
    json_t *req = a->req;
    const char *purchaser = json_string_value(json_object_get(json_object_get(req, "purchaser"), "dept_code"));
    char pname[200] = "";
    zt_stmt *st = zt_db_query(db, e, "SELECT name FROM departments WHERE code = ?", ZT_T(purchaser));
    if (!st) return ZT_EINTERNAL;
    int known = zt_step(st, e) == ZT_ROW;
    if (known) snprintf(pname, sizeof pname, "%s", zt_col_text(st, 0));
    zt_db_release(db);
    if (!known) return zt_fail(e, ZT_EINVAL, "purchaser", "未知的采购人/招标人部门：%s", purchaser);
    zt_err rc = zt_number_next(db, "CQ", 6, a->number, sizeof a->number, e);
    if (rc) return rc;
    char *req_text = json_dumps(req, JSON_COMPACT);
    const char *dept = a->p->dept_code ? a->p->dept_code : "";
    st =
        zt_db_query(db, e,
                    "INSERT INTO expert_draws (number, project_code, project_name, evaluation_date, region_code, state,"
                    " request, groups, supervisor_id, operator_id, dept_code, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?) RETURNING id",
                    ZT_T(a->number), ZT_T(json_string_value(json_object_get(req, "project_code"))),
                    ZT_T(json_string_value(json_object_get(req, "project_name"))),
                    ZT_T(json_string_value(json_object_get(req, "evaluation_date"))),
                    ZT_T(json_string_value(json_object_get(req, "region_code"))), ZT_T(a->rule ? "refused" : "seeding"),
                    ZT_T(req_text), a->supervisor ? ZT_I(a->supervisor) : ZT_NULL, ZT_I(a->p->user_id), ZT_T(dept),
                    ZT_I(now), ZT_I(now));
    free(req_text);
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    a->id = zt_col_int(st, 0);
    zt_db_release(db);
    if (a->rule) return refused_create(db, a, dept, now, e);
    json_t *people = bidder_people(req), *groups = json_array(), *g, *seated = json_array();
    size_t gi;
    json_array_foreach(json_object_get(req, "groups"), gi, g) {
        const char *spec = json_string_value(json_object_get(g, "specialty"));
        cand *cs = NULL;
        size_t n = 0;
        if ((rc = specialty_pool(db, spec, &cs, &n, e))) break;
        json_t *list = json_array();
        size_t len = 0;
        char *names = zt_malloc(n * 32 + 1);
        names[0] = 0;
        for (size_t k = 0; k < n && !rc; k++) {
            size_t q;
            json_t *pid;
            int taken = 0, ok = 0;
            json_array_foreach(seated, q, pid) taken |= json_integer_value(pid) == cs[k].id;
            if (taken) continue; /* a candidate of an earlier group */
            if ((rc = judge(db, a, a->id, &cs[k], people, pname, &ok, e)) || !ok) continue;
            json_array_append_new(list, json_string(cs[k].number));
            json_array_append_new(seated, json_integer(cs[k].id));
            len += (size_t)snprintf(names + len, 33, "%s\n", cs[k].number);
        }
        free(cs);
        char hash[65];
        zt_experts_sha256_hex(names, len, hash);
        free(names);
        int64_t need =
            json_integer_value(json_object_get(g, "count")) + json_integer_value(json_object_get(g, "reserve"));
        if (!rc && (int64_t)json_array_size(list) < need)
            rc = zt_fail(e, ZT_ECONFLICT, "groups", "专业 %s 回避后的候选专家 %zu 人，少于抽取人数及备选 %lld 人", spec,
                         json_array_size(list), (long long)need);
        json_array_append_new(groups, json_pack("{s:s,s:O,s:O,s:o,s:s}", "specialty", spec, "count",
                                                json_object_get(g, "count"), "reserve", json_object_get(g, "reserve"),
                                                "candidates", list, "sha256", hash));
        if (rc) break;
    }
    json_decref(people);
    json_decref(seated);
    if (rc) {
        json_decref(groups);
        return rc;
    }
    char *gt = json_dumps(groups, JSON_COMPACT);
    rc = zt_db_run(db, e, "UPDATE expert_draws SET groups = ? WHERE id = ?", ZT_T(gt), ZT_I(a->id));
    free(gt);
    if (rc) {
        json_decref(groups);
        return rc;
    }
    draw_row d = {.id = a->id, .supervisor = a->supervisor, .updated_at = now, .groups = groups, .request = NULL};
    snprintf(d.dept, sizeof d.dept, "%s", dept);
    snprintf(d.number, sizeof d.number, "%s", a->number);
    snprintf(d.state, sizeof d.state, "seeding");
    snprintf(d.region, sizeof d.region, "%s", json_string_value(json_object_get(req, "region_code")));
    snprintf(d.project, sizeof d.project, "%s", json_string_value(json_object_get(req, "project_code")));
    snprintf(d.eval, sizeof d.eval, "%s", json_string_value(json_object_get(req, "evaluation_date")));
    zt_flow_instance in;
    if (!(rc = draw_instance(&d, &in, e))) {
        zt_flow_opts o = {.at = now};
        rc = zt_flow_create(db, &in, "request", a->p, NULL, &o, e);
    }
    json_decref(groups);
    return rc;
}

/* A refused request is recorded too, as a draw in state refused (its own
 * write: the request itself fails): supervision sees draws attempted too
 * early or without a supervisor. */
static zt_err refuse(zt_app *app, request_arg *a, const char *rule, zt_err code, const char *field, const char *msg,
                     zt_error *e) {
    a->rule = rule;
    a->reason = msg;
    zt_error ignored = {0};
    if (zt_store_write(app->store, request_write, a, &ignored))
        zt_warn("experts: refusal not recorded: %s", ignored.message);
    return zt_fail(e, code, field, "%s", msg);
}

static zt_err reply_draw(zt_req *r, const char *number, int status, zt_error *e);

static zt_err h_request(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = check_request(app, b, e);
    if (rc) return rc;
    /* the supervisor attached: a supervisor's login, whose region covers
     * the project's */
    const char *sup = json_string_value(json_object_get(b, "supervisor"));
    request_arg a = {.app = app, .p = p, .req = b};
    if (sup && *sup) {
        zt_db *db = zt_store_reader(app->store);
        zt_stmt *st = zt_db_query(db, e,
                                  "SELECT u.id, coalesce(u.region_code, d.region_code, '') FROM users u LEFT JOIN"
                                  " departments d ON d.id = u.dept_id WHERE u.login = ? AND u.role = 'supervisor'"
                                  " AND u.disabled = 0",
                                  ZT_T(sup));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) == ZT_ROW &&
            zt_region_within(json_string_value(json_object_get(b, "region_code")), zt_col_text(st, 1)))
            a.supervisor = zt_col_int(st, 0);
        zt_db_release(db);
    }
    if (!a.supervisor)
        return refuse(app, &a, "no_supervisor", ZT_EINVAL, "supervisor",
                      "抽取须有监督人员在场：supervisor 须是负责本项目所在地区的监察人员账户", e);
    zt_day eval, today = zt_day_of_instant(zt_now());
    zt_day_parse(json_string_value(json_object_get(b, "evaluation_date")), &eval);
    zt_day earliest = zt_cal_add(app->cal, eval, -(int)app->cfg->experts_draw_days);
    char msg[300], es[11];
    zt_day_format(earliest, es);
    if (today > eval) return zt_fail(e, ZT_EINVAL, "evaluation_date", "评标日期已过");
    if (today < earliest) {
        snprintf(msg, sizeof msg, "抽取不得早于评标前 %lld 个工作日（最早 %s，experts.draw_days）",
                 (long long)app->cfg->experts_draw_days, es);
        return refuse(app, &a, "too_early", ZT_ECONFLICT, "evaluation_date", msg, e);
    }
    if ((rc = zt_store_write(app->store, request_write, &a, e))) return rc;
    return reply_draw(r, a.number, 201, e);
}

/* --- seeds: commit, then reveal ------------------------------------------------------------- */

/* Which party p is for the draw: supervision (the supervisor attached),
 * centre (a trading officer), tenderer (staff of the purchaser). */
static const char *party_of(const zt_principal *p, const draw_row *d) {
    if ((p->role_bit & ZT_R_SUPERVISOR) && p->user_id == d->supervisor) return "supervision";
    if (p->role_bit & ZT_R_TRADING) return "centre";
    if ((p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) && p->dept_code && !strcmp(p->dept_code, d->purchaser))
        return "tenderer";
    return NULL;
}

static int hex64(const char *s) {
    if (!s || strlen(s) != 64) return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
    return 1;
}

typedef struct {
    const zt_principal *p;
    const char *number, *value;
    int reveal;
} seed_arg;

static zt_err seed_write(zt_db *db, void *arg, zt_error *e) {
    seed_arg *a = arg;
    draw_row d;
    zt_err rc = load_draw(db, a->number, &d, e);
    if (rc) return rc;
    const char *party = party_of(a->p, &d);
    int64_t id = d.id;
    int seeding = !strcmp(d.state, "seeding");
    draw_row_free(&d);
    if (!party) return zt_fail(e, ZT_EFORBIDDEN, "party", "只有本次抽取的监督人员、交易中心和招标人可以提供随机种子");
    if (!seeding) return zt_fail(e, ZT_ECONFLICT, "state", "已经抽取，不能再提供种子");
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT count(*), sum(reveal IS NOT NULL), (SELECT commitment FROM expert_draw_seeds"
                              " WHERE draw_id = ? AND party = ?), (SELECT reveal IS NOT NULL FROM expert_draw_seeds"
                              " WHERE draw_id = ? AND party = ?) FROM expert_draw_seeds WHERE draw_id = ?",
                              ZT_I(id), ZT_T(party), ZT_I(id), ZT_T(party), ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_step(st, e);
    int64_t committed = zt_col_int(st, 0), revealed = zt_col_int(st, 1);
    char commitment[65] = "";
    int mine = !zt_col_is_null(st, 2), mine_revealed = zt_col_int(st, 3) != 0;
    if (mine) snprintf(commitment, sizeof commitment, "%s", zt_col_text(st, 2));
    zt_db_release(db);
    int64_t now = zt_now();
    if (!a->reveal) {
        if (mine) return zt_fail(e, ZT_ECONFLICT, "commitment", "已经提交过承诺");
        if (revealed) return zt_fail(e, ZT_ECONFLICT, "commitment", "已有一方揭示种子，不能再提交承诺");
        if ((rc = zt_db_run(db, e,
                            "INSERT INTO expert_draw_seeds (draw_id, party, commitment, committed_by, committed_at)"
                            " VALUES (?, ?, ?, ?, ?)",
                            ZT_I(id), ZT_T(party), ZT_T(a->value), ZT_I(a->p->user_id), ZT_I(now))))
            return rc;
        return record_new(db, a->p, "expert_draw.commit", "expert_draw", a->number, 0,
                          json_pack("{s:s,s:s}", "party", party, "commitment", a->value), e);
    }
    if (!mine) return zt_fail(e, ZT_ECONFLICT, "reveal", "请先提交承诺（种子的 SHA-256）");
    if (mine_revealed) return zt_fail(e, ZT_ECONFLICT, "reveal", "已经揭示过");
    if (committed < NPARTIES) return zt_fail(e, ZT_ECONFLICT, "reveal", "三方都提交承诺后才能揭示");
    char h[65];
    zt_experts_sha256_hex(a->value, strlen(a->value), h);
    if (strcmp(h, commitment)) return zt_fail(e, ZT_EINVAL, "reveal", "揭示的种子与承诺不符");
    if ((rc = zt_db_run(db, e,
                        "UPDATE expert_draw_seeds SET reveal = ?, revealed_at = ? WHERE draw_id = ? AND party = ?",
                        ZT_T(a->value), ZT_I(now), ZT_I(id), ZT_T(party))))
        return rc;
    return record_new(db, a->p, "expert_draw.reveal", "expert_draw", a->number, 0,
                      json_pack("{s:s,s:s}", "party", party, "reveal", a->value), e);
}

static zt_err seed(zt_req *r, int reveal, zt_error *e) {
    json_t *b;
    seed_arg a = {zt_req_principal(r), zt_req_param(r, "number"), NULL, reveal};
    const char *key = reveal ? "reveal" : "commitment";
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){key, NULL}, e);
    if (!rc) rc = zt_json_str(b, key, 1, 1100, &a.value, e);
    if (rc) return rc;
    if (!reveal && !hex64(a.value))
        return zt_fail(e, ZT_EINVAL, "commitment", "承诺须是种子的 SHA-256（64 个小写十六进制字符）");
    if (reveal) {
        char src[ZT_RFC3797_KEY_MAX];
        const char *why = NULL;
        size_t digits = 0;
        if (zt_rfc3797_source(a.value, strlen(a.value), src, sizeof src, &why))
            return zt_fail(e, ZT_EINVAL, "reveal", "种子须是以空格分隔的 1 到 16 个非负整数（%s）", why);
        for (const char *c = a.value; *c; c++) digits += *c >= '0' && *c <= '9';
        if (digits < 12) return zt_fail(e, ZT_EINVAL, "reveal", "种子至少要有 12 位数字（足够的随机性）");
    }
    if ((rc = zt_store_write(((zt_app *)zt_req_app(r))->store, seed_write, &a, e))) return rc;
    return reply_draw(r, a.number, 200, e);
}

static zt_err h_commit(zt_req *r, zt_error *e) { return seed(r, 0, e); }
static zt_err h_reveal(zt_req *r, zt_error *e) { return seed(r, 1, e); }

/* The published seeds file: one source a line in PARTIES order (a '#' line
 * names the party); NULL until every party revealed. Caller frees. */
static char *seeds_text(zt_db *db, int64_t id, zt_error *e) {
    size_t cap = 4096, len = 0;
    char *out = zt_malloc(cap);
    out[0] = 0;
    for (int i = 0; PARTIES[i]; i++) {
        zt_stmt *st = zt_db_query(db, e, "SELECT reveal FROM expert_draw_seeds WHERE draw_id = ? AND party = ?",
                                  ZT_I(id), ZT_T(PARTIES[i]));
        if (!st) {
            free(out);
            return NULL;
        }
        int have = zt_step(st, e) == ZT_ROW && !zt_col_is_null(st, 0);
        if (have) len += (size_t)snprintf(out + len, cap - len, "# %s\n%s\n", PARTIES[i], zt_col_text(st, 0));
        zt_db_release(db);
        if (!have || len >= cap) {
            free(out);
            return NULL;
        }
    }
    return out;
}

/* --- selection and calls ----------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const char *number;
} sel_arg;

static zt_err select_write(zt_db *db, void *arg, zt_error *e) {
    sel_arg *a = arg;
    draw_row d;
    zt_err rc = load_draw(db, a->number, &d, e);
    if (rc) return rc;
    char *seeds = strcmp(d.state, "seeding") ? NULL : seeds_text(db, d.id, e);
    if (!seeds) {
        draw_row_free(&d);
        return zt_fail(e, ZT_ECONFLICT, "state", "三方都揭示种子后才能抽取");
    }
    char key[ZT_RFC3797_KEY_MAX];
    const char *why = NULL;
    if (zt_rfc3797_key(seeds, strlen(seeds), key, &why)) {
        free(seeds);
        draw_row_free(&d);
        return zt_fail(e, ZT_EINTERNAL, "reveal", "种子无效：%s", why);
    }
    free(seeds);
    size_t gi;
    json_t *g;
    json_array_foreach(d.groups, gi, g) {
        json_t *list = json_object_get(g, "candidates");
        uint32_t n = (uint32_t)json_array_size(list), *picks = zt_malloc((n ? n : 1) * sizeof *picks);
        int64_t count = json_integer_value(json_object_get(g, "count")),
                reserve = json_integer_value(json_object_get(g, "reserve"));
        if (zt_rfc3797_pick(key, n, n, picks, NULL)) rc = zt_fail(e, ZT_EINTERNAL, NULL, "RFC 3797 抽取失败");
        for (uint32_t i = 0; !rc && i < n; i++) {
            const char *status = (int64_t)i < count ? "called" : (int64_t)i < count + reserve ? "reserve" : "waiting";
            rc = zt_db_run(db, e,
                           "INSERT INTO expert_draw_picks (draw_id, grp, seq, expert_id, status) SELECT ?, ?, ?, id, ?"
                           " FROM experts WHERE number = ?",
                           ZT_I(d.id), ZT_I((int64_t)gi), ZT_I((int64_t)i + 1), ZT_T(status),
                           ZT_T(json_string_value(json_array_get(list, picks[i]))));
        }
        free(picks);
        if (rc) break;
    }
    if (!rc) rc = zt_db_run(db, e, "UPDATE expert_draws SET key = ? WHERE id = ?", ZT_T(key), ZT_I(d.id));
    zt_flow_instance in;
    if (!rc) rc = draw_instance(&d, &in, e);
    if (!rc) rc = zt_flow_step(db, &in, "select", a->p, NULL, NULL, e);
    draw_row_free(&d);
    return rc;
}

static zt_err h_select(zt_req *r, zt_error *e) {
    sel_arg a = {zt_req_principal(r), zt_req_param(r, "number")};
    zt_err rc = zt_store_write(((zt_app *)zt_req_app(r))->store, select_write, &a, e);
    return rc ? rc : reply_draw(r, a.number, 200, e);
}

typedef struct {
    const zt_principal *p;
    const char *number, *expert, *reason;
    int accept;
} call_arg;

static zt_err call_write(zt_db *db, void *arg, zt_error *e) {
    call_arg *a = arg;
    int64_t id;
    zt_err rc = draw_id_in(db, a->number, "drawn", "抽取后、公布前才能记录专家的答复", &id, e);
    if (rc) return rc;
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT p.grp, p.seq, p.status FROM expert_draw_picks p JOIN experts x ON x.id = p.expert_id"
                    " WHERE p.draw_id = ? AND x.number = ?",
                    ZT_I(id), ZT_T(a->expert));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "expert", "该专家不在本次抽取结果中");
    }
    int64_t grp = zt_col_int(st, 0), seq = zt_col_int(st, 1);
    int called = !strcmp(zt_col_text(st, 2), "called");
    zt_db_release(db);
    if (!called) return zt_fail(e, ZT_ECONFLICT, "expert", "只能记录已通知专家的答复");
    int64_t now = zt_now();
    if ((rc = zt_db_run(db, e,
                        "UPDATE expert_draw_picks SET status = ?, reason = ?, answered_at = ? WHERE draw_id = ? AND"
                        " grp = ? AND seq = ?",
                        ZT_T(a->accept ? "accepted" : "refused"), ZT_T(a->reason ? a->reason : ""), ZT_I(now), ZT_I(id),
                        ZT_I(grp), ZT_I(seq))))
        return rc;
    int64_t next = 0;
    if (!a->accept) { /* the replacement: the next pick of the group in RFC order */
        st = zt_db_query(db, e,
                         "SELECT seq FROM expert_draw_picks WHERE draw_id = ? AND grp = ? AND status IN ('reserve',"
                         " 'waiting') ORDER BY seq LIMIT 1",
                         ZT_I(id), ZT_I(grp));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) == ZT_ROW) next = zt_col_int(st, 0);
        zt_db_release(db);
        if (next && (rc = zt_db_run(db, e,
                                    "UPDATE expert_draw_picks SET status = 'called' WHERE draw_id = ? AND grp = ? AND"
                                    " seq = ?",
                                    ZT_I(id), ZT_I(grp), ZT_I(next))))
            return rc;
    }
    /* the ledger names the pick by its place, not the expert: the committee
     * stays secret until publication */
    return record_new(db, a->p, a->accept ? "expert_draw.accept" : "expert_draw.refuse", "expert_draw", a->number, 0,
                      json_pack("{s:I,s:I,s:s,s:I}", "group", (json_int_t)grp + 1, "seq", (json_int_t)seq, "reason",
                                a->reason ? a->reason : "", "replacement_seq", (json_int_t)next),
                      e);
}

static zt_err h_call(zt_req *r, zt_error *e) {
    json_t *b;
    call_arg a = {zt_req_principal(r), zt_req_param(r, "number"), zt_req_param(r, "expert"), NULL, 0};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"accept", "reason", NULL}, e);
    if (!rc) rc = zt_json_bool(b, "accept", -1, &a.accept, e);
    if (!rc) rc = zt_json_str(b, "reason", 0, 500, &a.reason, e);
    if (rc) return rc;
    if (a.accept < 0) return zt_fail(e, ZT_EINVAL, "accept", "请说明专家是否同意参加（accept）");
    if (!a.accept && zt_blank(a.reason)) return zt_fail(e, ZT_EINVAL, "reason", "专家拒绝参加须写明理由");
    if ((rc = zt_store_write(((zt_app *)zt_req_app(r))->store, call_write, &a, e))) return rc;
    return reply_draw(r, a.number, 200, e);
}

typedef struct {
    const zt_principal *p;
    const char *number, *action;
    json_t *fields;
} step_arg;

static zt_err step_write(zt_db *db, void *arg, zt_error *e) {
    step_arg *a = arg;
    draw_row d;
    zt_err rc = load_draw(db, a->number, &d, e);
    if (rc) return rc;
    if (!strcmp(a->action, "publish")) {
        /* every group's seats accepted */
        size_t gi;
        json_t *g;
        json_array_foreach(d.groups, gi, g) {
            zt_stmt *st = zt_db_query(db, e,
                                      "SELECT count(*) FROM expert_draw_picks WHERE draw_id = ? AND grp = ? AND"
                                      " status = 'accepted'",
                                      ZT_I(d.id), ZT_I((int64_t)gi));
            if (!st) {
                rc = ZT_EINTERNAL;
                break;
            }
            zt_step(st, e);
            int64_t seated = zt_col_int(st, 0);
            zt_db_release(db);
            if (strcmp(d.state, "drawn")) break; /* the flow says why */
            if (seated < json_integer_value(json_object_get(g, "count"))) {
                rc = zt_fail(e, ZT_ECONFLICT, "state", "专业 %s 尚未足额确认参加的专家",
                             json_string_value(json_object_get(g, "specialty")));
                break;
            }
        }
    }
    zt_flow_instance in;
    if (!rc) rc = draw_instance(&d, &in, e);
    if (!rc) rc = zt_flow_step(db, &in, a->action, a->p, a->fields, NULL, e);
    draw_row_free(&d);
    return rc;
}

static zt_err draw_step(zt_req *r, const char *action, zt_error *e) {
    step_arg a = {zt_req_principal(r), zt_req_param(r, "number"), action, NULL};
    zt_err rc = zt_req_json(r, &a.fields, e);
    if (!rc) rc = zt_store_write(((zt_app *)zt_req_app(r))->store, step_write, &a, e);
    return rc ? rc : reply_draw(r, a.number, 200, e);
}

static zt_err h_publish(zt_req *r, zt_error *e) { return draw_step(r, "publish", e); }
static zt_err h_cancel(zt_req *r, zt_error *e) { return draw_step(r, "cancel", e); }

/* --- the expert's part: assignments, declaration, recusal ---------------------------------- */

/* GET /api/expert/assignments: the committees the expert sits on (his pick
 * accepted; recused ones listed as such), newest evaluation first. */
static zt_err h_assignments(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT d.number, d.project_code, d.project_name, d.evaluation_date, d.state, p.status,"
                              " p.declared_at, p.recused_at FROM expert_draw_picks p JOIN expert_draws d ON"
                              " d.id = p.draw_id JOIN experts x ON x.id = p.expert_id WHERE x.user_id = ? AND p.status"
                              " IN ('accepted', 'recused') ORDER BY d.evaluation_date DESC, d.id DESC LIMIT 100",
                              ZT_I(zt_req_principal(r)->user_id));
    if (!st) return ZT_EINTERNAL;
    json_t *items = json_array();
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(items,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "draw", zt_col_text(st, 0), "project_code",
                                        zt_col_text(st, 1), "project_name", zt_col_text(st, 2), "evaluation_date",
                                        zt_col_text(st, 3), "state", zt_col_text(st, 4), "status", zt_col_text(st, 5),
                                        "declared_at", zt_col_json_time(st, 6), "recused_at", zt_col_json_time(st, 7)));
    zt_db_release(db);
    if (zt_step_failed(s)) {
        json_decref(items);
        return s;
    }
    zt_reply_json(r, 200, json_pack("{s:o}", "items", items));
    return ZT_OK;
}

typedef struct {
    const zt_principal *p;
    const char *number, *reason;
    int recuse, no_conflict;
} own_arg;

static zt_err own_write(zt_db *db, void *arg, zt_error *e) {
    own_arg *a = arg;
    draw_row d;
    zt_err rc = load_draw(db, a->number, &d, e);
    if (rc) return rc;
    int64_t id = d.id;
    int drawn = !strcmp(d.state, "drawn");
    draw_row_free(&d);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT p.grp, p.seq, p.declared_at IS NOT NULL FROM expert_draw_picks p JOIN experts x"
                              " ON x.id = p.expert_id WHERE p.draw_id = ? AND x.user_id = ? AND p.status = 'accepted'",
                              ZT_I(id), ZT_I(a->p->user_id));
    if (!st) return ZT_EINTERNAL;
    int member = zt_step(st, e) == ZT_ROW;
    int64_t grp = member ? zt_col_int(st, 0) : 0, seq = member ? zt_col_int(st, 1) : 0;
    int declared = member && zt_col_int(st, 2);
    zt_db_release(db);
    if (!member) return zt_fail(e, ZT_ENOTFOUND, "number", "您不是该评标委员会的成员");
    if (!drawn) return zt_fail(e, ZT_ECONFLICT, "state", "评标结果已公布（或抽取已取消）");
    int64_t now = zt_now();
    if (!a->recuse) {
        if (declared) return zt_fail(e, ZT_ECONFLICT, "no_conflict", "已经声明过");
        if ((rc = zt_db_run(db, e,
                            "UPDATE expert_draw_picks SET declared_at = ? WHERE draw_id = ? AND grp = ? AND seq = ?",
                            ZT_I(now), ZT_I(id), ZT_I(grp), ZT_I(seq))))
            return rc;
        return record_new(
            db, a->p, "expert_draw.declare", "expert_draw", a->number, 0,
            json_pack("{s:I,s:I,s:b}", "group", (json_int_t)grp + 1, "seq", (json_int_t)seq, "no_conflict", 1), e);
    }
    /* recusal (回避): the next pick of the group in RFC order is called */
    if ((rc = zt_db_run(db, e,
                        "UPDATE expert_draw_picks SET status = 'recused', reason = ?, recused_at = ? WHERE draw_id = ?"
                        " AND grp = ? AND seq = ?",
                        ZT_T(a->reason), ZT_I(now), ZT_I(id), ZT_I(grp), ZT_I(seq))))
        return rc;
    int64_t next = 0;
    st = zt_db_query(db, e,
                     "SELECT seq FROM expert_draw_picks WHERE draw_id = ? AND grp = ? AND status IN ('reserve',"
                     " 'waiting') ORDER BY seq LIMIT 1",
                     ZT_I(id), ZT_I(grp));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) == ZT_ROW) next = zt_col_int(st, 0);
    zt_db_release(db);
    if (next && (rc = zt_db_run(
                     db, e, "UPDATE expert_draw_picks SET status = 'called' WHERE draw_id = ? AND grp = ? AND seq = ?",
                     ZT_I(id), ZT_I(grp), ZT_I(next))))
        return rc;
    return record_new(db, a->p, "expert_draw.recuse", "expert_draw", a->number, 0,
                      json_pack("{s:I,s:I,s:s,s:I}", "group", (json_int_t)grp + 1, "seq", (json_int_t)seq, "reason",
                                a->reason, "replacement_seq", (json_int_t)next),
                      e);
}

static zt_err own(zt_req *r, int recuse, zt_error *e) {
    json_t *b;
    own_arg a = {zt_req_principal(r), zt_req_param(r, "number"), NULL, recuse, 0};
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    if (recuse) {
        if ((rc = zt_json_only(b, (const char *const[]){"reason", NULL}, e)) ||
            (rc = zt_json_str(b, "reason", 1, 500, &a.reason, e)))
            return rc;
        if (zt_blank(a.reason)) return zt_fail(e, ZT_EINVAL, "reason", "申请回避须写明理由");
    } else {
        if ((rc = zt_json_only(b, (const char *const[]){"no_conflict", NULL}, e)) ||
            (rc = zt_json_bool(b, "no_conflict", 0, &a.no_conflict, e)))
            return rc;
        if (!a.no_conflict)
            return zt_fail(e, ZT_EINVAL, "no_conflict", "与本项目有利害关系的，请申请回避（POST …/recuse）");
    }
    if ((rc = zt_store_write(((zt_app *)zt_req_app(r))->store, own_write, &a, e))) return rc;
    zt_reply_empty(r, 204);
    return ZT_OK;
}

static zt_err h_declare(zt_req *r, zt_error *e) { return own(r, 0, e); }
static zt_err h_recuse(zt_req *r, zt_error *e) { return own(r, 1, e); }

/* --- ratings after the evaluation ----------------------------------------------------- */

typedef struct {
    zt_app *app;
    const zt_principal *p;
    const char *number, *expert, *note;
    int64_t score;
    int removed;
} rate_arg;

static zt_err rate_write(zt_db *db, void *arg, zt_error *e) {
    rate_arg *a = arg;
    int64_t id;
    zt_err rc = draw_id_in(db, a->number, "published", "评标结束、结果公布后才能评价专家", &id, e);
    if (rc) return rc;
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT x.id, coalesce(x.user_id, 0) FROM expert_draw_picks p JOIN experts x ON"
                              " x.id = p.expert_id WHERE p.draw_id = ? AND x.number = ? AND p.status = 'accepted'",
                              ZT_I(id), ZT_T(a->expert));
    if (!st) return ZT_EINTERNAL;
    int found = zt_step(st, e) == ZT_ROW;
    int64_t expert_id = found ? zt_col_int(st, 0) : 0, expert_user = found ? zt_col_int(st, 1) : 0;
    zt_db_release(db);
    if (!found) return zt_fail(e, ZT_ENOTFOUND, "expert", "该专家不是本次评标委员会成员");
    const char *rater = "centre";
    if (!(a->p->role_bit & ZT_R_TRADING)) { /* the chair: an expert of this committee, not rating himself */
        st = zt_db_query(db, e,
                         "SELECT 1 FROM expert_draw_picks p JOIN experts x ON x.id = p.expert_id WHERE p.draw_id = ?"
                         " AND x.user_id = ? AND p.status = 'accepted'",
                         ZT_I(id), ZT_I(a->p->user_id));
        if (!st) return ZT_EINTERNAL;
        int member = zt_step(st, e) == ZT_ROW;
        zt_db_release(db);
        if (!member) return zt_fail(e, ZT_EFORBIDDEN, "expert", "只有本次评标委员会的组长可以评价其他成员");
        if (expert_user == a->p->user_id) return zt_fail(e, ZT_EFORBIDDEN, "expert", "不能评价自己");
        rater = "chair";
    }
    int64_t now = zt_now();
    if ((rc = zt_db_run(db, e,
                        "INSERT INTO expert_ratings (draw_id, expert_id, rater, score, note, rated_by, rated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (draw_id, expert_id, rater) DO NOTHING",
                        ZT_I(id), ZT_I(expert_id), ZT_T(rater), ZT_I(a->score), ZT_T(a->note ? a->note : ""),
                        ZT_I(a->p->user_id), ZT_I(now))))
        return rc;
    if (zt_db_changes(db) != 1) return zt_fail(e, ZT_ECONFLICT, "expert", "已经评价过该专家");
    if ((rc = record_new(db, a->p, "expert.rate", "expert", a->expert, 0,
                         json_pack("{s:s,s:s,s:I}", "draw", a->number, "rater", rater, "score", (json_int_t)a->score),
                         e)))
        return rc;
    return zt_experts_check_rating(db, a->app, expert_id, now, &a->removed, e);
}

static zt_err h_rate(zt_req *r, zt_error *e) {
    json_t *b;
    rate_arg a = {.app = zt_req_app(r), .p = zt_req_principal(r), .number = zt_req_param(r, "number")};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"expert", "score", "note", NULL}, e);
    if (!rc) rc = zt_json_str(b, "expert", 1, 32, &a.expert, e);
    if (!rc) rc = zt_json_int(b, "score", 1, 0, 100, 0, &a.score, e);
    if (!rc) rc = zt_json_str(b, "note", 0, 500, &a.note, e);
    if (!rc) rc = zt_store_write(a.app->store, rate_write, &a, e);
    if (rc) return rc;
    zt_reply_json(r, 201,
                  json_pack("{s:s,s:s,s:I,s:b}", "draw", a.number, "expert", a.expert, "score", (json_int_t)a.score,
                            "removed", a.removed));
    return ZT_OK;
}

/* --- answers ----------------------------------------------------------------------------------- */

/* The draw as answered: full (the centre, the supervisors, or anyone once
 * published) or the hashes only. */
static zt_err draw_json(zt_db *db, const char *number, int full, json_t **out, zt_error *e) {
    draw_row d;
    zt_err rc = load_draw(db, number, &d, e);
    if (rc) return rc;
    zt_stmt *st = zt_db_query(
        db, e, "SELECT project_name, key, created_at, published_at FROM expert_draws WHERE id = ?", ZT_I(d.id));
    if (!st) {
        draw_row_free(&d);
        return ZT_EINTERNAL;
    }
    zt_step(st, e);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "number", d.number, "project_code", d.project,
                          "project_name", zt_col_text(st, 0), "evaluation_date", d.eval, "state", d.state, "key",
                          full ? zt_col_json_text(st, 1) : json_null(), "created_at", zt_col_json_time(st, 2),
                          "published_at", zt_col_json_time(st, 3));
    zt_db_release(db);
    json_t *groups = json_array(), *g;
    size_t gi;
    json_array_foreach(d.groups, gi, g) {
        json_t *x = json_pack("{s:O,s:O,s:O,s:I,s:O}", "specialty", json_object_get(g, "specialty"), "count",
                              json_object_get(g, "count"), "reserve", json_object_get(g, "reserve"), "size",
                              (json_int_t)json_array_size(json_object_get(g, "candidates")), "sha256",
                              json_object_get(g, "sha256"));
        if (full) json_object_set(x, "candidates", json_object_get(g, "candidates"));
        json_array_append_new(groups, x);
    }
    json_object_set_new(o, "groups", groups);
    /* the seeds: commitments always, reveals once all are in */
    json_t *seeds = json_array();
    st = zt_db_query(db, e,
                     "SELECT party, commitment, committed_at, reveal, revealed_at FROM expert_draw_seeds"
                     " WHERE draw_id = ? ORDER BY committed_at",
                     ZT_I(d.id));
    if (!st) rc = ZT_EINTERNAL;
    while (!rc && zt_step(st, e) == ZT_ROW)
        json_array_append_new(seeds, json_pack("{s:s,s:s,s:o,s:o,s:o}", "party", zt_col_text(st, 0), "commitment",
                                               zt_col_text(st, 1), "committed_at", zt_col_json_time(st, 2), "reveal",
                                               zt_col_json_text(st, 3), "revealed_at", zt_col_json_time(st, 4)));
    if (st) zt_db_release(db);
    json_object_set_new(o, "seeds", seeds);
    char *text = rc ? NULL : seeds_text(db, d.id, e);
    json_object_set_new(o, "seeds_file", text ? json_string(text) : json_null());
    free(text);
    if (full && !rc) {
        json_t *picks = json_array(), *committee = json_array(), *ex = json_array();
        st = zt_db_query(db, e,
                         "SELECT p.grp, p.seq, x.id, x.number, x.name, p.status, p.reason, p.answered_at"
                         " FROM expert_draw_picks p JOIN experts x ON x.id = p.expert_id WHERE p.draw_id = ?"
                         " AND p.status != 'waiting' ORDER BY p.grp, p.seq",
                         ZT_I(d.id));
        if (!st) rc = ZT_EINTERNAL;
        while (!rc && zt_step(st, e) == ZT_ROW) {
            json_array_append_new(
                picks, json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:o}", "group", (json_int_t)zt_col_int(st, 0) + 1, "seq",
                                 (json_int_t)zt_col_int(st, 1), "expert_id", (json_int_t)zt_col_int(st, 2), "expert",
                                 zt_col_text(st, 3), "name", zt_col_text(st, 4), "status", zt_col_text(st, 5), "reason",
                                 zt_col_text(st, 6), "answered_at", zt_col_json_time(st, 7)));
            if (!strcmp(zt_col_text(st, 5), "accepted"))
                json_array_append_new(committee, json_integer(zt_col_int(st, 2)));
        }
        if (st) zt_db_release(db);
        json_object_set_new(o, "picks", picks);
        json_object_set_new(o, "committee", committee);
        { /* the exclusions: never public (h_public drops them) */
            st = zt_db_query(db, e,
                             "SELECT x.number, x.name, e.rule, e.detail FROM expert_draw_exclusions e JOIN experts x"
                             " ON x.id = e.expert_id WHERE e.draw_id = ? ORDER BY x.id, e.rule",
                             ZT_I(d.id));
            if (!st) rc = ZT_EINTERNAL;
            while (!rc && zt_step(st, e) == ZT_ROW)
                json_array_append_new(ex, json_pack("{s:s,s:s,s:s,s:s}", "expert", zt_col_text(st, 0), "name",
                                                    zt_col_text(st, 1), "rule", zt_col_text(st, 2), "detail",
                                                    zt_col_text(st, 3)));
            if (st) zt_db_release(db);
        }
        json_object_set_new(o, "exclusions", ex);
    }
    if (full && !rc) rc = zt_experts_history(db, "expert_draw", d.number, o, e);
    draw_row_free(&d);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return ZT_OK;
}

/* The centre and the supervisors (of the project's region) see a draw
 * whole; nobody else does before publication. */
static int may_see(zt_db *db, const zt_principal *p, const char *number) {
    if (p->role_bit & ZT_R_TRADING) return 1;
    if (!(p->role_bit & ZT_R_SUPERVISOR)) return 0;
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored, "SELECT region_code FROM expert_draws WHERE number = ?", ZT_T(number));
    int ok = st && zt_step(st, &ignored) == ZT_ROW && zt_region_within(zt_col_text(st, 0), p->region);
    if (st) zt_db_release(db);
    return ok;
}

static zt_err reply_draw(zt_req *r, const char *number, int status, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    const zt_principal *p = zt_req_principal(r);
    json_t *o;
    zt_err rc = draw_json(db, number, may_see(db, p, number), &o, e);
    if (rc) return rc;
    zt_reply_json(r, status, o);
    return ZT_OK;
}

static zt_err h_get(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    const char *number = zt_req_param(r, "number");
    if (!may_see(db, zt_req_principal(r), number))
        return zt_fail(e, ZT_EFORBIDDEN, "number", "评标委员会名单在中标结果公布前保密");
    return reply_draw(r, number, 200, e);
}

/* GET /api/public/expert-draws/{number}: anyone; hashes and commitments
 * before publication, everything needed to re-run it after. */
static zt_err h_public(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    const char *number = zt_req_param(r, "number");
    zt_stmt *st = zt_db_query(db, e, "SELECT state FROM expert_draws WHERE number = ?", ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    int found = zt_step(st, e) == ZT_ROW, published = found && !strcmp(zt_col_text(st, 0), "published");
    zt_db_release(db);
    if (!found) return zt_fail(e, ZT_ENOTFOUND, "number", "抽取记录不存在");
    json_t *o;
    zt_err rc = draw_json(db, number, published, &o, e);
    if (rc) return rc;
    json_object_del(o, "exclusions");
    zt_reply_json(r, 200, o);
    return ZT_OK;
}

typedef struct {
    json_t *items;
} list_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    json_array_append_new(l->items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "number", zt_col_text(st, 0), "project_code",
                                              zt_col_text(st, 1), "project_name", zt_col_text(st, 2), "evaluation_date",
                                              zt_col_text(st, 3), "state", zt_col_text(st, 4), "created_at",
                                              zt_col_json_time(st, 5)));
}

/* GET /api/expert-draws ?project= ?state=, paged, newest first: the
 * centre's, or the supervisor's region's. */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!(p->role_bit & ZT_R_TRADING)) zt_qb_region(&f, "region_code", p->region);
    const char *project = zt_req_query(r, "project"), *state = zt_req_query(r, "state");
    if (project && *project) {
        zt_qb_sql(&f, " AND project_code = ?");
        zt_qb_text(&f, project);
    }
    if (state && *state) {
        zt_qb_sql(&f, " AND state = ?");
        zt_qb_text(&f, state);
    }
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array()};
    rc = zt_qb_list(zt_store_reader(app->store), &f,
                    "number, project_code, project_name, evaluation_date, state, created_at", "expert_draws",
                    "ORDER BY id DESC", limit, offset, list_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

#define SEED_PARTIES (ZT_R_TRADING | ZT_R_SUPERVISOR | ZT_R_CLERK | ZT_R_DEPT_HEAD)

static const zt_route routes[] = {
    {"POST", "/api/expert-draws", h_request, ZT_R_TRADING,
     "request a draw: project, groups {specialty, count, reserve}, evaluation_date, supervisor, avoidance data"},
    {"GET", "/api/expert-draws", h_list, ZT_R_TRADING | ZT_R_SUPERVISOR, "draws (?project ?state, paged)"},
    {"GET", "/api/expert-draws/{number}", h_get, ZT_R_TRADING | ZT_R_SUPERVISOR,
     "a draw whole: candidates, exclusions with their rules, picks, committee (secret until published)"},
    {"POST", "/api/expert-draws/{number}/commit", h_commit, SEED_PARTIES,
     "commit a seed: {commitment: SHA-256 hex of the secret} (supervision, centre, tenderer)"},
    {"POST", "/api/expert-draws/{number}/reveal", h_reveal, SEED_PARTIES,
     "reveal the seed once all committed: {reveal: blank-separated integers}"},
    {"POST", "/api/expert-draws/{number}/select", h_select, ZT_R_TRADING,
     "draw by RFC 3797 once all seeds are revealed"},
    {"POST", "/api/expert-draws/{number}/picks/{expert}", h_call, ZT_R_TRADING,
     "an expert's answer to the call: {accept, reason}; a refusal calls the next pick"},
    {"POST", "/api/expert-draws/{number}/publish", h_publish, ZT_R_TRADING,
     "publish with the award: list, seeds and picks become public"},
    {"POST", "/api/expert-draws/{number}/cancel", h_cancel, ZT_R_TRADING, "cancel a draw: {reason}"},
    {"GET", "/api/expert/assignments", h_assignments, ZT_R_EXPERT,
     "the committees the expert sits on (accepted; recused ones marked), with his declaration"},
    {"POST", "/api/expert-draws/{number}/declaration", h_declare, ZT_R_EXPERT,
     "a committee member declares no conflict of interest (无利害关系声明): {no_conflict: true}"},
    {"POST", "/api/expert-draws/{number}/recuse", h_recuse, ZT_R_EXPERT,
     "a committee member recuses (回避): {reason}; the group's next pick is called"},
    {"POST", "/api/expert-draws/{number}/ratings", h_rate, ZT_R_TRADING | ZT_R_EXPERT,
     "rate a committee member after the evaluation (100 points): the centre, or the chair (an expert of it)"},
    {"GET", "/api/public/expert-draws/{number}", h_public, 0,
     "a draw as the public sees it: hashes before publication, inputs and picks after"},
};

const zt_route *zt_expert_draws_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
