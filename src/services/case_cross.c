/* case_cross.c - cases across the two zones (R15, docs/zones.md): what the
 * crossing (src/zones) needs of cases, handed to it by src/routes.c so that
 * neither folder includes the other.
 *
 *   export  the application of a case the 外网 just created, as it crosses
 *   import  on the 内网: the same case, same number, created through the
 *           same write as an application made there (case_apply_write), by
 *           the applicant's account on this side
 *   step    the other side's step taken on this side's copy: the same
 *           engine step (case_act_write) by an actor of the role and
 *           department that took it there; the engine checks the role, the
 *           state (from) and the fields as for any step
 *
 * The actors are the crossing's: their login is the crossing's (zone:...),
 * which is how the crossing knows not to send their steps back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "org/org.h"
#include "services/case.h"
#include "services/services.h"
#include "store/query.h"

json_t *zt_cases_cross_export(zt_db *db, const char *number, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT c.id, c.number, i.code, c.applicant_type, c.applicant_name, c.applicant_no,"
                              " c.contact_phone, c.title, c.form, c.submitted_at FROM cases c"
                              " JOIN items i ON i.id = c.item_id WHERE c.number = ?",
                              ZT_T(number));
    if (!st) return NULL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) {
        if (!zt_step_failed(rc)) zt_fail(e, ZT_ENOTFOUND, "number", "办件 %s 不存在", number);
        return NULL;
    }
    int64_t id = zt_col_int(st, 0);
    json_t *form = json_loads(zt_col_text(st, 8), 0, NULL);
    json_t *out = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:o,s:I,s:[]}", "number", zt_col_text(st, 1), "item_code",
                            zt_col_text(st, 2), "applicant", "type", zt_col_text(st, 3), "name", zt_col_text(st, 4),
                            "number", zt_col_text(st, 5), "phone", zt_col_text(st, 6), "title", zt_col_text(st, 7),
                            "form", json_is_object(form) ? form : json_object(), "submitted_at",
                            (json_int_t)zt_col_int(st, 9), "materials");
    if (!json_is_object(form)) json_decref(form);
    zt_db_release(db);
    if (!out) {
        zt_fail(e, ZT_EINTERNAL, NULL, "cannot build the application of %s", number);
        return NULL;
    }
    st = zt_db_query(db, e,
                     "SELECT m.material, u.filename, f.sha256, f.size FROM case_materials m"
                     " JOIN uploads u ON u.id = m.upload_id JOIN files f ON f.sha256 = u.sha256"
                     " WHERE m.case_id = ? AND m.event_seq IS NULL ORDER BY m.id",
                     ZT_I(id));
    if (!st) {
        json_decref(out);
        return NULL;
    }
    json_t *mats = json_object_get(out, "materials");
    while ((rc = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(mats, json_pack("{s:s,s:s,s:s,s:I}", "material", zt_col_text(st, 0), "filename",
                                              zt_col_text(st, 1), "sha256", zt_col_text(st, 2), "size",
                                              (json_int_t)zt_col_int(st, 3)));
    zt_db_release(db);
    if (zt_step_failed(rc)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* The applicant's account on this side: the one holding the ID number (or
 * credit code), or a new one that cannot log in (the applicant is not
 * served on the 内网), recorded as user.mirror. */
static zt_err applicant_account(zt_db *db, const zt_principal *via, json_t *who, int64_t *id, zt_error *e) {
    const char *type = json_string_value(json_object_get(who, "type"));
    const char *name = json_string_value(json_object_get(who, "name"));
    const char *no = json_string_value(json_object_get(who, "number"));
    const char *phone = json_string_value(json_object_get(who, "phone"));
    int citizen = !strcmp(type, "citizen");
    zt_stmt *st = zt_db_query(db, e,
                              citizen ? "SELECT id FROM users WHERE id_number = ? AND role = 'citizen'"
                                      : "SELECT id FROM users WHERE credit_code = ? AND role = 'enterprise'",
                              ZT_T(no));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_ROW) {
        *id = zt_col_int(st, 0);
        zt_db_release(db);
        return ZT_OK;
    }
    zt_db_release(db);
    char login[96];
    snprintf(login, sizeof login, "zone-%s-%.40s", type, no);
    int64_t now = zt_now();
    st = zt_db_query(db, e,
                     citizen ? "INSERT INTO users (login, name, role, id_number, phone, password_hash, disabled,"
                               " created_at, updated_at) VALUES (?, ?, 'citizen', ?, ?, '!', 1, ?, ?) RETURNING id"
                             : "INSERT INTO users (login, name, role, credit_code, phone, password_hash, disabled,"
                               " created_at, updated_at) VALUES (?, ?, 'enterprise', ?, ?, '!', 1, ?, ?) RETURNING id",
                     ZT_T(login), ZT_T(name), ZT_T(no), ZT_T(phone ? phone : ""), ZT_I(now), ZT_I(now));
    if (!st) return ZT_EINTERNAL;
    if ((rc = zt_step(st, e)) != ZT_ROW)
        return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EINTERNAL, NULL, "insert returned no id");
    *id = zt_col_int(st, 0);
    zt_db_release(db);
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)*id);
    json_t *detail =
        json_pack("{s:s,s:s,s:s}", "login", login, "role", type, "note", "申请人经外网提交，内网建档（不能登录）");
    rc = zt_record(db, via, "user.mirror", "user", sid, *id, detail, e);
    json_decref(detail);
    return rc;
}

zt_err zt_cases_cross_import(zt_app *app, zt_db *db, const zt_principal *via, json_t *b, zt_error *e) {
    zt_arena arena, *A = &arena;
    zt_arena_init(A);
    const char *number = json_string_value(json_object_get(b, "number"));
    const char *code = json_string_value(json_object_get(b, "item_code"));
    json_t *who = json_object_get(b, "applicant"), *guide = NULL;
    case_new a = {.app = app};
    zt_err rc;
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM cases WHERE number = ?", ZT_T(number));
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    rc = zt_step(st, e);
    zt_db_release(db);
    if (zt_step_failed(rc)) goto out;
    if (rc == ZT_ROW) {
        rc = zt_fail(e, ZT_ECONFLICT, "body.number", "办件 %s 已经存在", number);
        goto out;
    }
    st = zt_db_query(db, e,
                     "SELECT i.id, i.code, i.version, i.name, i.flow_id, i.region_code, i.dept_id, d.code,"
                     " i.legal_days, i.promised_days, i.guide, i.extension_days FROM items i"
                     " JOIN departments d ON d.id = i.dept_id WHERE i.code = ? AND i.status = 'published'",
                     ZT_T(code));
    if (!st) {
        rc = ZT_EINTERNAL;
        goto out;
    }
    if ((rc = zt_step(st, e)) != ZT_ROW) {
        zt_db_release(db);
        if (!zt_step_failed(rc)) rc = zt_fail(e, ZT_ENOTFOUND, "body.item_code", "事项 %s 在内网不存在或未发布", code);
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
    guide = json_loads(zt_col_text(st, 10), 0, NULL);
    a.extension_days = (int)zt_col_int(st, 11);
    zt_db_release(db);
    const zt_flow *f = zt_flows_get(a.flow_id, 0);
    if (!f) {
        rc = zt_fail(e, ZT_EINTERNAL, "item_code", "事项的办理流程「%s」未加载", a.flow_id);
        goto out;
    }
    a.flow_version = zt_flow_version(f);
    int64_t uid = 0;
    if ((rc = applicant_account(db, via, who, &uid, e))) goto out;
    zt_principal p = {.user_id = uid,
                      .role = json_string_value(json_object_get(who, "type")),
                      .login = via->login,
                      .name = json_string_value(json_object_get(who, "name"))};
    p.role_bit = zt_role_bit(p.role);
    a.p = &p;
    a.title = json_string_value(json_object_get(b, "title"));
    a.phone = json_string_value(json_object_get(who, "phone"));
    a.applicant_type = p.role;
    a.applicant_name = p.name;
    a.applicant_no = json_string_value(json_object_get(who, "number"));
    a.form = json_dumps(json_object_get(b, "form"), JSON_COMPACT | JSON_SORT_KEYS);
    json_t *empty = json_array();
    a.joint = json_object_get(guide, "joint_departments");
    if (!json_is_array(a.joint)) a.joint = empty;
    snprintf(a.number, sizeof a.number, "%s", number); /* the 外网's number: one case, one number */
    rc = case_apply_write(db, &a, e);
    json_decref(empty);
    free(a.form);
out:
    json_decref(guide);
    zt_arena_free(A);
    return rc;
}

zt_err zt_cases_cross_step(zt_app *app, zt_db *db, const zt_principal *via, json_t *b, zt_error *e) {
    zt_arena arena, *A = &arena;
    zt_arena_init(A);
    const char *number = json_string_value(json_object_get(b, "number"));
    const char *from = json_string_value(json_object_get(b, "from"));
    const char *role = json_string_value(json_object_get(b, "actor_role"));
    const char *dcode = json_string_value(json_object_get(b, "actor_department"));
    case_row c;
    zt_err rc = case_load(db, A, number, &c, e);
    if (rc) {
        if (rc == ZT_ENOTFOUND) snprintf(e->field, sizeof e->field, "body.number");
        goto out;
    }
    if (strcmp(c.state, from)) {
        rc = zt_fail(e, ZT_ECONFLICT, "body.from", "办件 %s 在本侧是「%s」，不是「%s」", number, c.state, from);
        goto out;
    }
    zt_principal p = {.login = via->login};
    zt_dept d;
    if (!role) { /* the applicant's step (supplement.submitted) */
        p.user_id = c.applicant_id;
        p.role = c.applicant_type;
        p.name = c.applicant_name;
    } else {
        p.role = role;
        p.name = "内网工作人员";
        p.dept_id = c.dept_id;
        p.dept_code = c.dept_code;
        if (dcode && *dcode && strcmp(dcode, c.dept_code)) { /* a joint department's step */
            if ((rc = zt_dept_by_code(db, dcode, &d, e))) goto out;
            p.dept_id = d.id;
            p.dept_code = d.code;
        }
    }
    p.role_bit = zt_role_bit(p.role);
    if (!p.role_bit || (role && (p.role_bit & ZT_R_PEOPLE))) {
        rc = zt_fail(e, ZT_EINVAL, "body.actor_role", "角色「%s」不能从内网办理办件", p.role ? p.role : "");
        goto out;
    }
    case_act a = {.p = &p,
                  .app = app,
                  .c = &c,
                  .action = json_string_value(json_object_get(b, "action")),
                  .fields = json_object_get(b, "fields")};
    rc = case_act_write(db, &a, e);
out:
    zt_arena_free(A);
    return rc;
}

char *zt_cases_cross_material_path(const zt_config *cfg, const char *sha256) {
    return zt_upload_file_path(cfg, sha256);
}

zt_err zt_cases_cross_material(zt_app *app, zt_db *db, const zt_principal *via, json_t *b, const unsigned char *data,
                               size_t len, zt_error *e) {
    zt_arena arena, *A = &arena;
    zt_arena_init(A);
    case_row c = {0};
    zt_err rc = case_load(db, A, json_string_value(json_object_get(b, "number")), &c, e);
    if (rc == ZT_ENOTFOUND) snprintf(e->field, sizeof e->field, "body.number");
    if (!rc && len > (size_t)app->cfg->upload_max_bytes)
        rc = zt_fail(e, ZT_ETOOLARGE, "body.size", "文件大于 services.upload_max_bytes");
    zt_principal p = {
        .user_id = c.applicant_id, .role = c.applicant_type, .login = via->login, .name = c.applicant_name};
    int64_t upload_id = 0;
    if (!rc) {
        p.role_bit = zt_role_bit(p.role);
        rc = zt_upload_import(db, app->cfg, &p, json_string_value(json_object_get(b, "filename")), data, len,
                              &upload_id, e);
    }
    if (!rc)
        rc = zt_db_run(db, e,
                       "INSERT INTO case_materials (case_id, material, upload_id, event_seq, added_by, added_at)"
                       " VALUES (?, ?, ?, NULL, ?, ?)",
                       ZT_I(c.id), ZT_T(json_string_value(json_object_get(b, "material"))), ZT_I(upload_id),
                       ZT_I(c.applicant_id), ZT_I(zt_now()));
    zt_arena_free(A);
    return rc;
}
