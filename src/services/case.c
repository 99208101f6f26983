/* case.c - a case (办件) as a process instance (R3, R4): loaded, checked and
 * moved by the process engine (src/flow/step.h), its legal clock kept by the
 * one module supervision uses too (src/flow/clock.h).
 *
 * A citizen or enterprise applies for a published power item with its
 * materials; the case runs under the item version and the process
 * definition version of that moment, whatever is published later. Every
 * action is one engine step: the definition decides (400/403/409), the
 * state is compare-and-set, the step numbered, and this file's hook keeps
 * the case's own columns (deadlines, result, materials) and adds the case's
 * members to the supervision event the engine hands on. The dates
 * (docs/services.md):
 *   - limits count working days after the acceptance day: the promised
 *     deadline is the end of WD_P, the legal one the end of WD_L;
 *   - a special procedure (特别程序) stops the clock: when it ends, both
 *     deadlines move back by the working days in (start day, end day]; a
 *     special procedure may say the day it really started and ended
 *     (start_date, end_date), not before the step it belongs to;
 *   - 延长审查期限 is bounded by the item's legal extension (§42);
 *   - a 补正 notice later than 5 working days after the submission: the
 *     application counts as accepted on the day it arrived (§32);
 *   - the acceptance step is due 5 working days after submission (or after
 *     the supplement arrived), the issue step 10 after the decision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/clock.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "org/org.h"
#include "services/case.h"
#include "services/services.h"
#include "store/query.h"

/* --- loading ------------------------------------------------------------- */

static const char *col_dup(zt_arena *a, zt_stmt *st, int i) {
    return zt_col_is_null(st, i) ? NULL : zt_arena_strdup(a, zt_col_text(st, i));
}

void case_from_row(zt_stmt *st, zt_arena *a, case_row *c) {
    memset(c, 0, sizeof *c);
    c->id = zt_col_int(st, 0);
    c->number = col_dup(a, st, 1);
    c->item_id = zt_col_int(st, 2);
    c->flow_id = col_dup(a, st, 3);
    c->flow_version = (int)zt_col_int(st, 4);
    c->dept_id = zt_col_int(st, 5);
    c->region = col_dup(a, st, 6);
    c->applicant_id = zt_col_int(st, 7);
    c->applicant_type = col_dup(a, st, 8);
    c->applicant_name = col_dup(a, st, 9);
    c->applicant_no = col_dup(a, st, 10);
    c->contact_phone = col_dup(a, st, 11);
    c->channel = col_dup(a, st, 12);
    c->title = col_dup(a, st, 13);
    c->form = col_dup(a, st, 14);
    c->state = col_dup(a, st, 15);
    c->state_since = zt_col_int(st, 16);
    c->due_day = col_dup(a, st, 17);
    c->submitted_at = zt_col_int(st, 18);
    c->accepted_at = zt_col_int(st, 19);
    c->accept_day = col_dup(a, st, 20);
    c->promised_due = col_dup(a, st, 21);
    c->legal_due = col_dup(a, st, 22);
    c->suspended_days = zt_col_int(st, 23);
    c->suspended_at = zt_col_int(st, 24);
    c->suspend_granted = zt_col_int(st, 25);
    c->supplements = zt_col_int(st, 26);
    c->closed_at = zt_col_int(st, 27);
    c->result_type = col_dup(a, st, 28);
    c->certificate_no = col_dup(a, st, 29);
    c->has_fee = !zt_col_is_null(st, 30);
    c->fee_charged = zt_col_int(st, 30);
    c->item_code = col_dup(a, st, 31);
    c->item_version = (int)zt_col_int(st, 32);
    c->item_name = col_dup(a, st, 33);
    c->legal_days = (int)zt_col_int(st, 34);
    c->promised_days = (int)zt_col_int(st, 35);
    c->dept_code = col_dup(a, st, 36);
    c->dept_name = col_dup(a, st, 37);
    c->updated_at = zt_col_int(st, 38);
    c->online = col_dup(a, st, 39);
    c->extension_days = (int)zt_col_int(st, 40);
}

zt_err case_load(zt_db *db, zt_arena *a, const char *number, case_row *c, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT " CASE_COLS " FROM " CASE_FROM " WHERE c.number = ?", ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    }
    case_from_row(st, a, c);
    zt_db_release(db);
    return ZT_OK;
}

/* Is the department (by id) one of the case's joint-review departments? */
static int is_joint(zt_db *db, int64_t case_id, int64_t dept_id) {
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored, "SELECT 1 FROM case_joint WHERE case_id = ? AND dept_id = ?", ZT_I(case_id),
                              ZT_I(dept_id));
    if (!st) return 0;
    int ok = zt_step(st, &ignored) == ZT_ROW;
    zt_db_release(db);
    return ok;
}

int case_can_view(zt_db *db, const zt_principal *p, const case_row *c) {
    if (p->user_id && p->user_id == c->applicant_id) return 1;
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return 1;
    if (p->role_bit & ZT_R_SUPERVISOR) return zt_region_within(c->region, p->region);
    if (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD))
        return p->dept_id == c->dept_id || (p->dept_id && is_joint(db, c->id, p->dept_id));
    return 0;
}

/* --- the instance and its guards ---------------------------------------------- */

/* Who may act, beyond what the definition's roles say: the applicant's own
 * actions only on his case; staff on their department's cases, and a joint
 * department only its parallel opinion. ZT_EFORBIDDEN with the reason. */
static zt_err case_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *ai,
                       zt_error *e) {
    const case_row *c = in->row;
    if (p->role_bit & ZT_R_PEOPLE) {
        if (p->user_id != c->applicant_id) return zt_fail(e, ZT_EFORBIDDEN, "number", "只能操作本人的办件");
        return ZT_OK;
    }
    if (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) {
        if (ai->parallel) {
            if (!p->dept_id || !is_joint(db, c->id, p->dept_id))
                return zt_fail(e, ZT_EFORBIDDEN, "number", "「%s」只能由本办件的联审部门办理", ai->label);
            return ZT_OK;
        }
        if (p->dept_id != c->dept_id)
            return zt_fail(e, ZT_EFORBIDDEN, "number", "只能办理本部门的办件（本件由%s办理）", c->dept_name);
        return ZT_OK;
    }
    return ZT_OK; /* other roles: the definition decides (none of them acts on cases today) */
}

/* Have all joint departments given the parallel action? Only joint
 * departments may take it (case_may), once each (the definition): the
 * departments that took it are all of them when they are as many. */
static int case_parallel_done(zt_db *db, const zt_flow_instance *in, const char *parallel) {
    const case_row *c = in->row;
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored,
                              "SELECT (SELECT count(*) FROM case_joint WHERE case_id = ?) <= (SELECT"
                              " count(DISTINCT actor_dept) FROM flow_events WHERE subject_type = 'case'"
                              " AND subject = ? AND action = ?)",
                              ZT_I(c->id), ZT_T(c->number), ZT_T(parallel));
    if (!st) return 0;
    int done = zt_step(st, &ignored) == ZT_ROW && zt_col_int(st, 0);
    zt_db_release(db);
    return done;
}

static zt_err case_apply(zt_db *db, zt_flow_move *m, zt_error *e);

static const zt_flow_owner CASE_OWNER = {.subject_type = "case",
                                         .table = "cases",
                                         .may = case_may,
                                         .parallel_done = case_parallel_done,
                                         .apply = case_apply};

zt_err case_instance(const case_row *c, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get(c->flow_id, c->flow_version);
    if (!f) return zt_fail(e, ZT_EINTERNAL, "flow", "办件的流程定义 %s 第 %d 版未加载", c->flow_id, c->flow_version);
    *in = (zt_flow_instance){.owner = &CASE_OWNER,
                             .def = f,
                             .row_id = c->id,
                             .subject = c->number,
                             .state = c->state,
                             .updated_at = c->updated_at,
                             .dept_code = c->dept_code,
                             .region_code = c->region,
                             .owner_user_id = c->applicant_id,
                             .row = (void *)c};
    return ZT_OK;
}

/* --- attachments ------------------------------------------------------------- */

zt_err case_attachments(zt_db *db, json_t *arr, const char *key, int64_t owner, json_t *allowed, case_attach *out,
                        size_t *n, zt_error *e) {
    *n = 0;
    if (!arr || json_is_null(arr)) return ZT_OK;
    if (!json_is_array(arr)) return zt_fail(e, ZT_EINVAL, key, "%s 须是数组", key);
    if (json_array_size(arr) > CASE_MAX_ATTACH) return zt_fail(e, ZT_EINVAL, key, "材料最多 %d 份", CASE_MAX_ATTACH);
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m) {
        char f[64];
        snprintf(f, sizeof f, "%s[%zu]", key, i);
        if (!json_is_object(m)) return zt_fail(e, ZT_EINVAL, f, "%s 须是对象 {material, upload_id}", f);
        const char *name;
        int64_t up;
        zt_err rc = zt_json_only(m, (const char *const[]){"material", "upload_id", NULL}, e);
        if (!rc) rc = zt_json_str(m, "material", 1, 100, &name, e);
        if (!rc) rc = zt_json_int(m, "upload_id", 1, 1, INT64_MAX, 0, &up, e);
        if (rc) {
            char inner[64];
            snprintf(inner, sizeof inner, "%s", e->field);
            zt_error_prefix(e, "%s: ", f);
            snprintf(e->field, sizeof e->field, "%.30s.%.30s", f, inner);
            return rc;
        }
        if (allowed) {
            size_t k;
            json_t *am;
            int found = 0;
            json_array_foreach(allowed, k, am) if (!strcmp(json_string_value(json_object_get(am, "name")), name))
                found = 1;
            if (!found) {
                char fm[80];
                snprintf(fm, sizeof fm, "%s.material", f);
                return zt_fail(e, ZT_EINVAL, fm, "「%s」不是本事项办事指南所列的申请材料", name);
            }
        }
        char fu[80];
        snprintf(fu, sizeof fu, "%s.upload_id", f);
        if ((rc = zt_upload_check(db, up, owner, fu, e))) return rc;
        out[(*n)++] = (case_attach){name, up};
    }
    return ZT_OK;
}

static zt_err insert_materials(zt_db *db, int64_t case_id, const case_attach *a, size_t n, int64_t event_seq,
                               int64_t by, int64_t at, zt_error *e) {
    for (size_t i = 0; i < n; i++) {
        /* checked again inside the write: an upload no case held may have
         * expired since the request checked it (zt_uploads_expire) */
        zt_err gone = zt_upload_check(db, a[i].upload_id, by, event_seq ? "attachments" : "materials", e);
        if (gone) return gone;
        zt_stmt *st = zt_db_query(db, e,
                                  "INSERT INTO case_materials (case_id, material, upload_id, event_seq, added_by,"
                                  " added_at) VALUES (?, ?, ?, ?, ?, ?)",
                                  ZT_I(case_id), ZT_T(a[i].material), ZT_I(a[i].upload_id));
        if (!st) return ZT_EINTERNAL;
        if (event_seq)
            zt_bind_int(st, 4, event_seq);
        else
            zt_bind_null(st, 4);
        zt_bind_int(st, 5, by);
        zt_bind_int(st, 6, at);
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
    }
    return ZT_OK;
}

/* The files as the supervision event names them: material, hash, type, size. */
static json_t *attachments_event_json(zt_db *db, const case_attach *a, size_t n) {
    json_t *arr = json_array();
    zt_error ignored = {0};
    for (size_t i = 0; i < n; i++) {
        zt_stmt *st = zt_db_prepare(db,
                                    "SELECT u.sha256, f.mime, f.size FROM uploads u JOIN files f"
                                    " ON f.sha256 = u.sha256 WHERE u.id = ?",
                                    &ignored);
        if (!st) break;
        zt_bind_int(st, 1, a[i].upload_id);
        if (zt_step(st, &ignored) == ZT_ROW)
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I}", "material", a[i].material, "sha256",
                                                 zt_col_text(st, 0), "mime", zt_col_text(st, 1), "size",
                                                 (json_int_t)zt_col_int(st, 2)));
        zt_db_release(db);
    }
    return arr;
}

/* --- the legal clock of a step ----------------------------------------------- */

static void day_text(zt_day d, char out[11]) { zt_day_format(d, out); }

static int day_of_text(const char *s, zt_day *d) { return s && *s && zt_day_parse(s, d) == 0; }

/* The case's clock as its columns keep it. */
static void clock_of(const case_row *c, zt_lclock *k) {
    zt_lclock_init(k, c->promised_days, c->legal_days);
    zt_day d;
    if (day_of_text(c->accept_day, &d)) zt_lclock_accept(k, d, c->accepted_at);
    k->not_counted = (int)c->suspended_days;
    if (c->suspended_at)
        zt_lclock_suspend(k, zt_day_of_instant(c->suspended_at), c->suspended_at, (int)c->suspend_granted);
}

/* The day the state entered is due: the first limit it counts; an item
 * limit is the promised deadline; the same limit continues through
 * consecutive states (承办 → 审核); a special procedure: its days. */
static void state_due(const zt_calendar *cal, const zt_flow *f, const char *state, const char *prev_state,
                      const char *prev_due, const char *promised_due, const zt_lclock *k, zt_day today, char out[11]) {
    out[0] = 0;
    zt_flow_state_info si, pi;
    if (zt_flow_state(f, state, &si)) return;
    if (si.clock == ZT_FLOW_CLOCK_STOPPED) {
        const zt_lclock_special *s = zt_lclock_running(k);
        if (s && s->granted > 0) day_text(zt_cal_add(cal, s->start, s->granted), out);
        return;
    }
    if (si.clock != ZT_FLOW_CLOCK_RUNS || !si.ncounts) return;
    zt_flow_limit_info li;
    if (zt_flow_limit(f, si.counts[0], &li)) return;
    if (li.item_limit) {
        if (promised_due) snprintf(out, 11, "%s", promised_due);
        return;
    }
    if (prev_state && prev_due && *prev_due && zt_flow_state(f, prev_state, &pi) == 0 && pi.ncounts &&
        !strcmp(pi.counts[0], si.counts[0])) {
        snprintf(out, 11, "%s", prev_due);
        return;
    }
    day_text(zt_cal_add(cal, today, li.days), out);
}

/* A special procedure's own day (start_date, end_date): not after today and
 * not before `floor` (the day the case entered the state it leaves). */
static zt_err special_day(json_t *fields, const char *key, const char *label, zt_day floor, zt_day today, zt_day *out,
                          zt_error *e) {
    json_t *v = json_object_get(fields, key);
    *out = today;
    if (!json_is_string(v) || zt_blank(json_string_value(v))) return ZT_OK;
    zt_day d;
    if (zt_day_parse(json_string_value(v), &d))
        return zt_fail(e, ZT_EINVAL, key, "%s（%s）必须是日期 YYYY-MM-DD", label, key);
    char t[11], f[11];
    day_text(today, t);
    day_text(floor, f);
    if (d > today) return zt_fail(e, ZT_EINVAL, key, "%s（%s）不能晚于今天（%s）", label, key, t);
    if (d < floor) return zt_fail(e, ZT_EINVAL, key, "%s（%s）不能早于 %s", label, key, f);
    *out = d;
    return ZT_OK;
}

static void bind_opt(zt_stmt *st, int i, const char *v) {
    if (v && *v)
        zt_bind_text(st, i, v);
    else
        zt_bind_null(st, i);
}

/* The case's members of a supervision event: the basic information with
 * the dates as the platform computed them. */
static json_t *event_case(const case_row *c, const char *state, const char *accept_day, const char *promised,
                          const char *legal) {
    case_row now = *c;
    now.state = state;
    json_t *basic = case_basic(&now);
    json_object_del(basic, "department_name");
    json_object_set_new(basic, "extension_days", json_integer(c->extension_days));
    json_object_set_new(basic, "accept_day", case_day_json(accept_day));
    json_object_set_new(basic, "promised_due", case_day_json(promised));
    json_object_set_new(basic, "legal_due", case_day_json(legal));
    return basic;
}

/* What a step is: its row (for the hook) and, while acting, its arguments. */
typedef struct step_ctx {
    case_act *act;   /* an action; NULL for the application */
    case_new *apply; /* the application */
} step_ctx;

/* The engine's hook: the case's columns, materials and event members. */
static zt_err case_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    step_ctx *x = m->arg;
    const case_row *c = m->in->row;
    const zt_calendar *cal = (x->act ? x->act->app : x->apply->app)->cal;
    zt_day today = zt_day_of_instant(m->at);
    const char *result = m->action.result ? m->action.result : "";
    if (x->apply) { /* the application: the row is new, the event tells all */
        case_new *a = x->apply;
        json_t *basic = event_case(c, m->to, c->accept_day, c->promised_due, c->legal_due);
        json_object_set_new(basic, "joint_departments", json_deep_copy(a->joint));
        json_object_set(m->event, "case", basic);
        json_decref(basic);
        json_object_set_new(m->event, "materials", attachments_event_json(db, a->mats, a->nmats));
        return insert_materials(db, c->id, a->mats, a->nmats, 0, a->p->user_id, m->at, e);
    }
    case_act *a = x->act;
    zt_lclock k;
    clock_of(c, &k);
    char accept_day[11] = "", promised[11] = "", legal[11] = "", due[11] = "";
    snprintf(accept_day, sizeof accept_day, "%s", c->accept_day ? c->accept_day : "");
    snprintf(promised, sizeof promised, "%s", c->promised_due ? c->promised_due : "");
    snprintf(legal, sizeof legal, "%s", c->legal_due ? c->legal_due : "");
    int64_t accepted_at = c->accepted_at, supplements = c->supplements, closed_at = 0;
    int pushed = -1, dated = 0;
    json_t *special = NULL;
    zt_err rc = ZT_OK;
    if (!strcmp(result, "accept")) {
        accepted_at = m->at;
        zt_lclock_accept(&k, today, m->at); /* deemed earlier (a late 补正 notice): the clock already runs */
        dated = 1;
    } else if (!strcmp(result, "suspend")) {
        json_t *d = json_object_get(m->fields, "days");
        int granted = json_is_integer(d) ? (int)json_integer_value(d) : 0;
        const char *type = json_string_value(json_object_get(m->fields, "type"));
        zt_day start;
        if ((rc = zt_lclock_check_special(type, granted, c->extension_days, e)) ||
            (rc =
                 special_day(m->fields, "start_date", "开始日期", zt_day_of_instant(c->state_since), today, &start, e)))
            return rc;
        zt_lclock_suspend(&k, start, start == today ? m->at : zt_day_start(start), granted);
        special = json_pack("{s:O,s:O,s:O,s:i}", "type", json_object_get(m->fields, "type"), "reason",
                            json_object_get(m->fields, "reason"), "legal_basis",
                            json_object_get(m->fields, "legal_basis"), "days", granted);
        char sd[11];
        day_text(start, sd);
        json_object_set_new(special, "start_date", json_string(sd));
    } else if (!strcmp(result, "resume") && zt_lclock_running(&k)) {
        const zt_lclock_special *s = zt_lclock_running(&k);
        int granted = s->granted;
        zt_day end;
        if ((rc = special_day(m->fields, "end_date", "结束日期", s->start, today, &end, e))) return rc;
        pushed = zt_lclock_resume(&k, cal, end, end == today ? m->at : zt_day_start(end));
        special = json_pack("{s:i,s:i}", "days_counted", pushed, "days_granted", granted);
        char ed[11];
        day_text(end, ed);
        json_object_set_new(special, "end_date", json_string(ed));
        dated = k.accepted;
    } else if (!strcmp(result, "supplement")) {
        supplements++;
        /* the notice came too late: accepted by law on the day the
         * application arrived (the clerk's acceptance will not move it) */
        if (zt_lclock_supplement(&k, cal, c->submitted_at, m->at, ZT_LCLOCK_ACCEPTANCE_DEFAULT)) dated = 1;
    }
    if (dated && k.accepted) {
        day_text(k.accept_day, accept_day);
        day_text(zt_lclock_due(&k, cal, k.promised), promised);
        day_text(zt_lclock_due(&k, cal, k.legal), legal);
    }
    if (m->target.terminal) closed_at = m->at;
    state_due(cal, m->in->def, m->to, c->state, c->due_day, *promised ? promised : NULL, &k, today, due);
    const zt_lclock_special *run = zt_lclock_running(&k);
    const char *result_type = NULL, *cert = NULL;
    int64_t fee = -1;
    if (!strcmp(result, "complete")) {
        result_type = json_string_value(json_object_get(m->fields, "result_type"));
        cert = json_string_value(json_object_get(m->fields, "certificate_no"));
        json_t *fv = json_object_get(m->fields, "fee_charged");
        if (json_is_integer(fv)) fee = json_integer_value(fv);
    }
    zt_stmt *st = zt_db_prepare(
        db,
        "UPDATE cases SET state_since = ?, due_day = ?, accepted_at = ?, accept_day = ?, promised_due = ?,"
        " legal_due = ?, suspended_days = ?, suspended_at = ?, suspend_granted = ?, supplements = ?,"
        " closed_at = coalesce(closed_at, ?), result_type = coalesce(?, result_type),"
        " certificate_no = coalesce(?, certificate_no), fee_charged = coalesce(?, fee_charged) WHERE id = ?",
        e);
    if (!st) {
        json_decref(special);
        return ZT_EINTERNAL;
    }
    int i = 1;
    zt_bind_int(st, i++, strcmp(m->to, c->state) ? m->at : c->state_since);
    bind_opt(st, i++, due);
    if (accepted_at)
        zt_bind_int(st, i++, accepted_at);
    else
        zt_bind_null(st, i++);
    bind_opt(st, i++, accept_day);
    bind_opt(st, i++, promised);
    bind_opt(st, i++, legal);
    zt_bind_int(st, i++, k.not_counted);
    if (run) {
        zt_bind_int(st, i++, run->start_at);
        zt_bind_int(st, i++, run->granted);
    } else {
        zt_bind_null(st, i++);
        zt_bind_null(st, i++);
    }
    zt_bind_int(st, i++, supplements);
    if (closed_at)
        zt_bind_int(st, i++, closed_at);
    else
        zt_bind_null(st, i++);
    bind_opt(st, i++, result_type);
    bind_opt(st, i++, cert);
    if (fee >= 0)
        zt_bind_int(st, i++, fee);
    else
        zt_bind_null(st, i++);
    zt_bind_int(st, i++, c->id);
    if ((rc = zt_step_done(st, e)) ||
        (rc = insert_materials(db, c->id, a->atts, a->natts, m->seq, a->p->user_id, m->at, e))) {
        json_decref(special);
        return rc;
    }
    /* the supervision event: the case as it is now, the step's files, the
     * special procedure, the result */
    json_t *step = json_object_get(m->event, "step");
    json_object_set_new(m->event, "case", event_case(c, m->to, accept_day, promised, legal));
    json_object_set_new(step, "attachments", attachments_event_json(db, a->atts, a->natts));
    if (special) json_object_set_new(m->event, "special_procedure", special);
    if (pushed >= 0) json_object_set_new(step, "days_not_counted", json_integer(pushed));
    if (!strcmp(result, "complete"))
        json_object_set_new(m->event, "result",
                            json_pack("{s:O,s:O,s:O,s:O}", "result_type", json_object_get(m->fields, "result_type"),
                                      "certificate_no", json_object_get(m->fields, "certificate_no") ?: json_null(),
                                      "fee_charged", json_object_get(m->fields, "fee_charged"), "fee_standard",
                                      json_object_get(m->fields, "fee_standard")));
    return ZT_OK;
}

/* --- applying ------------------------------------------------------------------ */

zt_err case_apply_write(zt_db *db, void *arg, zt_error *e) {
    case_new *a = arg;
    zt_stmt *st;
    if (a->idem) {
        st = zt_db_query(db, e, "SELECT number FROM cases WHERE applicant_id = ? AND idem_key = ?", ZT_I(a->p->user_id),
                         ZT_T(a->idem));
        if (!st) return ZT_EINTERNAL;
        zt_err found = zt_step(st, e);
        if (zt_step_failed(found)) return found;
        if (found == ZT_ROW) {
            snprintf(a->number, sizeof a->number, "%s", zt_col_text(st, 0));
            a->existing = 1;
            zt_db_release(db);
            return ZT_OK;
        }
        zt_db_release(db);
    }
    int64_t now = zt_now();
    char day[11], prefix[40];
    zt_city_day(now, day);
    snprintf(prefix, sizeof prefix, "%s-%.4s%.2s%.2s", a->region, day, day + 5, day + 8);
    /* a number given: the case crossed from the 外网 with it (case_cross.c) */
    zt_err rc = a->number[0] ? ZT_OK : zt_number_next(db, prefix, 6, a->number, sizeof a->number, e);
    if (rc) return rc;
    char pw[9];
    unsigned char qh[32];
    zt_case_query_secret(a->number, pw, qh);
    const zt_flow *f = zt_flows_get(a->flow_id, a->flow_version);
    const char *start = zt_flow_start(f);
    zt_flow_state_info si;
    zt_flow_limit_info li;
    /* the start state runs the decision limit (即办件): accepted on receipt */
    int at_once =
        zt_flow_state(f, start, &si) == 0 && si.ncounts && zt_flow_limit(f, si.counts[0], &li) == 0 && li.item_limit;
    zt_lclock k;
    zt_lclock_init(&k, a->promised_days, a->legal_days);
    char accept_day[11] = "", promised[11] = "", legal[11] = "", due[11] = "";
    zt_day today = zt_day_of_instant(now);
    if (at_once) {
        zt_lclock_accept(&k, today, now);
        snprintf(accept_day, sizeof accept_day, "%s", day);
        day_text(zt_lclock_due(&k, a->app->cal, k.promised), promised);
        day_text(zt_lclock_due(&k, a->app->cal, k.legal), legal);
    }
    state_due(a->app->cal, f, start, NULL, NULL, *promised ? promised : NULL, &k, today, due);
    st = zt_db_query(db, e,
                     "INSERT INTO cases (number, item_id, flow_id, flow_version, dept_id, region_code, applicant_id,"
                     " applicant_type, applicant_name, applicant_no, contact_phone, channel, title, form, state,"
                     " state_since, due_day, query_hash, idem_key, submitted_at, accepted_at, accept_day,"
                     " promised_due, legal_due, updated_at) VALUES"
                     " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'online', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                     " RETURNING id",
                     ZT_T(a->number), ZT_I(a->item_id), ZT_T(a->flow_id), ZT_I(a->flow_version), ZT_I(a->dept_id),
                     ZT_T(a->region), ZT_I(a->p->user_id), ZT_T(a->applicant_type), ZT_T(a->applicant_name),
                     ZT_T(a->applicant_no), ZT_T(a->phone ? a->phone : ""), ZT_T(a->title ? a->title : ""),
                     ZT_T(a->form), ZT_T(start), ZT_I(now));
    if (!st) return ZT_EINTERNAL;
    bind_opt(st, 16, due);
    zt_bind_blob(st, 17, qh, sizeof qh);
    bind_opt(st, 18, a->idem);
    zt_bind_int(st, 19, now);
    if (at_once)
        zt_bind_int(st, 20, now);
    else
        zt_bind_null(st, 20);
    bind_opt(st, 21, accept_day);
    bind_opt(st, 22, promised);
    bind_opt(st, 23, legal);
    zt_bind_int(st, 24, now);
    rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EINTERNAL, NULL, "insert returned no id");
    int64_t case_id = zt_col_int(st, 0);
    zt_db_release(db);
    size_t i;
    json_t *code;
    json_array_foreach(a->joint, i, code) {
        zt_dept d;
        zt_error ne = {0};
        zt_err dr = zt_dept_by_code(db, json_string_value(code), &d, &ne);
        if (dr == ZT_ENOTFOUND) continue; /* a code the directory does not know joins no one */
        if (dr) {
            *e = ne;
            return dr;
        }
        if ((rc = zt_db_run(db, e, "INSERT INTO case_joint (case_id, dept_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                            ZT_I(case_id), ZT_I(d.id))))
            return rc;
    }
    /* the new case as the hook and the event see it */
    case_row c = {.id = case_id,
                  .number = a->number,
                  .flow_id = a->flow_id,
                  .flow_version = a->flow_version,
                  .dept_id = a->dept_id,
                  .region = a->region,
                  .applicant_id = a->p->user_id,
                  .applicant_type = a->applicant_type,
                  .channel = "online",
                  .title = a->title,
                  .state = start,
                  .state_since = now,
                  .submitted_at = now,
                  .accept_day = *accept_day ? accept_day : NULL,
                  .promised_due = *promised ? promised : NULL,
                  .legal_due = *legal ? legal : NULL,
                  .item_code = a->item_code,
                  .item_version = a->item_version,
                  .item_name = a->item_name,
                  .legal_days = a->legal_days,
                  .promised_days = a->promised_days,
                  .extension_days = a->extension_days,
                  .dept_code = a->dept_code,
                  .dept_name = ""};
    zt_flow_instance in;
    if ((rc = case_instance(&c, &in, e))) return rc;
    step_ctx x = {.apply = a};
    zt_flow_opts o = {.arg = &x, .at = now};
    /* the status query's answer changes with every step: stored in the same write */
    if ((rc = zt_flow_create(db, &in, "submit", a->p, NULL, &o, e))) return rc;
    return case_public_store(db, c.number, e);
}

/* --- acting -------------------------------------------------------------------- */

zt_err case_act_write(zt_db *db, void *arg, zt_error *e) {
    case_act *a = arg;
    zt_flow_instance in;
    zt_err rc = case_instance(a->c, &in, e);
    if (rc) return rc;
    step_ctx x = {.act = a};
    zt_flow_opts o = {.arg = &x};
    if ((rc = zt_flow_step(db, &in, a->action, a->p, a->fields, &o, e))) return rc;
    return case_public_store(db, a->c->number, e);
}

/* --- the calendar changed ------------------------------------------------------ */

static const zt_principal CALENDAR = {.role_bit = ZT_R_SYSTEM, .role = "system", .login = "system", .name = "工作日历"};

typedef struct {
    case_row c;
    char promised[11], legal[11];
} redated;

zt_err zt_cases_calendar_changed(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT " CASE_COLS " FROM " CASE_FROM
                                " WHERE c.closed_at IS NULL AND c.accept_day IS NOT NULL AND c.suspended_at IS NULL",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_arena a;
    zt_arena_init(&a);
    redated *v = NULL;
    size_t n = 0, cap = 0;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        case_row c;
        case_from_row(st, &a, &c);
        zt_lclock k;
        clock_of(&c, &k);
        char promised[11], legal[11];
        day_text(zt_lclock_due(&k, cal, k.promised), promised);
        day_text(zt_lclock_due(&k, cal, k.legal), legal);
        if (c.promised_due && c.legal_due && !strcmp(promised, c.promised_due) && !strcmp(legal, c.legal_due)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = zt_realloc(v, cap * sizeof *v);
        }
        v[n].c = c;
        memcpy(v[n].promised, promised, sizeof promised);
        memcpy(v[n].legal, legal, sizeof legal);
        n++;
    }
    zt_db_release(db);
    if (rc == ZT_DONE) rc = ZT_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const case_row *c = &v[i].c;
        /* a step whose due day was the promise (or the law's) keeps following it */
        const char *due = c->due_day;
        if (due && c->promised_due && !strcmp(due, c->promised_due))
            due = v[i].promised;
        else if (due && c->legal_due && !strcmp(due, c->legal_due))
            due = v[i].legal;
        st = zt_db_prepare(db, "UPDATE cases SET promised_due = ?, legal_due = ?, due_day = ? WHERE id = ?", e);
        if (!st) {
            rc = ZT_EINTERNAL;
            break;
        }
        zt_bind_text(st, 1, v[i].promised);
        zt_bind_text(st, 2, v[i].legal);
        bind_opt(st, 3, due);
        zt_bind_int(st, 4, c->id);
        if ((rc = zt_step_done(st, e))) break;
        json_t *detail = json_pack("{s:s,s:s?,s:s,s:s?,s:s,s:s}", "reason", why ? why : "", "promised_due_was",
                                   c->promised_due, "promised_due", v[i].promised, "legal_due_was", c->legal_due,
                                   "legal_due", v[i].legal, "note", "工作日历变更，期限按新的工作日重新计算");
        rc = zt_record(db, &CALENDAR, "case.redated", "case", c->number, c->applicant_id, detail, e);
        json_decref(detail);
        if (!rc) rc = case_public_store(db, c->number, e); /* its promised_due */
    }
    free(v);
    zt_arena_free(&a);
    return rc;
}
