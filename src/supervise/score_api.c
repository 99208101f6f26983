/* score_api.c - the routes of the monthly performance assessment (绩效考核,
 * R5; score.h, docs/scores.md): computing a month (the facts in
 * score_facts.c, the points in scores.c), storing it, the rankings, a
 * department's own view, appeals (申诉) and the report workbook.
 *
 * A computed month replaces the month in sv_scores, each row's detail
 * holding the indicator definitions it was computed with, so that reading a
 * month never needs the data file again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/tsv.h"
#include "ledger/record.h"
#include "org/org.h"
#include "store/query.h"
#include "supervise/score.h"
#include "supervise/supervise.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

/* --- storing a month ------------------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const zt_sc_month *mo;
    json_t *rows;
    int64_t now;
    int counts[ZT_SC_NSCOPE];
} store_arg;

/* Replace the month. Appeals already lodged (and their decisions) stay with
 * their department: a recomputation changes the facts, not the appeals. */
static zt_err store_write(zt_db *db, void *arg, zt_error *e) {
    store_arg *s = arg;
    json_t *old = json_object();
    zt_stmt *st = zt_db_prepare(db, "SELECT scope, scope_id, detail FROM sv_scores WHERE month = ?", e);
    if (!st) {
        json_decref(old);
        return ZT_EINTERNAL;
    }
    zt_bind_text(st, 1, s->mo->text);
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *d = json_loads(zt_col_text(st, 2), 0, NULL);
        json_t *ap = json_object_get(d, "appeals");
        if (json_is_array(ap) && json_array_size(ap)) {
            char key[300];
            snprintf(key, sizeof key, "%s/%s", zt_col_text(st, 0), zt_col_text(st, 1));
            json_object_set(old, key, ap);
        }
        json_decref(d);
    }
    zt_db_release(db);
    zt_err err = zt_step_failed(rc) ? rc : ZT_OK;
    if (!err) {
        st = zt_db_prepare(db, "DELETE FROM sv_scores WHERE month = ?", e);
        if (!st) err = ZT_EINTERNAL;
        if (!err) {
            zt_bind_text(st, 1, s->mo->text);
            err = zt_step_done(st, e);
        }
    }
    size_t i;
    json_t *d;
    json_array_foreach(s->rows, i, d) {
        if (err) break;
        const char *scope = json_string_value(json_object_get(d, "scope"));
        const char *id = json_string_value(json_object_get(d, "scope_id"));
        char key[300];
        snprintf(key, sizeof key, "%s/%s", scope, id);
        json_t *ap = json_object_get(old, key);
        if (ap) {
            double adj = zt_sc_adjustment(ap);
            json_object_set(d, "appeals", ap);
            json_object_set_new(d, "adjustment", json_real(adj));
            json_object_set_new(d, "score",
                                json_real(zt_sc_clamp(json_number_value(json_object_get(d, "computed")) + adj)));
        }
        char *text = json_dumps(d, JSON_COMPACT);
        st = zt_db_prepare(db,
                           "INSERT INTO sv_scores (month, scope, scope_id, dept_code, score, detail, computed_at,"
                           " appeal_until) VALUES (?, ?, ?, ?, ? / 100.0, ?, ?, ?)",
                           e);
        if (!st) {
            free(text);
            err = ZT_EINTERNAL;
            break;
        }
        zt_bind_text(st, 1, s->mo->text);
        zt_bind_text(st, 2, scope);
        zt_bind_text(st, 3, id);
        zt_bind_text(st, 4, json_string_value(json_object_get(d, "dept_code")));
        /* the store binds no floating point: the score goes in as hundredths */
        zt_bind_int(st, 5, llround(json_number_value(json_object_get(d, "score")) * 100));
        zt_bind_text(st, 6, text);
        zt_bind_int(st, 7, s->now);
        zt_bind_text(st, 8, s->mo->appeal);
        err = zt_step_done(st, e);
        free(text);
        for (int k = 0; k < ZT_SC_NSCOPE; k++)
            if (!strcmp(scope, zt_sc_scopes[k])) s->counts[k]++;
    }
    json_decref(old);
    if (!err) {
        json_t *detail =
            json_pack("{s:s,s:b,s:i,s:i,s:i}", "month", s->mo->text, "provisional", s->now < s->mo->to, "departments",
                      s->counts[ZT_SC_DEPT], "staff", s->counts[ZT_SC_STAFF], "windows", s->counts[ZT_SC_WINDOW]);
        err = zt_record(db, s->p, "score.compute", "score", s->mo->text, 0, detail, e);
        json_decref(detail);
    }
    return err;
}

/* --- access ------------------------------------------------------------------------------------ */

/* The city's supervision office (a supervisor whose region is the city) and
 * administrators compute; county supervisors read their county. */
static int city_level(const zt_principal *p) {
    if (p->role_bit & ZT_R_ADMIN) return 1;
    return (p->role_bit & ZT_R_SUPERVISOR) && p->region && strlen(p->region) == 6 && zt_region_prefix(p->region) == 4;
}

/* Supervisors read the departments of their region (the directory's
 * region of the row's department); administrators and auditors all. */
static void region_filter(zt_req *r, zt_qb *f) {
    const zt_principal *p = zt_req_principal(r);
    if ((p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) || !(p->role_bit & ZT_R_SUPERVISOR)) return;
    const char *region = p->region ? p->region : "";
    zt_qb_region(f, "coalesce(d.region_code, '')", region);
}

/* The principal's department code (the authenticator's); 403 when the
 * account has none. */
static zt_err own_dept(const zt_principal *p, const char **code, zt_error *e) {
    if (!p->dept_code || !*p->dept_code) return zt_fail(e, ZT_EFORBIDDEN, "role", "账号未关联部门");
    *code = p->dept_code;
    return ZT_OK;
}

/* --- reading rows ------------------------------------------------------------------------------- */

#define ROW_FROM "sv_scores s LEFT JOIN departments d ON d.code = s.dept_code"

/* A stored row's detail, with its rank in the list it was read in. */
static json_t *row_json(zt_stmt *st, int detail_col, int rank_col) {
    json_t *d = json_loads(zt_col_text(st, detail_col), 0, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        d = json_object();
    }
    json_object_del(d, "definitions");
    if (rank_col >= 0) json_object_set_new(d, "rank", json_integer(zt_col_int(st, rank_col)));
    return d;
}

typedef struct {
    json_t *items;
} rows_ctx;

static void list_row(zt_stmt *st, void *ctx) { json_array_append_new(((rows_ctx *)ctx)->items, row_json(st, 0, 1)); }

/* The month's state: computed, provisional, when, appeal window. */
static json_t *month_meta(zt_db *db, const zt_sc_month *mo, zt_error *e) {
    json_t *m = json_pack("{s:s,s:b,s:n,s:n,s:s}", "month", mo->text, "computed", 0, "provisional", "computed_at",
                          "appeal_until", mo->appeal);
    zt_stmt *st = zt_db_query(db, e, "SELECT detail FROM sv_scores WHERE month = ? LIMIT 1", ZT_T(mo->text));
    if (!st) return m;
    if (zt_step(st, e) == ZT_ROW) {
        json_t *d = json_loads(zt_col_text(st, 0), 0, NULL);
        json_object_set_new(m, "computed", json_true());
        json_object_set(m, "provisional", json_object_get(d, "provisional"));
        json_object_set(m, "computed_at", json_object_get(d, "computed_at"));
        json_decref(d);
    }
    return m;
}

static int scope_index(const char *s) {
    for (int i = 0; i < ZT_SC_NSCOPE; i++)
        if (!strcmp(s, zt_sc_scopes[i])) return i;
    return -1;
}

static zt_err scope_param(zt_req *r, int *scope, zt_error *e) {
    const char *s = zt_req_query(r, "scope");
    *scope = ZT_SC_DEPT;
    if (!s || !*s) return ZT_OK;
    for (int i = 0; i < ZT_SC_NSCOPE; i++)
        if (!strcmp(s, zt_sc_scopes[i])) {
            *scope = i;
            return ZT_OK;
        }
    return zt_fail(e, ZT_EINVAL, "scope", "scope 须为 department、staff 或 window");
}

/* --- handlers ------------------------------------------------------------------------------------ */

/* POST /api/supervision/scores/{month}/compute */
static zt_err h_compute(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (!city_level(p)) return zt_fail(e, ZT_EFORBIDDEN, "role", "只有市级监察人员或系统管理员可以计算绩效考核");
    zt_app *app = APP(r);
    zt_sc_month mo;
    zt_err rc = zt_sc_month_parse(app->cal, zt_req_param(r, "month"), "month", &mo, e);
    if (rc) return rc;
    int64_t now = zt_now();
    if (now < mo.from) return zt_fail(e, ZT_ECONFLICT, "month", "%s 尚未开始，不能计算", mo.text);
    zt_sc_set set;
    if ((rc = zt_sc_load(app->cfg, &set, e))) return rc;
    store_arg s = {.p = p, .mo = &mo, .rows = json_array(), .now = now};
    rc = zt_sc_compute(zt_store_reader(app->store), app->cal, zt_req_arena(r), &mo, &set, now, s.rows, e);
    zt_db_release(zt_store_reader(app->store));
    if (!rc) rc = zt_store_write(app->store, store_write, &s, e);
    json_decref(s.rows);
    if (rc) return rc;
    char ts[32];
    zt_time_format(now, ts);
    zt_reply_json(r, 200,
                  json_pack("{s:s,s:b,s:s,s:s,s:i,s:i,s:i}", "month", mo.text, "provisional", now < mo.to,
                            "computed_at", ts, "appeal_until", mo.appeal, "departments", s.counts[ZT_SC_DEPT], "staff",
                            s.counts[ZT_SC_STAFF], "windows", s.counts[ZT_SC_WINDOW]));
    return ZT_OK;
}

/* GET /api/supervision/scores?month=&scope=&dept=: the ranking, best
 * first, with rank numbers (equal scores share a rank). */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    zt_sc_month mo;
    int scope;
    zt_err rc = zt_sc_month_parse(app->cal, zt_req_query(r, "month"), "month", &mo, e);
    if (!rc) rc = scope_param(r, &scope, e);
    int64_t limit, offset, total;
    if (!rc) rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "s.month = ? AND s.scope = ?");
    zt_qb_text(&f, mo.text);
    zt_qb_text(&f, zt_sc_scopes[scope]);
    region_filter(r, &f);
    const char *dept = zt_req_query(r, "dept");
    if (dept && *dept) {
        zt_qb_sql(&f, " AND s.dept_code = ?");
        zt_qb_text(&f, dept);
    }
    rows_ctx c = {json_array()};
    zt_db *db = zt_store_reader(app->store);
    rc = zt_qb_list(db, &f, "s.detail, rank() OVER (ORDER BY s.score DESC)", ROW_FROM,
                    "ORDER BY s.score DESC, s.scope_id", limit, offset, list_row, &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    json_t *page = zt_page_json(c.items, total, limit, offset);
    json_t *meta = month_meta(db, &mo, e);
    json_object_update(page, meta);
    json_decref(meta);
    json_object_set_new(page, "scope", json_string(zt_sc_scopes[scope]));
    zt_reply_json(r, 200, page);
    return ZT_OK;
}

/* GET /api/dept/scores?month=: the department's own score (ranked among
 * every department of the city), its staff's and its windows'. */
static zt_err h_dept(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    zt_sc_month mo;
    zt_err rc = zt_sc_month_parse(app->cal, zt_req_query(r, "month"), "month", &mo, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(app->store);
    const char *code = NULL;
    if ((rc = own_dept(p, &code, e))) return rc;
    json_t *out = month_meta(db, &mo, e);
    json_object_set_new(out, "dept_code", json_string(code));
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT detail, rk, n FROM (SELECT scope_id, detail, rank() OVER (ORDER BY score DESC)"
                                " AS rk, count(*) OVER () AS n FROM sv_scores WHERE month = ? AND scope = 'department')"
                                " x WHERE x.scope_id = ?",
                                e);
    if (!st) {
        json_decref(out);
        return ZT_EINTERNAL;
    }
    zt_bind_text(st, 1, mo.text);
    zt_bind_text(st, 2, code);
    json_t *dept = json_null();
    zt_err s = zt_step(st, e);
    if (s == ZT_ROW) {
        dept = row_json(st, 0, 1);
        json_object_set_new(dept, "of", json_integer(zt_col_int(st, 2)));
    }
    json_object_set_new(out, "department", dept);
    for (int sc = ZT_SC_STAFF; sc <= ZT_SC_WINDOW && !zt_step_failed(s); sc++) {
        st = zt_db_prepare(db,
                           "SELECT detail, rank() OVER (ORDER BY score DESC) FROM sv_scores WHERE month = ?"
                           " AND scope = ? AND dept_code = ? ORDER BY score DESC, scope_id",
                           e);
        if (!st) {
            s = ZT_EINTERNAL;
            break;
        }
        zt_bind_text(st, 1, mo.text);
        zt_bind_text(st, 2, zt_sc_scopes[sc]);
        zt_bind_text(st, 3, code);
        json_t *list = json_array();
        while ((s = zt_step(st, e)) == ZT_ROW) json_array_append_new(list, row_json(st, 0, 1));
        json_object_set_new(out, sc == ZT_SC_STAFF ? "staff" : "windows", list);
    }
    if (zt_step_failed(s)) {
        json_decref(out);
        return s;
    }
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

/* --- appeals (申诉) ------------------------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const zt_sc_month *mo;
    const char *dept, *indicator, *reason;
    int decide, accept;
    double adjustment;
    int64_t now;
    json_t *result;
} appeal_arg;

static zt_err appeal_write(zt_db *db, void *arg, zt_error *e) {
    appeal_arg *a = arg;
    zt_stmt *st = zt_db_query(
        db, e, "SELECT detail, appeal_until FROM sv_scores WHERE month = ? AND scope = 'department' AND scope_id = ?",
        ZT_T(a->mo->text), ZT_T(a->dept));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "month", "%s 没有部门 %s 的考核结果", a->mo->text, a->dept);
    json_t *d = json_loads(zt_col_text(st, 0), 0, NULL);
    char until[16];
    snprintf(until, sizeof until, "%s", zt_col_is_null(st, 1) ? "" : zt_col_text(st, 1));
    zt_db_release(db);
    if (!json_is_object(d)) {
        json_decref(d);
        return zt_fail(e, ZT_EINTERNAL, "detail", "考核明细损坏");
    }
    json_t *appeals = json_object_get(d, "appeals");
    if (!json_is_array(appeals)) {
        appeals = json_array();
        json_object_set_new(d, "appeals", appeals);
    }
    char ts[32];
    zt_time_format(a->now, ts);
    zt_err rc = ZT_OK;
    json_t *target = NULL;
    size_t i;
    json_t *ap;
    json_array_foreach(appeals, i, ap) {
        const char *state = json_string_value(json_object_get(ap, "state"));
        const char *ind = json_string_value(json_object_get(ap, "indicator"));
        if (state && !strcmp(state, "pending") && ind && (!a->indicator || !strcmp(ind, a->indicator))) {
            target = ap;
            break;
        }
    }
    if (!a->decide) {
        zt_day last, today = zt_day_of_instant(a->now);
        const char *name = json_string_value(json_object_get(zt_sc_indicator_in(d, a->indicator), "name"));
        if (json_is_true(json_object_get(d, "provisional")))
            rc = zt_fail(e, ZT_ECONFLICT, "month", "%s 的考核尚为暂定结果，月度结束并重新计算后才能申诉", a->mo->text);
        else if (zt_day_parse(until, &last) != 0 || today > last)
            rc = zt_fail(e, ZT_ECONFLICT, "month", "申诉期已过（截至 %s）", until);
        else if (!name)
            rc = zt_fail(e, ZT_EINVAL, "indicator", "没有指标「%s」", a->indicator);
        else if (target)
            rc = zt_fail(e, ZT_ECONFLICT, "indicator", "该指标已有待处理的申诉");
        if (!rc)
            json_array_append_new(appeals,
                                  json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "seq",
                                            (json_int_t)json_array_size(appeals) + 1, "indicator", a->indicator,
                                            "indicator_name", name, "reason", a->reason, "by", a->p->login, "by_name",
                                            a->p->name ? a->p->name : a->p->login, "at", ts, "state", "pending"));
    } else if (!target) {
        rc = zt_fail(e, ZT_ECONFLICT, "dept", "部门 %s 在 %s 没有待处理的申诉", a->dept, a->mo->text);
    } else {
        json_object_set_new(target, "state", json_string(a->accept ? "accepted" : "rejected"));
        json_object_set_new(target, "adjustment", json_real(a->accept ? zt_sc_round2(a->adjustment) : 0));
        json_object_set_new(target, "decision_reason", json_string(a->reason));
        json_object_set_new(target, "decided_by", json_string(a->p->login));
        json_object_set_new(target, "decided_at", json_string(ts));
        double adj = zt_sc_adjustment(appeals);
        json_object_set_new(d, "adjustment", json_real(adj));
        json_object_set_new(d, "score",
                            json_real(zt_sc_clamp(json_number_value(json_object_get(d, "computed")) + adj)));
    }
    if (!rc) {
        char *text = json_dumps(d, JSON_COMPACT);
        st = zt_db_prepare(db,
                           "UPDATE sv_scores SET detail = ?, score = ? / 100.0 WHERE month = ? AND scope = 'department'"
                           " AND scope_id = ?",
                           e);
        if (!st) rc = ZT_EINTERNAL;
        if (!rc) {
            zt_bind_text(st, 1, text);
            zt_bind_int(st, 2, llround(json_number_value(json_object_get(d, "score")) * 100));
            zt_bind_text(st, 3, a->mo->text);
            zt_bind_text(st, 4, a->dept);
            rc = zt_step_done(st, e);
        }
        free(text);
    }
    if (!rc) {
        char target_id[160];
        snprintf(target_id, sizeof target_id, "%s/%s", a->mo->text, a->dept);
        json_t *detail =
            a->decide ? json_pack("{s:s,s:b,s:f,s:s,s:O}", "dept", a->dept, "accept", a->accept, "adjustment",
                                  a->accept ? zt_sc_round2(a->adjustment) : 0.0, "reason", a->reason, "appeal", target)
                      : json_pack("{s:s,s:s,s:s}", "dept", a->dept, "indicator", a->indicator, "reason", a->reason);
        rc = zt_record(db, a->p, a->decide ? "score.appeal_decide" : "score.appeal", "score", target_id, 0, detail, e);
        json_decref(detail);
    }
    if (!rc) {
        json_object_del(d, "definitions");
        a->result = d;
    } else {
        json_decref(d);
    }
    return rc;
}

/* POST /api/supervision/scores/{month}/appeal {indicator, reason}: the
 * head of a department, within the appeal window. */
static zt_err h_appeal(zt_req *r, zt_error *e) {
    static const char *const keys[] = {"indicator", "reason", NULL};
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    zt_sc_month mo;
    json_t *b;
    appeal_arg a = {.p = p, .mo = &mo, .now = zt_now()};
    zt_err rc = zt_sc_month_parse(app->cal, zt_req_param(r, "month"), "month", &mo, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, keys, e);
    if (!rc) rc = zt_json_str(b, "indicator", 1, 32, &a.indicator, e);
    if (!rc) rc = zt_json_str(b, "reason", 1, 2000, &a.reason, e);
    if (rc) return rc;
    if ((rc = own_dept(p, &a.dept, e))) return rc;
    if ((rc = zt_store_write(app->store, appeal_write, &a, e))) return rc;
    zt_reply_json(r, 201, a.result);
    return ZT_OK;
}

/* POST /api/supervision/scores/{month}/appeal/decide {dept, accept,
 * adjustment, reason[, indicator]}: a supervisor of the department's
 * region answers its oldest pending appeal (or the one on indicator). */
static zt_err h_decide(zt_req *r, zt_error *e) {
    static const char *const keys[] = {"dept", "accept", "adjustment", "reason", "indicator", NULL};
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    zt_sc_month mo;
    json_t *b;
    appeal_arg a = {.p = p, .mo = &mo, .decide = 1, .now = zt_now()};
    zt_err rc = zt_sc_month_parse(app->cal, zt_req_param(r, "month"), "month", &mo, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, keys, e);
    if (!rc) rc = zt_json_str(b, "dept", 1, 63, &a.dept, e);
    if (!rc) rc = zt_json_str(b, "reason", 1, 2000, &a.reason, e);
    if (!rc) rc = zt_json_str(b, "indicator", 0, 32, &a.indicator, e);
    if (rc) return rc;
    json_t *acc = json_object_get(b, "accept"), *adj = json_object_get(b, "adjustment");
    if (!json_is_boolean(acc)) return zt_fail(e, ZT_EINVAL, "accept", "accept 须为 true 或 false");
    a.accept = json_is_true(acc);
    if (adj && !json_is_null(adj) && !json_is_number(adj))
        return zt_fail(e, ZT_EINVAL, "adjustment", "adjustment 须为数字");
    a.adjustment = adj ? json_number_value(adj) : 0;
    if (a.accept && (!adj || a.adjustment <= 0 || a.adjustment > 100))
        return zt_fail(e, ZT_EINVAL, "adjustment", "采纳申诉须给出调整分值（大于 0，不超过 100）");
    if (!a.accept && a.adjustment != 0) return zt_fail(e, ZT_EINVAL, "adjustment", "驳回申诉不调整分值");
    if (!(p->role_bit & ZT_R_ADMIN)) {
        zt_dept d;
        int ok = zt_dept_by_code(zt_store_reader(app->store), a.dept, &d, e) == ZT_OK &&
                 zt_region_within(d.region_code, p->region ? p->region : "");
        zt_db_release(zt_store_reader(app->store));
        if (!ok) return zt_fail(e, ZT_ENOTFOUND, "dept", "部门不存在或不在监察范围内");
    }
    if ((rc = zt_store_write(app->store, appeal_write, &a, e))) return rc;
    zt_reply_json(r, 200, a.result);
    return ZT_OK;
}

/* GET /api/supervision/scores/{month}.xlsx */
static zt_err h_xlsx(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    const char *file = zt_req_param(r, "file");
    size_t len = strlen(file);
    if (len != 12 || strcmp(file + 7, ".xlsx") != 0) return zt_fail(e, ZT_ENOTFOUND, "month", "没有这个报表");
    zt_sc_month mo;
    zt_err rc = zt_sc_month_parse(app->cal, zt_arena_strndup(zt_req_arena(r), file, 7), "month", &mo, e);
    if (rc) return rc;
    zt_qb q;
    zt_qb_init(&q, zt_req_arena(r),
               "SELECT s.scope, s.detail, rank() OVER (PARTITION BY s.scope ORDER BY s.score DESC) FROM " ROW_FROM
               " WHERE s.month = ?");
    zt_qb_text(&q, mo.text);
    region_filter(r, &q);
    zt_qb_sql(&q, " ORDER BY s.scope, s.score DESC, s.scope_id");
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_qb_prepare(&q, db, e);
    if (!st) return ZT_EINTERNAL;
    json_t *rows[ZT_SC_NSCOPE] = {json_array(), json_array(), json_array()}, *defs = NULL;
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        int sc = scope_index(zt_col_text(st, 0));
        json_t *d = json_loads(zt_col_text(st, 1), 0, NULL);
        if (sc < 0 || !json_is_object(d)) {
            json_decref(d);
            continue;
        }
        json_object_set_new(d, "rank", json_integer(zt_col_int(st, 2)));
        json_array_append_new(rows[sc], d);
    }
    zt_db_release(db);
    if (zt_step_failed(s)) rc = s;
    /* the indicators the month was computed with (a region may have no row) */
    st = rc ? NULL : zt_db_prepare(db, "SELECT detail FROM sv_scores WHERE month = ? LIMIT 1", e);
    if (st) {
        zt_bind_text(st, 1, mo.text);
        if ((s = zt_step(st, e)) == ZT_ROW) {
            json_t *d = json_loads(zt_col_text(st, 0), 0, NULL);
            defs = json_incref(json_object_get(d, "definitions"));
            json_decref(d);
        }
        zt_db_release(db);
        if (s == ZT_DONE) rc = zt_fail(e, ZT_ENOTFOUND, "month", "%s 的绩效考核尚未计算", mo.text);
        if (zt_step_failed(s)) rc = s;
    } else if (!rc) {
        rc = ZT_EINTERNAL;
    }
    char path[4200] = "";
    int fd = -1;
    if (!rc) {
        snprintf(path, sizeof path, "%s/scores-XXXXXX", app->cfg->data_dir);
        fd = mkstemp(path);
        if (fd < 0) {
            snprintf(path, sizeof path, "/tmp/zt-scores-XXXXXX");
            fd = mkstemp(path);
        }
        if (fd < 0) rc = zt_fail(e, ZT_EINTERNAL, NULL, "无法创建临时文件");
    }
    if (!rc) {
        close(fd);
        if (!json_is_array(defs)) {
            json_decref(defs);
            defs = json_array();
        }
        rc = zt_sc_xlsx(path, &mo, rows, defs, zt_req_arena(r), e);
    }
    char *data = NULL;
    size_t n = 0;
    if (!rc) data = zt_read_file(path, &n, e), rc = data ? ZT_OK : ZT_EINTERNAL;
    if (*path) unlink(path);
    for (int sc = 0; sc < ZT_SC_NSCOPE; sc++) json_decref(rows[sc]);
    json_decref(defs);
    if (rc) return rc;
    /* RFC 6266 / RFC 8187: an ASCII fallback and the UTF-8 name */
    const char *name = zt_arena_printf(zt_req_arena(r), "绩效考核-%s.xlsx", mo.text);
    char disp[512], *q2 = disp;
    q2 += snprintf(q2, 128, "attachment; filename=\"scores-%s.xlsx\"; filename*=UTF-8''", mo.text);
    for (const unsigned char *c = (const unsigned char *)name; *c && q2 < disp + sizeof disp - 4; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-._~", *c))
            *q2++ = (char)*c;
        else
            q2 += snprintf(q2, 4, "%%%02X", *c);
    }
    *q2 = 0;
    zt_reply_data(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data, n);
    zt_reply_header(r, "Content-Disposition", disp);
    free(data);
    return ZT_OK;
}

/* --- routes -------------------------------------------------------------------------------------- */

#define SV_READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)
#define DEPT_STAFF (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_LEGAL | ZT_R_TRADING | ZT_R_FINANCE | ZT_R_DATA)

static const zt_route ROUTES[] = {
    {"POST", "/api/supervision/scores/{month}/compute", h_compute, ZT_R_SUPERVISOR | ZT_R_ADMIN,
     "compute the month's performance assessment (绩效考核), replacing it; provisional before the month ends "
     "(city supervisors, administrators)"},
    {"GET", "/api/supervision/scores", h_list, SV_READERS,
     "the month's ranking with rank numbers (month, scope=department|staff|window, dept, page, per_page); "
     "supervisors: their region"},
    {"GET", "/api/supervision/scores/{file}", h_xlsx, SV_READERS,
     "the monthly report {YYYY-MM}.xlsx: 部门排名, 扣分明细, 人员, 窗口 (supervisors: their region)"},
    {"POST", "/api/supervision/scores/{month}/appeal", h_appeal, ZT_R_DEPT_HEAD,
     "appeal (申诉) the department's score {indicator, reason} within the appeal window"},
    {"POST", "/api/supervision/scores/{month}/appeal/decide", h_decide, ZT_R_SUPERVISOR | ZT_R_ADMIN,
     "answer a department's pending appeal {dept, accept, adjustment, reason, indicator?}"},
    {"GET", "/api/dept/scores", h_dept, DEPT_STAFF,
     "the department's own score and rank, its staff's and windows' scores (month)"},
};

const zt_route *zt_sv_score_routes(size_t *n) {
    *n = sizeof ROUTES / sizeof ROUTES[0];
    return ROUTES;
}
