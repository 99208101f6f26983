/* items.c - power items (权力事项) and their guides (办事指南), R2.
 *
 * Every version of an item is one row of `items`; the guide is kept whole
 * as JSON (the item object of docs/items-data.md) next to the columns that
 * cases and lists read directly. An item is drafted by its department,
 * reviewed for legality (法制审查) by the legal-affairs office and then
 * published; a change is a new version, which supersedes the published one
 * when approved. Items can be suspended, resumed and cancelled (final).
 *
 *   draft ─submit→ in_review ─approve→ published ─suspend→ suspended
 *     ↑               │ return                    ←resume─
 *     └─ edit ─ returned ─submit→ in_review
 *
 * Each version is an instance of the process definition data/flows/
 * item.json and every step goes through the engine (src/flow/step.h): the
 * definition decides, the status is compare-and-set, the step numbered in
 * the code's history and recorded (audit row and ledger entry). The
 * reviewer of a version is never its drafter (four eyes). docs/items.md
 * describes the routes and the validation rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/json.h"
#include "ledger/record.h"
#include "org/org.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "services/items.h"
#include "services/services.h"
#include "store/query.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

/* --- vocabularies --- */

/* The 11 item types (事项类型) and their 2-letter codes in item codes. */
static const struct {
    const char *name, *code;
} TYPES[] = {{"行政许可", "XK"}, {"行政处罚", "CF"}, {"行政强制", "QZ"}, {"行政征收", "ZS"},
             {"行政给付", "JF"}, {"行政检查", "JC"}, {"行政确认", "QR"}, {"行政奖励", "JL"},
             {"行政裁决", "CJ"}, {"公共服务", "GG"}, {"其他", "QT"}};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

static const char *const SUBJECTS[] = {"自然人", "法人", "其他组织", NULL};
static const char *const FORMS[] = {"original", "copy", "electronic", NULL};
static const char *const CASE_KINDS[] = {"即办件", "承诺件", "上报件", NULL};
static const char *const PROCESS_KINDS[] = {"licensing", "on_the_spot", "joint_review", NULL};
static const char *const ONLINE[] = {"全程网办", "网上预审", "不可网办", NULL};
static const char *const RESULT_TYPES[] = {"证照", "文书", "其他", NULL};
static const char *const CHARGES[] = {"收费", "不收费", NULL};

/* Every member of a guide. The first NREQUIRED are required; of the rest,
 * region_code may be left out of a request (the department's region is
 * filled in) and the others are optional in the format. */
/* clang-format off */
static const char *const GUIDE_KEYS[] = {
    "code", "name", "type", "department", "implementing_body", "subjects", "legal_basis", "conditions", "materials",
    "steps", "legal_limit_days", "promised_limit_days", "case_kind", "process_kind", "joint_departments", "charge",
    "fees", "result", "place", "hours", "consult_phone", "complaint_phone", "online", "visits",
    "region_code", "limit_note", "forward_to", "special_procedures", "extension_days", NULL};
/* clang-format on */
#define NREQUIRED 24

/* 行政许可法 第四十二条: 20 working days, 45 for joint handling; a longer
 * legal limit must name its special rule in limit_note. */
#define XK_DEFAULT_LIMIT 20
#define XK_JOINT_LIMIT   45
#define MAX_DAYS         365
#define MAX_VISITS       5

static int one_of(const char *s, const char *const *set) {
    for (; *set; set++)
        if (strcmp(s, *set) == 0) return 1;
    return 0;
}

static const char *type_code(const char *type) {
    for (size_t i = 0; i < NTYPES; i++)
        if (strcmp(TYPES[i].name, type) == 0) return TYPES[i].code;
    return NULL;
}

static const char *status_label(const char *s) {
    static const char *const names[][2] = {
        {"draft", "草稿"},       {"in_review", "法制审查中"},      {"returned", "已退回"},
        {"published", "已发布"}, {"superseded", "已被新版本取代"}, {"suspended", "已暂停"},
        {"cancelled", "已取消"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], s) == 0) return names[i][1];
    return s;
}

/* --- guide validation --- */

/* What the columns of `items` take from a valid guide (items.h). */
typedef zt_guide_info guide_info;

/* How a path names a member whose key is "" (so that the field of the error
 * is never empty: the reply leaves an empty field out). */
#define EMPTY_KEY "\"\""

static zt_err missing(zt_error *e, const char *path) { return zt_fail(e, ZT_EINVAL, path, "缺少必填字段 %s", path); }

/* A string member: present, a string, at most max characters; non-blank
 * unless empty_ok. */
static zt_err v_str(json_t *o, const char *key, const char *path, int empty_ok, size_t max, const char **out,
                    zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v) return missing(e, path);
    if (!json_is_string(v)) return zt_fail(e, ZT_EINVAL, path, "字段 %s 必须是字符串", path);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) return zt_fail(e, ZT_EINVAL, path, "字段 %s 含有空字符", path);
    if (!empty_ok && strspn(s, " \t\r\n") == strlen(s)) return zt_fail(e, ZT_EINVAL, path, "字段 %s 不能为空", path);
    if (zt_utf8_len(s) > max) return zt_fail(e, ZT_EINVAL, path, "字段 %s 最多 %zu 个字符", path, max);
    if (out) *out = s;
    return ZT_OK;
}

static zt_err v_enum(json_t *o, const char *key, const char *path, const char *const *set, const char *what,
                     const char **out, zt_error *e) {
    const char *s;
    zt_err rc = v_str(o, key, path, 0, 64, &s, e);
    if (rc) return rc;
    if (!one_of(s, set)) {
        char list[256] = "";
        for (const char *const *p = set; *p; p++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s", l ? "、" : "", *p);
        }
        return zt_fail(e, ZT_EINVAL, path, "%s须为 %s 之一", what, list);
    }
    if (out) *out = s;
    return ZT_OK;
}

static zt_err v_int(json_t *o, const char *key, const char *path, int64_t lo, int64_t hi, int64_t *out, zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v) return missing(e, path);
    if (!json_is_integer(v)) return zt_fail(e, ZT_EINVAL, path, "字段 %s 必须是整数", path);
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi)
        return zt_fail(e, ZT_EINVAL, path, "字段 %s 必须在 %lld 到 %lld 之间", path, (long long)lo, (long long)hi);
    *out = n;
    return ZT_OK;
}

static zt_err v_arr(json_t *o, const char *key, size_t min, size_t max, json_t **out, zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v) return missing(e, key);
    if (!json_is_array(v)) return zt_fail(e, ZT_EINVAL, key, "字段 %s 必须是数组", key);
    size_t n = json_array_size(v);
    if (n < min) return zt_fail(e, ZT_EINVAL, key, "字段 %s 至少需要 %zu 项", key, min);
    if (n > max) return zt_fail(e, ZT_EINVAL, key, "字段 %s 最多 %zu 项", key, max);
    *out = v;
    return ZT_OK;
}

/* An element or member that must be an object with only the given keys;
 * path NULL for the guide itself (which the caller knows is an object). */
static zt_err v_obj(json_t *v, const char *path, const char *const *allowed, zt_error *e) {
    if (!json_is_object(v)) return zt_fail(e, ZT_EINVAL, path, "%s 必须是对象", path);
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        if (one_of(k, allowed)) continue;
        char f[64];
        snprintf(f, sizeof f, "%s%s%s", path ? path : "", path ? "." : "", *k ? k : EMPTY_KEY);
        return zt_fail(e, ZT_EINVAL, f, "未知字段 %s", f);
    }
    return ZT_OK;
}

/* Names of the objects of an array must be unique (materials, steps, fees). */
static zt_err v_unique_names(json_t *arr, const char *key, zt_error *e) {
    size_t n = json_array_size(arr);
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_object_get(json_array_get(arr, i), "name"),
                           json_object_get(json_array_get(arr, j), "name"))) {
                char f[64];
                snprintf(f, sizeof f, "%s[%zu].name", key, i);
                return zt_fail(e, ZT_EINVAL, f, "%s 中名称重复：%s", key,
                               json_string_value(json_object_get(json_array_get(arr, i), "name")));
            }
    return ZT_OK;
}

/* UTF-8 helpers for the article pattern 第…条(第…款)?(第…项)? */
static const char *lit(const char *s, const char *word) {
    size_t n = strlen(word);
    return strncmp(s, word, n) == 0 ? s + n : NULL;
}

static const char *numerals(const char *s, int big) {
    static const char *const digits[] = {"零", "〇", "一", "二", "三", "四", "五", "六",
                                         "七", "八", "九", "十", "百", "千", NULL};
    const char *start = s;
    for (;;) {
        const char *next = NULL;
        for (int i = 0; digits[i] && !next; i++)
            if (big || i < 12) next = lit(s, digits[i]);
        if (!next) break;
        s = next;
    }
    return s == start ? NULL : s;
}

static int article_ok(const char *s) {
    const char *p = lit(s, "第");
    if (p) p = numerals(p, 1);
    if (p) p = lit(p, "条");
    if (!p) return 0;
    static const char *const tails[] = {"款", "项"};
    for (int t = 0; t < 2 && *p; t++) {
        const char *q = lit(p, "第");
        if (q) q = numerals(q, 0);
        if (q) q = lit(q, tails[t]);
        if (q) p = q;
    }
    return *p == 0;
}

/* The length of s cut to at most max bytes, not inside a character (a
 * character cut in two would show as '?' in the message). */
static int utf8_prefix(const char *s, size_t max) {
    size_t n = strnlen(s, max);
    if (s[n])
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

static int digits_only(const char *s, size_t n) { return strspn(s, "0123456789") >= n; }

/* 0799-1234567 (an area code, 7-8 digits), or 12345. */
static int phone_ok(const char *s) {
    if (strcmp(s, "12345") == 0) return 1;
    size_t area = strspn(s, "0123456789");
    if (s[0] != '0' || area < 3 || area > 4 || s[area] != '-') return 0;
    size_t rest = strspn(s + area + 1, "0123456789");
    return rest >= 7 && rest <= 8 && s[area + 1 + rest] == 0;
}

/* {region}-{type code}-{department suffix}-{NNN}, e.g. 360300-XK-GH-002. */
static zt_err v_code_format(const char *code, zt_error *e) {
    size_t rl = strspn(code, "0123456789");
    const char *p = code + rl;
    int ok =
        (rl == 6 || rl == 9) && *p == '-' && p[1] >= 'A' && p[1] <= 'Z' && p[2] >= 'A' && p[2] <= 'Z' && p[3] == '-';
    if (ok) {
        p += 4;
        size_t sl = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        ok = sl > 0 && p[sl] == '-' && strlen(p + sl + 1) == 3 && digits_only(p + sl + 1, 3);
    }
    if (!ok)
        return zt_fail(e, ZT_EINVAL, "code",
                       "事项编码须为「区划代码-类型代码-部门简码-三位序号」，如 360300-XK-GH-002");
    return ZT_OK;
}

/* The code's parts agree with region_code, type and department. */
static zt_err v_code_agrees(const guide_info *gi, zt_error *e) {
    const char *c = gi->code;
    size_t rl = strspn(c, "0123456789");
    if (strlen(gi->region) != rl || strncmp(c, gi->region, rl) != 0)
        return zt_fail(e, ZT_EINVAL, "code", "事项编码的区划部分须为主管部门所在区划 %s", gi->region);
    if (strncmp(c + rl + 1, type_code(gi->type), 2) != 0)
        return zt_fail(e, ZT_EINVAL, "code", "事项编码的类型部分须为 %s（%s）", type_code(gi->type), gi->type);
    const char *suffix = strchr(gi->dept_code, '-');
    suffix = suffix ? suffix + 1 : gi->dept_code;
    const char *cs = c + rl + 4;
    size_t sl = strlen(suffix);
    if (strncmp(cs, suffix, sl) != 0 || cs[sl] != '-')
        return zt_fail(e, ZT_EINVAL, "code", "事项编码的部门部分须为 %s（主管部门 %s）", suffix, gi->dept_code);
    return ZT_OK;
}

/* The directory from the database (zt_item_lookup, items.h). */

/* An active department by code: its id and region. */
static zt_err db_dept(void *ctx, const char *code, int64_t *id, char region[16], zt_error *e) {
    zt_dept d;
    zt_error ne = {0};
    zt_err rc = zt_dept_by_code(ctx, code, &d, &ne);
    if (rc == ZT_ENOTFOUND || (!rc && d.retired)) return ZT_DONE;
    if (rc) {
        *e = ne;
        return rc;
    }
    if (id) *id = d.id;
    if (region) snprintf(region, 16, "%s", d.region_code);
    return ZT_ROW;
}

static zt_err v_legal_basis(json_t *g, zt_error *e) {
    static const char *const keys[] = {"law", "article", "summary", NULL};
    json_t *arr, *b;
    size_t i;
    char f[64];
    zt_err rc = v_arr(g, "legal_basis", 1, 50, &arr, e);
    if (rc) return rc;
    json_array_foreach(arr, i, b) {
        const char *law;
        snprintf(f, sizeof f, "legal_basis[%zu]", i);
        if ((rc = v_obj(b, f, keys, e))) return rc;
        snprintf(f, sizeof f, "legal_basis[%zu].law", i);
        if ((rc = v_str(b, "law", f, 0, 100, &law, e))) return rc;
        size_t n = strlen(law);
        if (!lit(law, "《") || n < 7 || strcmp(law + n - 3, "》") != 0)
            return zt_fail(e, ZT_EINVAL, f, "法律法规名称须用书名号，如《中华人民共和国行政许可法》");
        snprintf(f, sizeof f, "legal_basis[%zu].article", i);
        json_t *a = json_object_get(b, "article");
        if (!a) return missing(e, f);
        if (!json_is_null(a) && !(json_is_string(a) && article_ok(json_string_value(a))))
            return zt_fail(e, ZT_EINVAL, f, "条款须形如「第四十条」「第十二条第二款」，不确定时为 null");
        snprintf(f, sizeof f, "legal_basis[%zu].summary", i);
        if ((rc = v_str(b, "summary", f, 1, 1000, NULL, e))) return rc;
    }
    return ZT_OK;
}

static zt_err v_materials(json_t *g, zt_error *e) {
    static const char *const keys[] = {"name", "form", "count", "required", "notes", NULL};
    json_t *arr, *m;
    size_t i;
    char f[64];
    int any_required = 0;
    zt_err rc = v_arr(g, "materials", 1, 100, &arr, e);
    if (rc) return rc;
    json_array_foreach(arr, i, m) {
        int64_t count;
        snprintf(f, sizeof f, "materials[%zu]", i);
        if ((rc = v_obj(m, f, keys, e))) return rc;
        snprintf(f, sizeof f, "materials[%zu].name", i);
        if ((rc = v_str(m, "name", f, 0, 200, NULL, e))) return rc;
        snprintf(f, sizeof f, "materials[%zu].form", i);
        if ((rc = v_enum(m, "form", f, FORMS, "材料形式（原件、复印件、电子件）", NULL, e))) return rc;
        snprintf(f, sizeof f, "materials[%zu].count", i);
        if ((rc = v_int(m, "count", f, 1, 100, &count, e))) return rc;
        snprintf(f, sizeof f, "materials[%zu].required", i);
        json_t *req = json_object_get(m, "required");
        if (!req) return missing(e, f);
        if (!json_is_boolean(req)) return zt_fail(e, ZT_EINVAL, f, "字段 %s 必须是 true 或 false", f);
        any_required |= json_is_true(req);
        snprintf(f, sizeof f, "materials[%zu].notes", i);
        if ((rc = v_str(m, "notes", f, 1, 500, NULL, e))) return rc;
    }
    if ((rc = v_unique_names(arr, "materials", e))) return rc;
    if (!any_required) return zt_fail(e, ZT_EINVAL, "materials", "申请材料中至少有一项必须提交（required 为 true）");
    return ZT_OK;
}

/* Steps: each with its own limit; *sum gets their total, *parallel the
 * number of steps marked parallel (the joint review's opinions). */
static zt_err v_steps(json_t *g, int64_t *sum, int *parallel, int *nonzero, zt_error *e) {
    static const char *const keys[] = {"name", "limit_days", "description", "parallel", NULL};
    json_t *arr, *s;
    size_t i;
    char f[64];
    zt_err rc = v_arr(g, "steps", 1, 50, &arr, e);
    if (rc) return rc;
    *sum = 0, *parallel = 0, *nonzero = 0;
    json_array_foreach(arr, i, s) {
        int64_t days;
        snprintf(f, sizeof f, "steps[%zu]", i);
        if ((rc = v_obj(s, f, keys, e))) return rc;
        snprintf(f, sizeof f, "steps[%zu].name", i);
        if ((rc = v_str(s, "name", f, 0, 50, NULL, e))) return rc;
        snprintf(f, sizeof f, "steps[%zu].limit_days", i);
        if ((rc = v_int(s, "limit_days", f, 0, MAX_DAYS, &days, e))) return rc;
        snprintf(f, sizeof f, "steps[%zu].description", i);
        if ((rc = v_str(s, "description", f, 1, 500, NULL, e))) return rc;
        json_t *par = json_object_get(s, "parallel");
        if (par && !json_is_true(par)) {
            snprintf(f, sizeof f, "steps[%zu].parallel", i);
            return zt_fail(e, ZT_EINVAL, f, "parallel 只能为 true（联审环节），其他环节不写此字段");
        }
        *parallel += par != NULL;
        *nonzero += days != 0;
        *sum += days;
    }
    return v_unique_names(arr, "steps", e);
}

static zt_err v_fees(json_t *g, const char *charge, zt_error *e) {
    static const char *const keys[] = {"name", "standard", "amount_yuan", "unit", "basis", NULL};
    json_t *arr, *fee;
    size_t i;
    char f[64];
    zt_err rc = v_arr(g, "fees", 0, 20, &arr, e);
    if (rc) return rc;
    int charged = strcmp(charge, "收费") == 0;
    if (charged && json_array_size(arr) == 0)
        return zt_fail(e, ZT_EINVAL, "fees", "收费事项须列出收费项目（名称、标准、金额、单位、依据）");
    if (!charged && json_array_size(arr) > 0) return zt_fail(e, ZT_EINVAL, "fees", "不收费的事项不能列出收费项目");
    json_array_foreach(arr, i, fee) {
        snprintf(f, sizeof f, "fees[%zu]", i);
        if ((rc = v_obj(fee, f, keys, e))) return rc;
        static const struct {
            const char *key;
            size_t max;
        } text[] = {{"name", 100}, {"standard", 200}, {"unit", 20}, {"basis", 500}};
        for (size_t k = 0; k < 4; k++) {
            snprintf(f, sizeof f, "fees[%zu].%s", i, text[k].key);
            if ((rc = v_str(fee, text[k].key, f, 0, text[k].max, NULL, e))) return rc;
        }
        snprintf(f, sizeof f, "fees[%zu].amount_yuan", i);
        json_t *amount = json_object_get(fee, "amount_yuan");
        if (!amount) return missing(e, f);
        if (!json_is_null(amount) &&
            !(json_is_number(amount) && json_number_value(amount) >= 0 && json_number_value(amount) <= 1e9))
            return zt_fail(e, ZT_EINVAL, f, "标准金额须为不小于 0 的数（元），按比例或面积计算时为 null");
    }
    return v_unique_names(arr, "fees", e);
}

static zt_err v_joint(const zt_item_lookup *lk, json_t *g, const guide_info *gi, int parallel, zt_error *e) {
    json_t *arr, *d;
    size_t i;
    char f[64];
    zt_err rc = v_arr(g, "joint_departments", 0, 20, &arr, e);
    if (rc) return rc;
    if (strcmp(gi->flow, "joint_review") != 0) {
        if (json_array_size(arr))
            return zt_fail(e, ZT_EINVAL, "joint_departments", "只有联审事项（joint_review）才有联审部门");
        if (parallel) return zt_fail(e, ZT_EINVAL, "steps", "只有联审事项（joint_review）才有并联审查环节");
        return ZT_OK;
    }
    if (json_array_size(arr) < 2)
        return zt_fail(e, ZT_EINVAL, "joint_departments", "联审事项须有至少 2 个联审部门（主管部门以外）");
    if (!parallel) return zt_fail(e, ZT_EINVAL, "steps", "联审事项须有一个标记 parallel 的并联审查环节");
    json_array_foreach(arr, i, d) {
        snprintf(f, sizeof f, "joint_departments[%zu]", i);
        if (!json_is_string(d)) return zt_fail(e, ZT_EINVAL, f, "联审部门须为部门代码字符串");
        const char *code = json_string_value(d);
        if (strcmp(code, gi->dept_code) == 0) return zt_fail(e, ZT_EINVAL, f, "联审部门不能是主管部门本身");
        for (size_t j = 0; j < i; j++)
            if (json_equal(d, json_array_get(arr, j))) return zt_fail(e, ZT_EINVAL, f, "联审部门重复：%s", code);
        zt_err found = lk->dept(lk->ctx, code, NULL, NULL, e);
        if (zt_step_failed(found)) return found;
        if (found == ZT_DONE)
            return zt_fail(e, ZT_EINVAL, f, "联审部门 %.*s 不存在或已撤销", utf8_prefix(code, 40), code);
    }
    return ZT_OK;
}

/* An active hall by name and its active window by number (the first row:
 * hall names are unique among active halls, window numbers within a hall). */
static zt_err db_window(void *ctx, const char *hall, int64_t number, int64_t *dept_id, zt_error *e) {
    zt_db *db = ctx;
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT h.id, w.dept_id FROM halls h LEFT JOIN windows w ON w.hall_id = h.id"
                              " AND w.number = ? AND w.retired_at IS NULL WHERE h.name = ? AND h.retired_at IS NULL",
                              ZT_I(number), ZT_T(hall));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) return s;
    *dept_id = zt_col_is_null(st, 1) ? 0 : zt_col_int(st, 1);
    return ZT_ROW;
}

static zt_err v_place(const zt_item_lookup *lk, json_t *g, const guide_info *gi, zt_error *e) {
    static const char *const keys[] = {"hall", "window", "address", NULL};
    json_t *place = json_object_get(g, "place");
    const char *hall;
    int64_t window, dept_id = 0;
    if (!place) return missing(e, "place");
    zt_err rc = v_obj(place, "place", keys, e);
    if (!rc) rc = v_str(place, "hall", "place.hall", 0, 64, &hall, e);
    if (!rc) rc = v_int(place, "window", "place.window", 1, 9999, &window, e);
    if (!rc) rc = v_str(place, "address", "place.address", 0, 200, NULL, e);
    if (rc) return rc;
    zt_err s = lk->window(lk->ctx, hall, window, &dept_id, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_EINVAL, "place.hall", "办事大厅不存在或已撤销");
    if (dept_id == 0) return zt_fail(e, ZT_EINVAL, "place.window", "该大厅没有 %lld 号窗口", (long long)window);
    if (dept_id != gi->dept_id)
        return zt_fail(e, ZT_EINVAL, "place.window", "%lld 号窗口不属于主管部门 %s", (long long)window, gi->dept_code);
    return ZT_OK;
}

/* items.h; also called by tests/fuzz/fuzz_items.c, with a fixed directory. */
zt_err zt_items_guide_check(const zt_item_lookup *lk, json_t *g, guide_info *gi, zt_error *e) {
    memset(gi, 0, sizeof *gi);
    if (!json_is_object(g)) return zt_fail(e, ZT_EINVAL, "body", "事项指南须为 JSON 对象");
    zt_err rc = v_obj(g, NULL, GUIDE_KEYS, e);
    if (rc) return rc;
    for (int i = 0; i < NREQUIRED; i++)
        if (!json_object_get(g, GUIDE_KEYS[i])) return missing(e, GUIDE_KEYS[i]);

    /* basic elements */
    const char *dept;
    if ((rc = v_str(g, "code", "code", 0, 40, &gi->code, e)) || (rc = v_code_format(gi->code, e))) return rc;
    if ((rc = v_str(g, "name", "name", 0, 100, &gi->name, e))) return rc;
    if ((rc = v_str(g, "type", "type", 0, 16, &gi->type, e))) return rc;
    if (!type_code(gi->type))
        return zt_fail(e, ZT_EINVAL, "type",
                       "事项类型须为 11 类之一：行政许可、行政处罚、行政强制、行政征收、行政给付、"
                       "行政检查、行政确认、行政奖励、行政裁决、公共服务、其他");
    if ((rc = v_str(g, "department", "department", 0, 32, &dept, e))) return rc;
    zt_err found = lk->dept(lk->ctx, dept, &gi->dept_id, gi->region, e);
    if (zt_step_failed(found)) return found;
    if (found == ZT_DONE) return zt_fail(e, ZT_EINVAL, "department", "主管部门代码不存在或部门已撤销");
    gi->dept_code = dept;
    json_t *region = json_object_get(g, "region_code");
    if (!region)
        json_object_set_new(g, "region_code", json_string(gi->region));
    else if (!json_is_string(region) || strcmp(json_string_value(region), gi->region) != 0)
        return zt_fail(e, ZT_EINVAL, "region_code", "行政区划代码须为主管部门所在区划 %s", gi->region);
    if ((rc = v_code_agrees(gi, e))) return rc;
    if ((rc = v_str(g, "implementing_body", "implementing_body", 0, 100, NULL, e))) return rc;
    json_t *arr, *v;
    size_t i;
    char f[64];
    if ((rc = v_arr(g, "subjects", 1, 3, &arr, e))) return rc;
    json_array_foreach(arr, i, v) {
        snprintf(f, sizeof f, "subjects[%zu]", i);
        if (!json_is_string(v) || !one_of(json_string_value(v), SUBJECTS))
            return zt_fail(e, ZT_EINVAL, f, "服务对象须为 自然人、法人、其他组织 之一");
        for (size_t j = 0; j < i; j++)
            if (json_equal(v, json_array_get(arr, j))) return zt_fail(e, ZT_EINVAL, f, "服务对象重复");
    }
    if ((rc = v_legal_basis(g, e))) return rc;

    /* guide elements */
    if ((rc = v_arr(g, "conditions", 1, 50, &arr, e))) return rc;
    json_array_foreach(arr, i, v) {
        snprintf(f, sizeof f, "conditions[%zu]", i);
        if (!json_is_string(v) || strspn(json_string_value(v), " ") == strlen(json_string_value(v)) ||
            zt_utf8_len(json_string_value(v)) > 500)
            return zt_fail(e, ZT_EINVAL, f, "受理条件须为非空字符串（最多 500 个字符）");
    }
    if ((rc = v_materials(g, e))) return rc;
    int64_t step_sum;
    int parallel, nonzero;
    if ((rc = v_steps(g, &step_sum, &parallel, &nonzero, e))) return rc;
    if ((rc = v_int(g, "legal_limit_days", "legal_limit_days", 0, MAX_DAYS, &gi->legal, e))) return rc;
    if ((rc = v_int(g, "promised_limit_days", "promised_limit_days", 0, MAX_DAYS, &gi->promised, e))) return rc;
    /* the legal extension of the decision (行政许可法 §42: 10 working days
     * with the head's approval; 15 for joint handling): absent, the process
     * definition's */
    gi->extension = -1;
    if (json_object_get(g, "extension_days") &&
        (rc = v_int(g, "extension_days", "extension_days", 0, MAX_DAYS, &gi->extension, e)))
        return rc;
    if (gi->promised > gi->legal)
        return zt_fail(e, ZT_EINVAL, "promised_limit_days",
                       "承诺时限（%lld 个工作日）不能超过法定时限（%lld 个工作日）", (long long)gi->promised,
                       (long long)gi->legal);
    if (step_sum > gi->promised)
        return zt_fail(e, ZT_EINVAL, "steps", "各环节时限之和（%lld 个工作日）超过承诺时限（%lld 个工作日）",
                       (long long)step_sum, (long long)gi->promised);
    const char *note = NULL;
    if (json_object_get(g, "limit_note") && (rc = v_str(g, "limit_note", "limit_note", 0, 500, &note, e))) return rc;
    const char *case_kind;
    if ((rc = v_enum(g, "case_kind", "case_kind", CASE_KINDS, "办件类型", &case_kind, e))) return rc;
    if ((rc = v_enum(g, "process_kind", "process_kind", PROCESS_KINDS, "办理流程类型", &gi->flow, e))) return rc;
    int on_spot = strcmp(gi->flow, "on_the_spot") == 0;
    if (on_spot != (strcmp(case_kind, "即办件") == 0))
        return zt_fail(e, ZT_EINVAL, "case_kind", "即办件与办理流程 on_the_spot 须同时使用");
    if (on_spot && (gi->legal || gi->promised))
        return zt_fail(e, ZT_EINVAL, "legal_limit_days", "即办件的法定时限和承诺时限须为 0");
    if (on_spot && nonzero) return zt_fail(e, ZT_EINVAL, "steps", "即办件各环节时限须为 0");
    if (!on_spot && gi->promised < 1)
        return zt_fail(e, ZT_EINVAL, "promised_limit_days", "只有即办件的承诺时限可以为 0");
    if (strcmp(gi->type, "行政许可") == 0 && !note &&
        gi->legal > (strcmp(gi->flow, "joint_review") == 0 ? XK_JOINT_LIMIT : XK_DEFAULT_LIMIT))
        return zt_fail(e, ZT_EINVAL, "limit_note",
                       "行政许可的法定时限超过《行政许可法》第四十二条的期限，须在 limit_note 中说明依据");
    int forwarded = strcmp(case_kind, "上报件") == 0;
    if (forwarded != (json_object_get(g, "forward_to") != NULL))
        return zt_fail(e, ZT_EINVAL, "forward_to", "上报件须填写上报单位（forward_to），其他办件类型不填");
    if (forwarded && (rc = v_str(g, "forward_to", "forward_to", 0, 100, NULL, e))) return rc;
    if ((rc = v_joint(lk, g, gi, parallel, e))) return rc;
    if (json_object_get(g, "special_procedures")) {
        static const char *const keys[] = {"name", "basis", "note", NULL};
        if ((rc = v_arr(g, "special_procedures", 1, 20, &arr, e))) return rc;
        json_array_foreach(arr, i, v) {
            snprintf(f, sizeof f, "special_procedures[%zu]", i);
            if ((rc = v_obj(v, f, keys, e))) return rc;
            snprintf(f, sizeof f, "special_procedures[%zu].name", i);
            if ((rc = v_str(v, "name", f, 0, 50, NULL, e))) return rc;
            snprintf(f, sizeof f, "special_procedures[%zu].basis", i);
            if ((rc = v_str(v, "basis", f, 0, 200, NULL, e))) return rc;
            snprintf(f, sizeof f, "special_procedures[%zu].note", i);
            if ((rc = v_str(v, "note", f, 1, 500, NULL, e))) return rc;
        }
    }
    const char *charge;
    if ((rc = v_enum(g, "charge", "charge", CHARGES, "是否收费", &charge, e))) return rc;
    if ((rc = v_fees(g, charge, e))) return rc;
    static const char *const result_keys[] = {"name", "type", NULL};
    json_t *result = json_object_get(g, "result");
    if ((rc = v_obj(result, "result", result_keys, e))) return rc;
    if ((rc = v_str(result, "name", "result.name", 0, 100, NULL, e))) return rc;
    if ((rc = v_enum(result, "type", "result.type", RESULT_TYPES, "办理结果类型", NULL, e))) return rc;
    if ((rc = v_place(lk, g, gi, e))) return rc;
    if ((rc = v_str(g, "hours", "hours", 0, 200, NULL, e))) return rc;
    static const char *const phones[] = {"consult_phone", "complaint_phone"};
    for (int k = 0; k < 2; k++) {
        const char *phone;
        if ((rc = v_str(g, phones[k], phones[k], 0, 20, &phone, e))) return rc;
        if (!phone_ok(phone)) return zt_fail(e, ZT_EINVAL, phones[k], "电话须形如 0799-1234567（区号-号码）或 12345");
    }
    int64_t visits;
    if ((rc = v_enum(g, "online", "online", ONLINE, "网上办理深度", &gi->online, e))) return rc;
    if ((rc = v_int(g, "visits", "visits", 0, MAX_VISITS, &visits, e))) return rc;
    int full_online = strcmp(gi->online, "全程网办") == 0;
    if (full_online && visits) return zt_fail(e, ZT_EINVAL, "visits", "全程网办的事项到现场次数须为 0");
    /* the department starts these itself: nobody comes to a window */
    int initiated = !strcmp(gi->type, "行政处罚") || !strcmp(gi->type, "行政强制") || !strcmp(gi->type, "行政检查");
    if (!full_online && !visits && !initiated) return zt_fail(e, ZT_EINVAL, "visits", "到现场 0 次的事项须为全程网办");
    return ZT_OK;
}

/* The guide checked against the database's directory. */
static zt_err guide_check(zt_db *db, json_t *g, guide_info *gi, zt_error *e) {
    const zt_item_lookup lk = {.dept = db_dept, .window = db_window, .ctx = db};
    return zt_items_guide_check(&lk, g, gi, e);
}

/* --- storage --- */

/* --- the version as a process instance --- */

/* A version as the steps need it. */
typedef struct item_ref {
    int64_t id, version, updated_at, created_by;
    char status[16], dept_code[64], region[16], code[64];
} item_ref;

#define ITEM_REF_COLS                                                                                                  \
    "i.id, i.version, i.updated_at, coalesce(i.created_by, 0), i.status, d.code, i.region_code, i.code"
#define ITEM_REF_FROM "items i JOIN departments d ON d.id = i.dept_id"

static void ref_from(zt_stmt *st, item_ref *r) {
    r->id = zt_col_int(st, 0);
    r->version = zt_col_int(st, 1);
    r->updated_at = zt_col_int(st, 2);
    r->created_by = zt_col_int(st, 3);
    snprintf(r->status, sizeof r->status, "%s", zt_col_text(st, 4));
    snprintf(r->dept_code, sizeof r->dept_code, "%s", zt_col_text(st, 5));
    snprintf(r->region, sizeof r->region, "%s", zt_col_text(st, 6));
    snprintf(r->code, sizeof r->code, "%s", zt_col_text(st, 7));
}

/* Four eyes (四眼原则): the legality review of a version is never made by
 * one who drafted it - created it, edited it or submitted it - whatever
 * his role (an administrator included). */
static zt_err item_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *a,
                       zt_error *e) {
    const item_ref *it = in->row;
    if (strcmp(a->id, "approve") && strcmp(a->id, "return")) return ZT_OK;
    if (!p->user_id) return ZT_OK; /* the command line */
    int drafted = it->created_by == p->user_id;
    zt_stmt *st = drafted ? NULL
                          : zt_db_prepare(db,
                                          "SELECT 1 FROM flow_events WHERE subject_type = 'item' AND row_id = ?"
                                          " AND actor_id = ? AND action IN ('create', 'new_version', 'edit', 'submit')"
                                          " LIMIT 1",
                                          e);
    if (!drafted && !st) return ZT_EINTERNAL;
    if (st) {
        zt_bind_int(st, 1, it->id);
        zt_bind_int(st, 2, p->user_id);
        zt_err rc = zt_step(st, e);
        zt_db_release(db);
        if (zt_step_failed(rc)) return rc;
        drafted = rc == ZT_ROW;
    }
    if (drafted)
        return zt_fail(e, ZT_EFORBIDDEN, "code", "法制审查须由起草人以外的人员进行：你起草、修改或提交了第 %lld 版",
                       (long long)it->version);
    return ZT_OK;
}

/* The step's columns besides the status, and the item in the event. */
static zt_err item_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const item_ref *it = m->in->row;
    const char *action = m->action.id;
    const char *opinion = json_string_value(json_object_get(m->fields, "opinion"));
    int review = !strcmp(action, "return") || !strcmp(action, "approve");
    const char *sql = !strcmp(action, "submit") ? "UPDATE items SET submitted_at = ?1 WHERE id = ?2"
                      : !strcmp(action, "return")
                          ? "UPDATE items SET reviewed_at = ?1, reviewed_by = ?3, review_opinion = ?4 WHERE id = ?2"
                      : !strcmp(action, "approve") ? "UPDATE items SET reviewed_at = ?1, reviewed_by = ?3,"
                                                     " review_opinion = ?4, published_at = ?1 WHERE id = ?2"
                                                   : NULL;
    if (sql) {
        zt_stmt *st = zt_db_query(db, e, sql, ZT_I(m->at), ZT_I(it->id));
        if (!st) return ZT_EINTERNAL;
        if (review) {
            if (m->actor->user_id)
                zt_bind_int(st, 3, m->actor->user_id);
            else
                zt_bind_null(st, 3);
            zt_bind_text(st, 4, opinion ? opinion : "");
        }
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
    }
    json_object_set_new(
        m->event, "item",
        json_pack("{s:s,s:I,s:s}", "code", it->code, "version", (json_int_t)it->version, "status", m->to));
    return ZT_OK;
}

static const zt_flow_owner ITEM_OWNER = {
    .subject_type = "item", .table = "items", .state_column = "status", .may = item_may, .apply = item_apply};

static zt_err item_instance(const item_ref *it, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("item", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 item 未加载");
    *in = (zt_flow_instance){.owner = &ITEM_OWNER,
                             .def = f,
                             .row_id = it->id,
                             .subject = it->code,
                             .state = it->status,
                             .updated_at = it->updated_at,
                             .dept_code = it->dept_code,
                             .region_code = it->region,
                             .row = (void *)it};
    return ZT_OK;
}

/* The version row id, as just written, as an instance: a creation. */
static zt_err load_ref(zt_db *db, int64_t id, item_ref *it, zt_error *e);

static zt_err item_created(zt_db *db, int64_t id, const char *action, const zt_principal *p, json_t *fields, int64_t at,
                           zt_error *e) {
    item_ref it;
    zt_err rc = load_ref(db, id, &it, e);
    if (rc) return rc;
    zt_flow_instance in;
    if ((rc = item_instance(&it, &in, e))) return rc;
    zt_flow_opts o = {.at = at};
    return zt_flow_create(db, &in, action, p, fields, &o, e);
}

/* The version row id. */
static zt_err load_ref(zt_db *db, int64_t id, item_ref *it, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT " ITEM_REF_COLS " FROM " ITEM_REF_FROM " WHERE i.id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) ref_from(st, it);
    zt_db_release(db);
    if (rc == ZT_ROW) return ZT_OK;
    return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EINTERNAL, NULL, "事项版本 %lld 不存在", (long long)id);
}

/* One step on a version. */
static zt_err item_step(zt_db *db, const item_ref *it, const char *action, const zt_principal *p, json_t *fields,
                        zt_error *e) {
    zt_flow_instance in;
    zt_err rc = item_instance(it, &in, e);
    return rc ? rc : zt_flow_step(db, &in, action, p, fields, NULL, e);
}

/* The legal extension of the decision when the guide does not say: the
 * process definition's (its item limit's extension). */
static int64_t default_extension(const char *flow) {
    const zt_flow *f = zt_flows_get(flow, 0);
    zt_flow_limit_info li;
    for (size_t i = 0; f && zt_flow_limit_at(f, i, &li) == 0; i++)
        if (li.item_limit) return li.extension;
    return 0;
}

/* Insert a version of an item; *id gets the row. */
static zt_err insert_item(zt_db *db, const guide_info *gi, json_t *guide, int64_t version, const char *status,
                          const zt_principal *p, int64_t now, int64_t *id, zt_error *e) {
    int published = strcmp(status, "published") == 0;
    zt_stmt *st =
        zt_db_prepare(db,
                      "INSERT INTO items (code, version, status, name, type, dept_id, region_code, flow_id, legal_days,"
                      " promised_days, online, guide, created_by, created_at, updated_at, submitted_at, reviewed_at,"
                      " review_opinion, published_at, extension_days)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                      e);
    if (!st) return ZT_EINTERNAL;
    char *text = json_dumps(guide, JSON_COMPACT);
    if (!text) return zt_fail(e, ZT_EINTERNAL, NULL, "cannot serialise the guide");
    zt_bind_text(st, 1, gi->code);
    zt_bind_int(st, 2, version);
    zt_bind_text(st, 3, status);
    zt_bind_text(st, 4, gi->name);
    zt_bind_text(st, 5, gi->type);
    zt_bind_int(st, 6, gi->dept_id);
    zt_bind_text(st, 7, gi->region);
    zt_bind_text(st, 8, gi->flow);
    zt_bind_int(st, 9, gi->legal);
    zt_bind_int(st, 10, gi->promised);
    zt_bind_text(st, 11, gi->online);
    zt_bind_text(st, 12, text);
    free(text);
    if (p && p->user_id)
        zt_bind_int(st, 13, p->user_id);
    else
        zt_bind_null(st, 13);
    zt_bind_int(st, 14, now);
    zt_bind_int(st, 15, now);
    for (int i = 16; i <= 17; i++)
        if (published)
            zt_bind_int(st, i, now);
        else
            zt_bind_null(st, i);
    zt_bind_text(st, 18, published ? "命令行导入（事项目录文件）" : "");
    if (published)
        zt_bind_int(st, 19, now);
    else
        zt_bind_null(st, 19);
    zt_bind_int(st, 20, gi->extension >= 0 ? gi->extension : default_extension(gi->flow));
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ECONFLICT) return zt_fail(e, ZT_ECONFLICT, "code", "事项编码 %s 已存在", gi->code);
    if (zt_step_failed(rc)) return rc;
    if (rc != ZT_ROW) return zt_fail(e, ZT_EINTERNAL, NULL, "insert returned no id");
    *id = zt_col_int(st, 0);
    zt_db_release(db);
    return ZT_OK;
}

/* ZT_ROW when an item has the code, ZT_DONE when none, or the error. */
static zt_err code_exists(zt_db *db, const char *code, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM items WHERE code = ? LIMIT 1", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    return zt_step(st, e);
}

/* --- import --- */

typedef struct {
    json_t *items;
    const char *path;
    int n;
} import_arg;

static zt_err import_items(zt_db *db, void *arg, zt_error *e) {
    import_arg *a = arg;
    json_t *it;
    size_t i;
    int64_t now = zt_now();
    a->n = 0;
    json_array_foreach(a->items, i, it) {
        json_t *code = json_object_get(it, "code");
        if (!json_is_object(it) || !json_is_string(code)) {
            zt_fail(e, ZT_EINVAL, "code", "事项须为对象并有编码 code");
            zt_error_prefix(e, "%s: items[%zu]: ", a->path, i);
            return ZT_EINVAL;
        }
        zt_err exists = code_exists(db, json_string_value(code), e);
        if (zt_step_failed(exists)) return exists;
        if (exists == ZT_ROW) continue; /* re-running init keeps what is there */
        guide_info gi;
        int64_t id;
        zt_err rc = guide_check(db, it, &gi, e);
        if (rc) {
            zt_error_prefix(e, "%s: items[%zu] (%s) %s: ", a->path, i, json_string_value(code), e->field);
            return rc;
        }
        json_t *fields = json_pack("{s:s}", "source", a->path);
        if (!(rc = insert_item(db, &gi, it, 1, "published", NULL, now, &id, e)))
            rc = item_created(db, id, "import", NULL, fields, now, e);
        json_decref(fields);
        if (rc) return rc;
        a->n++;
    }
    return ZT_OK;
}

zt_err zt_items_import(zt_app *app, const char *path, int *n, zt_error *e) {
    json_error_t jerr;
    if (n) *n = 0;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) return zt_fail(e, ZT_EINVAL, NULL, "%s:%d: %s", path, jerr.line, jerr.text);
    static const char *const top[] = {"header", "items", NULL};
    zt_err rc = zt_json_only(doc, top, e);
    json_t *format = json_object_get(json_object_get(doc, "header"), "format");
    if (!rc && !(json_is_string(format) && strcmp(json_string_value(format), "zhengtong.items/1") == 0))
        rc = zt_fail(e, ZT_EINVAL, "header.format", "%s: header.format must be \"zhengtong.items/1\"", path);
    import_arg a = {.items = json_object_get(doc, "items"), .path = path};
    if (!rc && !json_is_array(a.items)) rc = zt_fail(e, ZT_EINVAL, "items", "%s: items must be an array", path);
    if (!rc) rc = zt_store_write(app->store, import_items, &a, e);
    json_decref(doc);
    if (!rc && n) *n = a.n;
    return rc;
}

/* --- reading --- */

#define ITEM_COLS                                                                                                      \
    "i.id, i.code, i.version, i.status, i.name, i.type, d.code, d.name, i.region_code, rg.name, i.legal_days,"         \
    " i.promised_days, i.online, i.flow_id, i.guide, i.published_at, i.updated_at, i.dept_id, i.submitted_at,"         \
    " i.reviewed_at, i.review_opinion, coalesce(u.login, ''), i.created_at, i.extension_days"
#define ITEM_FROM                                                                                                      \
    "items i JOIN departments d ON d.id = i.dept_id JOIN regions rg ON rg.code = i.region_code"                        \
    " LEFT JOIN users u ON u.id = i.reviewed_by"

/* One row as a summary; *guide_out (may be NULL) gets the parsed guide. */
static json_t *summary_json(zt_stmt *st, json_t **guide_out) {
    json_t *g = json_loads(zt_col_text(st, 14), 0, NULL);
    if (!g) g = json_object();
    json_t *visits = json_object_get(g, "visits"), *case_kind = json_object_get(g, "case_kind");
    json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:O,s:O,s:b,s:o,s:o}", "code",
                          zt_col_text(st, 1), "version", (json_int_t)zt_col_int(st, 2), "status", zt_col_text(st, 3),
                          "status_label", status_label(zt_col_text(st, 3)), "name", zt_col_text(st, 4), "type",
                          zt_col_text(st, 5), "department", zt_col_text(st, 6), "department_name", zt_col_text(st, 7),
                          "region_code", zt_col_text(st, 8), "region_name", zt_col_text(st, 9), "legal_limit_days",
                          (json_int_t)zt_col_int(st, 10), "promised_limit_days", (json_int_t)zt_col_int(st, 11),
                          "online", zt_col_text(st, 12), "process_kind", zt_col_text(st, 13), "case_kind",
                          case_kind ? case_kind : json_null(), "visits", visits ? visits : json_null(), "fee",
                          json_array_size(json_object_get(g, "fees")) > 0, "published_at", zt_col_json_time(st, 15),
                          "updated_at", zt_col_json_time(st, 16));
    json_object_set_new(o, "extension_days", json_integer(zt_col_int(st, 23)));
    if (guide_out)
        *guide_out = g;
    else
        json_decref(g);
    return o;
}

static json_t *list_json(zt_stmt *st) { return summary_json(st, NULL); }

/* May p see versions that are not public (drafts, reviews, suspended)?
 * Staff of the item's department (supervisors: of their region), legal
 * reviewers of a region containing the item's, administrators. */
static int can_see_all(const zt_principal *p, int64_t dept_id, const char *region) {
    if (!p->role_bit || (p->role_bit & ZT_R_PEOPLE)) return 0;
    if (p->role_bit & ZT_R_LEGAL) return zt_region_within(region, p->region);
    return zt_scope_dept_read(p, dept_id, region);
}

/* May p draft and edit the department's items? Its clerks and head, and
 * administrators. */
static int can_edit(const zt_principal *p, int64_t dept_id) {
    if (p->role_bit & ZT_R_ADMIN) return 1;
    return (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) && p->dept_id && p->dept_id == dept_id;
}

/* Reply with one version: version 0 = the published one. full: the caller
 * has checked that non-public versions may be shown. */
static zt_err item_reply(zt_req *r, const char *code, int64_t version, int status, int full, zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st =
        zt_db_prepare(db,
                      version ? "SELECT " ITEM_COLS " FROM " ITEM_FROM " WHERE i.code = ? AND i.version = ?"
                              : "SELECT " ITEM_COLS " FROM " ITEM_FROM " WHERE i.code = ? AND i.status = 'published'",
                      e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, code);
    if (version) zt_bind_int(st, 2, version);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) {
        if (version) return zt_fail(e, ZT_ENOTFOUND, "version", "事项 %s 没有第 %lld 版", code, (long long)version);
        /* say why an item known to the catalogue is not shown */
        st = zt_db_query(db, e, "SELECT status FROM items WHERE code = ? ORDER BY version DESC LIMIT 1", ZT_T(code));
        if (!st) return ZT_EINTERNAL;
        char last[16] = "";
        if (zt_step(st, e) == ZT_ROW) snprintf(last, sizeof last, "%s", zt_col_text(st, 0));
        if (!strcmp(last, "suspended")) return zt_fail(e, ZT_ENOTFOUND, "code", "事项 %s 已暂停办理", code);
        if (!strcmp(last, "cancelled")) return zt_fail(e, ZT_ENOTFOUND, "code", "事项 %s 已取消", code);
        return zt_fail(e, ZT_ENOTFOUND, "code", "事项不存在或尚未发布");
    }
    const char *s = zt_col_text(st, 3);
    int public = !strcmp(s, "published") || !strcmp(s, "superseded");
    const zt_principal *p = zt_req_principal(r);
    int privileged = full || can_see_all(p, zt_col_int(st, 17), zt_col_text(st, 8));
    if (!public && !privileged)
        return zt_fail(e, ZT_ENOTFOUND, "version", "事项 %s 的第 %lld 版未公开", code, (long long)version);
    json_t *guide, *o = summary_json(st, &guide);
    json_object_set_new(o, "guide", guide);
    if (privileged)
        json_object_set_new(o, "review",
                            json_pack("{s:o,s:o,s:s,s:s,s:o}", "submitted_at", zt_col_json_time(st, 18), "reviewed_at",
                                      zt_col_json_time(st, 19), "opinion", zt_col_text(st, 20), "reviewer",
                                      zt_col_text(st, 21), "created_at", zt_col_json_time(st, 22)));
    zt_reply_json(r, status, o);
    return ZT_OK;
}

/* The department and region of a code (any version); 404 if unknown. */
static zt_err item_owner(zt_req *r, const char *code, int64_t *dept_id, char region[16], zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT dept_id, region_code FROM items WHERE code = ? LIMIT 1", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "code", "事项不存在");
    *dept_id = zt_col_int(st, 0);
    snprintf(region, 16, "%s", zt_col_text(st, 1));
    zt_db_release(db);
    return ZT_OK;
}

static void list_row(zt_stmt *st, void *ctx) { json_array_append_new(ctx, list_json(st)); }

static zt_err reply_list(zt_req *r, zt_qb *f, const char *order, zt_error *e) {
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    json_t *items = json_array();
    rc = zt_qb_list(zt_store_reader(APP(r)->store), f, ITEM_COLS, ITEM_FROM, order, limit, offset, list_row, items,
                    &total, e);
    if (rc) {
        json_decref(items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(items, total, limit, offset));
    return ZT_OK;
}

/* ?region= : the region and everything below it (as the directory filters). */
static zt_err region_filter(zt_req *r, zt_qb *f, zt_error *e) {
    const char *region = zt_req_query(r, "region");
    if (!region || !*region) return ZT_OK;
    size_t len = strlen(region);
    if ((len != 6 && len != 9) || !digits_only(region, len))
        return zt_fail(e, ZT_EINVAL, "region", "行政区划代码须为 6 位或 9 位数字");
    zt_qb_region(f, "i.region_code", region);
    return ZT_OK;
}

/* GET /api/items: the public catalogue. */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "i.status = 'published'");
    const char *q = zt_req_query(r, "q"), *dept = zt_req_query(r, "dept"), *type = zt_req_query(r, "type"),
               *online = zt_req_query(r, "online"), *kind = zt_req_query(r, "kind");
    if (q && *q) zt_qb_search(&f, q, (const char *const[]){"i.name", "i.code", NULL});
    if (dept && *dept) {
        zt_qb_sql(&f, " AND d.code = ?");
        zt_qb_text(&f, dept);
    }
    zt_err rc = region_filter(r, &f, e);
    if (rc) return rc;
    if (type && *type) {
        if (!type_code(type)) return zt_fail(e, ZT_EINVAL, "type", "事项类型须为 11 类之一（行政许可、公共服务……）");
        zt_qb_sql(&f, " AND i.type = ?");
        zt_qb_text(&f, type);
    }
    if (online && *online) {
        if (strcmp(online, "1") == 0)
            zt_qb_sql(&f, " AND i.online <> '不可网办'");
        else if (one_of(online, ONLINE)) {
            zt_qb_sql(&f, " AND i.online = ?");
            zt_qb_text(&f, online);
        } else
            return zt_fail(e, ZT_EINVAL, "online", "online 须为 全程网办、网上预审、不可网办 之一，或 1（可网上申请）");
    }
    if (kind && *kind) {
        if (!one_of(kind, PROCESS_KINDS))
            return zt_fail(e, ZT_EINVAL, "kind", "kind 须为 licensing、on_the_spot、joint_review 之一");
        zt_qb_sql(&f, " AND i.flow_id = ?");
        zt_qb_text(&f, kind);
    }
    return reply_list(r, &f, "ORDER BY i.code", e);
}

static zt_err code_param(zt_req *r, const char **code, zt_error *e) {
    *code = zt_req_param(r, "code");
    if (!*code || strlen(*code) > 40) return zt_fail(e, ZT_ENOTFOUND, "code", "事项不存在");
    return ZT_OK;
}

static zt_err h_get(zt_req *r, zt_error *e) {
    const char *code;
    zt_err rc = code_param(r, &code, e);
    return rc ? rc : item_reply(r, code, 0, 200, 0, e);
}

static zt_err h_version(zt_req *r, zt_error *e) {
    const char *code;
    int64_t version;
    zt_err rc = code_param(r, &code, e);
    if (!rc) rc = zt_req_param_id(r, "version", &version, e);
    return rc ? rc : item_reply(r, code, version, 200, 0, e);
}

/* GET /api/dept/items: the department's items, every version and status. */
static zt_err h_dept_items(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    const char *status = zt_req_query(r, "status"), *dept = zt_req_query(r, "dept"), *q = zt_req_query(r, "q");
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!(p->role_bit & ZT_R_ADMIN)) {
        if (!p->dept_id) return zt_fail(e, ZT_EFORBIDDEN, "dept", "当前账户不属于任何部门");
        zt_qb_sql(&f, " AND i.dept_id = ?");
        zt_qb_int(&f, p->dept_id);
    } else if (dept && *dept) {
        zt_qb_sql(&f, " AND d.code = ?");
        zt_qb_text(&f, dept);
    }
    if (status && *status) {
        static const char *const all[] = {"draft",      "in_review", "returned",  "published",
                                          "superseded", "suspended", "cancelled", NULL};
        if (!one_of(status, all))
            return zt_fail(e, ZT_EINVAL, "status",
                           "status 须为 draft、in_review、returned、published、superseded、suspended、cancelled 之一");
        zt_qb_sql(&f, " AND i.status = ?");
        zt_qb_text(&f, status);
    }
    if (q && *q) zt_qb_search(&f, q, (const char *const[]){"i.name", "i.code", NULL});
    return reply_list(r, &f, "ORDER BY i.code, i.version DESC", e);
}

/* GET /api/items/review: the legality-review queue (法制审查). */
static zt_err h_review_queue(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "i.status = 'in_review'");
    if (!(p->role_bit & ZT_R_ADMIN)) {
        if (!p->region || !*p->region) return zt_fail(e, ZT_EFORBIDDEN, "region", "当前账户没有审查的行政区划");
        zt_qb_region(&f, "i.region_code", p->region);
    }
    zt_err rc = region_filter(r, &f, e);
    if (rc) return rc;
    return reply_list(r, &f, "ORDER BY i.submitted_at, i.code", e);
}

typedef struct {
    json_t *items, *versions; /* row id -> version */
} history_ctx;

/* One step as the history lists it: the opinion is the review's, or the
 * reason of a suspension or cancellation, or the file an import read. */
static void history_row(const zt_flow_event *ev, void *ctx) {
    history_ctx *h = ctx;
    static const char *const texts[] = {"opinion", "reason", "source", NULL};
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)ev->row_id);
    json_t *fields = json_loads(ev->fields, 0, NULL);
    const char *text = "";
    for (int i = 0; texts[i] && !*text; i++) {
        const char *v = json_string_value(json_object_get(fields, texts[i]));
        if (v) text = v;
    }
    char at[32];
    zt_time_format(ev->at, at);
    json_array_append_new(h->items, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)ev->id, "version",
                                              json_integer_value(json_object_get(h->versions, id)), "action",
                                              ev->action, "actor", ev->actor, "at", at, "opinion", text));
    json_decref(fields);
}

/* GET /api/items/{code}/history: every step of every version. */
static zt_err h_history(zt_req *r, zt_error *e) {
    const char *code;
    int64_t dept;
    char region[16];
    zt_err rc = code_param(r, &code, e);
    if (!rc) rc = item_owner(r, code, &dept, region, e);
    if (rc) return rc;
    if (!can_see_all(zt_req_principal(r), dept, region))
        return zt_fail(e, ZT_EFORBIDDEN, "code", "只能查看本部门事项的办理记录");
    zt_db *db = zt_store_reader(APP(r)->store);
    history_ctx h = {json_array(), json_object()};
    zt_stmt *st = zt_db_prepare(db, "SELECT id, version FROM items WHERE code = ?", e);
    if (!st) rc = ZT_EINTERNAL;
    if (!rc) {
        zt_bind_text(st, 1, code);
        while ((rc = zt_step(st, e)) == ZT_ROW) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)zt_col_int(st, 0));
            json_object_set_new(h.versions, id, json_integer(zt_col_int(st, 1)));
        }
        zt_db_release(db);
        rc = rc == ZT_DONE ? ZT_OK : rc;
    }
    if (!rc) rc = zt_flow_history(db, "item", code, 0, history_row, &h, e);
    json_decref(h.versions);
    if (rc) {
        json_decref(h.items);
        return rc;
    }
    zt_reply_json(r, 200, json_pack("{s:s,s:o}", "code", code, "items", h.items));
    return ZT_OK;
}

/* --- drafting --- */

typedef struct {
    const zt_principal *p;
    json_t *guide;
    guide_info gi;
    const char *code; /* the path's code (edit, new version) */
    int64_t id, version;
} draft_arg;

static zt_err write_create(zt_db *db, void *arg, zt_error *e) {
    draft_arg *a = arg;
    int64_t now = zt_now();
    zt_err exists = code_exists(db, a->gi.code, e);
    if (zt_step_failed(exists)) return exists;
    if (exists == ZT_ROW) return zt_fail(e, ZT_ECONFLICT, "code", "事项编码 %s 已存在（修改请启动新版本）", a->gi.code);
    a->version = 1;
    zt_err rc = insert_item(db, &a->gi, a->guide, 1, "draft", a->p, now, &a->id, e);
    if (!rc) rc = item_created(db, a->id, "create", a->p, NULL, now, e);
    return rc;
}

/* The open version (draft, in_review, returned) of a code: ZT_ROW found,
 * ZT_DONE not, or the error. */
static zt_err open_version(zt_db *db, const char *code, int64_t *id, int64_t *version, char status[16], zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT id, version, status FROM items WHERE code = ?"
                              " AND status IN ('draft', 'in_review', 'returned')",
                              ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) {
        *id = zt_col_int(st, 0);
        *version = zt_col_int(st, 1);
        snprintf(status, 16, "%s", zt_col_text(st, 2));
    }
    return rc;
}

static zt_err write_edit(zt_db *db, void *arg, zt_error *e) {
    draft_arg *a = arg;
    char status[16];
    zt_err found = open_version(db, a->code, &a->id, &a->version, status, e);
    if (zt_step_failed(found)) return found;
    if (found == ZT_DONE) return zt_fail(e, ZT_ECONFLICT, "status", "事项没有可修改的草稿，请先启动新版本");
    if (!strcmp(status, "in_review"))
        return zt_fail(e, ZT_ECONFLICT, "status", "第 %lld 版正在法制审查中，不能修改", (long long)a->version);
    zt_stmt *st = zt_db_prepare(db,
                                "UPDATE items SET name = ?, type = ?, region_code = ?, flow_id = ?, legal_days = ?,"
                                " promised_days = ?, online = ?, guide = ?, extension_days = ? WHERE id = ?",
                                e);
    if (!st) return ZT_EINTERNAL;
    char *text = json_dumps(a->guide, JSON_COMPACT);
    if (!text) return zt_fail(e, ZT_EINTERNAL, NULL, "cannot serialise the guide");
    zt_bind_text(st, 1, a->gi.name);
    zt_bind_text(st, 2, a->gi.type);
    zt_bind_text(st, 3, a->gi.region);
    zt_bind_text(st, 4, a->gi.flow);
    zt_bind_int(st, 5, a->gi.legal);
    zt_bind_int(st, 6, a->gi.promised);
    zt_bind_text(st, 7, a->gi.online);
    zt_bind_text(st, 8, text);
    free(text);
    zt_bind_int(st, 9, a->gi.extension >= 0 ? a->gi.extension : default_extension(a->gi.flow));
    zt_bind_int(st, 10, a->id);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    /* the edit is a step of the version (its state stays) */
    item_ref it;
    if ((rc = load_ref(db, a->id, &it, e))) return rc;
    return item_step(db, &it, "edit", a->p, NULL, e);
}

static zt_err write_new_version(zt_db *db, void *arg, zt_error *e) {
    draft_arg *a = arg;
    char status[16];
    int64_t open_id, open_v;
    zt_err found = open_version(db, a->code, &open_id, &open_v, status, e);
    if (zt_step_failed(found)) return found;
    if (found == ZT_ROW)
        return zt_fail(e, ZT_ECONFLICT, "status", "已有正在编制或审查的第 %lld 版（%s），不能再启动新版本",
                       (long long)open_v, status_label(status));
    zt_stmt *st =
        zt_db_query(db, e, "SELECT id, status FROM items WHERE code = ? ORDER BY version DESC LIMIT 1", ZT_T(a->code));
    if (!st) return ZT_EINTERNAL;
    found = zt_step(st, e);
    if (zt_step_failed(found)) return found;
    if (found == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "code", "事项不存在");
    snprintf(status, sizeof status, "%s", zt_col_text(st, 1));
    st = zt_db_query(db, e, "SELECT id FROM items WHERE code = ? AND status = 'published'", ZT_T(a->code));
    if (!st) return ZT_EINTERNAL;
    found = zt_step(st, e);
    if (zt_step_failed(found)) return found;
    if (found == ZT_DONE)
        return zt_fail(e, ZT_ECONFLICT, "status", "只有已发布的事项可以启动新版本（当前状态：%s）",
                       status_label(status));
    int64_t from = zt_col_int(st, 0), now = zt_now();
    st = zt_db_query(db, e,
                     "INSERT INTO items (code, version, status, name, type, dept_id, region_code, flow_id,"
                     " legal_days, promised_days, online, guide, created_by, created_at, updated_at, extension_days)"
                     " SELECT code, (SELECT max(version) FROM items WHERE code = ?) + 1, 'draft', name, type,"
                     " dept_id, region_code, flow_id, legal_days, promised_days, online, guide, ?, ?, ?,"
                     " extension_days"
                     " FROM items WHERE id = ? RETURNING id, version",
                     ZT_T(a->code));
    if (!st) return ZT_EINTERNAL;
    if (a->p->user_id)
        zt_bind_int(st, 2, a->p->user_id);
    else
        zt_bind_null(st, 2);
    zt_bind_int(st, 3, now);
    zt_bind_int(st, 4, now);
    zt_bind_int(st, 5, from);
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ECONFLICT) return zt_fail(e, ZT_ECONFLICT, "status", "已有正在编制或审查的版本");
    if (zt_step_failed(rc)) return rc;
    if (rc != ZT_ROW) return zt_fail(e, ZT_EINTERNAL, NULL, "copy returned no row");
    a->id = zt_col_int(st, 0);
    a->version = zt_col_int(st, 1);
    zt_db_release(db);
    return item_created(db, a->id, "new_version", a->p, NULL, now, e);
}

/* Validate the request's guide for a department the user may edit. */
static zt_err take_guide(zt_req *r, draft_arg *a, zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_err rc = zt_req_json(r, &a->guide, e);
    if (!rc) rc = guide_check(db, a->guide, &a->gi, e);
    zt_db_release(db);
    if (rc) return rc;
    if (!can_edit(a->p, a->gi.dept_id)) return zt_fail(e, ZT_EFORBIDDEN, "department", "只能编制本部门的事项");
    return ZT_OK;
}

static zt_err h_create(zt_req *r, zt_error *e) {
    draft_arg a = {.p = zt_req_principal(r)};
    zt_err rc = take_guide(r, &a, e);
    if (!rc) rc = zt_store_write(APP(r)->store, write_create, &a, e);
    return rc ? rc : item_reply(r, a.gi.code, a.version, 201, 1, e);
}

static zt_err h_edit(zt_req *r, zt_error *e) {
    draft_arg a = {.p = zt_req_principal(r)};
    int64_t dept;
    char region[16];
    zt_err rc = code_param(r, &a.code, e);
    if (!rc) rc = item_owner(r, a.code, &dept, region, e);
    if (rc) return rc;
    if (!can_edit(a.p, dept)) return zt_fail(e, ZT_EFORBIDDEN, "code", "只能修改本部门的事项");
    if ((rc = take_guide(r, &a, e))) return rc;
    if (strcmp(a.gi.code, a.code) != 0)
        return zt_fail(e, ZT_EINVAL, "code", "指南中的编码 %s 与路径中的 %s 不一致", a.gi.code, a.code);
    if (a.gi.dept_id != dept) return zt_fail(e, ZT_EINVAL, "department", "事项的主管部门不能修改");
    if ((rc = zt_store_write(APP(r)->store, write_edit, &a, e))) return rc;
    return item_reply(r, a.code, a.version, 200, 1, e);
}

static zt_err h_new_version(zt_req *r, zt_error *e) {
    draft_arg a = {.p = zt_req_principal(r)};
    int64_t dept;
    char region[16];
    zt_err rc = code_param(r, &a.code, e);
    if (!rc) rc = item_owner(r, a.code, &dept, region, e);
    if (rc) return rc;
    if (!can_edit(a.p, dept)) return zt_fail(e, ZT_EFORBIDDEN, "code", "只能修改本部门的事项");
    if ((rc = zt_store_write(APP(r)->store, write_new_version, &a, e))) return rc;
    return item_reply(r, a.code, a.version, 201, 1, e);
}

/* --- lifecycle steps --- */

typedef struct {
    const zt_principal *p;
    const char *code;
    const char *action;      /* submit, approve, return, suspend, resume, cancel */
    const char *verb;        /* for the 409 message: 提交法制审查 */
    const char *const *from; /* statuses the step applies to */
    const char *to;          /* the new status */
    const char *opinion;     /* review opinion or reason */
    const char *text_key;    /* its field: "opinion" or "reason" */
    int64_t id, version;     /* out: the version acted on */
} step_arg;

/* The versions of the code in the statuses of from (the newest first), in
 * rows[8]; *newest the status of its newest version ("" = no such code). */
static zt_err rows_in(zt_db *db, const char *code, const char *const *from, item_ref rows[8], int *n, char newest[16],
                      zt_error *e) {
    zt_stmt *st = zt_db_query(
        db, e, "SELECT " ITEM_REF_COLS " FROM " ITEM_REF_FROM " WHERE i.code = ? ORDER BY i.version DESC", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    zt_err rc;
    *n = 0;
    newest[0] = 0;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        const char *s = zt_col_text(st, 4);
        if (!newest[0]) snprintf(newest, 16, "%s", s);
        if (one_of(s, from) && *n < 8) ref_from(st, &rows[(*n)++]);
    }
    zt_db_release(db);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

static zt_err write_step(zt_db *db, void *arg, zt_error *e) {
    step_arg *a = arg;
    item_ref rows[8], old[8];
    int n = 0, m = 0;
    char newest[16];
    zt_err rc = rows_in(db, a->code, a->from, rows, &n, newest, e);
    if (rc) return rc;
    if (!newest[0]) return zt_fail(e, ZT_ENOTFOUND, "code", "事项不存在");
    if (!n) return zt_fail(e, ZT_ECONFLICT, "status", "事项当前状态为「%s」，不能%s", status_label(newest), a->verb);
    json_t *fields = json_object();
    if (a->opinion) json_object_set_new(fields, a->text_key, json_string(a->opinion));
    if (!strcmp(a->action, "approve")) {
        /* the version under review replaces the public one, in this write,
         * after the reviewer's four eyes were checked on it */
        zt_flow_instance in;
        if (!(rc = item_instance(&rows[0], &in, e))) rc = zt_flow_may(db, &in, a->action, a->p, e);
        static const char *const pub[] = {"published", "suspended", NULL};
        if (!rc) rc = rows_in(db, a->code, pub, old, &m, newest, e);
        for (int i = 0; i < m && !rc; i++) rc = item_step(db, &old[i], "supersede", a->p, NULL, e);
    }
    for (int i = 0; i < n && !rc; i++) rc = item_step(db, &rows[i], a->action, a->p, fields, e);
    json_decref(fields);
    a->id = rows[0].id;
    a->version = rows[0].version;
    return rc;
}

/* The optional or required text of a step's body: "opinion" or "reason". */
static zt_err step_text(zt_req *r, const char *key, int required, const char **out, zt_error *e) {
    size_t len;
    *out = NULL;
    zt_req_body(r, &len);
    if (!len && !required) return ZT_OK;
    json_t *b;
    const char *const allowed[] = {key, NULL};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, key, 0, 1000, out, e);
    if (rc) return rc;
    if (required && (!*out || strspn(*out, " \t\r\n") == strlen(*out)))
        return zt_fail(e, ZT_EINVAL, key, "%s", strcmp(key, "reason") ? "须填写审查意见" : "须填写原因");
    return ZT_OK;
}

static zt_err run_step(zt_req *r, step_arg *a, zt_error *e) {
    a->p = zt_req_principal(r);
    zt_err rc = zt_store_write(APP(r)->store, write_step, a, e);
    return rc ? rc : item_reply(r, a->code, a->version, 200, 1, e);
}

static zt_err h_submit(zt_req *r, zt_error *e) {
    static const char *const from[] = {"draft", "returned", NULL};
    step_arg a = {.action = "submit", .verb = "提交法制审查", .from = from, .to = "in_review"};
    int64_t dept;
    char region[16];
    zt_err rc = code_param(r, &a.code, e);
    if (!rc) rc = item_owner(r, a.code, &dept, region, e);
    if (rc) return rc;
    if (!can_edit(zt_req_principal(r), dept)) return zt_fail(e, ZT_EFORBIDDEN, "code", "只能提交本部门的事项");
    return run_step(r, &a, e);
}

/* POST /api/items/{code}/review {decision, opinion}: 法制审查. */
static zt_err h_review(zt_req *r, zt_error *e) {
    static const char *const from[] = {"in_review", NULL};
    static const char *const allowed[] = {"decision", "opinion", NULL};
    static const char *const decisions[] = {"approve", "return", NULL};
    const zt_principal *p = zt_req_principal(r);
    step_arg a = {.verb = "作出审查决定", .from = from};
    int64_t dept;
    char region[16];
    const char *decision;
    json_t *b;
    zt_err rc = code_param(r, &a.code, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "decision", 1, 16, &decision, e);
    if (!rc && !one_of(decision, decisions))
        rc = zt_fail(e, ZT_EINVAL, "decision", "审查决定须为 approve（通过）或 return（退回）");
    if (!rc) rc = zt_json_str(b, "opinion", 0, 1000, &a.opinion, e);
    if (rc) return rc;
    int ret = !strcmp(decision, "return");
    if (ret && (!a.opinion || strspn(a.opinion, " \t\r\n") == strlen(a.opinion)))
        return zt_fail(e, ZT_EINVAL, "opinion", "退回时须填写审查意见");
    if ((rc = item_owner(r, a.code, &dept, region, e))) return rc;
    if (!(p->role_bit & ZT_R_ADMIN) && !zt_region_within(region, p->region))
        return zt_fail(e, ZT_EFORBIDDEN, "code", "该事项不在本机构的审查范围内");
    a.action = ret ? "return" : "approve";
    a.to = ret ? "returned" : "published";
    a.text_key = "opinion";
    return run_step(r, &a, e);
}

/* suspend, resume, cancel: the department's head or an administrator. */
static zt_err status_step(zt_req *r, step_arg *a, int need_reason, zt_error *e) {
    int64_t dept;
    char region[16];
    a->text_key = "reason";
    zt_err rc = code_param(r, &a->code, e);
    if (!rc) rc = step_text(r, "reason", need_reason, &a->opinion, e);
    if (!rc) rc = item_owner(r, a->code, &dept, region, e);
    if (rc) return rc;
    if (!zt_scope_dept_write(zt_req_principal(r), dept))
        return zt_fail(e, ZT_EFORBIDDEN, "code", "只有本部门负责人或系统管理员可以暂停、恢复或取消事项");
    return run_step(r, a, e);
}

static zt_err h_suspend(zt_req *r, zt_error *e) {
    static const char *const from[] = {"published", NULL};
    step_arg a = {.action = "suspend", .verb = "暂停", .from = from, .to = "suspended"};
    return status_step(r, &a, 1, e);
}

static zt_err h_resume(zt_req *r, zt_error *e) {
    static const char *const from[] = {"suspended", NULL};
    step_arg a = {.action = "resume", .verb = "恢复", .from = from, .to = "published"};
    return status_step(r, &a, 0, e);
}

/* Cancelling ends the item: its public version and any version in the
 * making. */
static zt_err h_cancel(zt_req *r, zt_error *e) {
    static const char *const from[] = {"published", "suspended", "draft", "in_review", "returned", NULL};
    step_arg a = {.action = "cancel", .verb = "取消", .from = from, .to = "cancelled"};
    return status_step(r, &a, 1, e);
}

#define EDITORS   (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_ADMIN)
#define REVIEWERS (ZT_R_LEGAL | ZT_R_ADMIN)
static const zt_route routes[] = {
    /* before /api/items/{code}: the first matching pattern wins */
    {"GET", "/api/items/review", h_review_queue, REVIEWERS, "legality-review queue (in_review; region, page)"},
    {"GET", "/api/items", h_list, ZT_PUBLIC,
     "published power items (q, dept, region incl. below, type, online, kind, page)"},
    {"GET", "/api/items/{code}", h_get, ZT_PUBLIC, "the published version of an item with its whole guide"},
    {"GET", "/api/items/{code}/versions/{version}", h_version, ZT_PUBLIC,
     "one version (public if published/superseded; others for its department, reviewers, admins)"},
    {"GET", "/api/items/{code}/history", h_history, ZT_R_STAFF, "lifecycle events of every version (its department)"},
    {"POST", "/api/items", h_create, EDITORS, "draft a new item (body: the guide; own department)"},
    {"PUT", "/api/items/{code}/draft", h_edit, EDITORS, "edit the draft or returned version (body: the guide)"},
    {"POST", "/api/items/{code}/versions", h_new_version, EDITORS, "start a new version from the published one"},
    {"POST", "/api/items/{code}/submit", h_submit, EDITORS, "submit the draft for legality review (法制审查)"},
    {"POST", "/api/items/{code}/review", h_review, REVIEWERS,
     "legality review {decision: approve or return, opinion}; approve publishes"},
    {"POST", "/api/items/{code}/suspend", h_suspend, ZT_R_DEPT_HEAD | ZT_R_ADMIN, "suspend a published item {reason}"},
    {"POST", "/api/items/{code}/resume", h_resume, ZT_R_DEPT_HEAD | ZT_R_ADMIN, "resume a suspended item"},
    {"POST", "/api/items/{code}/cancel", h_cancel, ZT_R_DEPT_HEAD | ZT_R_ADMIN, "cancel an item for good {reason}"},
    {"GET", "/api/dept/items", h_dept_items, EDITORS, "the department's items, every version (status, q, page)"},
};

const zt_route *zt_items_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

zt_err zt_items_fees(zt_db *db, const char *code, int64_t version, int64_t *count, int64_t *cap, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              version ? "SELECT guide FROM items WHERE code = ? AND version = ?"
                                      : "SELECT guide FROM items WHERE code = ? ORDER BY version DESC",
                              ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    if (version) zt_bind_int(st, 2, version);
    zt_err rc = zt_step(st, e);
    json_t *g = rc == ZT_ROW ? json_loads(zt_col_text(st, 0), 0, NULL) : NULL;
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "item_code", "事项 %s 不在目录中", code);
    if (!json_is_object(g)) {
        json_decref(g);
        return zt_fail(e, ZT_EINTERNAL, "guide", "事项 %s 的办事指南无法读取", code);
    }
    json_t *fees = json_object_get(g, "fees"), *f;
    size_t i;
    *count = (int64_t)json_array_size(fees);
    *cap = 0;
    json_array_foreach(fees, i, f) {
        json_t *a = json_object_get(f, "amount_yuan");
        if (!json_is_number(a)) {
            *cap = -1;
            break;
        }
        *cap += (int64_t)(json_number_value(a) * 100 + 0.5);
    }
    json_decref(g);
    return ZT_OK;
}
