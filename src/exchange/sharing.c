/* sharing.c - sharing requests (共享申请) and the grants they issue
 * (国发〔2016〕51号): a department asks for a published resource (the data
 * items it needs, its purpose and legal basis); the data office checks it
 * for compliance within exchange.check_days working days; a conditional
 * resource's provider answers within exchange.answer_days; a refusal states
 * its reasons. Approval issues a grant: the consumer, the resource, the data
 * items (field-level), the purpose, an expiry; the consumer issues its
 * application key (shown once, kept as SHA-256). The request is an instance
 * of data/flows/sharing_request.json and a supervision subject (kind
 * "sharing": late answers raise cards). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "exchange/exchange_int.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "http/access.h"
#include "ledger/record.h"
#include "store/query.h"

typedef struct req_row {
    int64_t id, resource_id, consumer_id, provider_id, valid_days, updated_at, owner;
    char number[48], state[16], check_due[11], answer_due[11], hours[16];
    char consumer[64], provider[64], consumer_name[128], resource[192], resource_name[256], share_type[16];
    char office[64], office_region[16], provider_region[16], consumer_region[16];
    char *items, *purpose; /* owned */
} req_row;

static void req_free(req_row *rr) {
    free(rr->items);
    free(rr->purpose);
}

static zt_err load_req(zt_db *db, const char *number, const char *office, req_row *rr, zt_error *e) {
    zt_stmt *st = zt_db_query(
        db, e,
        "SELECT q.id, q.resource_id, q.consumer_id, q.provider_id, q.valid_days, q.updated_at, q.number, q.state,"
        " q.check_due, coalesce(q.answer_due, ''), dc.code, dp.code, dc.name, r.identifier, c.name, c.share_type,"
        " q.items, q.purpose, dp.region_code, coalesce(q.created_by, 0), q.hours,"
        " coalesce((SELECT code || ' ' || region_code FROM departments WHERE code = ?), ''), dc.region_code"
        " FROM ex_requests q JOIN departments dc ON dc.id = q.consumer_id JOIN departments dp ON dp.id = q.provider_id"
        " JOIN ex_resources r ON r.id = q.resource_id JOIN ex_catalogue c ON c.resource_id = q.resource_id"
        " WHERE q.number = ?",
        ZT_T(office), ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(rc) ? rc : zt_fail(e, ZT_ENOTFOUND, "number", "共享申请不存在");
    }
    *rr = (req_row){.id = zt_col_int(st, 0),
                    .resource_id = zt_col_int(st, 1),
                    .consumer_id = zt_col_int(st, 2),
                    .provider_id = zt_col_int(st, 3),
                    .valid_days = zt_col_int(st, 4),
                    .updated_at = zt_col_int(st, 5),
                    .owner = 0};
    snprintf(rr->number, sizeof rr->number, "%s", zt_col_text(st, 6));
    snprintf(rr->state, sizeof rr->state, "%s", zt_col_text(st, 7));
    snprintf(rr->check_due, sizeof rr->check_due, "%s", zt_col_text(st, 8));
    snprintf(rr->answer_due, sizeof rr->answer_due, "%s", zt_col_text(st, 9));
    snprintf(rr->consumer, sizeof rr->consumer, "%s", zt_col_text(st, 10));
    snprintf(rr->provider, sizeof rr->provider, "%s", zt_col_text(st, 11));
    snprintf(rr->consumer_name, sizeof rr->consumer_name, "%s", zt_col_text(st, 12));
    snprintf(rr->resource, sizeof rr->resource, "%s", zt_col_text(st, 13));
    snprintf(rr->resource_name, sizeof rr->resource_name, "%s", zt_col_text(st, 14));
    snprintf(rr->share_type, sizeof rr->share_type, "%s", zt_col_text(st, 15));
    rr->items = strdup(zt_col_text(st, 16));
    rr->purpose = strdup(zt_col_text(st, 17));
    snprintf(rr->provider_region, sizeof rr->provider_region, "%s", zt_col_text(st, 18));
    snprintf(rr->consumer_region, sizeof rr->consumer_region, "%s", zt_col_text(st, 22));
    snprintf(rr->hours, sizeof rr->hours, "%s", zt_col_text(st, 20));
    const char *o = zt_col_text(st, 21);
    const char *sp = strchr(o, ' ');
    if (sp) {
        snprintf(rr->office, sizeof rr->office, "%.*s", (int)(sp - o), o);
        snprintf(rr->office_region, sizeof rr->office_region, "%s", sp + 1);
    }
    zt_db_release(db);
    if (!rr->items || !rr->purpose) abort();
    return ZT_OK;
}

/* Who may take a step beyond the definition's roles: the consumer's staff
 * apply and withdraw, the provider's answer; the data office checks. */
static zt_err req_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *a,
                      zt_error *e) {
    (void)db;
    const req_row *rr = in->row;
    const char *id = a->id;
    if (!p->user_id && !p->key_id) return ZT_OK;
    if (!strcmp(id, "pass") || !strcmp(id, "reject")) return ZT_OK; /* roles: data_officer */
    if (!strcmp(id, "expired_use"))
        return p->dept_id == rr->consumer_id ? ZT_OK : zt_fail(e, ZT_EFORBIDDEN, "id", "无权");
    if (!strcmp(id, "approve") || !strcmp(id, "deny"))
        return p->dept_id == rr->provider_id ? ZT_OK
                                             : zt_fail(e, ZT_EFORBIDDEN, "number", "只有提供部门可以答复共享申请");
    if (!strcmp(id, "revoke"))
        return ex_is_office(p) || p->dept_id == rr->provider_id || p->dept_id == rr->consumer_id
                   ? ZT_OK
                   : zt_fail(e, ZT_EFORBIDDEN, "number", "只有提供部门、申请部门或数据管理机构可以撤销授权");
    return p->dept_id == rr->consumer_id ? ZT_OK : zt_fail(e, ZT_EFORBIDDEN, "number", "只有申请部门可以撤回");
}

typedef struct {
    const zt_calendar *cal;
    int64_t answer_days, rate;
    char answer_due[11];
    const char *grant; /* expired_use: the grant's id */
} req_ctx;

/* The grant an approval issues: the request's items, purpose, expiry. */
static zt_err issue_grant(zt_db *db, const req_row *rr, int64_t at, int64_t rate, zt_error *e) {
    return zt_db_run(db, e,
                     "INSERT INTO ex_grants (request_id, consumer_id, resource_id, items, purpose, expires_at,"
                     " rate_per_minute, hours, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     ZT_I(rr->id), ZT_I(rr->consumer_id), ZT_I(rr->resource_id), ZT_T(rr->items), ZT_T(rr->purpose),
                     ZT_I(at + rr->valid_days * 86400), ZT_I(rate), ZT_T(rr->hours), ZT_I(at));
}

static zt_err req_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const req_row *rr = m->in->row;
    req_ctx *x = m->arg;
    zt_err rc = ZT_OK;
    const char *a = m->action.id;
    const char *answer_due = rr->answer_due[0] ? rr->answer_due : NULL;
    if (!strcmp(a, "pass") && !strcmp(m->to, "answering")) {
        zt_day_format(zt_cal_add(x->cal, zt_day_of_instant(m->at), (int)x->answer_days), x->answer_due);
        answer_due = x->answer_due;
        rc = zt_db_run(db, e, "UPDATE ex_requests SET answer_due = ? WHERE id = ?", ZT_T(answer_due), ZT_I(rr->id));
    }
    const char *reason = json_string_value(json_object_get(m->fields, "reason"));
    if (!rc && reason)
        rc = zt_db_run(db, e, "UPDATE ex_requests SET reason = ? WHERE id = ?", ZT_T(reason), ZT_I(rr->id));
    if (!rc && !strcmp(m->to, "granted") && strcmp(m->from, "granted")) rc = issue_grant(db, rr, m->at, x->rate, e);
    /* a revoked grant ends now: a later call is refused (and carded) as after expiry */
    if (!rc && !strcmp(a, "revoke"))
        rc = zt_db_run(db, e, "UPDATE ex_grants SET expires_at = min(expires_at, ?) WHERE request_id = ?", ZT_I(m->at),
                       ZT_I(rr->id));
    if (rc) return rc;
    /* the department responsible next: the data office while checking, the provider while answering */
    json_t *info = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "number", rr->number, "department",
                             m->in->dept_code, "resource", rr->resource, "resource_name", rr->resource_name, "consumer",
                             rr->consumer, "provider", rr->provider, "check_due", rr->check_due, "flow",
                             "sharing_request", "flow_version", (json_int_t)zt_flow_version(m->in->def));
    if (m->in->region_code && *m->in->region_code) json_object_set_new(info, "region", json_string(m->in->region_code));
    if (answer_due) json_object_set_new(info, "answer_due", json_string(answer_due));
    if (x->grant) json_object_set_new(info, "grant", json_string(x->grant));
    json_object_set_new(m->event, "sharing", info);
    return ZT_OK;
}

static const zt_flow_owner REQ_OWNER = {
    .subject_type = "sharing", .table = "ex_requests", .may = req_may, .apply = req_apply};

static zt_err req_instance(const req_row *rr, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("sharing_request", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 sharing_request 未加载");
    /* who is responsible now (the cards' department): the data office while
     * it checks, the provider while it answers, the consumer once its grant
     * is in use (its calls are watched) */
    int office = !strcmp(rr->state, "checking") && rr->office[0];
    int consumer = !strcmp(rr->state, "granted");
    *in = (zt_flow_instance){.owner = &REQ_OWNER,
                             .def = f,
                             .row_id = rr->id,
                             .subject = rr->number,
                             .state = rr->state,
                             .updated_at = rr->updated_at,
                             .dept_code = office     ? rr->office
                                          : consumer ? rr->consumer
                                                     : rr->provider,
                             .region_code = office     ? rr->office_region
                                            : consumer ? rr->consumer_region
                                                       : rr->provider_region,
                             .row = (void *)rr};
    return ZT_OK;
}

/* --- applying ---------------------------------------------------------------- */

typedef struct {
    zt_app *app;
    const zt_principal *p;
    json_t *b; /* {resource, items, purpose, basis, valid_days} */
    char number[48];
} apply_arg;

static zt_err apply_write(zt_db *db, void *arg, zt_error *e) {
    apply_arg *a = arg;
    const char *ident = json_string_value(json_object_get(a->b, "resource"));
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT c.resource_id, c.dept_id, c.share_type, c.doc FROM ex_catalogue c"
                              " WHERE c.identifier = ? AND c.retired_at IS NULL",
                              ZT_T(ident));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_EINVAL, "resource", "目录中没有已发布的资源 %s", ident);
    }
    int64_t resource_id = zt_col_int(st, 0), provider_id = zt_col_int(st, 1);
    int none = !strcmp(zt_col_text(st, 2), "none");
    json_t *doc = json_loads(zt_col_text(st, 3), 0, NULL);
    zt_db_release(db);
    if (!doc) return zt_fail(e, ZT_EINTERNAL, NULL, "目录内容损坏");
    zt_err rc = ZT_OK;
    if (none)
        rc = zt_fail(e, ZT_ECONFLICT, "resource", "该资源为不予共享类，不能申请共享");
    else if (provider_id == a->p->dept_id)
        rc = zt_fail(e, ZT_EINVAL, "resource", "本部门的资源无需申请共享");
    /* the items: a subset of the record's, without repeats */
    json_t *items = json_object_get(a->b, "items"), *v, *w;
    size_t i, j;
    json_array_foreach(items, i, v) {
        if (rc) break;
        const char *n = json_string_value(v);
        int known = 0;
        json_array_foreach(json_object_get(doc, "items"), j,
                           w) if (n && !strcmp(n, json_string_value(json_object_get(w, "name")))) known = 1;
        if (!known) rc = zt_fail(e, ZT_EINVAL, "items", "资源中没有数据项 %s", n ? n : "(非文本)");
        for (j = 0; !rc && j < i; j++)
            if (!strcmp(n, json_string_value(json_array_get(items, j))))
                rc = zt_fail(e, ZT_EINVAL, "items", "数据项 %s 重复", n);
    }
    json_decref(doc);
    if (rc) return rc;
    int64_t now = zt_now(), valid;
    if ((rc = zt_json_int(a->b, "valid_days", 0, 1, 1095, a->app->cfg->ex_valid_days, &valid, e))) return rc;
    char prefix[32], check_due[11];
    zt_day today = zt_day_of_instant(now);
    int y, mo, d;
    zt_day_to_ymd(today, &y, &mo, &d);
    snprintf(prefix, sizeof prefix, "GX%04d%02d%02d", y, mo, d);
    if ((rc = zt_number_next(db, prefix, 4, a->number, sizeof a->number, e))) return rc;
    zt_day_format(zt_cal_add(a->app->cal, today, (int)a->app->cfg->ex_check_days), check_due);
    const char *hours = json_string_value(json_object_get(a->b, "hours"));
    if (!hours || !*hours) hours = a->app->cfg->ex_hours;
    int h0, h1;
    if (ex_hours_parse(hours, &h0, &h1))
        return zt_fail(e, ZT_EINVAL, "hours", "调用时段须是 HH:MM-HH:MM（如 08:00-20:00）");
    char *its = json_dumps(items, JSON_COMPACT);
    rc = zt_db_run(db, e,
                   "INSERT INTO ex_requests (number, resource_id, consumer_id, provider_id, items, purpose, basis,"
                   " valid_days, hours, state, check_due, created_by, created_at, updated_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'checking', ?, ?, ?, ?)",
                   ZT_T(a->number), ZT_I(resource_id), ZT_I(a->p->dept_id), ZT_I(provider_id), ZT_T(its),
                   ZT_T(json_string_value(json_object_get(a->b, "purpose"))),
                   ZT_T(json_string_value(json_object_get(a->b, "basis"))), ZT_I(valid), ZT_T(hours), ZT_T(check_due),
                   ZT_I(a->p->user_id), ZT_I(now), ZT_I(now));
    free(its);
    if (rc) return rc;
    req_row rr;
    if ((rc = load_req(db, a->number, a->app->cfg->ex_data_office, &rr, e))) return rc;
    zt_flow_instance in;
    req_ctx x = {
        .cal = a->app->cal, .answer_days = a->app->cfg->ex_answer_days, .rate = a->app->cfg->ex_rate_per_minute};
    zt_flow_opts o = {.arg = &x, .at = now};
    rc = req_instance(&rr, &in, e);
    if (!rc) rc = zt_flow_create(db, &in, "apply", a->p, a->b, &o, e);
    req_free(&rr);
    return rc;
}

/* --- JSON ---------------------------------------------------------------------- */

#define REQ_COLS                                                                                                       \
    "q.id, q.number, q.state, r.identifier, c.name, dc.code, dc.name, dp.code, dp.name, q.items, q.purpose, q.basis,"  \
    " q.valid_days, q.check_due, q.answer_due, q.reason, q.created_at, q.updated_at, c.share_type, g.id, g.expires_at"
#define REQ_FROM                                                                                                       \
    "ex_requests q JOIN ex_resources r ON r.id = q.resource_id JOIN ex_catalogue c ON c.resource_id = q.resource_id"   \
    " JOIN departments dc ON dc.id = q.consumer_id JOIN departments dp ON dp.id = q.provider_id"                       \
    " LEFT JOIN ex_grants g ON g.request_id = q.id"

static json_t *req_json(zt_stmt *st) {
    json_t *items = json_loads(zt_col_text(st, 9), 0, NULL);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:s,s:o,s:o,s:o,s:o,s:s,s:o,s:o}", "id",
                     (json_int_t)zt_col_int(st, 0), "number", zt_col_text(st, 1), "state", zt_col_text(st, 2),
                     "resource", zt_col_text(st, 3), "resource_name", zt_col_text(st, 4), "consumer",
                     zt_col_text(st, 5), "consumer_name", zt_col_text(st, 6), "provider", zt_col_text(st, 7),
                     "provider_name", zt_col_text(st, 8), "items", items ? items : json_array(), "purpose",
                     zt_col_text(st, 10), "basis", zt_col_text(st, 11), "valid_days", (json_int_t)zt_col_int(st, 12),
                     "check_due", zt_col_text(st, 13), "answer_due", zt_col_json_text(st, 14), "reason",
                     zt_col_json_text(st, 15), "created_at", zt_col_json_time(st, 16), "updated_at",
                     zt_col_json_time(st, 17), "share_type", zt_col_text(st, 18), "grant_id",
                     zt_col_is_null(st, 19) ? json_null() : json_integer(zt_col_int(st, 19)), "grant_expires_at",
                     zt_col_json_time(st, 20));
}

/* May p see the request? Its consumer's and provider's staff, the data
 * office, supervisors and auditors. */
static int may_see(const zt_principal *p, int64_t consumer, int64_t provider) {
    if (p->role_bit & (ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR)) return 1;
    return p->dept_id && (p->dept_id == consumer || p->dept_id == provider);
}

static zt_err reply_req(zt_req *r, const char *number, int status, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_stmt *st = zt_db_query(
        db, e, "SELECT " REQ_COLS ", q.consumer_id, q.provider_id FROM " REQ_FROM " WHERE q.number = ?", ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW || !may_see(p, zt_col_int(st, 21), zt_col_int(st, 22)))
        return zt_fail(e, ZT_ENOTFOUND, "number", "共享申请不存在");
    json_t *o = req_json(st);
    zt_db_release(db);
    json_t *events = ex_history(db, "sharing", number, e);
    if (!events) {
        json_decref(o);
        return ZT_EINTERNAL;
    }
    json_object_set_new(o, "events", events);
    zt_reply_json(r, status, o);
    return ZT_OK;
}

/* POST /api/exchange/requests */
static zt_err h_apply(zt_req *r, zt_error *e) {
    apply_arg a = {.app = zt_app_of(r), .p = zt_req_principal(r)};
    zt_err rc = zt_req_json(r, &a.b, e);
    const char *s;
    if (!rc)
        rc = zt_json_only(
            a.b, (const char *const[]){"resource", "items", "purpose", "basis", "valid_days", "hours", NULL}, e);
    if (!rc) rc = zt_json_str(a.b, "resource", 1, 64, &s, e);
    if (!rc) rc = zt_json_str(a.b, "purpose", 1, 2000, &s, e);
    if (!rc && zt_blank(s)) rc = zt_fail(e, ZT_EINVAL, "purpose", "须写明用途");
    if (!rc) rc = zt_json_str(a.b, "basis", 1, 2000, &s, e);
    if (!rc && zt_blank(s)) rc = zt_fail(e, ZT_EINVAL, "basis", "须写明依据");
    if (!rc && !json_is_array(json_object_get(a.b, "items")))
        rc = zt_fail(e, ZT_EINVAL, "items", "items 须是数据项名称的数组");
    if (!rc && !a.p->dept_id) rc = zt_fail(e, ZT_EFORBIDDEN, NULL, "只有部门工作人员可以申请共享");
    if (!rc) rc = zt_store_write(a.app->store, apply_write, &a, e);
    return rc ? rc : reply_req(r, a.number, 201, e);
}

typedef struct {
    zt_app *app;
    const zt_principal *p;
    const char *number, *action;
    json_t *fields;
} act_arg;

static zt_err act_write(zt_db *db, void *arg, zt_error *e) {
    act_arg *a = arg;
    req_row rr;
    zt_err rc = load_req(db, a->number, a->app->cfg->ex_data_office, &rr, e);
    if (rc) return rc;
    if (!may_see(a->p, rr.consumer_id, rr.provider_id)) {
        req_free(&rr);
        return zt_fail(e, ZT_ENOTFOUND, "number", "共享申请不存在");
    }
    zt_flow_instance in;
    req_ctx x = {
        .cal = a->app->cal, .answer_days = a->app->cfg->ex_answer_days, .rate = a->app->cfg->ex_rate_per_minute};
    zt_flow_opts o = {.arg = &x};
    rc = req_instance(&rr, &in, e);
    if (!rc) rc = zt_flow_step(db, &in, a->action, a->p, a->fields, &o, e);
    int unconditional = !strcmp(rr.share_type, "unconditional");
    req_free(&rr);
    if (rc || strcmp(a->action, "pass") || !unconditional) return rc;
    /* an unconditional resource needs no answer: the system agrees at once, in the same write */
    if ((rc = load_req(db, a->number, a->app->cfg->ex_data_office, &rr, e))) return rc;
    json_t *f = json_pack("{s:s}", "note", "无条件共享资源，合规审查通过即同意共享");
    rc = req_instance(&rr, &in, e);
    if (!rc) rc = zt_flow_step(db, &in, "approve", NULL, f, &o, e);
    json_decref(f);
    req_free(&rr);
    return rc;
}

static zt_err act(zt_req *r, const char *action, zt_error *e) {
    act_arg a = {zt_app_of(r), zt_req_principal(r), zt_req_param(r, "number"), action, NULL};
    zt_err rc = zt_req_json(r, &a.fields, e);
    if (!rc) rc = zt_store_write(a.app->store, act_write, &a, e);
    return rc ? rc : reply_req(r, a.number, 200, e);
}

static zt_err h_pass(zt_req *r, zt_error *e) { return act(r, "pass", e); }
static zt_err h_reject(zt_req *r, zt_error *e) { return act(r, "reject", e); }
static zt_err h_approve(zt_req *r, zt_error *e) { return act(r, "approve", e); }
static zt_err h_deny(zt_req *r, zt_error *e) { return act(r, "deny", e); }
static zt_err h_withdraw(zt_req *r, zt_error *e) { return act(r, "withdraw", e); }
static zt_err h_revoke(zt_req *r, zt_error *e) { return act(r, "revoke", e); }

static zt_err h_get(zt_req *r, zt_error *e) { return reply_req(r, zt_req_param(r, "number"), 200, e); }

typedef struct {
    json_t *items;
} list_ctx;

static void req_row_fn(zt_stmt *st, void *ctx) { json_array_append_new(((list_ctx *)ctx)->items, req_json(st)); }

/* GET /api/exchange/requests?side=consumer|provider&state=: the department's
 * requests (the data office, supervisors, auditors: all). */
static zt_err h_list(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    const char *side = zt_req_query(r, "side"), *state = zt_req_query(r, "state");
    int all = may_see(p, -1, -1);
    if (side && *side && strcmp(side, "consumer") && strcmp(side, "provider"))
        return zt_fail(e, ZT_EINVAL, "side", "side 须是 consumer 或 provider");
    if (!all || (side && *side)) {
        int64_t dept = p->dept_id ? p->dept_id : -1;
        if (side && !strcmp(side, "consumer"))
            zt_qb_sql(&f, " AND q.consumer_id = ?");
        else if (side && !strcmp(side, "provider"))
            zt_qb_sql(&f, " AND q.provider_id = ?");
        else {
            zt_qb_sql(&f, " AND (q.consumer_id = ? OR q.provider_id = ?)");
            zt_qb_int(&f, dept);
        }
        zt_qb_int(&f, dept);
    }
    if (state && *state) {
        zt_qb_sql(&f, " AND q.state = ?");
        zt_qb_text(&f, state);
    }
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array()};
    rc = zt_qb_list(zt_store_reader(zt_app_of(r)->store), &f, REQ_COLS, REQ_FROM,
                    "ORDER BY q.created_at DESC, q.id DESC", limit, offset, req_row_fn, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

/* --- grants ------------------------------------------------------------------- */

#define GRANT_COLS                                                                                                     \
    "g.id, q.number, r.identifier, c.name, dc.code, dc.name, g.items, g.purpose, g.expires_at, g.rate_per_minute,"     \
    " g.key_prefix, g.key_issued_at, g.created_at, coalesce(r.dataset, ''), dp.code, dp.name, g.hours"
#define GRANT_FROM                                                                                                     \
    "ex_grants g JOIN ex_requests q ON q.id = g.request_id JOIN ex_resources r ON r.id = g.resource_id"                \
    " JOIN ex_catalogue c ON c.resource_id = g.resource_id JOIN departments dc ON dc.id = g.consumer_id"               \
    " JOIN departments dp ON dp.id = r.dept_id"

static json_t *grant_json(zt_stmt *st) {
    json_t *items = json_loads(zt_col_text(st, 6), 0, NULL);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:b,s:I,s:o,s:o,s:o,s:s,s:s,s:s,s:s}", "id",
                     (json_int_t)zt_col_int(st, 0), "request", zt_col_text(st, 1), "resource", zt_col_text(st, 2),
                     "resource_name", zt_col_text(st, 3), "consumer", zt_col_text(st, 4), "consumer_name",
                     zt_col_text(st, 5), "items", items ? items : json_array(), "purpose", zt_col_text(st, 7),
                     "expires_at", zt_col_json_time(st, 8), "expired", zt_col_int(st, 8) <= zt_now(), "rate_per_minute",
                     (json_int_t)zt_col_int(st, 9), "key_prefix", zt_col_json_text(st, 10), "key_issued_at",
                     zt_col_json_time(st, 11), "created_at", zt_col_json_time(st, 12), "dataset", zt_col_text(st, 13),
                     "provider", zt_col_text(st, 14), "provider_name", zt_col_text(st, 15), "hours",
                     zt_col_text(st, 16));
}

static void grant_row(zt_stmt *st, void *ctx) { json_array_append_new(((list_ctx *)ctx)->items, grant_json(st)); }

/* GET /api/exchange/grants?side=: the grants the department holds
 * (consumer) or gave (provider); the data office: all. */
static zt_err h_grants(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    const char *side = zt_req_query(r, "side");
    if (!may_see(p, -1, -1) || (side && *side)) {
        zt_qb_sql(&f, side && !strcmp(side, "provider") ? " AND r.dept_id = ?" : " AND g.consumer_id = ?");
        zt_qb_int(&f, p->dept_id ? p->dept_id : -1);
    }
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array()};
    rc = zt_qb_list(zt_store_reader(zt_app_of(r)->store), &f, GRANT_COLS, GRANT_FROM, "ORDER BY g.id DESC", limit,
                    offset, grant_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

typedef struct {
    const zt_principal *p;
    int64_t id;
    char prefix[16];
    unsigned char hash[32];
} key_arg;

static zt_err key_write(zt_db *db, void *arg, zt_error *e) {
    key_arg *k = arg;
    zt_stmt *st = zt_db_query(db, e, "SELECT consumer_id FROM ex_grants WHERE id = ?", ZT_I(k->id));
    if (!st) return ZT_EINTERNAL;
    int mine = zt_step(st, e) == ZT_ROW && zt_col_int(st, 0) == k->p->dept_id;
    zt_db_release(db);
    if (!mine) return zt_fail(e, ZT_ENOTFOUND, "id", "授权不存在");
    st = zt_db_query(db, e, "UPDATE ex_grants SET key_prefix = ?, key_hash = ?, key_issued_at = ? WHERE id = ?",
                     ZT_T(k->prefix));
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 2, k->hash, 32);
    zt_bind_int(st, 3, zt_now());
    zt_bind_int(st, 4, k->id);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)k->id);
    json_t *d = json_pack("{s:s}", "key_prefix", k->prefix);
    rc = zt_record(db, k->p, "grant.key", "grant", idtext, 0, d, e);
    json_decref(d);
    return rc;
}

/* POST /api/exchange/grants/{id}/key: issue (or replace) the grant's
 * application key; shown once. */
static zt_err h_key(zt_req *r, zt_error *e) {
    key_arg k = {.p = zt_req_principal(r)};
    zt_err rc = zt_req_param_id(r, "id", &k.id, e);
    if (rc) return rc;
    unsigned char rnd[24];
    char prefix_hex[9], secret[64];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(prefix_hex, sizeof prefix_hex, rnd, 4);
    sodium_bin2base64(secret, sizeof secret, rnd + 4, 20, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(k.prefix, sizeof k.prefix, "%s", prefix_hex);
    char *key = zt_arena_printf(zt_req_arena(r), "zg_%s_%s", prefix_hex, secret);
    crypto_hash_sha256(k.hash, (const unsigned char *)key, strlen(key)); /* as API keys are kept */
    sodium_memzero(rnd, sizeof rnd);
    if ((rc = zt_store_write(zt_app_of(r)->store, key_write, &k, e))) return rc;
    zt_reply_json(r, 201,
                  json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)k.id, "key_prefix", k.prefix, "key", key, "notice",
                            "应用密钥只显示这一次，请妥善保存；调用交换接口时放在请求头 X-Grant-Key 中"));
    return ZT_OK;
}

/* --- a use after expiry, alerts ---------------------------------------------------- */

/* A step of a granted request about its grant (the system's, or the
 * consumer's system). */
static zt_err grant_step(zt_db *db, const char *number, int64_t grant_id, const char *action, const zt_principal *p,
                         json_t *fields, zt_error *e) {
    req_row rr;
    /* the data office's code is not needed for a granted request */
    zt_err rc = load_req(db, number, "", &rr, e);
    if (rc) return rc;
    char gid[24];
    snprintf(gid, sizeof gid, "%lld", (long long)grant_id);
    req_ctx x = {.grant = gid};
    zt_flow_instance in;
    zt_flow_opts o = {.arg = &x};
    rc = req_instance(&rr, &in, e);
    if (!rc) rc = zt_flow_step(db, &in, action, p, fields, &o, e);
    req_free(&rr);
    return rc;
}

int ex_hours_parse(const char *s, int *from, int *to) {
    /* exactly HH:MM-HH:MM, digits where digits go (sscanf would take " 8" or "+8") */
    if (!s || strlen(s) != 11 || s[2] != ':' || s[5] != '-' || s[8] != ':') return -1;
    for (int i = 0; i < 11; i++)
        if (i != 2 && i != 5 && i != 8 && (s[i] < '0' || s[i] > '9')) return -1;
#define D2(k) ((s[k] - '0') * 10 + (s[k + 1] - '0'))
    int a = D2(0), b = D2(3), c = D2(6), d = D2(9);
#undef D2
    if (a > 23 || b > 59 || c > 24 || d > 59 || (c == 24 && d) || a * 60 + b >= c * 60 + d) return -1;
    *from = a * 60 + b;
    *to = c * 60 + d;
    return 0;
}

zt_err ex_expired_use(zt_db *db, int64_t grant_id, const zt_principal *p, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT q.number, g.expired_use_at IS NOT NULL FROM ex_grants g"
                              " JOIN ex_requests q ON q.id = g.request_id WHERE g.id = ?",
                              ZT_I(grant_id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return ZT_OK;
    }
    char number[48];
    snprintf(number, sizeof number, "%s", zt_col_text(st, 0));
    int before = (int)zt_col_int(st, 1);
    zt_db_release(db);
    if (before) return ZT_OK; /* carded at the first one; each is logged */
    zt_err rc =
        zt_db_run(db, e, "UPDATE ex_grants SET expired_use_at = ? WHERE id = ?", ZT_I(zt_now()), ZT_I(grant_id));
    if (rc) return rc;
    return grant_step(db, number, grant_id, "expired_use", p, NULL, e);
}

zt_err ex_alert(zt_db *db, int64_t grant_id, const char *alert, const char *detail, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT q.number FROM ex_grants g JOIN ex_requests q ON q.id = g.request_id"
                              " WHERE g.id = ? AND q.state = 'granted'",
                              ZT_I(grant_id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return ZT_OK; /* revoked meanwhile: its calls are refused anyway */
    }
    char number[48];
    snprintf(number, sizeof number, "%s", zt_col_text(st, 0));
    zt_db_release(db);
    json_t *f = json_pack("{s:s,s:s}", "alert", alert, "detail", detail);
    zt_err rc = grant_step(db, number, grant_id, "alert", NULL, f, e);
    json_decref(f);
    return rc;
}

#define DEPT_STAFF (ZT_R_CLERK | ZT_R_DEPT_HEAD)
#define OVERSIGHT  (ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"POST", "/api/exchange/requests", h_apply, DEPT_STAFF,
     "request a resource (共享申请): {resource, items, purpose, basis, valid_days}"},
    {"GET", "/api/exchange/requests", h_list, DEPT_STAFF | OVERSIGHT,
     "sharing requests of the department (?side=consumer|provider ?state; the data office: all), paged"},
    {"GET", "/api/exchange/requests/{number}", h_get, DEPT_STAFF | OVERSIGHT, "a sharing request"},
    {"POST", "/api/exchange/requests/{number}/pass", h_pass, ZT_R_DATA,
     "compliance check passed: {note}; an unconditional resource is granted at once"},
    {"POST", "/api/exchange/requests/{number}/reject", h_reject, ZT_R_DATA, "compliance check failed: {reason}"},
    {"POST", "/api/exchange/requests/{number}/approve", h_approve, DEPT_STAFF,
     "the provider agrees to share (a grant is issued): {note}"},
    {"POST", "/api/exchange/requests/{number}/deny", h_deny, DEPT_STAFF, "the provider refuses: {reason}"},
    {"POST", "/api/exchange/requests/{number}/withdraw", h_withdraw, DEPT_STAFF, "the consumer withdraws its request"},
    {"POST", "/api/exchange/requests/{number}/revoke", h_revoke, DEPT_STAFF | ZT_R_DATA,
     "revoke the grant of a request (the provider, the consumer or the data office): {reason}"},
    {"GET", "/api/exchange/grants", h_grants, DEPT_STAFF | OVERSIGHT,
     "grants the department holds (?side=provider: gave; the data office: all), paged"},
    {"POST", "/api/exchange/grants/{id}/key", h_key, DEPT_STAFF,
     "issue (or replace) a grant's application key for the consumer's systems (shown once)"},
};

const zt_route *ex_sharing_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
