/* pool.c - the bid-evaluation expert pool (评标专家库): entry by application
 * (a citizen applies through the portal) or recommendation (a department),
 * checked by the trading centre; status changes through data/flows/expert.json;
 * the expert's own profile and availability; the lists of the centre; the
 * daily retirement past experts.age_limit (《评标专家和评标专家库管理办法》,
 * 国家发展改革委令第26号).
 *
 * The ID number is validated (GB 11643) and kept whole, for avoidance, but
 * every answer masks it (4 + 4 characters) and the phone (3 + 4) except to
 * the expert himself. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "base/log.h"
#include "base/periodic.h"
#include "experts/experts.h"
#include "experts/internal.h"
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

/* --- the classification ------------------------------------------------------ */

static pthread_mutex_t spec_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *spec_doc;

json_t *zt_experts_specialties(const zt_app *app) {
    pthread_mutex_lock(&spec_mu);
    if (!spec_doc) {
        char path[4096];
        snprintf(path, sizeof path, "%s/experts/specialties.json", app->cfg->source_dir);
        json_error_t je;
        spec_doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!spec_doc) zt_warn("experts: cannot load %s: %s", path, je.text);
    }
    json_t *d = spec_doc;
    pthread_mutex_unlock(&spec_mu);
    return d;
}

int zt_experts_specialty_known(const zt_app *app, const char *code) {
    json_t *d = zt_experts_specialties(app), *c, *it;
    size_t i, j;
    if (!d || !code) return 0;
    json_array_foreach(json_object_get(d, "classes"), i, c) {
        json_array_foreach(json_object_get(c, "items"), j, it) {
            if (!strcmp(json_string_value(json_object_get(it, "code")) ?: "", code)) return 1;
        }
    }
    return 0;
}

int zt_experts_age(const char *birth, zt_day day) {
    zt_day b;
    if (zt_day_parse(birth, &b)) return 0;
    int by, bm, bd, y, m, d;
    zt_day_to_ymd(b, &by, &bm, &bd);
    zt_day_to_ymd(day, &y, &m, &d);
    return y - by - (m < bm || (m == bm && d < bd));
}

void zt_experts_sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* --- reading an expert ------------------------------------------------------- */

#define EXPERT_COLS                                                                                                    \
    "x.id, x.number, x.name, x.id_number, x.birth_date, x.phone, x.region_code, x.title, x.seniority, x.state,"        \
    " x.reason, x.entry, coalesce(x.applicant_id, 0), coalesce(x.user_id, 0), coalesce(d.code, ''), x.created_at,"     \
    " x.updated_at, (SELECT e.name FROM expert_employers e WHERE e.expert_id = x.id AND e.until IS NULL),"             \
    " (SELECT group_concat(s.code) FROM expert_specialties s WHERE s.expert_id = x.id)"
#define EXPERT_FROM "experts x LEFT JOIN departments d ON d.id = x.recommender_dept_id"

static const char *state_label(const char *s) {
    static const char *const m[][2] = {{"applied", "待审核"}, {"active", "在库"},        {"suspended", "暂停"},
                                       {"retired", "已退出"}, {"blacklisted", "黑名单"}, {"rejected", "未通过审核"}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(m[i][0], s)) return m[i][1];
    return s;
}

/* Is the viewer the expert himself (his login, or the citizen who applied)? */
static int is_self(const zt_principal *p, int64_t applicant, int64_t user) {
    return p->user_id && (p->user_id == applicant || p->user_id == user);
}

static json_t *expert_json(zt_stmt *st, const zt_principal *p) {
    int self = is_self(p, zt_col_int(st, 12), zt_col_int(st, 13));
    char idm[32], phm[40];
    const char *idn = zt_col_text(st, 3), *phone = zt_col_text(st, 5);
    if (!self) {
        idn = zt_mask(idn, 4, 4, idm, sizeof idm);
        phone = zt_mask(phone, 3, 4, phm, sizeof phm);
    }
    json_t *specs = json_array();
    const char *sp = zt_col_is_null(st, 18) ? "" : zt_col_text(st, 18);
    while (*sp) {
        const char *c = strchr(sp, ',');
        size_t n = c ? (size_t)(c - sp) : strlen(sp);
        json_array_append_new(specs, json_stringn(sp, n));
        sp += n + (c ? 1 : 0);
    }
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o}", "id",
                     (json_int_t)zt_col_int(st, 0), "number", zt_col_text(st, 1), "name", zt_col_text(st, 2),
                     "id_number", idn, "birth_date", zt_col_text(st, 4), "age",
                     zt_experts_age(zt_col_text(st, 4), zt_day_of_instant(zt_now())), "phone", phone, "region_code",
                     zt_col_text(st, 6), "title", zt_col_text(st, 7), "seniority", (json_int_t)zt_col_int(st, 8),
                     "state", zt_col_text(st, 9), "state_label", state_label(zt_col_text(st, 9)), "reason",
                     zt_col_text(st, 10), "entry", zt_col_text(st, 11), "recommender", zt_col_text(st, 14), "has_login",
                     zt_col_int(st, 13) != 0, "employer", zt_col_json_text(st, 17), "specialties", specs, "created_at",
                     zt_col_json_time(st, 15), "updated_at", zt_col_json_time(st, 16));
}

/* The relations of one expert (employers, relatives, drafting, dates he
 * cannot serve) into o; relatives' ID numbers masked unless self. */
static zt_err add_relations(zt_db *db, int64_t id, int self, int all_draws, json_t *o, zt_error *e) {
    json_t *emp = json_array(), *rel = json_array(), *dr = json_array(), *un = json_array();
    json_object_set_new(o, "employers", emp);
    json_object_set_new(o, "relatives", rel);
    json_object_set_new(o, "drafting", dr);
    json_object_set_new(o, "unavailable", un);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT name, uscc, since, until FROM expert_employers WHERE expert_id = ?"
                              " ORDER BY until IS NOT NULL, since DESC",
                              ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(emp,
                              json_pack("{s:s,s:s,s:s,s:o}", "name", zt_col_text(st, 0), "uscc", zt_col_text(st, 1),
                                        "since", zt_col_text(st, 2), "until", zt_col_json_text(st, 3)));
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    st = zt_db_query(db, e, "SELECT name, id_number, relation FROM expert_relatives WHERE expert_id = ? ORDER BY id",
                     ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        char m[32];
        const char *idn = zt_col_text(st, 1);
        json_array_append_new(rel,
                              json_pack("{s:s,s:s,s:s}", "name", zt_col_text(st, 0), "id_number",
                                        self ? idn : zt_mask(idn, 4, 4, m, sizeof m), "relation", zt_col_text(st, 2)));
    }
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    st = zt_db_query(db, e, "SELECT project_code, note FROM expert_drafting WHERE expert_id = ? ORDER BY id", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    while ((s = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(dr,
                              json_pack("{s:s,s:s}", "project_code", zt_col_text(st, 0), "note", zt_col_text(st, 1)));
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    st = zt_db_query(db, e, "SELECT day FROM expert_unavailable WHERE expert_id = ? ORDER BY day", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    while ((s = zt_step(st, e)) == ZT_ROW) json_array_append_new(un, json_string(zt_col_text(st, 0)));
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    /* his ratings after evaluations (100 points) */
    json_t *ratings = json_array();
    json_object_set_new(o, "ratings", ratings);
    st = zt_db_query(db, e,
                     "SELECT d.number, r.rater, r.score, r.rated_at FROM expert_ratings r JOIN expert_draws d ON"
                     " d.id = r.draw_id WHERE r.expert_id = ? ORDER BY r.rated_at DESC LIMIT 50",
                     ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    while ((s = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(ratings,
                              json_pack("{s:s,s:s,s:I,s:o}", "draw", zt_col_text(st, 0), "rater", zt_col_text(st, 1),
                                        "score", (json_int_t)zt_col_int(st, 2), "rated_at", zt_col_json_time(st, 3)));
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    /* the draws he was picked in and how he answered: until a draw is
     * published only the centre, the supervisors and he himself may know
     * he was picked (招标投标法 §37); others see the published ones */
    json_t *hist = json_array();
    json_object_set_new(o, "draws", hist);
    st = zt_db_query(db, e,
                     "SELECT d.number, d.project_code, d.evaluation_date, p.status, p.reason FROM expert_draw_picks p"
                     " JOIN expert_draws d ON d.id = p.draw_id WHERE p.expert_id = ? AND p.status NOT IN ('waiting',"
                     " 'reserve') AND (? OR d.state = 'published') ORDER BY d.evaluation_date DESC LIMIT 50",
                     ZT_I(id), ZT_I(all_draws));
    if (!st) return ZT_EINTERNAL;
    while ((s = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(hist, json_pack("{s:s,s:s,s:s,s:s,s:s}", "draw", zt_col_text(st, 0), "project_code",
                                              zt_col_text(st, 1), "evaluation_date", zt_col_text(st, 2), "status",
                                              zt_col_text(st, 3), "reason", zt_col_text(st, 4)));
    zt_db_release(db);
    return zt_step_failed(s) ? s : ZT_OK;
}

static void history_row(const zt_flow_event *ev, void *ctx) {
    json_t *fields = json_loads(ev->fields ? ev->fields : "{}", 0, NULL);
    json_array_append_new(ctx, json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:o}", "action", ev->action, "from", ev->from,
                                         "to", ev->to, "actor", ev->actor, "actor_role", ev->actor_role, "at",
                                         zt_json_time(ev->at), "fields", fields ? fields : json_object()));
}

zt_err zt_experts_history(zt_db *db, const char *subject_type, const char *number, json_t *o, zt_error *e) {
    json_t *h = json_array();
    json_object_set_new(o, "history", h);
    return zt_flow_history(db, subject_type, number, 0, history_row, h, e);
}

/* The answer for one expert, with relations; 404 when there is none. */
static zt_err reply_expert(zt_req *r, const char *where, int64_t key, int status, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(app->store);
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT " EXPERT_COLS " FROM " EXPERT_FROM " WHERE %s", where);
    zt_stmt *st = zt_db_query(db, e, sql, ZT_I(key), ZT_I(key));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(s) ? s : zt_fail(e, ZT_ENOTFOUND, "id", "专家不存在");
    }
    json_t *o = expert_json(st, p);
    int64_t id = zt_col_int(st, 0);
    int self = is_self(p, zt_col_int(st, 12), zt_col_int(st, 13));
    zt_db_release(db);
    int all_draws = self || (p->role_bit & (ZT_R_TRADING | ZT_R_SUPERVISOR));
    zt_err rc = add_relations(db, id, self, all_draws, o, e);
    if (!rc) rc = zt_experts_history(db, "expert", json_string_value(json_object_get(o, "number")), o, e);
    if (rc) {
        json_decref(o);
        return rc;
    }
    zt_reply_json(r, status, o);
    return ZT_OK;
}

/* --- the expert as a process instance ------------------------------------------ */

typedef struct expert_row {
    int64_t id, applicant, user, updated_at;
    char number[32], state[16], region[16], name[200], birth[11];
} expert_row;

static zt_err expert_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const expert_row *x = m->in->row;
    const char *reason = json_string_value(json_object_get(m->fields, "reason"));
    if (strcmp(m->action.id, "apply") && strcmp(m->action.id, "recommend")) {
        zt_err rc =
            zt_db_run(db, e, "UPDATE experts SET reason = ? WHERE id = ?", ZT_T(reason ? reason : ""), ZT_I(x->id));
        if (rc) return rc;
    }
    /* never the ID number: the ledger is read by auditors and others */
    json_object_set_new(m->event, "expert",
                        json_pack("{s:s,s:s,s:s,s:s,s:s}", "number", x->number, "name", x->name, "region_code",
                                  x->region, "birth_date", x->birth, "reason", reason ? reason : ""));
    return ZT_OK;
}

static const zt_flow_owner EXPERT_OWNER = {
    .subject_type = "expert", .table = "experts", .state_column = "state", .apply = expert_apply};

static zt_err expert_instance(expert_row *x, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("expert", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 expert 未加载");
    *in = (zt_flow_instance){.owner = &EXPERT_OWNER,
                             .def = f,
                             .row_id = x->id,
                             .subject = x->number,
                             .state = x->state,
                             .updated_at = x->updated_at,
                             .dept_code = "",
                             .region_code = x->region,
                             .owner_user_id = x->applicant ? x->applicant : x->user,
                             .row = x};
    return ZT_OK;
}

static zt_err load_row(zt_db *db, int64_t id, expert_row *x, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT id, coalesce(applicant_id, 0), coalesce(user_id, 0), updated_at, number, state,"
                              " region_code, name, birth_date FROM experts WHERE id = ?",
                              ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(s) ? s : zt_fail(e, ZT_ENOTFOUND, "id", "专家不存在");
    }
    *x = (expert_row){.id = zt_col_int(st, 0),
                      .applicant = zt_col_int(st, 1),
                      .user = zt_col_int(st, 2),
                      .updated_at = zt_col_int(st, 3)};
    snprintf(x->number, sizeof x->number, "%s", zt_col_text(st, 4));
    snprintf(x->state, sizeof x->state, "%s", zt_col_text(st, 5));
    snprintf(x->region, sizeof x->region, "%s", zt_col_text(st, 6));
    snprintf(x->name, sizeof x->name, "%s", zt_col_text(st, 7));
    snprintf(x->birth, sizeof x->birth, "%s", zt_col_text(st, 8));
    zt_db_release(db);
    return ZT_OK;
}

/* --- the profile: validation and storage ---------------------------------------- */

static int valid_day(const char *s) {
    zt_day d;
    return s && strlen(s) == 10 && zt_day_parse(s, &d) == 0;
}

typedef struct profile {
    const char *name, *id_number, *phone, *region, *title;
    int64_t seniority;
    json_t *employer, *past, *specialties, *relatives, *drafting, *unavailable; /* NULL = unchanged */
} profile;

static zt_err check_employer(json_t *o, const char *field, int past, zt_error *e) {
    const char *name, *uscc, *since, *until, *why = NULL;
    if (!json_is_object(o)) return zt_fail(e, ZT_EINVAL, field, "工作单位须是对象 {name, uscc, since}");
    zt_err rc = zt_json_only(o, (const char *const[]){"name", "uscc", "since", "until", NULL}, e);
    if (!rc) rc = zt_json_str(o, "name", 1, 200, &name, e);
    if (!rc) rc = zt_json_str(o, "uscc", 1, 18, &uscc, e);
    if (!rc) rc = zt_json_str(o, "since", 1, 10, &since, e);
    if (!rc) rc = zt_json_str(o, "until", past, 10, &until, e);
    if (rc) return zt_fail(e, ZT_EINVAL, field, "%s：%s", field, e->message);
    if (!zt_uscc_valid(uscc, &why))
        return zt_fail(e, ZT_EINVAL, field, "工作单位统一社会信用代码无效（%s）", why ? why : "");
    if (!valid_day(since) || (until && !valid_day(until)) || (until && strcmp(until, since) < 0))
        return zt_fail(e, ZT_EINVAL, field, "任职日期须为 YYYY-MM-DD，且离职不早于入职");
    if (!past && until) return zt_fail(e, ZT_EINVAL, field, "现工作单位没有离职日期");
    return ZT_OK;
}

/* Reads the profile members of b into pf (required: everything an entry
 * needs; otherwise only what is present). */
static zt_err read_profile(const zt_app *app, json_t *b, int entry, profile *pf, zt_error *e) {
    zt_err rc = zt_json_str(b, "phone", entry, 32, &pf->phone, e);
    if (!rc) rc = zt_json_str(b, "region_code", entry, 12, &pf->region, e);
    if (!rc) rc = zt_json_str(b, "title", entry, 64, &pf->title, e);
    if (!rc) rc = zt_json_int(b, "seniority", entry, 0, 70, -1, &pf->seniority, e);
    if (rc) return rc;
    if (pf->phone && !zt_phone_valid(pf->phone)) return zt_fail(e, ZT_EINVAL, "phone", "电话号码无效");
    if (pf->title && zt_blank(pf->title)) return zt_fail(e, ZT_EINVAL, "title", "请填写职称");
    pf->employer = json_object_get(b, "employer");
    if (entry && !pf->employer) return zt_fail(e, ZT_EINVAL, "employer", "请填写现工作单位 {name, uscc, since}");
    if (pf->employer && (rc = check_employer(pf->employer, "employer", 0, e))) return rc;
    size_t i;
    json_t *v;
    pf->past = json_object_get(b, "past_employers");
    if (pf->past && (!json_is_array(pf->past) || json_array_size(pf->past) > 20))
        return zt_fail(e, ZT_EINVAL, "past_employers", "过往工作单位须是至多 20 项的数组");
    json_array_foreach(pf->past, i, v) if ((rc = check_employer(v, "past_employers", 1, e))) return rc;
    pf->specialties = json_object_get(b, "specialties");
    if (entry && !pf->specialties) return zt_fail(e, ZT_EINVAL, "specialties", "请选择评标专业");
    if (pf->specialties &&
        (!json_is_array(pf->specialties) || !json_array_size(pf->specialties) || json_array_size(pf->specialties) > 5))
        return zt_fail(e, ZT_EINVAL, "specialties", "评标专业须为 1 到 5 项");
    json_array_foreach(pf->specialties, i, v) {
        if (!zt_experts_specialty_known(app, json_string_value(v)))
            return zt_fail(e, ZT_EINVAL, "specialties", "未知的专业代码：%s",
                           json_is_string(v) ? json_string_value(v) : "(非文本)");
    }
    pf->relatives = json_object_get(b, "relatives");
    if (pf->relatives && (!json_is_array(pf->relatives) || json_array_size(pf->relatives) > 30))
        return zt_fail(e, ZT_EINVAL, "relatives", "近亲属须是至多 30 项的数组");
    json_array_foreach(pf->relatives, i, v) {
        const char *n, *idn, *rel, *why = NULL;
        if (!json_is_object(v) || zt_json_only(v, (const char *const[]){"name", "id_number", "relation", NULL}, e) ||
            zt_json_str(v, "name", 1, 64, &n, e) || zt_json_str(v, "id_number", 1, 18, &idn, e) ||
            zt_json_str(v, "relation", 1, 32, &rel, e))
            return zt_fail(e, ZT_EINVAL, "relatives", "近亲属须为 {name, id_number, relation}");
        if (!zt_idnum_valid(idn, &why))
            return zt_fail(e, ZT_EINVAL, "relatives", "近亲属身份证号码无效（%s）", why ? why : "");
    }
    pf->drafting = json_object_get(b, "drafting");
    if (pf->drafting && (!json_is_array(pf->drafting) || json_array_size(pf->drafting) > 50))
        return zt_fail(e, ZT_EINVAL, "drafting", "参与编制的项目须是至多 50 项的数组");
    json_array_foreach(pf->drafting, i, v) {
        const char *code, *note;
        if (!json_is_object(v) || zt_json_only(v, (const char *const[]){"project_code", "note", NULL}, e) ||
            zt_json_str(v, "project_code", 1, 64, &code, e) || zt_json_str(v, "note", 0, 200, &note, e))
            return zt_fail(e, ZT_EINVAL, "drafting", "参与编制的项目须为 {project_code, note}");
    }
    pf->unavailable = json_object_get(b, "unavailable");
    if (pf->unavailable && (!json_is_array(pf->unavailable) || json_array_size(pf->unavailable) > 366))
        return zt_fail(e, ZT_EINVAL, "unavailable", "不能参加评标的日期须是至多 366 个日期的数组");
    json_array_foreach(pf->unavailable, i, v) {
        if (!valid_day(json_string_value(v))) return zt_fail(e, ZT_EINVAL, "unavailable", "日期须为 YYYY-MM-DD");
    }
    return ZT_OK;
}

static zt_err region_exists(zt_db *db, const char *code, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM regions WHERE code = ?", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    return s == ZT_ROW ? ZT_OK : zt_fail(e, ZT_EINVAL, "region_code", "未知的行政区划：%s", code);
}

/* Writes what pf carries of expert id (inside the write). */
static zt_err store_profile(zt_db *db, int64_t id, const profile *pf, int64_t now, zt_error *e) {
    zt_err rc = ZT_OK;
    if (pf->region && (rc = region_exists(db, pf->region, e))) return rc;
    if ((pf->phone &&
         (rc = zt_db_run(db, e, "UPDATE experts SET phone = ? WHERE id = ?", ZT_T(pf->phone), ZT_I(id)))) ||
        (pf->region &&
         (rc = zt_db_run(db, e, "UPDATE experts SET region_code = ? WHERE id = ?", ZT_T(pf->region), ZT_I(id)))) ||
        (pf->title &&
         (rc = zt_db_run(db, e, "UPDATE experts SET title = ? WHERE id = ?", ZT_T(pf->title), ZT_I(id)))) ||
        (pf->seniority >= 0 &&
         (rc = zt_db_run(db, e, "UPDATE experts SET seniority = ? WHERE id = ?", ZT_I(pf->seniority), ZT_I(id)))) ||
        (rc = zt_db_run(db, e, "UPDATE experts SET updated_at = ? WHERE id = ?", ZT_I(now), ZT_I(id))))
        return rc;
    size_t i;
    json_t *v;
    if (pf->employer) {
        const char *name = json_string_value(json_object_get(pf->employer, "name")),
                   *uscc = json_string_value(json_object_get(pf->employer, "uscc")),
                   *since = json_string_value(json_object_get(pf->employer, "since"));
        /* a new current employer ends the previous one the day it starts */
        zt_stmt *st = zt_db_query(
            db, e, "SELECT uscc, since FROM expert_employers WHERE expert_id = ? AND until IS NULL", ZT_I(id));
        if (!st) return ZT_EINTERNAL;
        int same = 0, have = zt_step(st, e) == ZT_ROW;
        if (have) same = !strcmp(zt_col_text(st, 0), uscc) && !strcmp(zt_col_text(st, 1), since);
        zt_db_release(db);
        if (!same) {
            if ((have && (rc = zt_db_run(db, e,
                                         "UPDATE expert_employers SET until = max(since, ?) WHERE expert_id = ?"
                                         " AND until IS NULL",
                                         ZT_T(since), ZT_I(id)))) ||
                (rc =
                     zt_db_run(db, e, "INSERT INTO expert_employers (expert_id, name, uscc, since) VALUES (?, ?, ?, ?)",
                               ZT_I(id), ZT_T(name), ZT_T(uscc), ZT_T(since))))
                return rc;
        }
    }
    json_array_foreach(pf->past, i, v) {
        if ((rc = zt_db_run(db, e,
                            "INSERT INTO expert_employers (expert_id, name, uscc, since, until) VALUES (?, ?, ?, ?, ?)",
                            ZT_I(id), ZT_T(json_string_value(json_object_get(v, "name"))),
                            ZT_T(json_string_value(json_object_get(v, "uscc"))),
                            ZT_T(json_string_value(json_object_get(v, "since"))),
                            ZT_T(json_string_value(json_object_get(v, "until"))))))
            return rc;
    }
    if (pf->specialties) {
        if ((rc = zt_db_run(db, e, "DELETE FROM expert_specialties WHERE expert_id = ?", ZT_I(id)))) return rc;
        json_array_foreach(pf->specialties, i, v) {
            if ((rc = zt_db_run(db, e, "INSERT OR IGNORE INTO expert_specialties (expert_id, code) VALUES (?, ?)",
                                ZT_I(id), ZT_T(json_string_value(v)))))
                return rc;
        }
    }
    if (pf->relatives) {
        if ((rc = zt_db_run(db, e, "DELETE FROM expert_relatives WHERE expert_id = ?", ZT_I(id)))) return rc;
        json_array_foreach(pf->relatives, i, v) {
            if ((rc = zt_db_run(
                     db, e, "INSERT INTO expert_relatives (expert_id, name, id_number, relation) VALUES (?, ?, ?, ?)",
                     ZT_I(id), ZT_T(json_string_value(json_object_get(v, "name"))),
                     ZT_T(json_string_value(json_object_get(v, "id_number"))),
                     ZT_T(json_string_value(json_object_get(v, "relation"))))))
                return rc;
        }
    }
    if (pf->drafting) {
        if ((rc = zt_db_run(db, e, "DELETE FROM expert_drafting WHERE expert_id = ?", ZT_I(id)))) return rc;
        json_array_foreach(pf->drafting, i, v) {
            const char *note = json_string_value(json_object_get(v, "note"));
            if ((rc = zt_db_run(db, e, "INSERT INTO expert_drafting (expert_id, project_code, note) VALUES (?, ?, ?)",
                                ZT_I(id), ZT_T(json_string_value(json_object_get(v, "project_code"))),
                                ZT_T(note ? note : ""))))
                return rc;
        }
    }
    if (pf->unavailable) {
        if ((rc = zt_db_run(db, e, "DELETE FROM expert_unavailable WHERE expert_id = ?", ZT_I(id)))) return rc;
        json_array_foreach(pf->unavailable, i, v) {
            if ((rc = zt_db_run(db, e, "INSERT OR IGNORE INTO expert_unavailable (expert_id, day) VALUES (?, ?)",
                                ZT_I(id), ZT_T(json_string_value(v)))))
                return rc;
        }
    }
    return ZT_OK;
}

/* --- entry: application and recommendation ------------------------------------- */

typedef struct {
    zt_app *app;
    const zt_principal *p;
    profile pf;
    int recommend;
    int64_t id;
} entry_arg;

static zt_err entry_write(zt_db *db, void *arg, zt_error *e) {
    entry_arg *a = arg;
    char name[200] = "", idn[24] = "";
    if (a->recommend) {
        snprintf(name, sizeof name, "%s", a->pf.name);
        snprintf(idn, sizeof idn, "%s", a->pf.id_number);
    } else { /* the applicant's own name and verified ID number */
        zt_stmt *st =
            zt_db_query(db, e, "SELECT name, coalesce(id_number, '') FROM users WHERE id = ?", ZT_I(a->p->user_id));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) == ZT_ROW) {
            snprintf(name, sizeof name, "%s", zt_col_text(st, 0));
            snprintf(idn, sizeof idn, "%s", zt_col_text(st, 1));
        }
        zt_db_release(db);
        if (!*idn) return zt_fail(e, ZT_EINVAL, "id_number", "账户没有实名身份证号码，不能申请");
    }
    zt_stmt *st = zt_db_query(db, e, "SELECT state FROM experts WHERE id_number = ?", ZT_T(idn));
    if (!st) return ZT_EINTERNAL;
    int dup = zt_step(st, e) == ZT_ROW;
    zt_db_release(db);
    if (dup) return zt_fail(e, ZT_ECONFLICT, "id_number", "该身份证号码已在专家库中（或已申请）");
    char birth[11] = {idn[6], idn[7], idn[8], idn[9], '-', idn[10], idn[11], '-', idn[12], idn[13], 0};
    int64_t now = zt_now();
    int age = zt_experts_age(birth, zt_day_of_instant(now));
    if (age >= a->app->cfg->experts_age_limit)
        return zt_fail(e, ZT_EINVAL, "id_number", "年龄已达 %lld 周岁，不能入库（experts.age_limit）",
                       (long long)a->app->cfg->experts_age_limit);
    zt_err rc = region_exists(db, a->pf.region, e);
    if (rc) return rc;
    char number[32];
    if ((rc = zt_number_next(db, "ZJ", 6, number, sizeof number, e))) return rc;
    st = zt_db_query(db, e,
                     "INSERT INTO experts (number, name, id_number, birth_date, phone, region_code, title, seniority,"
                     " state, entry, applicant_id, recommender_dept_id, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?, ?, ?) RETURNING id",
                     ZT_T(number), ZT_T(name), ZT_T(idn), ZT_T(birth), ZT_T(a->pf.phone), ZT_T(a->pf.region),
                     ZT_T(a->pf.title), ZT_I(a->pf.seniority), ZT_T(a->recommend ? "recommendation" : "application"),
                     a->recommend ? ZT_NULL : ZT_I(a->p->user_id), a->recommend ? ZT_I(a->p->dept_id) : ZT_NULL,
                     ZT_I(now), ZT_I(now));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    a->id = zt_col_int(st, 0);
    zt_db_release(db);
    if ((rc = store_profile(db, a->id, &a->pf, now, e))) return rc;
    expert_row x;
    if ((rc = load_row(db, a->id, &x, e))) return rc;
    zt_flow_instance in;
    if ((rc = expert_instance(&x, &in, e))) return rc;
    zt_flow_opts o = {.at = now};
    return zt_flow_create(db, &in, a->recommend ? "recommend" : "apply", a->p, NULL, &o, e);
}

static const char *const PROFILE_KEYS[] = {"phone",          "region_code", "title",     "seniority", "employer",
                                           "past_employers", "specialties", "relatives", "drafting",  "unavailable",
                                           "name",           "id_number",   NULL};

static zt_err entry(zt_req *r, int recommend, zt_error *e) {
    zt_app *app = zt_req_app(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    entry_arg a = {.app = app, .p = zt_req_principal(r), .recommend = recommend};
    if ((rc = zt_json_only(b, PROFILE_KEYS, e))) return rc;
    if (!recommend && (json_object_get(b, "name") || json_object_get(b, "id_number")))
        return zt_fail(e, ZT_EINVAL, "id_number", "本人申请使用账户的实名信息，不填写姓名和身份证号码");
    if ((rc = read_profile(app, b, 1, &a.pf, e))) return rc;
    if (recommend) {
        const char *why = NULL;
        if ((rc = zt_json_str(b, "name", 1, 64, &a.pf.name, e)) ||
            (rc = zt_json_str(b, "id_number", 1, 18, &a.pf.id_number, e)))
            return rc;
        if (!zt_idnum_valid(a.pf.id_number, &why))
            return zt_fail(e, ZT_EINVAL, "id_number", "居民身份证号码无效（%s）", why ? why : "");
    }
    if ((rc = zt_store_write(app->store, entry_write, &a, e))) return rc;
    return reply_expert(r, "x.id = ? AND ? > 0", a.id, 201, e);
}

static zt_err h_apply(zt_req *r, zt_error *e) { return entry(r, 0, e); }
static zt_err h_recommend(zt_req *r, zt_error *e) { return entry(r, 1, e); }

/* --- status changes (the centre) --------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    int64_t id;
    const char *action;
    json_t *fields;
} step_arg;

static zt_err step_write(zt_db *db, void *arg, zt_error *e) {
    step_arg *a = arg;
    expert_row x;
    zt_err rc = load_row(db, a->id, &x, e);
    if (rc) return rc;
    zt_flow_instance in;
    if ((rc = expert_instance(&x, &in, e))) return rc;
    return zt_flow_step(db, &in, a->action, a->p, a->fields, NULL, e);
}

static zt_err h_step(zt_req *r, zt_error *e) {
    step_arg a = {.p = zt_req_principal(r), .action = zt_req_param(r, "action")};
    zt_err rc = zt_req_param_id(r, "id", &a.id, e);
    if (!rc) rc = zt_req_json(r, &a.fields, e);
    if (rc) return rc;
    if (!strcmp(a.action, "apply") || !strcmp(a.action, "recommend"))
        return zt_fail(e, ZT_EINVAL, "action", "入库申请请用 POST /api/experts/apply 或 /api/experts");
    if ((rc = zt_store_write(((zt_app *)zt_req_app(r))->store, step_write, &a, e))) return rc;
    return reply_expert(r, "x.id = ? AND ? > 0", a.id, 200, e);
}

/* POST /api/experts/{id}/account {login, password}: the expert's own login
 * (role expert), made by the centre once he is in the pool; {login} alone
 * links an existing account of role expert that no expert has yet. */
typedef struct {
    int64_t id, user;
    const char *login;
} link_arg;

static zt_err link_write(zt_db *db, void *arg, zt_error *e) {
    link_arg *l = arg;
    if (!l->user) {
        zt_stmt *st = zt_db_query(db, e,
                                  "SELECT u.id FROM users u WHERE u.login = ? AND u.role = 'expert' AND NOT EXISTS"
                                  " (SELECT 1 FROM experts x WHERE x.user_id = u.id)",
                                  ZT_T(l->login));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) == ZT_ROW) l->user = zt_col_int(st, 0);
        zt_db_release(db);
        if (!l->user) return zt_fail(e, ZT_EINVAL, "login", "没有未关联的评标专家账户 %s", l->login);
    }
    zt_err rc =
        zt_db_run(db, e, "UPDATE experts SET user_id = ? WHERE id = ? AND user_id IS NULL", ZT_I(l->user), ZT_I(l->id));
    if (rc) return rc;
    if (zt_db_changes(db) != 1) return zt_fail(e, ZT_ECONFLICT, "id", "该专家已有登录账户");
    return ZT_OK;
}

static zt_err h_account(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    json_t *b;
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"login", "password", NULL}, e);
    if (rc) return rc;
    zt_user_new u = {.role = "expert"};
    if ((rc = zt_json_str(b, "login", 1, 64, &u.login, e)) || (rc = zt_json_str(b, "password", 0, 256, &u.password, e)))
        return rc;
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st =
        zt_db_query(db, e, "SELECT name, state, user_id IS NOT NULL, phone FROM experts WHERE id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "id", "专家不存在");
    }
    u.name = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 0));
    int active = !strcmp(zt_col_text(st, 1), "active"), linked = zt_col_int(st, 2) != 0;
    u.phone = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 3));
    zt_db_release(db);
    if (linked) return zt_fail(e, ZT_ECONFLICT, "id", "该专家已有登录账户");
    if (!active) return zt_fail(e, ZT_ECONFLICT, "state", "专家在库后才能开通登录账户");
    link_arg l = {.id = id, .login = u.login};
    if (u.password && (rc = zt_user_create(app, zt_req_principal(r), &u, &l.user, e))) return rc;
    if ((rc = zt_store_write(app->store, link_write, &l, e))) return rc;
    return reply_expert(r, "x.id = ? AND ? > 0", id, 201, e);
}

/* --- reading ------------------------------------------------------------------------ */

static zt_err h_get(zt_req *r, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    return rc ? rc : reply_expert(r, "x.id = ? AND ? > 0", id, 200, e);
}

/* GET /api/expert/me: the expert's own profile (his login, or the citizen
 * who applied: his application). 404 when he has none. */
static zt_err h_me(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    return reply_expert(r, "x.user_id = ? OR x.applicant_id = ?", p->user_id, 200, e);
}

typedef struct {
    zt_app *app;
    const zt_principal *p;
    profile pf;
    int64_t id;
} me_arg;

static zt_err me_write(zt_db *db, void *arg, zt_error *e) {
    me_arg *a = arg;
    zt_stmt *st = zt_db_query(db, e, "SELECT id, number, state FROM experts WHERE user_id = ? OR applicant_id = ?",
                              ZT_I(a->p->user_id), ZT_I(a->p->user_id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "id", "没有您的专家信息");
    }
    a->id = zt_col_int(st, 0);
    char number[32], state[16];
    snprintf(number, sizeof number, "%s", zt_col_text(st, 1));
    snprintf(state, sizeof state, "%s", zt_col_text(st, 2));
    zt_db_release(db);
    if (!strcmp(state, "retired") || !strcmp(state, "blacklisted") || !strcmp(state, "rejected"))
        return zt_fail(e, ZT_ECONFLICT, "state", "已不在专家库中，不能修改信息");
    zt_err rc = store_profile(db, a->id, &a->pf, zt_now(), e);
    if (rc) return rc;
    json_t *what = json_array();
    if (a->pf.phone) json_array_append_new(what, json_string("phone"));
    if (a->pf.region) json_array_append_new(what, json_string("region_code"));
    if (a->pf.title) json_array_append_new(what, json_string("title"));
    if (a->pf.seniority >= 0) json_array_append_new(what, json_string("seniority"));
    if (a->pf.employer) json_array_append_new(what, json_string("employer"));
    if (a->pf.past) json_array_append_new(what, json_string("past_employers"));
    if (a->pf.specialties) json_array_append_new(what, json_string("specialties"));
    if (a->pf.relatives) json_array_append_new(what, json_string("relatives"));
    if (a->pf.drafting) json_array_append_new(what, json_string("drafting"));
    if (a->pf.unavailable) json_array_append_new(what, json_string("unavailable"));
    return record_new(db, a->p, "expert.update", "expert", number, a->p->user_id, json_pack("{s:o}", "changed", what),
                      e);
}

static zt_err h_me_update(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    json_t *b;
    me_arg a = {.app = app, .p = zt_req_principal(r)};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, PROFILE_KEYS, e);
    if (rc) return rc;
    if (json_object_get(b, "name") || json_object_get(b, "id_number"))
        return zt_fail(e, ZT_EINVAL, "id_number", "姓名和身份证号码不能自行修改");
    if ((rc = read_profile(app, b, 0, &a.pf, e))) return rc;
    if ((rc = zt_store_write(app->store, me_write, &a, e))) return rc;
    return h_me(r, e);
}

typedef struct {
    json_t *items;
    const zt_principal *p;
} list_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    json_array_append_new(l->items, expert_json(st, l->p));
}

/* GET /api/experts ?q= (name, number, employer) ?state= ?specialty= (a
 * code or a class letter) ?region= ?entry=, paged; newest first. */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    const char *q = zt_req_query(r, "q"), *state = zt_req_query(r, "state"), *spec = zt_req_query(r, "specialty"),
               *region = zt_req_query(r, "region"), *entry_kind = zt_req_query(r, "entry");
    static const char *const cols[] = {
        "x.name", "x.number", "(SELECT m.name FROM expert_employers m WHERE m.expert_id = x.id AND m.until IS NULL)",
        NULL};
    if (q && *q) zt_qb_search(&f, q, cols);
    if (state && *state) {
        zt_qb_sql(&f, " AND x.state = ?");
        zt_qb_text(&f, state);
    }
    if (entry_kind && *entry_kind) {
        zt_qb_sql(&f, " AND x.entry = ?");
        zt_qb_text(&f, entry_kind);
    }
    if (spec && *spec) {
        zt_qb_sql(&f, " AND EXISTS (SELECT 1 FROM expert_specialties s WHERE s.expert_id = x.id AND"
                      " (s.code = ? OR substr(s.code, 1, 1) = ?))");
        zt_qb_text(&f, spec);
        zt_qb_text(&f, spec);
    }
    if (region && *region) zt_qb_region(&f, "x.region_code", region);
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array(), zt_req_principal(r)};
    rc = zt_qb_list(zt_store_reader(app->store), &f, EXPERT_COLS, EXPERT_FROM, "ORDER BY x.id DESC", limit, offset,
                    list_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

static zt_err h_specialties(zt_req *r, zt_error *e) {
    json_t *d = zt_experts_specialties(zt_req_app(r));
    if (!d) return zt_fail(e, ZT_EUNAVAIL, NULL, "专业分类未加载");
    zt_reply_json(r, 200, json_incref(d));
    return ZT_OK;
}

/* --- the retirement job ---------------------------------------------------------------- */

typedef struct {
    zt_app *app;
    int64_t now;
    int n;
} retire_arg;

static zt_err retire_write(zt_db *db, void *arg, zt_error *e) {
    retire_arg *a = arg;
    zt_day today = zt_day_of_instant(a->now);
    int y, m, d;
    zt_day_to_ymd(today, &y, &m, &d);
    /* born on or before this day minus age_limit years: past the limit */
    char cut[40];
    snprintf(cut, sizeof cut, "%04d-%02d-%02d", y - (int)a->app->cfg->experts_age_limit, m, d);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT id FROM experts WHERE state IN ('active', 'suspended') AND birth_date <= ?"
                              " ORDER BY id LIMIT 500",
                              ZT_T(cut));
    if (!st) return ZT_EINTERNAL;
    int64_t ids[500];
    int n = 0;
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) ids[n++] = zt_col_int(st, 0);
    zt_db_release(db);
    if (zt_step_failed(s)) return s;
    zt_principal sys = {.role = "system", .role_bit = ZT_R_SYSTEM, .login = "experts.retire"};
    for (int i = 0; i < n; i++) {
        expert_row x;
        zt_flow_instance in;
        zt_err rc = load_row(db, ids[i], &x, e);
        if (!rc) rc = expert_instance(&x, &in, e);
        char why[160];
        snprintf(why, sizeof why, "年满 %lld 周岁，自动退出专家库（experts.age_limit）",
                 (long long)a->app->cfg->experts_age_limit);
        json_t *f = json_pack("{s:s}", "reason", why);
        zt_flow_opts o = {.at = a->now};
        if (!rc) rc = zt_flow_step(db, &in, "retire", &sys, f, &o, e);
        json_decref(f);
        if (rc) return rc;
        zt_info("experts: %s %s retired past the age limit of %lld", x.number, x.name,
                (long long)a->app->cfg->experts_age_limit);
        a->n++;
    }
    return ZT_OK;
}

zt_err zt_experts_retire_due(zt_app *app, int64_t now, int *n, zt_error *e) {
    retire_arg a = {app, now, 0};
    zt_err rc = zt_store_write(app->store, retire_write, &a, e);
    if (n) *n = a.n;
    return rc;
}

zt_err zt_experts_check_rating(zt_db *db, const zt_app *app, int64_t expert_id, int64_t at, int *removed, zt_error *e) {
    *removed = 0;
    zt_stmt *st = zt_db_query(db, e, "SELECT coalesce(sum(score), 0), count(*) FROM expert_ratings WHERE expert_id = ?",
                              ZT_I(expert_id));
    if (!st) return ZT_EINTERNAL;
    double avg = 100;
    if (zt_step(st, e) == ZT_ROW && zt_col_int(st, 1) > 0) avg = (double)zt_col_int(st, 0) / (double)zt_col_int(st, 1);
    zt_db_release(db);
    if (avg >= (double)app->cfg->experts_pass_mark) return ZT_OK;
    expert_row x;
    zt_err rc = load_row(db, expert_id, &x, e);
    if (rc) return rc;
    if (strcmp(x.state, "active") && strcmp(x.state, "suspended")) return ZT_OK;
    zt_flow_instance in;
    if ((rc = expert_instance(&x, &in, e))) return rc;
    char why[200];
    snprintf(why, sizeof why, "评价平均得分 %.1f，低于 %lld 分，解聘（experts.pass_mark）", avg,
             (long long)app->cfg->experts_pass_mark);
    json_t *f = json_pack("{s:s}", "reason", why);
    zt_principal sys = {.role = "system", .role_bit = ZT_R_SYSTEM, .login = "experts.rating"};
    zt_flow_opts o = {.at = at};
    rc = zt_flow_step(db, &in, "retire", &sys, f, &o, e);
    json_decref(f);
    if (!rc) {
        *removed = 1;
        zt_info("experts: %s %s removed: average rating %.1f below %lld", x.number, x.name, avg,
                (long long)app->cfg->experts_pass_mark);
    }
    return rc;
}

struct zt_experts_job {
    zt_app *app;
    zt_periodic *job;
};

static void retire_job(void *arg, int stopping) {
    zt_experts_job *j = arg;
    zt_error e = {0};
    if (!stopping && zt_experts_retire_due(j->app, zt_now(), NULL, &e)) zt_warn("experts: retirement: %s", e.message);
}

zt_experts_job *zt_experts_job_start(zt_app *app) {
    zt_experts_job *j = zt_calloc(1, sizeof *j);
    j->app = app;
    j->job = zt_periodic_start(app->cfg->experts_job_interval * 1000, 0, retire_job, j);
    if (!j->job) {
        free(j);
        return NULL;
    }
    zt_periodic_poke(j->job); /* once at start: a restart does not wait a day */
    return j;
}

void zt_experts_job_stop(zt_experts_job *j) {
    if (!j) return;
    zt_periodic_stop(j->job);
    free(j);
}

zt_err zt_experts_on_clock(zt_app *app, int64_t now, zt_error *e) { return zt_experts_retire_due(app, now, NULL, e); }

/* --- routes ------------------------------------------------------------------------------ */

#define CENTRE       (ZT_R_TRADING)
#define POOL_READERS (ZT_R_TRADING | ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"GET", "/api/experts/specialties", h_specialties, 0, "the two-level specialty classification (评标专业)"},
    {"POST", "/api/experts/apply", h_apply, ZT_R_CITIZEN,
     "apply to join the expert pool (本人申请): profile, employer, specialties, relatives, drafting"},
    {"POST", "/api/experts", h_recommend, ZT_R_CLERK | ZT_R_DEPT_HEAD,
     "recommend an expert (单位推荐): name, id_number and the profile"},
    {"GET", "/api/experts", h_list, POOL_READERS, "the pool (?q ?state ?specialty ?region ?entry, paged)"},
    {"GET", "/api/experts/{id}", h_get, POOL_READERS, "one expert with employers, relatives, drafting, draws"},
    {"POST", "/api/experts/{id}/actions/{action}", h_step, CENTRE,
     "approve | reject | suspend | reinstate | retire | blacklist an expert: {reason}"},
    {"POST", "/api/experts/{id}/account", h_account, CENTRE,
     "open the expert's own login (role expert): {login, password}, or link one: {login}"},
    {"GET", "/api/expert/me", h_me, ZT_R_EXPERT | ZT_R_CITIZEN,
     "the expert's own profile (or the citizen's application)"},
    {"PATCH", "/api/expert/me", h_me_update, ZT_R_EXPERT,
     "update one's own profile: phone, region, title, employer, relatives, drafting, unavailable dates"},
};

/* The pool's routes and the draws' (draw.c), as one set. */
static zt_route all[sizeof routes / sizeof routes[0] + 16];
static size_t nall;
static pthread_once_t all_once = PTHREAD_ONCE_INIT;

static void all_init(void) {
    size_t nd = 0;
    const zt_route *d = zt_expert_draws_routes(&nd);
    memcpy(all, routes, sizeof routes);
    nall = sizeof routes / sizeof routes[0];
    for (size_t i = 0; i < nd && nall < sizeof all / sizeof all[0]; i++) all[nall++] = d[i];
}

const zt_route *zt_experts_routes(size_t *n) {
    pthread_once(&all_once, all_init);
    *n = nall;
    return all;
}
