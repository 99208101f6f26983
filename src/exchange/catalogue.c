/* catalogue.c - the catalogue of government information resources
 * (政务信息资源目录, GB/T 21063, 编制指南): a providing department drafts a
 * record, submits it, the data office (数据管理机构) publishes it or returns
 * it (data/flows/catalogue.json); each publication is a version. Search
 * reads the published catalogue (ex_catalogue); the open part is exported
 * as DCAT (JSON-LD) for the open-data portal. The base catalogues the plan
 * names are seeded from source.dir/exchange/catalogue.json. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "exchange/exchange_int.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "http/access.h"
#include "ledger/record.h"
#include "org/org.h"
#include "store/query.h"

/* --- the base databases ----------------------------------------------------- */

static const char *const PERSON_COLS[] = {"id_number", "name",    "sex",       "birth_date", "ethnicity", "region_code",
                                          "address",   "marital", "education", "phone",      NULL};
static const char *const LEGAL_COLS[] = {"uscc",           "name",        "kind",        "representative",
                                         "capital",        "established", "region_code", "address",
                                         "business_scope", "status",      NULL};
static const ex_dataset DATASETS[] = {
    {"persons", "ex_persons", "id_number", PERSON_COLS},
    {"legal_persons", "ex_legal_persons", "uscc", LEGAL_COLS},
};

const ex_dataset *ex_dataset_get(const char *name) {
    for (size_t i = 0; name && i < sizeof DATASETS / sizeof DATASETS[0]; i++)
        if (!strcmp(DATASETS[i].name, name)) return &DATASETS[i];
    return NULL;
}

int ex_is_office(const zt_principal *p) { return (p->role_bit & (ZT_R_DATA | ZT_R_ADMIN)) != 0; }

/* --- the record ------------------------------------------------------------ */

static const char *const SHARE_TYPES[] = {"unconditional", "conditional", "none", NULL};
static const char *const SHARE_LABELS[] = {"无条件共享", "有条件共享", "不予共享", NULL};
static const char *const FORMATS[] = {"数据库", "电子文件", "电子表格", "图形图像", "流媒体", "其他", NULL};
static const char *const METHODS[] = {"接口", "文件下载", "数据库交换", NULL};
static const char *const CYCLES[] = {"实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期", NULL};
static const char *const ITEM_TYPES[] = {"string", "number", "date", "datetime", "boolean", "binary", NULL};

static int one_of(const char *s, const char *const *set) {
    for (int i = 0; s && set[i]; i++)
        if (!strcmp(s, set[i])) return i;
    return -1;
}

/* 类/项/目/细目: "1" (基础信息资源类), "2" (主题), "3" (部门), then up to three
 * levels of two digits: "1-01-02-03". */
static int class_valid(const char *c) {
    if (!c || (c[0] != '1' && c[0] != '2' && c[0] != '3')) return 0;
    size_t n = strlen(c);
    if (n > 10 || (n - 1) % 3) return 0;
    for (size_t i = 1; i < n; i += 3)
        if (c[i] != '-' || !isdigit((unsigned char)c[i + 1]) || !isdigit((unsigned char)c[i + 2])) return 0;
    return 1;
}

static zt_err text(json_t *b, const char *key, int required, size_t maxc, const char **out, zt_error *e) {
    zt_err rc = zt_json_str(b, key, required, maxc * 4, out, e);
    if (rc) return rc;
    if (*out && zt_utf8_len(*out) > maxc) return zt_fail(e, ZT_EINVAL, key, "%s 不能超过 %zu 个字", key, maxc);
    if (required && zt_blank(*out)) return zt_fail(e, ZT_EINVAL, key, "%s 不能为空", key);
    return ZT_OK;
}

static zt_err choice(json_t *b, const char *key, const char *const *set, const char *def, const char **out,
                     zt_error *e) {
    zt_err rc = zt_json_str(b, key, 0, 64, out, e);
    if (rc) return rc;
    if (!*out) *out = def;
    if (!*out || one_of(*out, set) < 0) return zt_fail(e, ZT_EINVAL, key, "%s 的取值不在允许范围内", key);
    return ZT_OK;
}

json_t *ex_record_doc(json_t *b, zt_error *e) {
    static const char *const KEYS[] = {"name",         "summary",      "class",      "keywords",
                                       "format",       "items",        "share_type", "share_condition",
                                       "share_basis",  "share_method", "open",       "open_condition",
                                       "update_cycle", "maintainer",   "related",    NULL};
    const char *name, *summary, *cls, *format, *st, *cond, *basis, *method, *ocond, *cycle, *maint;
    int open;
    if (!json_is_object(b)) {
        zt_fail(e, ZT_EINVAL, NULL, "请求体须是 JSON 对象");
        return NULL;
    }
    if (zt_json_only(b, KEYS, e) || text(b, "name", 1, 100, &name, e) || text(b, "summary", 1, 2000, &summary, e) ||
        text(b, "class", 1, 16, &cls, e) || choice(b, "format", FORMATS, "数据库", &format, e) ||
        choice(b, "share_type", SHARE_TYPES, NULL, &st, e) || text(b, "share_condition", 0, 500, &cond, e) ||
        text(b, "share_basis", 0, 500, &basis, e) || choice(b, "share_method", METHODS, "接口", &method, e) ||
        zt_json_bool(b, "open", 0, &open, e) || text(b, "open_condition", 0, 500, &ocond, e) ||
        choice(b, "update_cycle", CYCLES, "不定期", &cycle, e) || text(b, "maintainer", 0, 100, &maint, e))
        return NULL;
    if (!class_valid(cls)) {
        zt_fail(e, ZT_EINVAL, "class", "分类须是 类（1 基础、2 主题、3 部门）加至多三级两位数字，如 1-01-02");
        return NULL;
    }
    int t = one_of(st, SHARE_TYPES);
    /* 有条件共享 and 不予共享 need their legal or policy basis (国发〔2016〕51号) */
    if (t > 0 && zt_blank(basis)) {
        zt_fail(e, ZT_EINVAL, "share_basis", "%s须注明法律法规或政策依据", SHARE_LABELS[t]);
        return NULL;
    }
    if (t == 1 && zt_blank(cond)) {
        zt_fail(e, ZT_EINVAL, "share_condition", "有条件共享须注明共享条件");
        return NULL;
    }
    if (t == 2 && open) {
        zt_fail(e, ZT_EINVAL, "open", "不予共享的资源不能向社会开放");
        return NULL;
    }
    json_t *kw = json_object_get(b, "keywords"), *items = json_object_get(b, "items"),
           *rel = json_object_get(b, "related");
    json_t *keywords = json_array(), *its = json_array(), *related = json_array(), *v;
    size_t i;
    json_t *doc = json_pack("{s:s,s:s,s:s,s:o,s:s,s:o,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:o}", "name", name, "summary",
                            summary, "class", cls, "keywords", keywords, "format", format, "items", its, "share_type",
                            st, "share_condition", cond ? cond : "", "share_basis", basis ? basis : "", "share_method",
                            method, "open", open, "open_condition", ocond ? ocond : "", "update_cycle", cycle,
                            "maintainer", maint ? maint : "", "related", related);
    if (kw && !json_is_null(kw)) {
        if (!json_is_array(kw) || json_array_size(kw) > 10) {
            zt_fail(e, ZT_EINVAL, "keywords", "关键字须是至多 10 个词的数组");
            goto bad;
        }
        json_array_foreach(kw, i, v) {
            const char *s = json_string_value(v);
            if (!s || zt_blank(s) || zt_utf8_len(s) > 32 || strchr(s, ' ')) {
                zt_fail(e, ZT_EINVAL, "keywords", "关键字 %zu 须是 1-32 个字、不含空格", i + 1);
                goto bad;
            }
            json_array_append(keywords, v);
        }
    }
    if (!json_is_array(items) || json_array_size(items) < 1 || json_array_size(items) > 200) {
        zt_fail(e, ZT_EINVAL, "items", "数据项须是 1-200 项的数组");
        goto bad;
    }
    json_array_foreach(items, i, v) {
        const char *iname = json_string_value(json_object_get(v, "name"));
        const char *label = json_string_value(json_object_get(v, "label"));
        const char *type = json_string_value(json_object_get(v, "type"));
        const char *desc = json_string_value(json_object_get(v, "description"));
        int ok = json_is_object(v) && iname && *iname && strlen(iname) <= 64 && label && !zt_blank(label) &&
                 zt_utf8_len(label) <= 64 && one_of(type, ITEM_TYPES) >= 0 && json_object_size(v) <= 4 &&
                 (!json_object_get(v, "description") || (desc && zt_utf8_len(desc) <= 500));
        for (const char *c = iname; ok && *c; c++)
            if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_')) ok = 0;
        if (!ok) {
            zt_fail(e, ZT_EINVAL, "items",
                    "数据项 %zu 须有 name（小写字母、数字、下划线）、label（中文名称）和 type（%s 等）", i + 1,
                    "string、number、date");
            goto bad;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(iname, json_string_value(json_object_get(json_array_get(items, j), "name")))) {
                zt_fail(e, ZT_EINVAL, "items", "数据项 %s 重复", iname);
                goto bad;
            }
        json_array_append_new(its, json_pack("{s:s,s:s,s:s,s:s}", "name", iname, "label", label, "type", type,
                                             "description", desc ? desc : ""));
    }
    if (rel && !json_is_null(rel)) {
        if (!json_is_array(rel) || json_array_size(rel) > 20) {
            zt_fail(e, ZT_EINVAL, "related", "关联资源须是至多 20 个标识符的数组");
            goto bad;
        }
        json_array_foreach(rel, i, v) {
            const char *s = json_string_value(v);
            if (!s || !*s || strlen(s) > 64) {
                zt_fail(e, ZT_EINVAL, "related", "关联资源 %zu 须是资源标识符", i + 1);
                goto bad;
            }
            json_array_append(related, v);
        }
    }
    return doc;
bad:
    json_decref(doc);
    return NULL;
}

/* --- the record as a process instance ------------------------------------------ */

typedef struct res_row {
    int64_t id, dept_id, version, updated_at;
    char state[16], identifier[192], dept[ZT_DEPT_CODE_MAX * 4 + 1], region[16], dept_name[ZT_DEPT_NAME_MAX * 4 + 1];
    char *doc; /* owned */
    char dataset[32];
} res_row;

static zt_err load_row(zt_db *db, int64_t id, res_row *rr, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT r.id, r.dept_id, r.version, r.updated_at, r.state, r.identifier, d.code,"
                              " d.region_code, d.name, r.doc, coalesce(r.dataset, '') FROM ex_resources r"
                              " JOIN departments d ON d.id = r.dept_id WHERE r.id = ?",
                              ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(rc) ? rc : zt_fail(e, ZT_ENOTFOUND, "id", "目录不存在");
    }
    *rr = (res_row){.id = zt_col_int(st, 0),
                    .dept_id = zt_col_int(st, 1),
                    .version = zt_col_int(st, 2),
                    .updated_at = zt_col_int(st, 3)};
    snprintf(rr->state, sizeof rr->state, "%s", zt_col_text(st, 4));
    snprintf(rr->identifier, sizeof rr->identifier, "%s", zt_col_text(st, 5));
    snprintf(rr->dept, sizeof rr->dept, "%s", zt_col_text(st, 6));
    snprintf(rr->region, sizeof rr->region, "%s", zt_col_text(st, 7));
    snprintf(rr->dept_name, sizeof rr->dept_name, "%s", zt_col_text(st, 8));
    rr->doc = strdup(zt_col_text(st, 9));
    snprintf(rr->dataset, sizeof rr->dataset, "%s", zt_col_text(st, 10));
    zt_db_release(db);
    if (!rr->doc) abort();
    return ZT_OK;
}

/* The provider's staff draft, edit and submit; the data office checks. */
static zt_err res_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *a,
                      zt_error *e) {
    (void)db;
    const res_row *rr = in->row;
    if (!p->user_id) return ZT_OK; /* the system (seeding) */
    if (!strcmp(a->id, "publish") || !strcmp(a->id, "return") || !strcmp(a->id, "retire"))
        return ZT_OK; /* roles: data_officer */
    if (p->dept_id == rr->dept_id || ex_is_office(p)) return ZT_OK;
    return zt_fail(e, ZT_EFORBIDDEN, "id", "只有提供部门可以编制和修改本部门的目录");
}

/* What a step adds: the edited document, the published version. */
typedef struct res_step {
    json_t *doc;     /* edit: the new document (borrowed) */
    const char *who; /* publisher's login */
} res_step;

/* The published catalogue's row and the version's, from the document. */
static zt_err publish_rows(zt_db *db, const res_row *rr, json_t *doc, int64_t version, int64_t at, const char *who,
                           zt_error *e) {
    char day[11];
    zt_day_format(zt_day_of_instant(at), day);
    json_object_set_new(doc, "version", json_integer(version));
    json_object_set_new(doc, "published_on", json_string(day));
    json_object_set_new(doc, "updated_on", json_string(day));
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text) abort();
    /* search text: keywords space separated, the items' Chinese labels */
    size_t i;
    json_t *v;
    char kw[1024] = "", items[8192] = "";
    size_t kn = 0, in = 0;
    json_array_foreach(json_object_get(doc, "keywords"), i, v) {
        int w = snprintf(kw + kn, sizeof kw - kn, "%s%s", kn ? " " : "", json_string_value(v));
        if (w > 0 && (size_t)w < sizeof kw - kn) kn += (size_t)w;
    }
    json_array_foreach(json_object_get(doc, "items"), i, v) {
        int w = snprintf(items + in, sizeof items - in, "%s%s", in ? " " : "",
                         json_string_value(json_object_get(v, "label")));
        if (w > 0 && (size_t)w < sizeof items - in) in += (size_t)w;
    }
    zt_err rc = zt_db_run(db, e,
                          "INSERT INTO ex_resource_versions (resource_id, version, doc, published_at, published_by)"
                          " VALUES (?, ?, ?, ?, ?)",
                          ZT_I(rr->id), ZT_I(version), ZT_T(text), ZT_I(at), ZT_T(who));
    if (!rc)
        rc = zt_db_run(
            db, e,
            "INSERT INTO ex_catalogue (resource_id, identifier, version, class_code, name, summary, keywords,"
            " items_text, dept_id, share_type, open, published_on, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (resource_id) DO UPDATE SET version = excluded.version, class_code = excluded.class_code,"
            " name = excluded.name, summary = excluded.summary, keywords = excluded.keywords,"
            " items_text = excluded.items_text, share_type = excluded.share_type, open = excluded.open,"
            " published_on = excluded.published_on, doc = excluded.doc",
            ZT_I(rr->id), ZT_T(rr->identifier), ZT_I(version), ZT_T(json_string_value(json_object_get(doc, "class"))),
            ZT_T(json_string_value(json_object_get(doc, "name"))),
            ZT_T(json_string_value(json_object_get(doc, "summary"))), ZT_T(kw), ZT_T(items), ZT_I(rr->dept_id),
            ZT_T(json_string_value(json_object_get(doc, "share_type"))),
            ZT_I(json_is_true(json_object_get(doc, "open"))), ZT_T(day), ZT_T(text));
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE ex_resources SET version = ?, doc = ? WHERE id = ?", ZT_I(version), ZT_T(text),
                       ZT_I(rr->id));
    free(text);
    return rc;
}

static zt_err res_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const res_row *rr = m->in->row;
    const res_step *x = m->arg;
    const char *a = m->action.id;
    zt_err rc = ZT_OK;
    json_t *doc = NULL;
    if (!strcmp(a, "edit")) {
        char *t = json_dumps(x->doc, JSON_COMPACT);
        rc = zt_db_run(db, e, "UPDATE ex_resources SET doc = ? WHERE id = ?", ZT_T(t), ZT_I(rr->id));
        free(t);
    } else if (!strcmp(a, "publish") || !strcmp(a, "seed")) {
        doc = json_loads(rr->doc, 0, NULL);
        if (!doc) return zt_fail(e, ZT_EINTERNAL, NULL, "目录内容损坏");
        rc = publish_rows(db, rr, doc, rr->version + 1, m->at, x && x->who ? x->who : "system", e);
        json_decref(doc);
    } else if (!strcmp(a, "retire")) {
        rc =
            zt_db_run(db, e, "UPDATE ex_catalogue SET retired_at = ? WHERE resource_id = ?", ZT_I(m->at), ZT_I(rr->id));
    }
    if (!rc)
        json_object_set_new(m->event, "catalogue",
                            json_pack("{s:s,s:s,s:I}", "identifier", rr->identifier, "department", rr->dept, "version",
                                      (json_int_t)(rr->version + (!strcmp(a, "publish") || !strcmp(a, "seed")))));
    return rc;
}

static const zt_flow_owner RES_OWNER = {
    .subject_type = "catalogue", .table = "ex_resources", .may = res_may, .apply = res_apply};

static zt_err res_instance(const res_row *rr, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("catalogue", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 catalogue 未加载");
    *in = (zt_flow_instance){.owner = &RES_OWNER,
                             .def = f,
                             .row_id = rr->id,
                             .subject = rr->identifier,
                             .state = rr->state,
                             .updated_at = rr->updated_at,
                             .dept_code = rr->dept,
                             .region_code = rr->region,
                             .row = (void *)rr};
    return ZT_OK;
}

/* --- creating ----------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    json_t *doc;            /* checked document (borrowed); provider etc. added */
    const char *dept;       /* provider's code: the principal's, or given by the data office / the seed */
    const char *dataset;    /* seed only */
    const char *action;     /* "draft" or "seed" */
    const char *identifier; /* seed: fixed */
    int64_t id;
} create_arg;

static zt_err create_write(zt_db *db, void *arg, zt_error *e) {
    create_arg *a = arg;
    zt_dept d;
    zt_error nf = {0};
    zt_err found = zt_dept_by_code(db, a->dept, &d, &nf);
    if (found && found != ZT_ENOTFOUND) {
        *e = nf;
        return found;
    }
    if (found || d.retired) return zt_fail(e, ZT_EINVAL, "provider", "提供部门 %s 不存在", a->dept);
    res_row rr = {.dept_id = d.id};
    snprintf(rr.dept, sizeof rr.dept, "%s", d.code);
    snprintf(rr.dept_name, sizeof rr.dept_name, "%s", d.name);
    snprintf(rr.region, sizeof rr.region, "%s", d.region_code);
    if (a->identifier) {
        snprintf(rr.identifier, sizeof rr.identifier, "%s", a->identifier);
    } else {
        /* 信息资源标识符: the class code, then the provider's sequence */
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s/%s", json_string_value(json_object_get(a->doc, "class")), rr.dept);
        zt_err rc = zt_number_next(db, prefix, 5, rr.identifier, sizeof rr.identifier, e);
        if (rc) return rc;
    }
    json_object_set_new(a->doc, "identifier", json_string(rr.identifier));
    json_object_set_new(a->doc, "provider", json_pack("{s:s,s:s}", "code", rr.dept, "name", rr.dept_name));
    char *text = json_dumps(a->doc, JSON_COMPACT);
    int64_t now = zt_now();
    const char *state = !strcmp(a->action, "seed") ? "published" : "draft";
    zt_stmt *st = zt_db_query(db, e,
                              "INSERT INTO ex_resources (identifier, dept_id, state, version, doc, dataset, created_by,"
                              " created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?) RETURNING id",
                              ZT_T(rr.identifier), ZT_I(rr.dept_id), ZT_T(state), ZT_T(text), ZT_T(a->dataset),
                              a->p && a->p->user_id ? ZT_I(a->p->user_id) : ZT_NULL, ZT_I(now), ZT_I(now));
    free(text);
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    a->id = rr.id = zt_col_int(st, 0);
    zt_db_release(db);
    snprintf(rr.state, sizeof rr.state, "%s", state);
    rr.updated_at = now;
    rr.doc = json_dumps(a->doc, JSON_COMPACT);
    zt_flow_instance in;
    rc = res_instance(&rr, &in, e);
    res_step x = {.who = "system"};
    zt_flow_opts o = {.arg = &x, .at = now};
    if (!rc) rc = zt_flow_create(db, &in, a->action, a->p, NULL, &o, e);
    free(rr.doc);
    return rc;
}

/* --- JSON of a record ------------------------------------------------------------ */

static json_t *working_json(zt_stmt *st) {
    json_t *doc = json_loads(zt_col_text(st, 4), 0, NULL);
    return json_pack("{s:I,s:s,s:s,s:I,s:o,s:o,s:s,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0), "identifier",
                     zt_col_text(st, 1), "state", zt_col_text(st, 2), "version", (json_int_t)zt_col_int(st, 3),
                     "record", doc ? doc : json_object(), "updated_at", zt_col_json_time(st, 5), "provider",
                     zt_col_text(st, 6), "provider_name", zt_col_text(st, 7), "dataset", zt_col_json_text(st, 8));
}

#define WORK_COLS "r.id, r.identifier, r.state, r.version, r.doc, r.updated_at, d.code, d.name, r.dataset"
#define WORK_FROM "ex_resources r JOIN departments d ON d.id = r.dept_id"

static zt_err reply_working(zt_req *r, int64_t id, int status, zt_error *e) {
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT " WORK_COLS " FROM " WORK_FROM " WHERE r.id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "目录不存在");
    json_t *o = working_json(st);
    char *ident = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 1));
    zt_db_release(db);
    json_t *events = ex_history(db, "catalogue", ident, e);
    if (!events) {
        json_decref(o);
        return ZT_EINTERNAL;
    }
    json_object_set_new(o, "events", events);
    zt_reply_json(r, status, o);
    return ZT_OK;
}

/* POST /api/exchange/resources: a draft of the principal's department (the
 * data office may name the provider: {provider}). */
static zt_err h_create(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    const char *provider = json_string_value(json_object_get(b, "provider"));
    if (provider && !ex_is_office(p)) return zt_fail(e, ZT_EFORBIDDEN, "provider", "只能编制本部门的目录");
    if (!provider) provider = p->dept_code;
    if (!provider || !*provider) return zt_fail(e, ZT_EINVAL, "provider", "须指定提供部门");
    json_t *copy = json_deep_copy(b);
    json_object_del(copy, "provider");
    json_t *doc = ex_record_doc(copy, e);
    json_decref(copy);
    if (!doc) return e->code;
    create_arg a = {.p = p, .doc = doc, .dept = provider, .action = "draft"};
    rc = zt_store_write(zt_app_of(r)->store, create_write, &a, e);
    json_decref(doc);
    return rc ? rc : reply_working(r, a.id, 201, e);
}

/* --- steps --------------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    int64_t id;
    const char *action;
    json_t *doc;    /* edit */
    json_t *fields; /* return: {reason} */
} step_arg;

static zt_err step_write(zt_db *db, void *arg, zt_error *e) {
    step_arg *a = arg;
    res_row rr;
    zt_err rc = load_row(db, a->id, &rr, e);
    if (rc) return rc;
    /* staff of other departments do not see drafts */
    if (!ex_is_office(a->p) && a->p->dept_id != rr.dept_id) {
        free(rr.doc);
        return zt_fail(e, ZT_ENOTFOUND, "id", "目录不存在");
    }
    if (a->doc) {
        /* the system's members stay */
        json_t *old = json_loads(rr.doc, 0, NULL);
        const char *keep[] = {"identifier", "provider", "version", "published_on", "updated_on", NULL};
        for (int i = 0; old && keep[i]; i++)
            if (json_object_get(old, keep[i])) json_object_set(a->doc, keep[i], json_object_get(old, keep[i]));
        json_decref(old);
        if (rr.dataset[0]) {
            /* a base database's items are its columns: they stay */
            json_t *o2 = json_loads(rr.doc, 0, NULL);
            json_object_set(a->doc, "items", json_object_get(o2, "items"));
            json_decref(o2);
        }
    }
    zt_flow_instance in;
    rc = res_instance(&rr, &in, e);
    res_step x = {.doc = a->doc, .who = a->p->login};
    zt_flow_opts o = {.arg = &x};
    if (!rc) rc = zt_flow_step(db, &in, a->action, a->p, a->fields, &o, e);
    free(rr.doc);
    return rc;
}

static zt_err step(zt_req *r, const char *action, zt_error *e) {
    step_arg a = {.p = zt_req_principal(r), .action = action};
    zt_err rc = zt_req_param_id(r, "id", &a.id, e);
    json_t *b = NULL;
    if (!rc && !strcmp(action, "edit")) {
        if (!(rc = zt_req_json(r, &b, e)) && !(a.doc = ex_record_doc(b, e))) rc = e->code;
    } else if (!rc && (!strcmp(action, "return") || !strcmp(action, "retire"))) {
        if (!(rc = zt_req_json(r, &b, e))) rc = zt_json_only(b, (const char *const[]){"reason", NULL}, e);
        a.fields = b;
    }
    if (!rc) rc = zt_store_write(zt_app_of(r)->store, step_write, &a, e);
    json_decref(a.doc);
    return rc ? rc : reply_working(r, a.id, 200, e);
}

static zt_err h_edit(zt_req *r, zt_error *e) { return step(r, "edit", e); }
static zt_err h_submit(zt_req *r, zt_error *e) { return step(r, "submit", e); }
static zt_err h_publish(zt_req *r, zt_error *e) { return step(r, "publish", e); }
static zt_err h_return(zt_req *r, zt_error *e) { return step(r, "return", e); }
static zt_err h_retire(zt_req *r, zt_error *e) { return step(r, "retire", e); }

/* GET /api/exchange/resources/{id}: the working copy, to its provider and
 * the data office. */
static zt_err h_get_working(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT dept_id FROM ex_resources WHERE id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    int found = zt_step(st, e) == ZT_ROW && (ex_is_office(p) || zt_col_int(st, 0) == p->dept_id);
    zt_db_release(db);
    if (!found) return zt_fail(e, ZT_ENOTFOUND, "id", "目录不存在");
    return reply_working(r, id, 200, e);
}

typedef struct {
    json_t *items;
} list_ctx;

static void work_row(zt_stmt *st, void *ctx) { json_array_append_new(((list_ctx *)ctx)->items, working_json(st)); }

/* GET /api/exchange/resources?state=: working copies (the department's; the
 * data office: all, ?state=submitted its queue). */
static zt_err h_list_working(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!ex_is_office(p)) {
        zt_qb_sql(&f, " AND r.dept_id = ?");
        zt_qb_int(&f, p->dept_id);
    }
    const char *state = zt_req_query(r, "state");
    if (state && *state) {
        if (strcmp(state, "draft") && strcmp(state, "submitted") && strcmp(state, "published"))
            return zt_fail(e, ZT_EINVAL, "state", "state 须是 draft、submitted 或 published");
        zt_qb_sql(&f, " AND r.state = ?");
        zt_qb_text(&f, state);
    }
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array()};
    rc = zt_qb_list(zt_store_reader(zt_app_of(r)->store), &f, WORK_COLS, WORK_FROM, "ORDER BY r.updated_at DESC, r.id",
                    limit, offset, work_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

/* --- the published catalogue ---------------------------------------------------- */

#define CAT_COLS "c.resource_id, c.identifier, c.version, c.doc, c.published_on, d.code, d.name, r.dataset"
#define CAT_FROM "ex_catalogue c JOIN departments d ON d.id = c.dept_id JOIN ex_resources r ON r.id = c.resource_id"

static json_t *cat_json(zt_stmt *st) {
    json_t *doc = json_loads(zt_col_text(st, 3), 0, NULL);
    return json_pack("{s:I,s:s,s:I,s:o,s:s,s:s,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0), "identifier",
                     zt_col_text(st, 1), "version", (json_int_t)zt_col_int(st, 2), "record", doc ? doc : json_object(),
                     "published_on", zt_col_text(st, 4), "provider", zt_col_text(st, 5), "provider_name",
                     zt_col_text(st, 6), "dataset", zt_col_json_text(st, 7));
}

static void cat_row(zt_stmt *st, void *ctx) { json_array_append_new(((list_ctx *)ctx)->items, cat_json(st)); }

/* GET /api/exchange/catalogue?q=&class=&provider=&share_type=&open=: the
 * published catalogue, searched with Chinese keywords (every word of q, in
 * name, summary, keywords or data items), paged. */
static zt_err h_search(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_arena *ar = zt_req_arena(r);
    zt_qb_init(&f, ar, "c.retired_at IS NULL");
    const char *q = zt_req_query(r, "q"), *cls = zt_req_query(r, "class"), *prov = zt_req_query(r, "provider"),
               *st = zt_req_query(r, "share_type"), *open = zt_req_query(r, "open");
    static const char *const COLS[] = {"c.name", "c.summary", "c.keywords", "c.items_text", NULL};
    if (q && strlen(q) > 200) return zt_fail(e, ZT_EINVAL, "q", "检索词过长");
    if (q && *q) {
        /* each word (space or 全角 space separated) must match */
        char *words = zt_arena_strdup(ar, q);
        int n = 0;
        for (char *w = words; *w;) {
            while (*w == ' ' || !strncmp(w, "\xe3\x80\x80", 3)) w += *w == ' ' ? 1 : 3;
            if (!*w) break;
            char *end = w;
            while (*end && *end != ' ' && strncmp(end, "\xe3\x80\x80", 3)) end++;
            char save = *end;
            *end = 0;
            /* four words of four columns: within the statement's bound values */
            if (n == 4) return zt_fail(e, ZT_EINVAL, "q", "最多 4 个检索词");
            zt_qb_search(&f, zt_arena_strdup(ar, w), COLS);
            n++;
            *end = save;
            w = end;
        }
    }
    if (cls && *cls) {
        if (!class_valid(cls)) return zt_fail(e, ZT_EINVAL, "class", "分类代码格式不正确");
        zt_qb_sql(&f, " AND (c.class_code = ? OR substr(c.class_code, 1, ?) = ?)");
        zt_qb_text(&f, cls);
        zt_qb_int(&f, (int64_t)strlen(cls) + 1);
        zt_qb_text(&f, zt_arena_printf(ar, "%s-", cls));
    }
    if (prov && *prov) {
        zt_qb_sql(&f, " AND d.code = ?");
        zt_qb_text(&f, prov);
    }
    if (st && *st) {
        if (one_of(st, SHARE_TYPES) < 0)
            return zt_fail(e, ZT_EINVAL, "share_type", "share_type 须是 unconditional、conditional 或 none");
        zt_qb_sql(&f, " AND c.share_type = ?");
        zt_qb_text(&f, st);
    }
    if (open && *open) {
        zt_qb_sql(&f, " AND c.open = ?");
        zt_qb_int(&f, !strcmp(open, "1") || !strcmp(open, "true"));
    }
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array()};
    rc = zt_qb_list(zt_store_reader(zt_app_of(r)->store), &f, CAT_COLS, CAT_FROM, "ORDER BY c.class_code, c.identifier",
                    limit, offset, cat_row, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

typedef struct {
    json_t *arr;
} ver_ctx;

/* GET /api/exchange/catalogue/{id}: a published record and its versions. */
static zt_err h_cat_get(zt_req *r, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT " CAT_COLS " FROM " CAT_FROM " WHERE c.resource_id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "目录不存在或未发布");
    json_t *out = cat_json(st);
    zt_db_release(db);
    json_t *vers = json_array();
    st = zt_db_query(db, e,
                     "SELECT version, published_at, published_by FROM ex_resource_versions WHERE resource_id = ?"
                     " ORDER BY version DESC",
                     ZT_I(id));
    while (st && zt_step(st, e) == ZT_ROW)
        json_array_append_new(vers, json_pack("{s:I,s:o,s:s}", "version", (json_int_t)zt_col_int(st, 0), "published_at",
                                              zt_col_json_time(st, 1), "published_by", zt_col_text(st, 2)));
    json_object_set_new(out, "versions", vers);
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

/* GET /api/exchange/dcat: the open part of the catalogue as DCAT (JSON-LD,
 * DCAT-AP's minimum: the catalog's title, description, publisher and
 * datasets; each dataset's title, description, keywords, publisher, theme
 * and a distribution with its access URL). Public: the open-data portal
 * harvests it. */
static zt_err h_dcat(zt_req *r, zt_error *e) {
    zt_app *app = zt_app_of(r);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT c.identifier, c.doc, c.published_on, d.code, d.name FROM ex_catalogue c"
                              " JOIN departments d ON d.id = c.dept_id WHERE c.open = ? AND c.retired_at IS NULL"
                              " ORDER BY c.identifier",
                              ZT_I(1));
    if (!st) return ZT_EINTERNAL;
    json_t *datasets = json_array();
    const char *base = app->cfg->public_url;
    zt_arena *ar = zt_req_arena(r);
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *doc = json_loads(zt_col_text(st, 1), 0, NULL);
        if (!doc) continue;
        const char *ident = zt_col_text(st, 0);
        char *uri = zt_arena_printf(ar, "%s/api/exchange/catalogue/%s", base, ident);
        json_t *kw = json_object_get(doc, "keywords");
        json_t *ds = json_pack(
            "{s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:O,s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},s:s,s:[{s:s,s:{s:s},s:s}]}",
            "@id", uri, "@type", "dcat:Dataset", "dct:identifier", ident, "dct:title", "@value",
            json_string_value(json_object_get(doc, "name")), "@language", "zh", "dct:description", "@value",
            json_string_value(json_object_get(doc, "summary")), "@language", "zh", "dcat:keyword", kw, "dct:publisher",
            "@type", "foaf:Agent", "foaf:name", zt_col_text(st, 4), "dcat:theme", "@id",
            zt_arena_printf(ar, "%s/api/exchange/catalogue?class=%s", base,
                            json_string_value(json_object_get(doc, "class"))),
            "skos:prefLabel", json_string_value(json_object_get(doc, "class")), "dct:issued", "@value",
            zt_col_text(st, 2), "@type", "xsd:date", "dct:accrualPeriodicity",
            json_string_value(json_object_get(doc, "update_cycle")), "dcat:distribution", "@type", "dcat:Distribution",
            "dcat:accessURL", "@id", uri, "dct:format", json_string_value(json_object_get(doc, "format")));
        json_array_append_new(datasets, ds);
        json_decref(doc);
    }
    if (zt_step_failed(rc)) {
        json_decref(datasets);
        return rc;
    }
    json_t *out = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s},s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},s:o}", "@context",
                            "dcat", "http://www.w3.org/ns/dcat#", "dct", "http://purl.org/dc/terms/", "foaf",
                            "http://xmlns.com/foaf/0.1/", "skos", "http://www.w3.org/2004/02/skos/core#", "xsd",
                            "http://www.w3.org/2001/XMLSchema#", "vcard", "http://www.w3.org/2006/vcard/ns#", "@id",
                            zt_arena_printf(ar, "%s/api/exchange/dcat", base), "@type", "dcat:Catalog", "dct:title",
                            "@value", "政务信息资源开放目录", "@language", "zh", "dct:description", "@value",
                            "政务信息资源目录中向社会开放的部分（开放属性：开放）", "@language", "zh", "dct:publisher",
                            "@type", "foaf:Agent", "foaf:name", "数据管理机构", "dcat:dataset", datasets);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    if (!text) abort();
    zt_reply_data(r, 200, "application/ld+json", text, strlen(text));
    free(text);
    return ZT_OK;
}

/* --- the base catalogues ---------------------------------------------------------- */

typedef struct {
    zt_app *app;
    json_t *list;
    int added;
} seed_arg;

static zt_err seed_write(zt_db *db, void *arg, zt_error *e) {
    seed_arg *s = arg;
    size_t i;
    json_t *v;
    json_array_foreach(s->list, i, v) {
        const char *ident = json_string_value(json_object_get(v, "identifier"));
        const char *prov = json_string_value(json_object_get(v, "provider"));
        const char *dataset = json_string_value(json_object_get(v, "dataset"));
        if (!ident || !prov) return zt_fail(e, ZT_EINVAL, "catalogue", "基础目录 %zu 缺少 identifier 或 provider", i);
        zt_stmt *st = zt_db_query(db, e, "SELECT count(*) FROM ex_resources WHERE identifier = ?", ZT_T(ident));
        if (!st || zt_step(st, e) != ZT_ROW) return ZT_EINTERNAL;
        int skip = zt_col_int(st, 0) > 0;
        zt_db_release(db);
        zt_dept d;
        zt_error nf = {0};
        if (!skip) skip = zt_dept_by_code(db, prov, &d, &nf) != ZT_OK || d.retired;
        if (skip) continue; /* there already, or the provider is not in this city's directory */
        json_t *rec = json_deep_copy(v);
        json_object_del(rec, "identifier");
        json_object_del(rec, "provider");
        json_object_del(rec, "dataset");
        json_t *doc = ex_record_doc(rec, e);
        json_decref(rec);
        if (!doc) {
            return e->code;
        }
        create_arg a = {.doc = doc, .dept = prov, .dataset = dataset, .action = "seed", .identifier = ident};
        zt_err rc = create_write(db, &a, e);
        json_decref(doc);
        if (rc) return rc;
        s->added++;
    }
    return ZT_OK;
}

zt_err ex_catalogue_seed(zt_app *app, zt_error *e) {
    char path[4096];
    snprintf(path, sizeof path, "%s/exchange/catalogue.json", app->cfg->source_dir);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        zt_warn("exchange: no base catalogue at %s (%s)", path, je.text);
        return ZT_OK;
    }
    seed_arg s = {app, json_object_get(root, "catalogue"), 0};
    zt_err rc = json_is_array(s.list) ? zt_store_write(app->store, seed_write, &s, e)
                                      : zt_fail(e, ZT_EINVAL, "catalogue", "%s: catalogue 须是数组", path);
    json_decref(root);
    if (!rc && s.added) zt_info("exchange: %d base catalogue records seeded", s.added);
    return rc;
}

#define PROVIDERS (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_DATA | ZT_R_ADMIN)
#define READERS   (ZT_R_STAFF | ZT_R_SYSTEM)

static const zt_route routes[] = {
    {"GET", "/api/exchange/catalogue", h_search, READERS,
     "the published resource catalogue (?q Chinese keywords ?class ?provider ?share_type ?open, paged)"},
    {"GET", "/api/exchange/catalogue/{id}", h_cat_get, READERS, "a published catalogue record and its versions"},
    {"GET", "/api/exchange/dcat", h_dcat, ZT_PUBLIC, "the open part of the catalogue as DCAT (JSON-LD)"},
    {"GET", "/api/exchange/resources", h_list_working, PROVIDERS,
     "catalogue records being drafted or checked (the department's; the data office: all; ?state, paged)"},
    {"POST", "/api/exchange/resources", h_create, PROVIDERS,
     "draft a catalogue record (GB/T 21063 elements, sharing type and basis, open attribute, data items)"},
    {"GET", "/api/exchange/resources/{id}", h_get_working, PROVIDERS, "a catalogue record's working copy"},
    {"PUT", "/api/exchange/resources/{id}", h_edit, PROVIDERS,
     "edit a draft (or start a new version of a published one)"},
    {"POST", "/api/exchange/resources/{id}/submit", h_submit, PROVIDERS, "submit a draft to the data office's check"},
    {"POST", "/api/exchange/resources/{id}/publish", h_publish, ZT_R_DATA, "publish a checked record (a new version)"},
    {"POST", "/api/exchange/resources/{id}/return", h_return, ZT_R_DATA, "return a record to its provider: {reason}"},
    {"POST", "/api/exchange/resources/{id}/retire", h_retire, ZT_R_DATA,
     "retire a published record (撤销): {reason}; its requests and grants stay"},
};

const zt_route *ex_catalogue_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
